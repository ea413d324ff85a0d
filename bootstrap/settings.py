"""Settings: every `CCGPT_*` environment variable; a `.env` file is read too (env wins)."""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

import msgspec
from dotenv import dotenv_values

from adapters.outbound.teacher.install import installed
from application.ports.rate_limiter import RateLimit
from domain.errors import ValidationFailed

PREFIX = "CCGPT_"


class Settings(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    data_dir: Path = Path("./.ccgpt")
    database_url: str | None = None
    redis_url: str | None = None
    secret_key: str | None = None
    # local: all-MiniLM-L6-v2 on onnxruntime; torch: the same model on sentence-transformers
    # (the reference the ONNX vectors are checked against; ~4x slower per query).
    embedder: Literal["local", "torch", "openai", "hashing"] = "local"
    # Where the ONNX form of the local model is built once; unset: the user's cache dir.
    model_cache_dir: Path | None = None
    # Query vectors kept (1.5 KiB each) and retrieval results kept (per workspace and query,
    # until the workspace's documents change); 0 turns a cache off.
    query_cache_entries: int = 4096
    retrieval_cache_entries: int = 512
    llm: Literal["extractive", "openai"] = "extractive"
    llm_base_url: str | None = None
    llm_model: str | None = None
    llm_api_key: str | None = None
    embedding_model: str = "text-embedding-3-small"
    llm_timeout_seconds: float = 20.0
    # Calibrated for all-MiniLM-L6-v2 (README, "Chat"); another embedder needs its own.
    answer_min_similarity: float = 0.32
    plans_file: Path | None = None
    rate_limit_ip: str = "30/minute"
    rate_limit_embed: str = "120/minute"
    rate_limit_workspace: str = "600/minute"
    rate_limit_login: str = "10/minute"
    trusted_proxies: str = ""
    max_upload_mb: int = 50
    public_url: str | None = None
    # This service's own origins (the preview page lives there, so they may always use the
    # widget). Unset: CCGPT_PUBLIC_URL's origin; `ccgpt serve` fills in the address it
    # listens on. Never taken from a request's Host header.
    own_origins: str = ""
    # Ours, beyond API.md:
    storage: Literal["postgres", "memory"] = "postgres"
    # The query map (README, "Retrieval quality"): a stronger model (all-mpnet-base-v2, put
    # beside the ONNX model by `ccgpt prepare`) embeds each chunk when the worker is idle,
    # and questions are mapped into its space. On only with the local model (`local` or
    # `torch`: the map is fitted for its vectors) and where the teacher is installed.
    query_map: Literal["on", "off"] = "on"
    # Where realtime events travel when CCGPT_REDIS_URL is unset: `process` (this process's
    # sockets only) or `database` (PostgreSQL LISTEN/NOTIFY to every process on the same
    # database). `ccgpt serve --workers N` (N > 1) sets `database` for its workers.
    events: Literal["process", "database"] = "process"
    # A reranker behind the `/rerank` API (off while the URL is unset): reorders the best
    # `rerank_depth` hybrid results; on failure or timeout the hybrid order stands.
    reranker_base_url: str | None = None
    reranker_model: str = "rerank"
    reranker_api_key: str | None = None
    reranker_timeout_seconds: float = 2.0
    rerank_depth: int = 20
    access_token_ttl_seconds: int = 900
    widget_session_ttl_seconds: int = 24 * 3600
    ws_idle_timeout_seconds: float = 300.0
    ws_max_frame_bytes: int = 16 * 1024
    ws_max_sockets_per_session: int = 5
    ws_max_sockets_per_ip: int = 50
    ws_max_sockets_per_embed_code: int = 5000
    ws_max_sockets_per_member: int = 10
    # Open sockets re-check their credential this often (and at once on a revocation).
    ws_recheck_seconds: float = 30.0
    refresh_token_ttl_seconds: int = 30 * 24 * 3600
    password_hash_time_cost: int = 3
    password_hash_memory_kib: int = 65536
    max_json_body_kb: int = 256
    database_pool_size: int = 10
    # Answers of one process storing, searching or recording at once (application/turns.py);
    # each holds at most two connections, so the default keeps half the pool for the rest.
    answers_at_once: int = 5
    run_worker: bool = True
    # Ingestion jobs one worker process runs at once; unset: one per CPU core.
    worker_concurrency: int | None = None
    job_lease_seconds: int = 60
    job_poll_seconds: float = 1.0
    # How often workspaces' retention_days are applied (by processes that run the worker).
    retention_sweep_seconds: float = 3600.0
    parse_timeout_seconds: float = 60.0
    parse_memory_mb: int = 1024
    # Measured: batches of 8 run ~1.5x faster than 32 on CPU (less padding of mixed lengths).
    embedding_batch_size: int = 8
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    log_json: bool | None = None

    def __post_init__(self) -> None:
        # Fail at start-up, naming the variable, rather than on the first request.
        if self.max_upload_mb < 1:
            raise ValueError("CCGPT_MAX_UPLOAD_MB must be at least 1")
        try:
            self.trusted_networks()
        except ValueError as exc:
            raise ValueError(f"CCGPT_TRUSTED_PROXIES: {exc}") from None
        if self.llm == "openai" and not (self.llm_base_url and self.llm_model):
            raise ValueError("CCGPT_LLM=openai needs CCGPT_LLM_BASE_URL and CCGPT_LLM_MODEL")
        for name in (
            "rate_limit_ip",
            "rate_limit_embed",
            "rate_limit_workspace",
            "rate_limit_login",
        ):
            try:
                RateLimit.parse(getattr(self, name))
            except ValidationFailed as exc:
                raise ValueError(f"{PREFIX}{name.upper()}: {exc.detail}") from None

    def trusted_networks(self) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
        parts = (p.strip() for p in self.trusted_proxies.split(","))
        return tuple(ipaddress.ip_network(p, strict=False) for p in parts if p)

    @property
    def ingestion_concurrency(self) -> int:
        return self.worker_concurrency or max(1, os.cpu_count() or 1)

    def own_origin_list(self) -> tuple[str, ...]:
        explicit = tuple(o.strip().rstrip("/") for o in self.own_origins.split(",") if o.strip())
        if explicit:
            return explicit
        if self.public_url:
            parts = urlsplit(self.public_url)
            return (f"{parts.scheme}://{parts.netloc}",)
        return ()

    @property
    def event_bus(self) -> Literal["redis", "database", "memory"]:
        """How realtime events reach other processes: Redis, the database, or not at all."""
        if self.redis_url:
            return "redis"
        return "database" if self.events == "database" and self.storage == "postgres" else "memory"

    @property
    def shared_state(self) -> Literal["redis", "memory"]:
        """Where rate limits and realtime events live: Redis when configured, else here."""
        return "redis" if self.redis_url else "memory"

    @property
    def onnx_model_dir(self) -> Path:
        return self._model_cache / "all-MiniLM-L6-v2-onnx"

    @property
    def teacher_model_dir(self) -> Path:
        return self._model_cache / "all-mpnet-base-v2"

    @property
    def _model_cache(self) -> Path:
        return (
            self.model_cache_dir
            or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "customercaregpt"
        )

    @property
    def query_map_storage(self) -> Literal["postgres", "memory", "off"]:
        """Where query maps live, or `off` (CCGPT_QUERY_MAP=off, another embedder, or no
        teacher installed)."""
        if self.query_map == "off" or self.embedder not in ("local", "torch"):
            return "off"
        return self.storage if installed(self.teacher_model_dir) else "off"

    @property
    def embedded_database(self) -> bool:
        return self.storage == "postgres" and not self.database_url


def load_settings(
    environ: Mapping[str, str] | None = None,
    env_file: Path | None = Path(".env"),
    **overrides: object,
) -> Settings:
    """Environment over `.env` over defaults; `overrides` (for tests and the CLI) over all."""
    raw: dict[str, object] = {}
    if env_file is not None and env_file.is_file():
        raw.update(_ours(dotenv_values(env_file)))
    raw.update(_ours(os.environ if environ is None else environ))
    raw.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return msgspec.convert(raw, Settings, strict=False, dec_hook=_decode)
    except msgspec.ValidationError as exc:
        raise SystemExit(f"invalid configuration: {_variable_names(str(exc))}") from None


def _decode(kind: type, value: object) -> object:
    if kind is Path and isinstance(value, str):
        return Path(value)
    raise NotImplementedError


def _ours(source: Mapping[str, str | None]) -> dict[str, object]:
    return {
        key[len(PREFIX) :].lower(): value
        for key, value in source.items()
        if key.startswith(PREFIX) and value not in (None, "") and not key.startswith("CCGPT_TEST_")
    }


def _variable_names(message: str) -> str:
    """msgspec says `$.max_upload_mb` or `max_upload_mb`; people set `CCGPT_MAX_UPLOAD_MB`."""
    named = re.sub(r"`\$\.([a-z_]+)`", lambda m: PREFIX + m.group(1).upper(), message)
    return re.sub(
        r"unknown field `([a-z_]+)`", lambda m: "unknown " + PREFIX + m.group(1).upper(), named
    )
