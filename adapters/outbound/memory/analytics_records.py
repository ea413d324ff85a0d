"""The memory store's analytics records: what PostgreSQL's triggers (migration 0009) keep.

The conversation repository calls these as it writes, inside the same unit of work, so
the records roll back with the message like the trigger's rows do.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from adapters.outbound.memory.store import MemoryStore
from domain.analytics import SessionRecord
from domain.conversations import Conversation, ConversationStatus, Message, Role
from domain.feedback import Feedback
from domain.ids import WorkspaceId


@dataclass(slots=True)
class QuestionRecord:
    workspace_id: WorkspaceId
    message_id: uuid.UUID
    session_id: uuid.UUID
    embed_code_id: uuid.UUID | None
    visitor_key: str
    asked_at: datetime
    query: str
    reply_id: uuid.UUID | None = None
    action: str | None = None
    confidence_milli: int | None = None
    latency_ms: int | None = None
    rating: str | None = None


@dataclass(frozen=True, slots=True)
class CitationRecord:
    workspace_id: WorkspaceId
    message_id: uuid.UUID
    document_id: uuid.UUID
    session_id: uuid.UUID
    embed_code_id: uuid.UUID | None
    cited_at: datetime


def visitor_key(store: MemoryStore, workspace_id: WorkspaceId, visitor_id: str | None) -> str:
    if visitor_id is None:
        return str(uuid.uuid4())  # an anonymous session is a visitor of its own
    return store.analytics_visitors.setdefault((workspace_id, visitor_id), str(uuid.uuid4()))


def conversation_added(store: MemoryStore, c: Conversation) -> None:
    key = visitor_key(store, c.workspace_id, c.visitor_id)
    store.analytics_sessions[(c.workspace_id, c.id)] = SessionRecord(
        c.workspace_id, c.id, c.embed_code_id, key, c.started_at
    )


def conversation_saved(store: MemoryStore, before: Conversation, after: Conversation) -> None:
    record = store.analytics_sessions.get((after.workspace_id, after.id))
    if record and after.status is ConversationStatus.HANDOFF and before.status != after.status:
        record.taken_over = True


def message_added(store: MemoryStore, m: Message) -> None:
    session: SessionRecord | None = store.analytics_sessions.get((m.workspace_id, m.session_id))
    if session is None:
        return
    if m.role is Role.VISITOR:
        store.analytics_questions[(m.workspace_id, m.id)] = QuestionRecord(
            m.workspace_id,
            m.id,
            m.session_id,
            session.embed_code_id,
            session.visitor_key,
            m.created_at,
            m.query or "",
        )
        session.queries += 1
        last = session.last_visitor_at
        session.last_visitor_at = m.created_at if last is None else max(last, m.created_at)
    elif m.role is Role.ASSISTANT:
        _answer_added(store, session, m)
    else:
        session.agent_wrote = True


def _answer_added(store: MemoryStore, session: SessionRecord, m: Message) -> None:
    action = m.action.value if m.action else None
    question = store.analytics_questions.get((m.workspace_id, m.reply_to)) if m.reply_to else None
    if question is not None and question.reply_id is None:
        question.reply_id, question.action, question.latency_ms = m.id, action, m.latency_ms
        question.confidence_milli = None if m.confidence is None else round(m.confidence * 1000)
    session.grounded_answers += action == "answered"
    last = session.last_answer_at
    if last is None or m.created_at >= last:
        session.last_bot_action, session.last_answer_at = action, m.created_at
    for source in m.sources:
        store.analytics_citations.setdefault(
            (m.workspace_id, m.id, source.document_id),
            CitationRecord(
                m.workspace_id,
                m.id,
                source.document_id,
                m.session_id,
                session.embed_code_id,
                m.created_at,
            ),
        )


def feedback_saved(store: MemoryStore, f: Feedback) -> None:
    questions = [q for (ws, _), q in store.analytics_questions.items() if ws == f.workspace_id]
    for question in questions:
        if question.reply_id == f.message_id:
            question.rating = f.rating.value
    session: SessionRecord | None = store.analytics_sessions.get((f.workspace_id, f.session_id))
    if session is not None:
        session.rated_down = any(
            q.session_id == f.session_id and q.rating == "down" for q in questions
        )
