"""Seeds chat traffic for the analytics benchmark: `python -m benchmarks.seed_analytics URL`.

About 1,000,000 messages over 100 workspaces, one of them holding a third of the traffic,
spread over 90 days up to now. Rows are made inside PostgreSQL and go through the same
triggers as real messages, so the analytics records are the ones production would keep.
Sessions have 1-4 questions, each answered (a quarter with `no_answer`); questions come from
a skewed vocabulary of 2,000 (so top queries repeat); 10% of answers are rated, 3% of
sessions are taken over by a person.
"""

from __future__ import annotations

import argparse
import time
import uuid

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection

from adapters.outbound.postgres.engine import sqlalchemy_url

MESSAGES = 1_000_000
WORKSPACES = 100
DAYS = 90
MESSAGES_PER_SESSION = 5.0  # 2.5 questions and their answers on average
VOCABULARY = 2000

_SETUP = """
INSERT INTO workspaces (id, name, plan, created_at) VALUES (:ws, 'bench', 'enterprise', now());
INSERT INTO embed_codes (id, workspace_id, name, public_key, settings, created_at, updated_at)
SELECT gen_random_uuid(), :ws, 'code ' || g, 'ccgpt_pk_' || md5(random()::text), '{}', now(), now()
FROM generate_series(1, 3) g;
INSERT INTO documents (id, workspace_id, title, filename, mime_type, size_bytes, checksum,
    status, chunk_count, created_at, updated_at)
SELECT gen_random_uuid(), :ws, 'Document ' || g, 'd.md', 'text/markdown', 1, md5(random()::text),
    'ready', 10, now(), now()
FROM generate_series(1, 20) g;
"""
_SESSIONS = """
INSERT INTO conversations (id, workspace_id, embed_code_id, visitor_id, status, message_count,
    started_at, last_message_at)
SELECT gen_random_uuid(), :ws,
    CASE WHEN g % 10 = 0 THEN NULL ELSE codes.a[1 + g % 3] END,
    CASE WHEN g % 7 = 0 THEN NULL ELSE 'v' || floor(random() * :sessions / 3)::int END,
    'bot', 0, t, t
FROM (SELECT array_agg(id ORDER BY id) AS a FROM embed_codes WHERE workspace_id = :ws) codes,
     generate_series(1, :sessions) g,
     LATERAL (SELECT now() - (random() + 0 * g) * make_interval(days => :days) AS t) s
"""
_QUESTIONS = """
INSERT INTO messages (id, workspace_id, session_id, role, text, query, created_at, seq)
SELECT gen_random_uuid(), :ws, c.id, 'visitor', 'Question ' || w || '?', 'question ' || w,
    c.started_at + j * interval '1 minute', 2 * j - 1
FROM conversations c
CROSS JOIN LATERAL generate_series(1, 1 + abs(hashtext(c.id::text)) % 4) j
CROSS JOIN LATERAL (SELECT floor(power(random(), 3) * :vocab)::int + 0 * j AS w) v
WHERE c.workspace_id = :ws
"""
_ANSWERS = """
INSERT INTO messages (id, workspace_id, session_id, role, text, sources, confidence, action,
    latency_ms, reply_to, created_at, seq)
SELECT gen_random_uuid(), :ws, q.session_id, 'assistant', 'An answer.',
    CASE WHEN r.answered THEN jsonb_build_array(jsonb_build_object(
        'document_id', docs.a[1 + abs(hashtext(q.query)) % 20]::text,
        'title', 'Document', 'snippet', 'text', 'page', NULL)) ELSE '[]' END,
    CASE WHEN r.answered THEN 0.5 + random() / 2 ELSE random() / 3 END,
    CASE WHEN r.answered THEN 'answered' ELSE 'no_answer' END,
    200 + floor(random() * 1800)::int, q.id, q.created_at + interval '2 seconds', q.seq + 1
FROM (SELECT array_agg(id ORDER BY id) AS a FROM documents WHERE workspace_id = :ws) docs,
     messages q CROSS JOIN LATERAL (SELECT random() < 0.75 + 0 * q.seq AS answered) r
WHERE q.workspace_id = :ws AND q.role = 'visitor'
"""
_FEEDBACK = """
INSERT INTO feedback (message_id, workspace_id, session_id, rating, created_at)
SELECT id, :ws, session_id, CASE WHEN random() < 0.7 THEN 'up' ELSE 'down' END,
    created_at + interval '10 seconds'
FROM messages WHERE workspace_id = :ws AND role = 'assistant' AND random() < 0.1
"""
_HANDOFFS = """
WITH taken AS (
    UPDATE conversations SET status = 'handoff'
    WHERE workspace_id = :ws AND random() < 0.03 RETURNING id, started_at
)
INSERT INTO messages (id, workspace_id, session_id, role, text, created_at, seq)
SELECT gen_random_uuid(), :ws, id, 'agent', 'A person here.', started_at + interval '1 hour', 1000
FROM taken
"""


def workspace_messages(total: int, count: int) -> list[int]:
    """One workspace holds a third of the traffic; the others share the rest evenly."""
    largest = total // 3
    rest = (total - largest) // max(1, count - 1)
    return [largest] + [rest] * (count - 1)


def seed_workspace(conn: Connection, messages: int, days: int) -> uuid.UUID:
    ws = uuid.uuid4()
    sessions = max(1, round(messages / MESSAGES_PER_SESSION))
    params = {"ws": ws, "sessions": sessions, "days": days, "vocab": VOCABULARY}
    setup = [part for part in _SETUP.split(";") if part.strip()]
    for statement in (*setup, _SESSIONS, _QUESTIONS, _ANSWERS, _FEEDBACK, _HANDOFFS):
        conn.execute(text(statement), params)
    return ws


def seed(
    url: str, messages: int = MESSAGES, workspaces: int = WORKSPACES, days: int = DAYS
) -> uuid.UUID:
    """Returns the largest workspace's id."""
    engine = create_engine(sqlalchemy_url(url))
    started, ids = time.perf_counter(), []
    for number, size in enumerate(workspace_messages(messages, workspaces)):
        with engine.begin() as conn:
            conn.execute(text("SELECT set_config('ccgpt.scope', 'system', true)"))
            ids.append(seed_workspace(conn, size, days))
        if number % 10 == 0:
            print(f"  workspace {number + 1}/{workspaces}, {time.perf_counter() - started:.0f} s",
                  flush=True)  # fmt: skip
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
        stored = conn.execute(text("SELECT count(*) FROM messages")).scalar_one()
    engine.dispose()
    print(f"{stored:,} messages in {workspaces} workspaces, seeded in "
          f"{time.perf_counter() - started:.0f} s", flush=True)  # fmt: skip
    return ids[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("url", help="a migrated postgresql:// database")
    parser.add_argument("--messages", type=int, default=MESSAGES)
    parser.add_argument("--workspaces", type=int, default=WORKSPACES)
    parser.add_argument("--days", type=int, default=DAYS)
    args = parser.parse_args()
    largest = seed(args.url, args.messages, args.workspaces, args.days)
    print(f"largest workspace: {largest}")


if __name__ == "__main__":
    main()
