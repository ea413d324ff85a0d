"""Keyword search on terms computed in Python, with document frequencies kept by triggers.

`chunks.terms` holds each chunk's distinct terms as `domain.search_terms` makes them (codes
such as "E-2047" and "4.5.4" whole, light stemming), so PostgreSQL and the in-memory
adapter search the same vocabulary; it replaces the generated `search_vector`, whose
'simple' parser split codes apart. `workspace_terms` counts, per workspace, the chunks
holding each term; statement triggers on `chunks` keep it exact in the transaction that
adds or removes chunks (also when a document's deletion cascades), so a search reads
document frequencies with one index lookup and never counts them cold.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import importlib

import sqlalchemy as sa
from alembic import op

from domain.search_terms import chunk_terms

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_accounts = importlib.import_module("adapters.outbound.postgres.migrations.versions.0001_accounts")

TRIGGERS = """
CREATE FUNCTION workspace_terms_added() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO workspace_terms AS w (workspace_id, term, chunks)
    SELECT a.workspace_id, t.term, count(*)
    FROM added a, unnest(a.terms) AS t(term)
    GROUP BY 1, 2
    ORDER BY 1, 2
    ON CONFLICT (workspace_id, term) DO UPDATE SET chunks = w.chunks + excluded.chunks;
    RETURN NULL;
END $$;

CREATE FUNCTION workspace_terms_removed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE workspace_terms w SET chunks = w.chunks - r.n
    FROM (SELECT o.workspace_id, t.term, count(*) AS n
          FROM removed o, unnest(o.terms) AS t(term)
          GROUP BY 1, 2) r
    WHERE w.workspace_id = r.workspace_id AND w.term = r.term;
    DELETE FROM workspace_terms w
    USING (SELECT DISTINCT o.workspace_id, t.term
           FROM removed o, unnest(o.terms) AS t(term)) r
    WHERE w.workspace_id = r.workspace_id AND w.term = r.term AND w.chunks <= 0;
    RETURN NULL;
END $$;

CREATE TRIGGER chunks_terms_added AFTER INSERT ON chunks
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION workspace_terms_added();
CREATE TRIGGER chunks_terms_removed AFTER DELETE ON chunks
    REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION workspace_terms_removed();
"""


def upgrade() -> None:
    op.execute("SELECT set_config('ccgpt.scope', 'system', true)")
    op.execute("ALTER TABLE chunks ADD COLUMN terms text[] NOT NULL DEFAULT '{}'")
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, heading, text FROM chunks")).all()
    for row in rows:
        bind.execute(
            sa.text("UPDATE chunks SET terms = :terms WHERE id = :id"),
            {"id": row.id, "terms": chunk_terms(row.heading, row.text)},
        )
    op.execute(
        """
        DROP INDEX IF EXISTS ix_chunks_search;
        ALTER TABLE chunks DROP COLUMN search_vector;
        -- One GIN index over (workspace, term): a common word of a large tenant is never
        -- scanned for a small one (btree_gin ships with PostgreSQL's contrib modules).
        CREATE EXTENSION IF NOT EXISTS btree_gin;
        CREATE INDEX ix_chunks_terms ON chunks USING gin (workspace_id, terms);
        CREATE TABLE workspace_terms (
            workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
            term text NOT NULL,
            chunks integer NOT NULL,
            PRIMARY KEY (workspace_id, term)
        );
        INSERT INTO workspace_terms (workspace_id, term, chunks)
        SELECT c.workspace_id, t.term, count(*)
        FROM chunks c, unnest(c.terms) AS t(term)
        GROUP BY 1, 2;
        """
    )
    op.execute(_accounts.tenant_policy("workspace_terms", "workspace_id"))
    op.execute(TRIGGERS)


def downgrade() -> None:
    op.execute(
        """
        DROP TRIGGER chunks_terms_added ON chunks;
        DROP TRIGGER chunks_terms_removed ON chunks;
        DROP FUNCTION workspace_terms_added(), workspace_terms_removed();
        DROP TABLE workspace_terms;
        DROP INDEX ix_chunks_terms;
        ALTER TABLE chunks DROP COLUMN terms;
        ALTER TABLE chunks ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
            setweight(to_tsvector('simple', coalesce(heading, '')), 'A')
            || setweight(to_tsvector('simple', text), 'B')
        ) STORED;
        CREATE INDEX ix_chunks_search ON chunks USING gin (search_vector);
        """
    )
