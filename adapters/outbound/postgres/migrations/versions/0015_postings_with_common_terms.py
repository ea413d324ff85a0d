"""Keyword postings that tell which common query terms each chunk holds.

A search finds keyword candidates through the rarest informative terms' postings
(`ccgpt_term_postings`, migration 0013) and scores them by every informative term they
hold, the common ones included. It used to look each candidate up again to read its terms
for those (2,400 index lookups on the search benchmark's largest workspace, longer than
finding the candidates), while the lookup that found it had just read the same row. The
function now returns, with each posting, whether its chunk holds each common term: one
boolean per common term in the lookup's select list, the terms written in as quoted
literals (each such test costs ~5 us a row, so only the common terms are tested: a
finding term is known from its own lookup; testing them all, or building the array per
row by a subquery, cost two to six times the lookups themselves).

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import importlib

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

_term_postings = importlib.import_module(
    "adapters.outbound.postgres.migrations.versions.0013_term_postings"
)


def upgrade() -> None:
    op.execute(
        """
        DROP FUNCTION ccgpt_term_postings(text[]);
        CREATE FUNCTION ccgpt_term_postings(wanted text[], common text[])
        RETURNS TABLE (id uuid, term text, common_held boolean[])
        LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
        DECLARE
            workspace uuid := NULLIF(current_setting('ccgpt.workspace_id', true), '')::uuid;
            held text := 'ARRAY[]::boolean[]';
            one text;
        BEGIN
            IF cardinality(common) > 0 THEN  -- ARRAY['a' = ANY(c.terms), ...], quoted by %L
                SELECT 'ARRAY[' || string_agg(format('%L::text = ANY(c.terms)', t), ', ' ORDER BY i)
                       || ']'
                INTO held FROM unnest(common) WITH ORDINALITY AS a(t, i);
            END IF;
            FOREACH one IN ARRAY wanted LOOP
                RETURN QUERY EXECUTE
                    'SELECT c.id, $3, ' || held || ' FROM public.chunks c '
                    'WHERE c.workspace_id = $1 AND c.terms && $2'
                    USING workspace, ARRAY[one], one;
            END LOOP;
        END $$;
        REVOKE ALL ON FUNCTION ccgpt_term_postings(text[], text[]) FROM PUBLIC;
        GRANT EXECUTE ON FUNCTION ccgpt_term_postings(text[], text[]) TO ccgpt_app;
        """
    )


def downgrade() -> None:
    op.execute("DROP FUNCTION ccgpt_term_postings(text[], text[])")
    _term_postings.upgrade()  # migration 0013's function, as it was
