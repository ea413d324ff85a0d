"""DocumentParser adapters: in a throwaway child process (production) or inline (tests, demos).

A hostile file must not kill, hang or bloat the server, so the isolated parser runs each
document in a fresh spawned process with an address-space and CPU limit, waits at most
`timeout_seconds`, and kills it after. The child answers in JSON, never pickle: the parent
must not run code chosen by a child that may have been compromised by the file it read.
"""

from __future__ import annotations

import asyncio
import json
import logging
import multiprocessing
import signal
import threading
import time
from collections.abc import Mapping
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from adapters.outbound.parsing.formats import (
    KINDS,
    PARSERS,
    FormatParser,
    out_of_memory,
    pick,
    run_format,
)
from domain.documents import Block, MimeType, UnreadableDocument
from domain.plans import ParseBudget

POLL_SECONDS = 0.05
MAX_REPLY_BYTES = 256 * 1024 * 1024
CPU_GRACE_SECONDS = 5


class InlineDocumentParser:
    """Parses in a worker thread of this process: no isolation, for unit tests and demos."""

    def __init__(self, parsers: Mapping[MimeType, FormatParser] | None = None) -> None:
        self._parsers = PARSERS if parsers is None else parsers

    async def parse(
        self, mime_type: MimeType, data: bytes, budget: ParseBudget | None = None
    ) -> list[Block]:
        parse = pick(self._parsers, mime_type)
        return await asyncio.to_thread(run_format, parse, mime_type, data)


class IsolatedDocumentParser:
    """Parses each document in its own spawned process, bounded in time and memory."""

    def __init__(
        self,
        timeout_seconds: float = 60,
        memory_limit_mb: int = 1024,
        parsers: Mapping[MimeType, FormatParser] | None = None,
    ) -> None:
        self._timeout = timeout_seconds
        self._memory_limit_mb = memory_limit_mb
        self._parsers = PARSERS if parsers is None else parsers
        self._context = multiprocessing.get_context("spawn")

    async def parse(
        self, mime_type: MimeType, data: bytes, budget: ParseBudget | None = None
    ) -> list[Block]:
        """Within `budget` (a plan's), never above this parser's own limits."""
        cap = ParseBudget(self._timeout, self._memory_limit_mb)
        limits = (
            cap
            if budget is None
            else ParseBudget(min(budget.seconds, cap.seconds), min(budget.memory_mb, cap.memory_mb))
        )
        parse = pick(self._parsers, mime_type)
        cancelled = threading.Event()
        try:
            reply = await asyncio.to_thread(self._run, parse, mime_type, data, cancelled, limits)
        except asyncio.CancelledError:
            cancelled.set()  # the waiting thread kills the child within POLL_SECONDS
            raise
        return _decode(reply, KINDS[mime_type])

    def _run(
        self,
        parse: FormatParser,
        mime_type: MimeType,
        data: bytes,
        cancelled: threading.Event,
        limits: ParseBudget,
    ) -> bytes:
        receiver, sender = self._context.Pipe(duplex=False)
        cpu_seconds = int(limits.seconds) + CPU_GRACE_SECONDS
        child = self._context.Process(
            target=_child_main,
            args=(parse, mime_type, data, sender, limits.memory_mb, cpu_seconds),
            name="document-parser",
            daemon=True,
        )
        try:
            child.start()
        except BaseException:
            receiver.close()
            sender.close()
            raise
        sender.close()  # so the child's exit shows here as end-of-file
        try:
            return self._wait(child, receiver, cancelled, KINDS[mime_type], limits.seconds)
        finally:
            receiver.close()
            if child.is_alive():
                child.kill()
            child.join()
            child.close()

    def _wait(
        self,
        child: BaseProcess,
        receiver: Connection,
        cancelled: threading.Event,
        kind: str,
        seconds: float,
    ) -> bytes:
        deadline = time.monotonic() + seconds
        while not receiver.poll(POLL_SECONDS):
            if cancelled.is_set():
                raise UnreadableDocument("Parsing was cancelled.")
            if time.monotonic() >= deadline:
                raise UnreadableDocument(
                    f"Parsing took longer than {seconds:g} s and was stopped; the {kind} file "
                    "may be damaged, far too large inside, or built to hang readers (split "
                    "it, or a larger plan allows more time)."
                )
        try:
            return receiver.recv_bytes(MAX_REPLY_BYTES)
        except (EOFError, OSError):
            child.join(timeout=5)  # it closed its end: it is exiting or gone
            raise _death(child.exitcode, kind) from None


