#!/usr/bin/env python3
"""Runs the founding report's five suites and prints a per-suite summary table.

    python run_comprehensive_tests.py [extra pytest arguments]

Uses .venv's Python when there is one (after `make install`), so it works from a fresh clone.
"""

from __future__ import annotations

import sys

from tests.runner import SUITES, main

if __name__ == "__main__":
    sys.exit(main(list(SUITES), [], "comprehensive suites", sys.argv[1:]))
