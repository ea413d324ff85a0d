"""The report's runners: pytest with a JUnit report, then a per-file table of the results."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SUITES = (
    "tests/integration/test_embed_widget_comprehensive.py",
    "tests/integration/test_analytics_comprehensive.py",
    "tests/integration/test_realtime_data_comprehensive.py",
    "tests/integration/test_backend_logic_comprehensive.py",
    "tests/integration/test_integration_edge_cases.py",
)


def python() -> str:
    """.venv's interpreter when the checkout has one: the runners work before activation."""
    venv = ROOT / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


def tally(report: Path) -> dict[str, dict[str, float]]:
    """Per test file: tests, passed, failed (errors included), skipped, seconds."""
    rows: dict[str, dict[str, float]] = defaultdict(
        lambda: {"tests": 0, "passed": 0, "failed": 0, "skipped": 0, "seconds": 0.0}
    )
    for case in ET.parse(report).getroot().iter("testcase"):  # noqa: S314
        module = case.get("classname", "").split(".")
        while module and module[-1][:1].isupper():  # a test class, not a module
            module.pop()
        row = rows["/".join(module) + ".py"]
        row["tests"] += 1
        row["seconds"] += float(case.get("time", 0))
        if case.find("failure") is not None or case.find("error") is not None:
            row["failed"] += 1
        elif case.find("skipped") is not None:
            row["skipped"] += 1
        else:
            row["passed"] += 1
    return dict(rows)


def table(rows: dict[str, dict[str, float]], title: str, wall: float) -> str:
    width = max([len("suite"), *map(len, rows)])
    head = (
        f"{'suite':<{width}}  {'tests':>5}  {'passed':>6}  {'failed':>6}  {'skipped':>7}  "
        f"{'seconds':>8}"
    )
    lines = [f"\n{title}", head, "-" * len(head)]
    total = {"tests": 0.0, "passed": 0.0, "failed": 0.0, "skipped": 0.0, "seconds": 0.0}
    for name in sorted(rows):
        row = rows[name]
        for key in total:
            total[key] += row[key]
        lines.append(_line(name, row, width))
    lines += ["-" * len(head), _line("total", total, width), f"wall clock: {wall:.1f} s"]
    return "\n".join(lines)


def _line(name: str, row: dict[str, float], width: int) -> str:
    return (
        f"{name:<{width}}  {int(row['tests']):>5}  {int(row['passed']):>6}  "
        f"{int(row['failed']):>6}  {int(row['skipped']):>7}  {row['seconds']:>8.1f}"
    )


def main(targets: list[str], selection: list[str], title: str, extra: list[str]) -> int:
    with tempfile.TemporaryDirectory(prefix="ccgpt-run-") as scratch:
        report = Path(scratch) / "junit.xml"
        command = [
            python(), "-m", "pytest", *targets, *selection, "-q", "-p", "no:cacheprovider",
            f"--junitxml={report}", "-o", "junit_family=xunit1",
            f"--basetemp={Path(scratch) / 'tmp'}", *extra,
        ]  # fmt: skip
        started = time.monotonic()
        code = subprocess.call(command, cwd=ROOT, env=os.environ.copy())  # noqa: S603
        wall = time.monotonic() - started
        if not report.exists():
            print(f"pytest wrote no report (exit {code})", file=sys.stderr)
            return code or 1
        print(table(tally(report), title, wall))
    return code
