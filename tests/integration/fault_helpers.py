"""Real faults for the comprehensive suites: backends killed, a full disk, the parser child
killed, and the resident-memory trend of a soak. Nothing here mocks the failing thing."""

from __future__ import annotations

import os
import statistics
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psutil
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


def kill_backends(database_url: str) -> int:
    """pg_terminate_backend on every other connection to this URL's database."""
    url = make_url(database_url).set(drivername="postgresql+psycopg")
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            killed = conn.execute(
                text(
                    "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity"
                    " WHERE datname = :db AND pid <> pg_backend_pid()"
                ),
                {"db": url.database},
            ).scalar_one()
    finally:
        admin.dispose()
    return int(killed)


@contextmanager
def killing_backends(database_url: str, every_seconds: float = 0.05) -> Iterator[list[int]]:
    """Kills the database's connections over and over, in a thread, while the body runs."""
    kills: list[int] = []
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            kills.append(kill_backends(database_url))
            stop.wait(every_seconds)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield kills
    finally:
        stop.set()
        thread.join(10)


@contextmanager
def tiny_tmpfs(where: Path, size_mb: int) -> Iterator[Path]:
    """A real small filesystem (root only): writing past `size_mb` fails with ENOSPC."""
    where.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(  # noqa: S603 - fixed binary, our arguments
        ["/usr/bin/mount", "-t", "tmpfs", "-o", f"size={size_mb}m", "tmpfs", str(where)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {mounted.stderr.decode().strip()}")
    try:
        yield where
    finally:
        subprocess.run(["/usr/bin/umount", "-l", str(where)], check=False)  # noqa: S603


def fill(directory: Path, leave_bytes: int = 0) -> Path:
    """Fills the filesystem under `directory` until `leave_bytes` remain free."""
    filler = directory / "filler"
    free = os.statvfs(directory).f_bavail * os.statvfs(directory).f_frsize
    with filler.open("wb") as out:
        remaining = max(0, free - leave_bytes)
        chunk = b"\0" * (1 << 20)
        while remaining > 0:
            try:
                out.write(chunk[: min(len(chunk), remaining)])
                out.flush()
            except OSError:
                break
            remaining -= len(chunk)
    return filler


def parser_children() -> list[psutil.Process]:
    """The isolated document parser's spawned children of this process."""
    found = []
    for child in psutil.Process().children(recursive=True):
        try:
            if "spawn_main" in " ".join(child.cmdline()):
                found.append(child)
        except psutil.Error:
            continue
    return found


def theil_sen_slope(samples: list[tuple[float, float]]) -> float:
    """The median of pairwise slopes: one GC pause or spike cannot tilt it."""
    slopes = [
        (y2 - y1) / (x2 - x1)
        for i, (x1, y1) in enumerate(samples)
        for x2, y2 in samples[i + 1 :]
        if x2 > x1
    ]
    return statistics.median(slopes) if slopes else 0.0


class RssSampler:
    """Samples this process's resident set size (the live server runs in it) in a thread."""

    def __init__(self, every_seconds: float = 0.5) -> None:
        self.samples: list[tuple[float, float]] = []
        self._every = every_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._process = psutil.Process()
        self._started = 0.0

    def _run(self) -> None:
        while not self._stop.is_set():
            rss = self._process.memory_info().rss / (1024 * 1024)
            self.samples.append((time.monotonic() - self._started, rss))
            self._stop.wait(self._every)

    def __enter__(self) -> RssSampler:
        self._started = time.monotonic()
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join(5)
