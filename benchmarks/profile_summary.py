"""Text summary of a py-spy `--format raw` profile (folded stacks):
`python -m benchmarks.profile_summary PROFILE [TITLE]`. Prints the share of samples each
function is on the stack for (inclusive) and at the top of (self), and a few groups."""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

# What the issue asks about, by where the time goes.
GROUPS = {
    "query embedding (torch)": re.compile(r"SentenceTransformer\.encode|encode \(sentence_tr"),
    "query embedding (onnxruntime)": re.compile(r"\(adapters/outbound/onnx/embedder\.py\)"),
    "psycopg": re.compile(r"\(psycopg/"),
    "sqlalchemy": re.compile(r"\(sqlalchemy/"),
    "hybrid search scoring": re.compile(r"lexical \(application/search\.py\)"),
    "passage safety": re.compile(r"\(domain/passage_safety\.py\)"),
    "extractive chat model": re.compile(r"\(adapters/outbound/extractive/"),
    "litestar": re.compile(r"\(litestar/"),
    "structlog": re.compile(r"\(structlog/"),
    "idle (waiting)": re.compile(r"select \(selectors\.py\)|_worker \(concurrent|wait \(threading"),
}


def frame_name(frame: str) -> str:
    # "function (path/to/site-packages/pkg/module.py:123)" -> "function (pkg/module.py)"
    name = re.sub(r":\d+\)$", ")", frame.strip())
    return re.sub(r"\(.*/(?:site-packages|speed|lib/python3\.\d+)/", "(", name)


def summarise(path: Path, title: str) -> str:
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    groups: Counter[str] = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue  # a frame named by multi-line text (SQL in a migration) breaks a line
        count = int(count_text)
        frames = [frame_name(f) for f in stack.split(";") if f]
        total += count
        for name in set(frames):
            inclusive[name] += count
        if frames:
            own[frames[-1]] += count
        joined = ";".join(frames)
        for group, pattern in GROUPS.items():
            if pattern.search(joined if group != "idle (waiting)" else frames[-1]):
                groups[group] += count
    out = [f"# {title}", f"{total} samples (py-spy raw; all threads)", "", "## groups"]
    out += [f"{100 * n / total:5.1f}%  {g}" for g, n in groups.most_common()]
    out += ["", "## inclusive (on the stack), top 30"]
    out += [f"{100 * n / total:5.1f}%  {f}" for f, n in inclusive.most_common(30)]
    out += ["", "## self (top of the stack), top 25"]
    out += [f"{100 * n / total:5.1f}%  {f}" for f, n in own.most_common(25)]
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    target = Path(sys.argv[1])
    print(summarise(target, sys.argv[2] if len(sys.argv) > 2 else target.name), end="")
