"""The delivery worker: claim what is due, send it through its transport, mark it, repeat."""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_futures
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine

from config.registry import CHANNELS
from config.settings import Settings
from crawler.clock import utcnow
from ledger import outbox
from notifier.render.common import templates_for
from notifier.routes import router_for
from notifier.transports import Outgoing, Permanent, RateLimited, Transient

log = logging.getLogger("oigwatch.deliver")


@dataclass
class Tally:
    """What one pass of the worker did."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0
    messages: int = 0
    errors: list[str] = field(default_factory=list)


class Worker:
    """Delivers the outbox of one ledger; several workers may run against PostgreSQL."""

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        *,
        clock: Callable[[], datetime] = utcnow,
        sleep: Callable[[float], None] = time.sleep,
        name: str | None = None,
        skip: tuple[str, ...] = (),
    ) -> None:
        self.engine, self.settings, self.clock, self.sleep = engine, settings, clock, sleep
        self.name = name or f"{socket.gethostname()}:{os.getpid()}"
        self.targets = {target.name: target for target in settings.targets}
        self.templates = templates_for(settings)
        self.router = router_for(settings.routes)
        self.skip = frozenset(skip)  # targets this worker leaves alone
        self.pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="oigwatch-send")
        self.inflight: dict[Future[tuple[str, int, str]], outbox.Claim] = {}
        self.failing: frozenset[str] = frozenset()  # targets in a failing episode
        outbox.ensure_targets(engine, list(self.targets))

    def run_once(self, wait: bool = True) -> Tally:
        """Send every message that may go now (one per target per pacing slot).

        With ``wait=False`` (the delivery loop) sends finish in the background, so a target that
        answers slowly holds up only itself: its deliveries stay leased until it is done."""
        tally = Tally()
        self._collect(tally, block=False)
        now = self.clock()
        self.failing = outbox.failing_names(self.engine)  # one read a pass
        alert_after = self.settings.delivery.alert_after_minutes * 60
        raised = (
            outbox.raise_due(self.engine, alert_after, now, self.router) if self.failing else []
        )
        for _ in raised:
            log.error("a delivery target has been failing for %g minutes", alert_after / 60)
        busy = {claim.target for claim in self.inflight.values()}
        interval = self.settings.delivery.channel_interval
        paces = {
            name: interval if CHANNELS[target.kind].paced else 0.0
            for name, target in self.targets.items()
            if name not in self.skip and name not in busy
        }
        for claim in outbox.claim(self.engine, self.settings.delivery, paces, self.name, now):
            self.inflight[self.pool.submit(self._deliver, claim)] = claim
        if wait:
            self._collect(tally, block=True)
        return tally

    def _collect(self, tally: Tally, block: bool) -> None:
        """Fold finished sends into the tally (all of them when ``block``)."""
        done = wait_futures(self.inflight).done if block else [f for f in self.inflight if f.done()]
        for future in done:
            del self.inflight[future]
            status, count, error = future.result()
            tally.messages += 1
            if status == "sent":
                tally.sent += count
            elif status == "pending":
                tally.retrying += count
            else:
                tally.failed += count
            if error:
                tally.errors.append(error)

    def close(self) -> None:
        """Wait for sends in flight, then stop the threads."""
        self.pool.shutdown(wait=True)

    def _deliver(self, claim: outbox.Claim) -> tuple[str, int, str]:
        target = self.targets[claim.target]
        title = self.templates.title_for(claim.events)  # the digest renderers add the count
        key = {"delivery_key": f"oigwatch-{claim.delivery_ids[0]}"}
        outgoing = Outgoing(claim.events, claim.thread, title, key, claim.unknown_since)
        count = len(claim.delivery_ids)
        try:
            ref = CHANNELS[target.kind].send(target, outgoing, self.templates)
        except Transient as exc:  # Unknown (the message may have arrived: look next time), 429
            wait = exc.retry_after if isinstance(exc, RateLimited) else None
            status = self._failed(
                claim, str(exc), permanent=False, retry_after=wait, unknown=exc.unknown
            )
            return status, count, str(exc)
        except Permanent as exc:
            return self._failed(claim, str(exc), permanent=True), count, str(exc)
        except Exception as exc:  # a transport's bug: never leave the claim leased, nor post blind
            log.exception("delivery to %s raised", claim.target)
            error = f"{target.kind} {target.name}: {type(exc).__name__}: {exc}"
            return self._failed(claim, error, permanent=False, unknown=True), count, error
        outbox.mark_sent(self.engine, claim, self.name, ref, self.clock())
        if claim.target in self.failing and outbox.target_sent(
            self.engine, claim.target, self.clock(), self.router
        ):
            log.info("delivery to %s works again", claim.target)
        return "sent", count, ""

    def _failed(
        self,
        claim: outbox.Claim,
        error: str,
        *,
        permanent: bool,
        retry_after: float | None = None,
        unknown: bool = False,
    ) -> str:
        log.warning("delivery to %s failed: %s", claim.target, error)
        outbox.target_failed(self.engine, claim.target, error, self.clock(), permanent=permanent)
        self.failing = self.failing | {claim.target}
        return outbox.mark_failed(
            self.engine,
            self.settings.delivery,
            claim,
            self.name,
            self.clock(),
            error,
            permanent=permanent,
            retry_after=retry_after,
            router=self.router,
            unknown=unknown,
        )

    def _mine(self) -> list[str]:
        return [name for name in self.targets if name not in self.skip]

    def next_due(self) -> datetime | None:
        """When something could next be sent to this worker's targets (``outbox.next_due``)."""
        return outbox.next_due(self.engine, self._mine(), self.clock())

    def drain(self, deadline: float | None = None) -> Tally:
        """Deliver until nothing is pending, waiting out pacing and pauses (until ``deadline``,
        a time.monotonic() value)."""
        total = Tally()
        while True:
            tally = self.run_once()
            for name in ("sent", "retrying", "failed", "messages"):
                setattr(total, name, getattr(total, name) + getattr(tally, name))
            total.errors += tally.errors
            upcoming = self.next_due()
            if upcoming is None:
                return total
            wait = (upcoming - self.clock()).total_seconds()
            if deadline is not None and time.monotonic() + max(wait, 0) > deadline:
                return total
            if wait > 0 or tally.messages == 0:  # paced: sleep instead of an idle pass
                self.sleep(min(max(wait, 0.05), 60.0))
