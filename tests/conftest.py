"""Shared fixtures, and the CI rule: a test that needs a real service runs, never skips."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bootstrap.container import Container, build_container, start, stop
from bootstrap.settings import Settings, load_settings

FAST_HASHING = {"password_hash_time_cost": "1", "password_hash_memory_kib": "1024"}
TEST_SECRET = "test-signing-key-that-is-long-enough-0123456789"


def make_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "secret_key": TEST_SECRET,
        "log_level": "warning",
        "embedder": "hashing",
        **FAST_HASHING,
    }
    values.update(overrides)
    return load_settings(environ={}, env_file=None, **values)


@pytest.fixture
def memory_settings(tmp_path: Any) -> Settings:
    return make_settings(storage="memory", data_dir=str(tmp_path / "data"))


@pytest.fixture
async def container(memory_settings: Settings) -> AsyncIterator[Container]:
    """The real container wired with memory adapters: the unit-test harness."""
    built = build_container(memory_settings)
    await start(built)
    yield built
    await stop(built)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if os.environ.get("CI") != "true":
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped:
        reporter.write_line(
            f"CI=true: {len(skipped)} test(s) skipped; in CI every test must run.", red=True
        )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
