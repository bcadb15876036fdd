"""The long-running service (`oigwatch run`): scheduled crawls, the delivery loop, the web side.

One asyncio process. APScheduler 3 fires a quick poll and a deep sweep per source
(``max_instances=1``, ``coalesce``, jitter); the first runs come from the ledger's last runs
(scheduler/plan.py), so a restart after a long gap runs one catch-up sweep. Each crawl is the
spine (crawler/check.py) in a worker thread, its Scrapy crawl run by a long-lived crawl worker
process (crawler/pool.py), killed whole and replaced on timeout, so the loop stays free for HTTP
and deliveries. SIGTERM or SIGINT: stop scheduling, let a running
crawl finish within ``shutdown_grace`` or abandon it (nothing recorded), flush due deliveries, exit.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from time import monotonic
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import uvicorn
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.schedulers.base import STATE_RUNNING
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from config.settings import Settings, SourceConfig
from crawler.check import CheckOptions, check_source
from crawler.clock import utcnow
from crawler.fetch import CrawlAbandoned
from crawler.pool import WorkerPool
from ledger.db import make_engine
from ledger.lock import SourceBusy
from ledger.store import Ledger, Recorded, RunRecord
from notifier.routes import digest_times, router_for
from scheduler.plan import first_runs
from scheduler.skips import quiet_skips
from scheduler.watch import Watch

if TYPE_CHECKING:
    from notifier.worker import Worker

log = logging.getLogger("oigwatch.service")
OVERDUE_MARGIN = 300.0  # seconds past crawl.process_timeout before a crawl counts as stuck


@dataclass(frozen=True, slots=True)
class _Crawl:
    """A crawl in progress: its sweep, the switch that abandons it, the task running it."""

    sweep: str
    abort: threading.Event
    task: asyncio.Task[Any] | None
    started: float  # monotonic()


class Service:
    """Everything `oigwatch run` does, in one event loop."""

    def __init__(
        self, settings: Settings, ledger: Ledger, sources: Sequence[SourceConfig] | None = None
    ) -> None:
        self.settings, self.ledger = settings, ledger
        chosen = settings.sources if sources is None else sources
        self.sources = {source.name: source for source in chosen if source.enabled}
        self.router = router_for(settings.routes)
        self.scheduler = AsyncIOScheduler(
            timezone=UTC,
            job_defaults={"max_instances": 1, "coalesce": True, "misfire_grace_time": None},
        )
        quiet_skips(self.scheduler, log)  # "still running": once, in our words
        self.stopping = asyncio.Event()
        self.wake = asyncio.Event()  # deliveries may be due: a crawl recorded events, a digest
        self.crawls: dict[str, _Crawl] = {}
        self.deep_waiting: set[str] = set()  # deep sweeps that found a quick poll running
        self.crawling: tuple[str, ...] = ()  # a snapshot for other threads (the web side)
        self.heartbeat: datetime | None = None
        self.watch = Watch(ledger.engine)  # runs that left no record, the ledger file itself
        self.http_url: str | None = None
        self.worker: Worker | None = None
        crawl = settings.crawl
        self.crawl_workers = WorkerPool(crawl.worker_crawls, crawl.worker_max_rss_mb * 2**20)
        self.http: uvicorn.Server | None = None

    async def run(self) -> None:
        """Schedule, serve and deliver until told to stop, then stop cleanly."""
        service = self.settings.service
        listener = bind(service.http_host, service.http_port) if service.http_enabled else None
        self._handle_signals()
        await asyncio.to_thread(self._schedule, utcnow())
        self.scheduler.start()
        http = await self._start_http(listener) if listener else None
        log.info("service started: %d sources, pid %d", len(self.sources), os.getpid())
        delivery = asyncio.create_task(self._deliver_loop(), name="oigwatch-delivery")
        delivery.add_done_callback(self._part_ended)
        await self.stopping.wait()
        await self._shutdown(http, delivery)

    def stop(self) -> None:
        """Ask the service to stop (what SIGTERM and SIGINT do); a second call abandons crawls."""
        if self.stopping.is_set():
            for crawl in self.crawls.values():
                crawl.abort.set()
            if self.http is not None:
                self.http.force_exit = True
            return
        log.info("stopping: no new crawls; waiting for running ones and deliveries")
        self.stopping.set()

    def status(self) -> dict[str, Any]:
        """What /healthz reports of the scheduler (called from the web side's threads)."""
        running = self.scheduler.state == STATE_RUNNING and not self.stopping.is_set()
        jobs = [
            {"id": job.id, "next_run": job.next_run_time.isoformat() if job.next_run_time else None}
            for job in (self.scheduler.get_jobs() if running else ())
        ]
        limit = self.settings.crawl.process_timeout + OVERDUE_MARGIN
        now = monotonic()
        return {
            "running": running,
            "overdue": [n for n, c in list(self.crawls.items()) if now - c.started > limit],
            "heartbeat": self.heartbeat,
            "crawling": list(self.crawling),
            "jobs": jobs,
            "problems": self.watch.problems(),
        }

    # Scheduling

    def _schedule(self, now: datetime) -> None:
        """Crawl jobs per source from the ledger's last runs; digest wake-ups; the heartbeat."""
        service = self.settings.service
        jitter = service.jitter or None
        for name in self.sources:
            source_id = self.ledger.source_id(name)
            baseline = self.ledger.has_baseline(source_id)
            last = self.ledger.last_runs(source_id)
            first = first_runs(last, baseline, now, service.quick_interval, service.deep_interval)
            for sweep, every, when in (
                ("deep", service.deep_interval, first.deep),
                ("quick", service.quick_interval, first.quick),
            ):
                trigger = IntervalTrigger(seconds=every, start_date=when, jitter=jitter)
                self.scheduler.add_job(
                    self._crawl,
                    trigger,
                    args=(name, sweep),
                    id=f"{sweep}:{name}",
                    next_run_time=when,
                )
                log.info(
                    "%s: first %s sweep at %s", name, sweep, when.isoformat(timespec="seconds")
                )
        for route in self.settings.routes:
            for moment in digest_times(route.schedule) if route.mode == "digest" else ():
                self.scheduler.add_job(
                    self._nudge,
                    CronTrigger(
                        hour=moment.hour, minute=moment.minute, timezone=ZoneInfo(route.timezone)
                    ),
                    id=f"digest:{route.name}:{moment:%H:%M}",
                )
        beat = min(10.0, service.heartbeat_stale / 4)
        self.scheduler.add_job(self._beat, IntervalTrigger(seconds=beat), id="heartbeat")
        self.heartbeat = now

    async def _beat(self) -> None:
        self.heartbeat = utcnow()

    async def _nudge(self) -> None:
        self.wake.set()

    # Crawling

    async def _crawl(self, name: str, sweep: str) -> None:
        """One scheduled sweep of one source, unless the source is being crawled already."""
        if self.stopping.is_set():
            return
        if name in self.crawls:
            running = self.crawls[name].sweep
            if sweep == "deep" and running == "quick":  # the deep sweep runs right after it
                self.deep_waiting.add(name)
            log.info("%s: %s sweep deferred, a %s sweep is running", name, sweep, running)
            return
        crawl = _Crawl(sweep, threading.Event(), asyncio.current_task(), monotonic())
        self.crawls[name] = crawl
        self.crawling = tuple(self.crawls)
        try:
            recorded, record = await asyncio.to_thread(
                self._check, self.sources[name], sweep, crawl.abort
            )
        except CrawlAbandoned:
            log.warning("%s: %s sweep abandoned at shutdown; nothing recorded", name, sweep)
            return
        except SourceBusy as exc:  # a manual `oigwatch crawl` has it: the next cycle runs
            log.info("%s; %s sweep skipped", exc, sweep)
            return
        except Exception as exc:  # the database refuses writes, a bug: nothing was recorded
            log.exception("%s: %s sweep produced no record", name, sweep)
            self.watch.unrecorded(name, exc)
            return
        finally:
            del self.crawls[name]
            self.crawling = tuple(self.crawls)
            self._run_waiting_deep(name)
        self.watch.recorded(name)
        log.info(
            "%s: %s sweep %s, %d pages, %d events",
            name,
            record.sweep,
            record.outcome,
            record.stats.get("pages", 0),
            len(recorded.event_ids),
        )
        if recorded.event_ids:
            self.wake.set()

    def _run_waiting_deep(self, name: str) -> None:
        """A deep sweep that arrived during a quick poll runs now (else it would wait a whole
        deep interval)."""
        if name not in self.deep_waiting or self.scheduler.state != STATE_RUNNING:
            return
        self.deep_waiting.discard(name)
        if not self.stopping.is_set():
            self.scheduler.modify_job(f"deep:{name}", next_run_time=utcnow())

    def _check(
        self, source: SourceConfig, sweep: str, abort: threading.Event
    ) -> tuple[Recorded, RunRecord]:
        """The spine, in a worker thread. Until the baseline exists every sweep is deep."""
        self.watch.check_database()  # never write into a deleted or replaced ledger file
        if not self.ledger.has_baseline(self.ledger.source_id(source.name)):
            sweep = "deep"
        options = CheckOptions(sweep=sweep, abort=abort, runner=self.crawl_workers.run)
        return check_source(self.ledger, self.settings, source, options, router=self.router)

    # Delivering

    async def _deliver_loop(self) -> None:
        """Send what is due; sleep until the next due moment, a wake-up, or the poll interval."""
        from notifier.worker import Worker  # slack-sdk, Jinja2, httpx

        poll = self.settings.service.deliver_poll
        while not self.stopping.is_set():
            self.wake.clear()
            try:
                if self.worker is None:
                    self.worker = await asyncio.to_thread(Worker, self.ledger.engine, self.settings)
                pause = await asyncio.to_thread(self._deliver_pass, self.worker, poll)
            except Exception:  # the database is unreachable: try again later, lose nothing
                log.exception("delivery pass failed")
                pause = poll
            await _first_of(self.wake, self.stopping, timeout=pause)

    @staticmethod
    def _deliver_pass(worker: Worker, poll: float) -> float:
        """One pass; the seconds until the next one is worth making."""
        tally = worker.run_once(wait=False)  # a slow target holds up only itself
        if tally.messages:
            log.info("delivered %d alerts in %d messages", tally.sent, tally.messages)
        for error in tally.errors:
            log.warning("delivery: %s", error)
        if worker.inflight:
            return 0.1
        upcoming = worker.next_due()
        if upcoming is None:
            return poll
        return min(max((upcoming - worker.clock()).total_seconds(), 0.05), poll)

    def _flush(self, seconds: float) -> None:
        """At shutdown: deliver what is due for a few seconds, wait for sends in flight."""
        if self.worker is None:
            return
        try:
            self.worker.drain(deadline=monotonic() + seconds)
        except Exception:
            log.exception("delivery at shutdown failed; the alerts stay in the outbox")
        finally:
            self.worker.close()

    # Web side, signals, shutdown

    async def _start_http(
        self, listener: socket.socket
    ) -> tuple[uvicorn.Server, asyncio.Task[None]]:
        """Feeds, pages, API and /healthz on the listening socket."""
        from web.app import create_app

        engine = self.ledger.engine
        if engine.dialect.name == "sqlite":  # pages and feeds never wait behind a crawl's write
            engine = make_engine(self.settings.db_url, reader=True)
        host, port = listener.getsockname()[:2]
        service = self.settings.service.model_copy(
            update={"http_port": port}
        )  # port 0: the real one
        app = create_app(self.settings.model_copy(update={"service": service}), engine, self.status)
        config = uvicorn.Config(
            app, log_level="warning", access_log=False, lifespan="off", timeout_graceful_shutdown=5
        )
        server = self.http = _QuietServer(config)
        task = asyncio.create_task(server.serve(sockets=[listener]), name="oigwatch-http")
        task.add_done_callback(self._part_ended)
        while not server.started and not task.done():
            await asyncio.sleep(0.02)
        self.http_url = f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
        log.info("feeds, pages and /healthz on %s", self.http_url)
        return server, task

    def _part_ended(self, task: asyncio.Task[None]) -> None:
        """The web side or the delivery loop must live as long as the service: if one dies, say
        why and stop (a supervisor restarts the whole, rather than half a service running on)."""
        if self.stopping.is_set() or task.cancelled():
            return
        log.error(
            "%s stopped unexpectedly: %r; stopping the service", task.get_name(), task.exception()
        )
        self.stop()

    def _handle_signals(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError):  # not the main thread
                loop.add_signal_handler(sig, self.stop)

    async def _shutdown(
        self,
        http: tuple[uvicorn.Server, asyncio.Task[None]] | None,
        delivery: asyncio.Task[None],
    ) -> None:
        grace = self.settings.service.shutdown_grace
        self.scheduler.pause()  # no new runs; running crawls keep their tasks
        running = [crawl.task for crawl in self.crawls.values() if crawl.task is not None]
        if running:
            log.info("waiting up to %g s for %s", grace, ", ".join(self.crawls))
            _, late = await asyncio.wait(running, timeout=grace)
            for crawl in self.crawls.values():
                crawl.abort.set()  # the child process group is killed; nothing is recorded
            if late:
                await asyncio.wait(late, timeout=30)
        self.crawl_workers.close()  # a crawl still running retires its worker when it ends
        self.scheduler.shutdown(wait=False)
        with contextlib.suppress(Exception):  # a failure was logged by _part_ended
            await delivery
        await asyncio.to_thread(self._flush, min(grace, 10.0))
        if http is not None:
            server, task = http
            server.should_exit = True
            with contextlib.suppress(Exception):
                await task
        log.info("stopped")


class _QuietServer(uvicorn.Server):
    """uvicorn's server without its own signal handlers: the service handles SIGTERM."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class AddressInUse(Exception):
    """The web side's address cannot be bound; the message says what to change."""


def bind(host: str, port: int) -> socket.socket:
    """A listening socket, or an error that says which address is taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((host, port))
    except OSError as exc:
        listener.close()
        raise AddressInUse(
            f"cannot listen on {host}:{port} ({exc.strerror}); set service.http_port "
            "(OIGWATCH_SERVICE__HTTP_PORT) or service.http_enabled = false"
        ) from exc
    listener.listen(128)
    listener.setblocking(False)
    return listener


async def _first_of(*events: asyncio.Event, timeout: float) -> None:
    """Wait until any of ``events`` is set, or ``timeout`` seconds."""
    waiters = [asyncio.ensure_future(event.wait()) for event in events]
    try:
        await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
