"""Plan limits: built in, optionally overridden by the TOML file of `CCGPT_PLANS_FILE`."""

from __future__ import annotations

import tomllib
from pathlib import Path

from domain.errors import ValidationFailed
from domain.plans import PlanCatalog


def load_plans(path: Path | None) -> PlanCatalog:
    if path is None:
        return PlanCatalog.built_in()
    try:
        document = tomllib.loads(path.read_text())
        return PlanCatalog.with_overrides(document.get("plans", {}))
    except (OSError, tomllib.TOMLDecodeError, ValidationFailed) as exc:
        raise SystemExit(f"invalid CCGPT_PLANS_FILE {path}: {exc}") from None
