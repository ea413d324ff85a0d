"""Keyword search through the GIN index again: a function that reads a term's chunks.

Row-level security lets the planner use only leakproof operators as index conditions,
and the array operators (`&&`, `@>`) are not: under the app role, `terms && ...` is a
filter over every chunk of the workspace (26,143 rows in the search benchmark's largest
workspace, ~150 ms), never a lookup in `ix_chunks_terms`. `ccgpt_term_postings` runs as
its owner and returns, for each of the terms, the ids of the chunks holding it in the
transaction's own workspace (`ccgpt.workspace_id`, the setting the policies read; nothing
without it), each lookup planned with its term's value (EXECUTE), so the GIN index finds
them. What a search returns of a chunk (text, title) is still read under row-level
security. When the owner is itself subject to
row-level security (not a superuser, no BYPASSRLS), the function stays correct, only slow.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE FUNCTION ccgpt_term_postings(wanted text[])
        RETURNS TABLE (id uuid, term text)
        LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
        DECLARE
            workspace uuid := NULLIF(current_setting('ccgpt.workspace_id', true), '')::uuid;
            one text;
        BEGIN
            FOREACH one IN ARRAY wanted LOOP
                RETURN QUERY EXECUTE
                    'SELECT c.id, $3 FROM public.chunks c '
                    'WHERE c.workspace_id = $1 AND c.terms && $2'
                    USING workspace, ARRAY[one], one;
            END LOOP;
        END $$;
        REVOKE ALL ON FUNCTION ccgpt_term_postings(text[]) FROM PUBLIC;
        GRANT EXECUTE ON FUNCTION ccgpt_term_postings(text[]) TO ccgpt_app;
        """
    )


def downgrade() -> None:
    op.execute("DROP FUNCTION ccgpt_term_postings(text[])")
