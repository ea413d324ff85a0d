"""Keyword postings in a B-tree table: a term's chunks read from the index alone.

A search finds keyword candidates through the rarest informative terms' postings. Through
the GIN index (migrations 0013 and 0015) every posting cost a visit to its chunk's row
(~10-15 us: the GIN index says which rows may hold the term, the row is read to check it
and to test the common terms), and the largest workspace of the search benchmark spent
10-17 ms of a search on ~1,000 postings. `chunk_postings` holds one row per (workspace,
term, chunk): a term's chunks in a workspace are one range of its primary key, read by an
index-only scan, and whether a found chunk holds a common term is a lookup in the same
index. Equality on uuid and text is leakproof, so under row-level security the planner
still uses the index for the app role: no SECURITY DEFINER function is needed any more,
and the GIN index on `chunks.terms` and `ccgpt_term_postings` go.

Statement triggers on `chunks` keep the table exact in the transaction that adds or
removes chunks (also when a document's deletion cascades), as `workspace_terms`'s do.
Chunks' terms are never updated in place (a reindex replaces the chunks).

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

import importlib

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

_accounts = importlib.import_module("adapters.outbound.postgres.migrations.versions.0001_accounts")
_gin_postings = importlib.import_module(
    "adapters.outbound.postgres.migrations.versions.0013_term_postings"
)
_common_terms = importlib.import_module(
    "adapters.outbound.postgres.migrations.versions.0015_postings_with_common_terms"
)

TRIGGERS = """
CREATE FUNCTION chunk_postings_added() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO chunk_postings (workspace_id, term, chunk_id)
    SELECT a.workspace_id, t.term, a.id FROM added a, unnest(a.terms) AS t(term);
    RETURN NULL;
END $$;

CREATE FUNCTION chunk_postings_removed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM chunk_postings p
    USING (SELECT o.workspace_id, t.term, o.id FROM removed o, unnest(o.terms) AS t(term)) r
    WHERE p.workspace_id = r.workspace_id AND p.term = r.term AND p.chunk_id = r.id;
    RETURN NULL;
END $$;

CREATE TRIGGER chunks_postings_added AFTER INSERT ON chunks
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION chunk_postings_added();
CREATE TRIGGER chunks_postings_removed AFTER DELETE ON chunks
    REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION chunk_postings_removed();
"""


def upgrade() -> None:
    op.execute("SELECT set_config('ccgpt.scope', 'system', true)")
    op.execute(
        """
        CREATE TABLE chunk_postings (
            workspace_id uuid NOT NULL,
            term text NOT NULL,
            chunk_id uuid NOT NULL,
            PRIMARY KEY (workspace_id, term, chunk_id)
        );
        INSERT INTO chunk_postings (workspace_id, term, chunk_id)
        SELECT c.workspace_id, t.term, c.id FROM chunks c, unnest(c.terms) AS t(term)
        ORDER BY 1, 2, 3;
        DROP FUNCTION ccgpt_term_postings(text[], text[]);
        DROP INDEX ix_chunks_terms;
        """
    )
    op.execute(_accounts.tenant_policy("chunk_postings", "workspace_id"))
    op.execute(TRIGGERS)


def downgrade() -> None:
    op.execute(
        """
        DROP TRIGGER chunks_postings_added ON chunks;
        DROP TRIGGER chunks_postings_removed ON chunks;
        DROP FUNCTION chunk_postings_added(), chunk_postings_removed();
        DROP TABLE chunk_postings;
        CREATE INDEX ix_chunks_terms ON chunks USING gin (workspace_id, terms);
        """
    )
    _gin_postings.upgrade()  # the function as migration 0013 made it,
    _common_terms.upgrade()  # then as 0015 changed it
