"""Each chunk's sentence embeddings, made once after ingestion (issue 14).

The extractive answer weighs every sentence of its passages by meaning; embedding them
while the visitor waits was the largest share of a first-time widget message. One row per
(chunk, embedding model): the sentences' vectors packed as float16 (`application.ports.
sentence_vectors.SentenceVectors`), ~0.75 KiB a sentence, out of line in TOAST. A separate
table, so filling it never rewrites a chunk's row (and its HNSW entry); it goes with its
chunk by the foreign key's cascade.

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

import importlib

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

_accounts = importlib.import_module("adapters.outbound.postgres.migrations.versions.0001_accounts")


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE chunk_sentence_vectors (
            chunk_id uuid NOT NULL REFERENCES chunks(id) ON DELETE CASCADE,
            model text NOT NULL,
            workspace_id uuid NOT NULL,
            vectors bytea NOT NULL,
            PRIMARY KEY (chunk_id, model)
        );
        """
    )
    op.execute(_accounts.tenant_policy("chunk_sentence_vectors", "workspace_id"))


def downgrade() -> None:
    op.execute("DROP TABLE chunk_sentence_vectors")
