"""Accounts: workspaces, users, API keys, refresh tokens; the app role and RLS.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

APP_ROLE = "ccgpt_app"
TENANT_TABLES = {
    "workspaces": "id",
    "users": "workspace_id",
    "api_keys": "workspace_id",
    "refresh_tokens": "workspace_id",
}


def tenant_policy(table: str, column: str) -> str:
    """Rows are visible only inside their workspace's transactions, or to the system scope."""
    condition = (
        "current_setting('ccgpt.scope', true) = 'system' OR "
        f"{column} = NULLIF(current_setting('ccgpt.workspace_id', true), '')::uuid"
    )
    return f"""
        ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;
        ALTER TABLE {table} FORCE ROW LEVEL SECURITY;
        CREATE POLICY tenant_isolation ON {table} USING ({condition}) WITH CHECK ({condition});
        GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {APP_ROLE};
    """


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS vector")
    op.execute(
        f"""
        DO $$ BEGIN
            IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
                CREATE ROLE {APP_ROLE} NOLOGIN NOSUPERUSER NOBYPASSRLS;
            END IF;
        END $$;
        GRANT {APP_ROLE} TO CURRENT_USER;
        GRANT USAGE ON SCHEMA public TO {APP_ROLE};
        """
    )
    op.execute(
        """
        CREATE TABLE workspaces (
            id uuid PRIMARY KEY,
            name text NOT NULL,
            plan text NOT NULL CHECK (plan IN ('free', 'pro', 'enterprise')),
            created_at timestamptz NOT NULL
        );
        CREATE TABLE users (
            id uuid PRIMARY KEY,
            workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
            email text NOT NULL CONSTRAINT users_email_key UNIQUE,
            full_name text NOT NULL,
            password_hash text NOT NULL,
            role text NOT NULL CHECK (role IN ('owner', 'admin', 'agent')),
            created_at timestamptz NOT NULL
        );
        CREATE INDEX ix_users_workspace_created ON users (workspace_id, created_at, id);
        CREATE TABLE api_keys (
            id uuid PRIMARY KEY,
            workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
            name text NOT NULL,
            prefix text NOT NULL,
            key_hash text NOT NULL UNIQUE,
            created_at timestamptz NOT NULL,
            revoked_at timestamptz,
            last_used_at timestamptz
        );
        CREATE INDEX ix_api_keys_workspace_created ON api_keys (workspace_id, created_at, id);
        CREATE TABLE refresh_tokens (
            id uuid PRIMARY KEY,
            family_id uuid NOT NULL,
            user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
            expires_at timestamptz NOT NULL,
            created_at timestamptz NOT NULL,
            spent_at timestamptz,
            revoked_at timestamptz,
            replaced_by uuid
        );
        CREATE INDEX ix_refresh_tokens_family ON refresh_tokens (family_id);
        """
    )
    for table, column in TENANT_TABLES.items():
        op.execute(tenant_policy(table, column))


def downgrade() -> None:
    op.execute("DROP TABLE refresh_tokens, api_keys, users, workspaces")
