"""The banner on every page: readers must tell a quiet site from a blind monitor.

Per page: one small query (``queries.unhealthy_sources``: only the ``sources`` table while every
source is healthy). oigwatch's own failing reasons are /healthz's (``health.check``), which reads
more (every source's runs, the outbox), so its answer is reused for ``ttl`` seconds. A banner never
breaks a page: a ledger that cannot be read leaves the sources out, and a check that raises is
itself a reason.
"""

from __future__ import annotations

import logging
import threading
import time

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from config.settings import Settings
from crawler.clock import utcnow
from ledger import queries
from web import health
from web.context import StatusFn
from web.shape import banner_notices

log = logging.getLogger(__name__)
CHECK_TTL = 10.0  # seconds an answer of health.check is reused by pages


class Banner:
    """``banner()`` is the notices of the page being rendered (empty: everything is fine)."""

    def __init__(
        self, settings: Settings, engine: Engine, status: StatusFn | None, ttl: float = CHECK_TTL
    ) -> None:
        self.engine = engine
        self.status = status
        self.stale = settings.service.heartbeat_stale
        self.alert_after = settings.delivery.alert_after_minutes * 60
        self.zone = settings.display_zone
        self.ttl = ttl
        self._lock = threading.Lock()
        self._checked: tuple[float, list[str]] | None = None

    def __call__(self) -> list[dict[str, str]]:
        now = utcnow()
        try:
            unhealthy = queries.unhealthy_sources(self.engine)
        except SQLAlchemyError as exc:  # the page says so itself (503); /healthz's reason too
            log.debug("banner: the ledger cannot be read: %s", exc)
            unhealthy = []
        return banner_notices(unhealthy, self.own_reasons(), now, self.zone)

    def own_reasons(self) -> list[str]:
        """Why /healthz fails now (empty: it does not), at most ``ttl`` seconds old."""
        with self._lock:
            stamp = time.monotonic()
            if self._checked is None or stamp - self._checked[0] >= self.ttl:
                try:
                    found = health.check(  # failing sources: shown above, uncached
                        self.status,
                        self.engine,
                        self.stale,
                        utcnow(),
                        failing_runs=0,
                        alert_after=self.alert_after,
                    )
                    reasons = [str(reason) for reason in found.reasons]
                except Exception as exc:  # never a broken page because of the banner
                    log.exception("banner: the health check failed")
                    reasons = [f"the health check failed: {type(exc).__name__}"]
                self._checked = (stamp, reasons)
            return self._checked[1]
