"""Knowledge base: documents with their bytes, chunks with vectors and text search, jobs.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import importlib

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_accounts = importlib.import_module("adapters.outbound.postgres.migrations.versions.0001_accounts")


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE documents (
            id uuid PRIMARY KEY,
            workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
            title text NOT NULL,
            filename text NOT NULL,
            mime_type text NOT NULL,
            size_bytes bigint NOT NULL CHECK (size_bytes >= 0),
            checksum text NOT NULL,
            status text NOT NULL CHECK (status IN ('queued', 'processing', 'ready', 'failed')),
            chunk_count integer NOT NULL DEFAULT 0,
            error text,
            created_at timestamptz NOT NULL,
            updated_at timestamptz NOT NULL,
            CONSTRAINT documents_workspace_checksum_key UNIQUE (workspace_id, checksum)
        );
        CREATE INDEX ix_documents_workspace_created ON documents (workspace_id, created_at, id);

        -- The original bytes, apart so that listing documents never reads them.
        CREATE TABLE document_contents (
            document_id uuid PRIMARY KEY REFERENCES documents(id) ON DELETE CASCADE,
            workspace_id uuid NOT NULL,
            data bytea NOT NULL
        );
        ALTER TABLE document_contents ALTER COLUMN data SET STORAGE EXTERNAL;

        CREATE TABLE chunks (
            id uuid PRIMARY KEY,
            workspace_id uuid NOT NULL,
            document_id uuid NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            ordinal integer NOT NULL,
            text text NOT NULL,
            heading text,
            page integer,
            token_count integer NOT NULL,
            embedding vector(384) NOT NULL,
            -- 'simple': no language's stemming or stop words, so every language is searchable.
            search_vector tsvector GENERATED ALWAYS AS (
                setweight(to_tsvector('simple', coalesce(heading, '')), 'A')
                || setweight(to_tsvector('simple', text), 'B')
            ) STORED,
            CONSTRAINT chunks_document_ordinal_key UNIQUE (document_id, ordinal)
        );
        CREATE INDEX ix_chunks_workspace_document ON chunks (workspace_id, document_id);
        CREATE INDEX ix_chunks_embedding ON chunks
            USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64);
        CREATE INDEX ix_chunks_search ON chunks USING gin (search_vector);

        CREATE TABLE ingestion_jobs (
            id uuid PRIMARY KEY,
            workspace_id uuid NOT NULL,
            document_id uuid NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            status text NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed')),
            attempts integer NOT NULL DEFAULT 0,
            max_attempts integer NOT NULL,
            run_after timestamptz NOT NULL,
            locked_by text,
            locked_until timestamptz,
            last_error text,
            created_at timestamptz NOT NULL,
            updated_at timestamptz NOT NULL
        );
        CREATE INDEX ix_jobs_open ON ingestion_jobs (run_after)
            WHERE status IN ('queued', 'running');
        CREATE INDEX ix_jobs_document ON ingestion_jobs (document_id);
        """
    )
    for table in ("documents", "document_contents", "chunks", "ingestion_jobs"):
        op.execute(_accounts.tenant_policy(table, "workspace_id"))


def downgrade() -> None:
    op.execute("DROP TABLE ingestion_jobs, chunks, document_contents, documents")