def _death(exitcode: int | None, kind: str) -> UnreadableDocument:
    if exitcode == -signal.SIGKILL:  # the kernel's OOM killer, most likely
        return out_of_memory(kind)
    if exitcode == -signal.SIGXCPU:
        return UnreadableDocument(f"Reading this {kind} file used too much CPU time.")
    if exitcode is not None and exitcode < 0:
        try:
            how = f"signal {signal.Signals(-exitcode).name}"
        except ValueError:
            how = f"signal {-exitcode}"
    else:
        how = f"exit code {exitcode}"
    return UnreadableDocument(f"The {kind} reader crashed on this file ({how}).")


def _decode(reply: bytes, kind: str) -> list[Block]:
    try:
        message = json.loads(reply)
        if isinstance(message.get("error"), str):
            raise UnreadableDocument(message["error"][:1000])
        return [_block(row) for row in message["blocks"]]
    except (ValueError, TypeError, KeyError, AttributeError):
        raise UnreadableDocument(f"The {kind} reader sent back an answer it should not.") from None


def _block(row: Any) -> Block:
    text, heading, page, is_heading = row
    if not (
        isinstance(text, str)
        and (heading is None or isinstance(heading, str))
        and (page is None or (isinstance(page, int) and not isinstance(page, bool)))
        and isinstance(is_heading, bool)
    ):
        raise TypeError("malformed block")
    return Block(text, heading, page, is_heading)


def _child_main(
    parse: FormatParser,
    mime_type: MimeType,
    data: bytes,
    sender: Connection,
    memory_limit_mb: int,
    cpu_seconds: int,
) -> None:
    """Runs in the child: limits first, then the format function, then one JSON answer."""
    _limit_resources(memory_limit_mb, cpu_seconds)
    logging.disable(logging.WARNING)  # pypdf's warnings about odd files would reach our stderr
    try:
        blocks = run_format(parse, mime_type, data)
        message: dict[str, Any] = {
            "blocks": [[b.text, b.heading, b.page, b.is_heading] for b in blocks]
        }
    except UnreadableDocument as exc:
        message = {"error": exc.detail}
    del data
    try:
        sender.send_bytes(json.dumps(message).encode())
    except MemoryError:
        sender.send_bytes(json.dumps({"error": out_of_memory(KINDS[mime_type]).detail}).encode())
    sender.close()


def _limit_resources(memory_limit_mb: int, cpu_seconds: int) -> None:
    try:
        import resource
    except ImportError:  # not Unix: the parent's timeout still bounds the child
        return
    # Hard limits too, so code a hostile file got to run cannot lift them again. The CPU
    # hard limit is a second later: at the soft one the child gets SIGXCPU, not SIGKILL.
    limits = (
        (resource.RLIMIT_AS, memory_limit_mb * 1024 * 1024, 0),
        (resource.RLIMIT_CPU, cpu_seconds, 1),
        (resource.RLIMIT_CORE, 0, 0),
    )
    for which, soft, extra in limits:
        _, hard = resource.getrlimit(which)
        if hard != resource.RLIM_INFINITY:
            soft = min(soft, hard)
            hard = min(soft + extra, hard)
        else:
            hard = soft + extra
        resource.setrlimit(which, (soft, hard))
