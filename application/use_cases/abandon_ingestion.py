"""Use case: every attempt at a job failed for reasons outside the file (the embedder, the
database, a worker that died): the document fails readably, its earlier chunks keep serving."""

from __future__ import annotations

import structlog

from application.ingestion_outcome import Outcome, settle
from application.ports.clock import Clock
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.knowledge import IngestionJob

log = structlog.get_logger()


class AbandonIngestion:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def execute(self, job: IngestionJob, reason: str) -> Outcome:
        now = self._clock.now()
        log.warning("ingestion.retries_exhausted", document_id=str(job.document_id), reason=reason)
        return await settle(
            self._uow,
            job,
            None,
            lambda doc: doc.mark_retries_exhausted(reason, now),
            Outcome.FAILED,
        )
