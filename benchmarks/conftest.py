"""Collects sentences/s from the embedding benchmarks and prints them after the run."""

from __future__ import annotations

from typing import Any

import pytest

RATES: dict[str, str] = {}


@pytest.fixture(scope="session")
def rates() -> dict[str, str]:
    return RATES


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if RATES:
        terminalreporter.section("embedding throughput")
        for name, line in RATES.items():
            terminalreporter.write_line(f"{name}: {line}")
