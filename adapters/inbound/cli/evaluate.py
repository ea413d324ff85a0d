"""`ccgpt eval`: recall@1, recall@5 and MRR of hybrid, vector-only and keyword-only retrieval."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

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


async def evaluate(
    search: HybridSearch, workspace: WorkspaceId, questions: list[Question], depth: int = 10
) -> dict[SearchMode, Scores]:
    """Ranks count documents, not chunks: three chunks of one document are one hit."""
    table: dict[SearchMode, Scores] = {}
    for mode in SearchMode:
        ranks = [
            rank_of(await search.search(workspace, q.question, depth * 3, mode), q.document)
            for q in questions
        ]
        total = max(1, len(ranks))
        table[mode] = Scores(
            recall_at_1=sum(1 for r in ranks if r == 1) / total,
            recall_at_5=sum(1 for r in ranks if r is not None and r <= 5) / total,
            mrr=sum(1 / r for r in ranks if r is not None and r <= depth) / total,
        )
    return table


def format_table(table: dict[SearchMode, Scores], questions: int) -> str:
    lines = [
        f"{questions} questions; ranks are of documents (MRR@10)",
        f"{'mode':<10}{'recall@1':>10}{'recall@5':>10}{'MRR':>8}",
    ]
    for mode, s in table.items():
        lines.append(f"{mode.value:<10}{s.recall_at_1:>10.3f}{s.recall_at_5:>10.3f}{s.mrr:>8.3f}")
    return "\n".join(lines)
