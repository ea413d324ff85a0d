"""Each workspace's query map (issue 11; README, "Retrieval quality").

A linear map from the embedder's space into the teacher's, fitted on the workspace's chunks
that have a teacher vector (those are rows of `chunk_sentence_vectors` under the teacher's
model name: one float16 row a chunk). `fingerprint` names the chunks it was fitted on, so
the worker refits it when they change; float32, 384 x 768 (~1.2 MB), out of line in TOAST.
With fewer chunks than the embedder has dimensions no map is fitted: `matrix` is null.

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

import importlib

from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

_accounts = importlib.import_module("adapters.outbound.postgres.migrations.versions.0001_accounts")


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE workspace_query_maps (
            workspace_id uuid PRIMARY KEY REFERENCES workspaces(id) ON DELETE CASCADE,
            teacher text NOT NULL,
            fingerprint text NOT NULL,
            chunks integer NOT NULL,
            rows integer NOT NULL,
            matrix bytea,
            fitted_at timestamptz NOT NULL DEFAULT now()
        );
        """
    )
    op.execute(_accounts.tenant_policy("workspace_query_maps", "workspace_id"))


def downgrade() -> None:
    op.execute("DROP TABLE workspace_query_maps")
