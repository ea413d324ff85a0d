#!/usr/bin/env python3
"""Runs every test marked `critical` (data loss, unauthorised access, no answers) and
prints a per-file summary table.

    python run_critical_tests.py [extra pytest arguments]

Uses .venv's Python when there is one (after `make install`), so it works from a fresh clone.
"""

from __future__ import annotations

import sys

from tests.runner import main

if __name__ == "__main__":
    sys.exit(main(["tests"], ["-m", "critical"], "critical tests", sys.argv[1:]))
