"""`ccgpt eval`'s table: one row per retrieval mode, then the answer-sentence accuracy."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.inbound.cli.evaluate import Scores, format_table, load_answer_cases, percentile
from application.search import SearchMode


def test_one_table_with_recall_mrr_latency_and_answer_accuracy() -> None:
    table = {
        SearchMode.KEYWORD: Scores(0.5, 0.9, 0.6, 3.0, 9.0),
        SearchMode.VECTOR: Scores(0.6, 0.9, 0.7, 5.0, 7.0),
        SearchMode.HYBRID: Scores(0.7, 1.0, 0.8, 6.0, 11.0),
    }
    lines = format_table(table, 10, [("answers, words (2)", 0.5)]).splitlines()
    assert lines[1].split() == ["retrieval", "R@1", "R@5", "MRR@10", "p50", "ms", "p95", "ms"]
    assert lines[2].split() == ["keyword", "0.500", "0.900", "0.600", "3.0", "9.0"]
    assert lines[3].split()[0] == "dense" and lines[4].split()[0] == "hybrid"
    assert lines[5].split() == ["answers,", "words", "(2)", "0.500"]


def test_percentiles_of_latencies() -> None:
    assert percentile([], 95) == 0.0 and percentile([4.0], 50) == 4.0
    assert percentile([float(v) for v in range(1, 101)], 50) == pytest.approx(50.5)


def test_answer_cases_need_the_sentence(tmp_path: Path) -> None:
    good = tmp_path / "good.jsonl"
    good.write_text('{"question": "q", "document": "d", "sentence": "s"}\n\n')
    assert [c.sentence for c in load_answer_cases(good)] == ["s"]
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"question": "q", "document": "d"}\n')
    with pytest.raises(SystemExit, match=r"bad\.jsonl:1"):
        load_answer_cases(bad)
