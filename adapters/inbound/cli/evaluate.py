"""`ccgpt eval`: recall@1, recall@5, MRR@10 and latency of keyword, dense and hybrid retrieval."""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from application.answering import passages_of
from application.ports.chat_model import ChatModel, ChatRequest
from application.search import HybridSearch, SearchMode
from domain.ids import WorkspaceId
from domain.knowledge import FoundChunk


@dataclass(frozen=True, slots=True)
class Question:
    question: str
    document: str  # a document title or id


@dataclass(frozen=True, slots=True)
class Scores:
    recall_at_1: float
    recall_at_5: float
    mrr: float
    latency_p50_ms: float
    latency_p95_ms: float


def load_questions(path: Path) -> list[Question]:
    questions = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            questions.append(Question(str(item["question"]), str(item["document"])))
        except (ValueError, KeyError, TypeError) as exc:
            raise SystemExit(
                f"{path}:{number}: expected {{'question', 'document'}} ({exc})"
            ) from None
    return questions


def rank_of(results: Sequence[FoundChunk], document: str) -> int | None:
    """1-based rank of the first result from the labelled document, by title or id."""
    seen: list[str] = []
    for result in results:
        key = str(result.document_id)
        if key not in seen:
            seen.append(key)
        if document in (result.document_title, key):
            return len(seen)
    return None


ORDER = (SearchMode.KEYWORD, SearchMode.VECTOR, SearchMode.HYBRID)
LABELS = {
    SearchMode.KEYWORD: "keyword",
    SearchMode.VECTOR: "dense",
    SearchMode.HYBRID: "hybrid",
    SearchMode.RERANKED: "hybrid + reranker",
}


async def evaluate(
    search: HybridSearch, workspace: WorkspaceId, questions: list[Question], depth: int = 10
) -> dict[SearchMode, Scores]:
    """Ranks count documents, not chunks: three chunks of one document are one hit.
    Latency is of the whole search as the API runs it (embedding the question included)."""
    table: dict[SearchMode, Scores] = {}
    for mode in (*ORDER, SearchMode.RERANKED) if search.reranking else ORDER:
        ranks: list[int | None] = []
        took: list[float] = []
        for q in questions:
            started = time.perf_counter()
            found = await search.search(workspace, q.question, depth * 3, mode)
            took.append((time.perf_counter() - started) * 1000)
            ranks.append(rank_of(found, q.document))
        total = max(1, len(ranks))
        table[mode] = Scores(
            recall_at_1=sum(1 for r in ranks if r == 1) / total,
            recall_at_5=sum(1 for r in ranks if r is not None and r <= 5) / total,
            mrr=sum(1 / r for r in ranks if r is not None and r <= depth) / total,
            latency_p50_ms=percentile(took, 50),
            latency_p95_ms=percentile(took, 95),
        )
    return table


def percentile(values: list[float], p: int) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def format_table(
    table: dict[SearchMode, Scores], questions: int, answers: Sequence[tuple[str, float]] = ()
) -> str:
    """One table: a row per retrieval mode; then, when measured, answer-sentence accuracy."""
    lines = [
        f"{questions} questions; ranks are of documents",
        f"{'retrieval':<22}{'R@1':>7}{'R@5':>7}{'MRR@10':>8}{'p50 ms':>9}{'p95 ms':>9}",
    ]
    for mode, s in table.items():
        lines.append(
            f"{LABELS.get(mode, mode.value):<22}{s.recall_at_1:>7.3f}{s.recall_at_5:>7.3f}"
            f"{s.mrr:>8.3f}{s.latency_p50_ms:>9.1f}{s.latency_p95_ms:>9.1f}"
        )
    for label, accuracy in answers:
        lines.append(f"{label:<22}{accuracy:>7.3f}")
    return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class AnswerCase:
    question: str
    document: str
    sentence: str  # the words the answer must quote


def load_answer_cases(path: Path) -> list[AnswerCase]:
    cases = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            cases.append(
                AnswerCase(str(item["question"]), str(item["document"]), str(item["sentence"]))
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise SystemExit(
                f"{path}:{number}: expected {{'question', 'document', 'sentence'}} ({exc})"
            ) from None
    return cases


def _folded(text: str) -> str:
    return " ".join(text.replace("*", "").casefold().split())


async def answer_accuracy(
    search: HybridSearch,
    workspace: WorkspaceId,
    model: ChatModel,
    cases: list[AnswerCase],
    top_k: int = 5,
) -> float:
    """The share of questions whose answer quotes the expected sentence, with the passages
    hybrid search finds for it (as the chat pipeline runs it)."""
    hits = 0
    for case in cases:
        found = await search.search(workspace, case.question, top_k)
        request = ChatRequest(case.question, passages_of(found), workspace_id=workspace)
        answer = await model.answer(request)
        hits += _folded(case.sentence) in _folded(answer.text)
    return hits / max(1, len(cases))
