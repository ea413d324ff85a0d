"""Analytics records, kept by triggers in the same transaction as each message.

One row per session and one per question (with its bot reply folded in), plus one per
cited document: reports read these narrow rows, never the message texts, and they stay
when a visitor's sessions and texts are erased, so every figure stays the same. Visitors
are counted through a random key; erasure forgets which visitor id it stood for.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import importlib

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_accounts = importlib.import_module("adapters.outbound.postgres.migrations.versions.0001_accounts")

TABLES = """
CREATE TABLE analytics_visitors (
    workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    visitor_id text NOT NULL,
    visitor_key text NOT NULL,
    PRIMARY KEY (workspace_id, visitor_id)
);
CREATE TABLE analytics_sessions (
    session_id uuid PRIMARY KEY,
    workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    embed_code_id uuid,
    visitor_key text NOT NULL,
    started_at timestamptz NOT NULL,
    queries integer NOT NULL DEFAULT 0,
    grounded_answers integer NOT NULL DEFAULT 0,
    last_bot_action text,
    last_answer_at timestamptz,
    last_visitor_at timestamptz,
    taken_over boolean NOT NULL DEFAULT false,
    agent_wrote boolean NOT NULL DEFAULT false,
    rated_down boolean NOT NULL DEFAULT false
);
CREATE INDEX ix_analytics_sessions_started ON analytics_sessions (workspace_id, started_at);
CREATE TABLE analytics_questions (
    message_id uuid PRIMARY KEY,
    workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    session_id uuid NOT NULL,
    embed_code_id uuid,
    visitor_key text NOT NULL,
    asked_at timestamptz NOT NULL,
    query text NOT NULL,
    reply_id uuid,
    action text,
    confidence_milli integer,
    latency_ms integer,
    rating text
);
CREATE INDEX ix_analytics_questions_asked ON analytics_questions (workspace_id, asked_at);
CREATE INDEX ix_analytics_questions_reply ON analytics_questions (reply_id);
CREATE INDEX ix_analytics_questions_session ON analytics_questions (session_id);
CREATE TABLE analytics_citations (
    message_id uuid NOT NULL,
    document_id uuid NOT NULL,
    workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    session_id uuid NOT NULL,
    embed_code_id uuid,
    cited_at timestamptz NOT NULL,
    PRIMARY KEY (message_id, document_id)
);
CREATE INDEX ix_analytics_citations_cited ON analytics_citations (workspace_id, cited_at);
"""

FUNCTIONS = """
CREATE FUNCTION analytics_visitor_key(ws uuid, visitor text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE found_key text;
BEGIN
    IF visitor IS NULL THEN
        RETURN gen_random_uuid()::text;  -- an anonymous session is a visitor of its own
    END IF;
    INSERT INTO analytics_visitors (workspace_id, visitor_id, visitor_key)
        VALUES (ws, visitor, gen_random_uuid()::text) ON CONFLICT DO NOTHING;
    SELECT visitor_key INTO found_key FROM analytics_visitors
        WHERE workspace_id = ws AND visitor_id = visitor;
    RETURN found_key;
END $$;

CREATE FUNCTION analytics_on_conversation() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO analytics_sessions
            (session_id, workspace_id, embed_code_id, visitor_key, started_at)
        VALUES (NEW.id, NEW.workspace_id, NEW.embed_code_id,
                analytics_visitor_key(NEW.workspace_id, NEW.visitor_id), NEW.started_at);
    ELSIF NEW.status = 'handoff' AND OLD.status IS DISTINCT FROM 'handoff' THEN
        UPDATE analytics_sessions SET taken_over = true WHERE session_id = NEW.id;
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION analytics_on_message() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.role = 'visitor' THEN
        INSERT INTO analytics_questions
            (message_id, workspace_id, session_id, embed_code_id, visitor_key, asked_at, query)
        SELECT NEW.id, NEW.workspace_id, NEW.session_id, s.embed_code_id, s.visitor_key,
               NEW.created_at, coalesce(NEW.query, '')
        FROM analytics_sessions s WHERE s.session_id = NEW.session_id;
        UPDATE analytics_sessions
           SET queries = queries + 1,
               last_visitor_at = greatest(last_visitor_at, NEW.created_at)
         WHERE session_id = NEW.session_id;
    ELSIF NEW.role = 'assistant' THEN
        UPDATE analytics_questions
           SET reply_id = NEW.id, action = NEW.action, latency_ms = NEW.latency_ms,
               confidence_milli = round(NEW.confidence * 1000)::integer
         WHERE message_id = NEW.reply_to AND reply_id IS NULL;
        UPDATE analytics_sessions
           SET grounded_answers = grounded_answers
                   + (NEW.action IS NOT DISTINCT FROM 'answered')::integer,
               last_bot_action = CASE WHEN last_answer_at IS NULL
                   OR NEW.created_at >= last_answer_at THEN NEW.action ELSE last_bot_action END,
               last_answer_at = greatest(last_answer_at, NEW.created_at)
         WHERE session_id = NEW.session_id;
        INSERT INTO analytics_citations
            (message_id, document_id, workspace_id, session_id, embed_code_id, cited_at)
        SELECT DISTINCT NEW.id, (src ->> 'document_id')::uuid, NEW.workspace_id,
               NEW.session_id, s.embed_code_id, NEW.created_at
        FROM jsonb_array_elements(NEW.sources) AS src
        JOIN analytics_sessions s ON s.session_id = NEW.session_id
        ON CONFLICT DO NOTHING;
    ELSE
        UPDATE analytics_sessions SET agent_wrote = true WHERE session_id = NEW.session_id;
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION analytics_on_feedback() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE analytics_questions SET rating = NEW.rating WHERE reply_id = NEW.message_id;
    UPDATE analytics_sessions
       SET rated_down = EXISTS (SELECT 1 FROM analytics_questions q
                                WHERE q.session_id = NEW.session_id AND q.rating = 'down')
     WHERE session_id = NEW.session_id;
    RETURN NULL;
END $$;

CREATE TRIGGER analytics_conversation AFTER INSERT OR UPDATE OF status ON conversations
    FOR EACH ROW EXECUTE FUNCTION analytics_on_conversation();
CREATE TRIGGER analytics_message AFTER INSERT ON messages
    FOR EACH ROW EXECUTE FUNCTION analytics_on_message();
CREATE TRIGGER analytics_feedback AFTER INSERT OR UPDATE ON feedback
    FOR EACH ROW EXECUTE FUNCTION analytics_on_feedback();
"""

# Conversations stored before this migration get their records too.
BACKFILL = """
INSERT INTO analytics_visitors (workspace_id, visitor_id, visitor_key)
SELECT DISTINCT workspace_id, visitor_id, gen_random_uuid()::text
FROM (SELECT DISTINCT workspace_id, visitor_id FROM conversations
      WHERE visitor_id IS NOT NULL) v;
INSERT INTO analytics_sessions (session_id, workspace_id, embed_code_id, visitor_key, started_at,
    queries, grounded_answers, last_bot_action, last_answer_at, last_visitor_at, taken_over,
    agent_wrote, rated_down)
SELECT c.id, c.workspace_id, c.embed_code_id, coalesce(v.visitor_key, gen_random_uuid()::text),
    c.started_at,
    (SELECT count(*) FROM messages m WHERE m.session_id = c.id AND m.role = 'visitor'),
    (SELECT count(*) FROM messages m WHERE m.session_id = c.id AND m.action = 'answered'
        AND m.role = 'assistant'),
    (SELECT m.action FROM messages m WHERE m.session_id = c.id AND m.role = 'assistant'
        ORDER BY m.created_at DESC, m.seq DESC LIMIT 1),
    (SELECT max(m.created_at) FROM messages m WHERE m.session_id = c.id
        AND m.role = 'assistant'),
    (SELECT max(m.created_at) FROM messages m WHERE m.session_id = c.id AND m.role = 'visitor'),
    c.status = 'handoff',
    EXISTS (SELECT 1 FROM messages m WHERE m.session_id = c.id AND m.role = 'agent'),
    false
FROM conversations c
LEFT JOIN analytics_visitors v ON v.workspace_id = c.workspace_id AND v.visitor_id = c.visitor_id;
INSERT INTO analytics_questions (message_id, workspace_id, session_id, embed_code_id,
    visitor_key, asked_at, query, reply_id, action, confidence_milli, latency_ms, rating)
SELECT q.id, q.workspace_id, q.session_id, s.embed_code_id, s.visitor_key, q.created_at,
    coalesce(q.query, ''), r.id, r.action, round(r.confidence * 1000)::integer, r.latency_ms,
    f.rating
FROM messages q
JOIN analytics_sessions s ON s.session_id = q.session_id
LEFT JOIN LATERAL (SELECT * FROM messages a WHERE a.reply_to = q.id AND a.role = 'assistant'
                   ORDER BY a.seq LIMIT 1) r ON true
LEFT JOIN feedback f ON f.message_id = r.id
WHERE q.role = 'visitor';
UPDATE analytics_sessions s SET rated_down = true
WHERE EXISTS (SELECT 1 FROM analytics_questions q
              WHERE q.session_id = s.session_id AND q.rating = 'down');
INSERT INTO analytics_citations
    (message_id, document_id, workspace_id, session_id, embed_code_id, cited_at)
SELECT DISTINCT m.id, (src ->> 'document_id')::uuid, m.workspace_id, m.session_id,
    s.embed_code_id, m.created_at
FROM messages m
JOIN analytics_sessions s ON s.session_id = m.session_id
CROSS JOIN LATERAL jsonb_array_elements(m.sources) AS src
WHERE m.role = 'assistant';
"""


def upgrade() -> None:
    op.execute(TABLES)
    op.execute(FUNCTIONS)
    op.execute(BACKFILL)
    for table in (
        "analytics_visitors",
        "analytics_sessions",
        "analytics_questions",
        "analytics_citations",
    ):
        op.execute(_accounts.tenant_policy(table, "workspace_id"))


def downgrade() -> None:
    op.execute(
        """
        DROP TRIGGER analytics_feedback ON feedback;
        DROP TRIGGER analytics_message ON messages;
        DROP TRIGGER analytics_conversation ON conversations;
        DROP FUNCTION analytics_on_feedback, analytics_on_message, analytics_on_conversation,
            analytics_visitor_key;
        DROP TABLE analytics_citations, analytics_questions, analytics_sessions,
            analytics_visitors;
        """
    )
