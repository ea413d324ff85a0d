"""Settings come from the environment, then `.env`, then defaults; mistakes stop start-up."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from bootstrap.plans import load_plans
from bootstrap.secrets import signing_key
from bootstrap.settings import load_settings
from domain.plans import Plan


def test_defaults_are_the_embedded_setup() -> None:
    settings = load_settings(environ={}, env_file=None)
    assert settings.embedded_database and settings.data_dir == Path(".ccgpt")
    assert settings.embedder == "local" and settings.llm == "extractive"
    assert settings.max_upload_mb == 50 and settings.redis_url is None


def test_environment_wins_over_dotenv(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("CCGPT_MAX_UPLOAD_MB=7\nCCGPT_PUBLIC_URL=https://dotenv.example\n")
    settings = load_settings(environ={"CCGPT_MAX_UPLOAD_MB": "9"}, env_file=env_file)
    assert settings.max_upload_mb == 9
    assert settings.public_url == "https://dotenv.example"


def test_an_external_database_url_turns_off_the_embedded_server() -> None:
    settings = load_settings(environ={"CCGPT_DATABASE_URL": "postgresql://u@h/db"}, env_file=None)
    assert not settings.embedded_database


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("CCGPT_MAX_UPLOAD_MB", "lots"),
        ("CCGPT_EMBEDDER", "magic"),
        ("CCGPT_TRUSTED_PROXIES", "10.0.0.0/99"),
        ("CCGPT_RATE_LIMIT_LOGIN", "often"),
        ("CCGPT_NO_SUCH_SETTING", "1"),
    ],
)
def test_bad_settings_stop_start_up_naming_the_variable(variable: str, value: str) -> None:
    with pytest.raises(SystemExit) as stopped:
        load_settings(environ={variable: value}, env_file=None)
    assert variable in str(stopped.value)


def test_trusted_proxies_parse() -> None:
    settings = load_settings(environ={"CCGPT_TRUSTED_PROXIES": "10.0.0.0/8, ::1"}, env_file=None)
    assert [str(n) for n in settings.trusted_networks()] == ["10.0.0.0/8", "::1/128"]


def test_signing_key_is_generated_once_and_private(tmp_path: Path) -> None:
    settings = load_settings(environ={"CCGPT_DATA_DIR": str(tmp_path / "d")}, env_file=None)
    first = signing_key(settings)
    assert first == signing_key(settings) and len(first) >= 48
    mode = stat.S_IMODE(os.stat(tmp_path / "d" / "secret_key").st_mode)
    assert mode == 0o600
    given = load_settings(environ={"CCGPT_SECRET_KEY": "k" * 40}, env_file=None)
    assert signing_key(given) == "k" * 40


def test_plans_file_overrides_built_in_limits(tmp_path: Path) -> None:
    plans_file = tmp_path / "plans.toml"
    plans_file.write_text("[plans.free]\nseats = 3\n\n[plans.enterprise]\ndocuments = 5000\n")
    plans = load_plans(plans_file)
    assert plans.for_plan(Plan.FREE).seats == 3
    assert plans.for_plan(Plan.ENTERPRISE).documents == 5000
    assert plans.for_plan(Plan.PRO) == load_plans(None).for_plan(Plan.PRO)


def test_a_broken_plans_file_stops_start_up(tmp_path: Path) -> None:
    plans_file = tmp_path / "plans.toml"
    plans_file.write_text("[plans.free]\nseats = 'three'\n")
    with pytest.raises(SystemExit, match="plans"):
        load_plans(plans_file)
