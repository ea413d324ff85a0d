"""Wiring of `ccgpt eval`: load a corpus into a workspace, then score the three searches."""

from __future__ import annotations

import secrets
import time
import uuid
from pathlib import Path

import msgspec

from adapters.inbound.cli.evaluate import (
    Question,
    answer_accuracy,
    evaluate,
    format_table,
    load_answer_cases,
    load_questions,
)
from adapters.outbound.extractive.chat_model import ExtractiveChatModel
from application.principal import Principal
from application.use_cases.register_account import RegisterInput
from application.use_cases.upload_document import UploadInput
from bootstrap.container import Container, build_container, start, stop
from bootstrap.logging import configure_logging
from bootstrap.settings import Settings
from domain.documents import DocumentStatus
from domain.ids import WorkspaceId
from domain.roles import Role


async def run_eval(
    settings: Settings,
    questions_file: Path | None,
    corpus: Path | None,
    workspace: str | None,
    faq: bool,
    keep: bool,
    answers: Path | None = None,
) -> int:
    configure_logging(settings)
    # Each mode asks the same questions: caches would answer the later modes from the
    # earlier ones' work and understate their latency.
    settings = msgspec.structs.replace(settings, query_cache_entries=0, retrieval_cache_entries=0)
    container = build_container(settings)
    await start(container)
    try:
        if workspace:
            principal = Principal(WorkspaceId(uuid.UUID(workspace)), Role.ADMIN)
            questions = load_questions(_required(questions_file))
        else:
            principal = await _fresh_workspace(container)
            files, questions = (
                _faq_corpus()
                if faq
                else (_folder(corpus), load_questions(_required(questions_file)))
            )
            await _ingest(container, principal, files)
        search = container.hybrid_search()
        table = await evaluate(search, principal.workspace_id, questions)
        accuracy: list[tuple[str, float]] = []
        if answers is not None:
            cases = load_answer_cases(answers)
            for label, model in (
                (f"answers, words ({len(cases)})", ExtractiveChatModel()),
                (f"answers, meaning ({len(cases)})", container.extractive_model()),
            ):
                ws = principal.workspace_id
                accuracy.append((label, await answer_accuracy(search, ws, model, cases)))
        print(format_table(table, len(questions), accuracy))
        if keep and not workspace:
            print(f"kept the corpus in workspace {principal.workspace_id}", flush=True)
        elif not workspace:
            await _clear(container, principal)
    finally:
        await stop(container)
    return 0


def _required(path: Path | None) -> Path:
    if path is None:
        raise SystemExit("ccgpt eval: give the questions file (JSONL)")
    return path


def _folder(corpus: Path | None) -> list[tuple[str, bytes]]:
    assert corpus is not None
    return [(p.name, p.read_bytes()) for p in sorted(corpus.iterdir()) if p.is_file()]


def _faq_corpus() -> tuple[list[tuple[str, bytes]], list[Question]]:
    import zaragoza_construction_faq as faq

    items = faq.load(lang="en")
    files = [(f"{item['id']}.txt", item["a"].encode()) for item in items]
    return files, [Question(item["q"], item["id"]) for item in items]


async def _fresh_workspace(container: Container) -> Principal:
    register = container.register_account()
    email = f"eval-{uuid.uuid4().hex[:12]}@eval.invalid"
    result = await register.execute(
        RegisterInput(email, secrets.token_urlsafe(16), "Eval", "ccgpt eval")
    )
    owner = Principal(result.workspace.id, Role.OWNER, user_id=result.user.id)
    await container.change_plan().execute(owner, "enterprise")
    return owner


async def _ingest(
    container: Container, principal: Principal, files: list[tuple[str, bytes]]
) -> None:
    add = container.upload_document()
    started = time.perf_counter()
    for name, data in files:
        await add.execute(principal, UploadInput(name, data, title=Path(name).stem))
    worker = container.ingestion_worker()
    await worker.run_until_idle()
    reader = container.list_documents()
    from application.pagination import PageRequest

    page = await reader.execute(principal, PageRequest(limit=100))
    failed = [d.title for d in page.items if d.status is not DocumentStatus.READY]
    print(f"ingested {len(files)} documents in {time.perf_counter() - started:.1f} s", flush=True)
    if failed:
        print(f"warning: not ready: {failed}", flush=True)


async def _clear(container: Container, principal: Principal) -> None:
    from application.pagination import PageRequest

    reader = container.list_documents()
    delete = container.delete_document()
    while (page := await reader.execute(principal, PageRequest(limit=100))).items:
        for document in page.items:
            await delete.execute(principal, document.id)
