"""Term counts kept with each chunk, so a search scores BM25 without tokenising text.

`chunks.term_counts[i]` is how often `chunks.terms[i]` occurs in the chunk (heading and
text, as `domain.search_terms.chunk_term_counts` counts). Hybrid search used to tokenise
every candidate's text in Python to count the asked terms: on a 26,000-chunk workspace,
with ~100 candidates per search, most of them new to its cache, that was as long as the
database's own work. Now the search statement returns each candidate's counts of the
asked terms and its length. Existing chunks are counted here, aligned with the terms they
already have (their document frequencies in `workspace_terms` are unchanged).

Rows are rewritten for that anyway, so they are also stored whole from now on: a chunk's
row (a 1,540-byte vector, its text, terms and counts) is a little over PostgreSQL's
2 KB TOAST threshold, so the vector was moved out of line (the search benchmark's
database: a 156 MB TOAST table beside 238 MB of rows) and every exact-scan distance and
every candidate's cosine cost a TOAST lookup, and its terms were compressed, to be
decompressed by every keyword lookup's recheck. `embedding` is now stored PLAIN (always
in the row) and the table's `toast_tuple_target` is a full page, so a row is compressed
or moved out of line only when it would not fit one.

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic import op

from domain.search_terms import chunk_term_counts

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

_BATCH = 1000


def upgrade() -> None:
    op.execute("SELECT set_config('ccgpt.scope', 'system', true)")
    op.execute("ALTER TABLE chunks ADD COLUMN term_counts integer[]")
    op.execute("ALTER TABLE chunks SET (toast_tuple_target = 8160)")
    op.execute("ALTER TABLE chunks ALTER COLUMN embedding SET STORAGE PLAIN")
    # Every updated row would be inserted into the HNSW index again (~3 ms each: 100,000
    # chunks took 9 minutes); building it afresh once afterwards is several times faster.
    op.execute("DROP INDEX ix_chunks_embedding")
    bind = op.get_bind()
    page = sa.text(
        "SELECT id, heading, text, terms FROM chunks WHERE id > :after ORDER BY id LIMIT :n"
    )
    # New values for the vector and the terms, so the rewritten row holds them whole (an
    # unchanged value would keep its old out-of-line or compressed form).
    update = sa.text(
        "UPDATE chunks SET term_counts = :counts, embedding = embedding::real[]::vector, "
        "terms = terms || '{}'::text[] WHERE id = :id"
    )
    after = uuid.UUID(int=0)
    while rows := bind.execute(page, {"after": after, "n": _BATCH}).all():
        counted = []
        for row in rows:
            bag = chunk_term_counts(row.heading, row.text)
            counted.append({"id": row.id, "counts": [bag.get(term, 0) for term in row.terms]})
        bind.execute(update, counted)
        after = rows[-1].id
    op.execute("ALTER TABLE chunks ALTER COLUMN term_counts SET NOT NULL")
    op.execute(
        "CREATE INDEX ix_chunks_embedding ON chunks "
        "USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64)"
    )


def downgrade() -> None:
    op.execute("ALTER TABLE chunks DROP COLUMN term_counts")
    op.execute("ALTER TABLE chunks ALTER COLUMN embedding SET STORAGE EXTERNAL")
    op.execute("ALTER TABLE chunks RESET (toast_tuple_target)")
