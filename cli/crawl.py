"""``oigwatch crawl``: check the configured sources once, record, deliver.

Scrapy, the spine and the ledger load when the command runs, not when ``--help`` is asked."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import click

from cli.common import (
    EXIT_UNHEALTHY,
    UsageFailure,
    check_base_url,
    common,
    emit,
    interrupted,
    open_ledger,
    require_sources,
    settings_from,
    sigterm_interrupts,
    warmed_up,
)
from notifier.console import safe

if TYPE_CHECKING:
    from config.settings import Settings, SourceConfig
    from ledger.store import Ledger


def _pdf_checks(value: str | None) -> int | None:
    from crawler.check import ALL_PDFS

    if value is None:
        return None
    if value == "all":
        return ALL_PDFS
    if value.isdigit():
        return int(value)
    raise click.BadParameter("use a number or 'all'", param_hint="--pdf-checks")


def _sources(settings: Settings, name: str | None, base_url: str | None) -> list[SourceConfig]:
    from config.settings import ConfigError

    try:
        chosen = [settings.source(name)] if name else [s for s in settings.sources if s.enabled]
    except ConfigError as exc:
        raise UsageFailure(str(exc)) from exc
    if not base_url:
        return chosen
    try:
        return [source.with_base_url(base_url) for source in chosen]
    except ValueError as exc:
        raise UsageFailure(f"--base-url: {exc}") from None


@click.command()
@common
@click.option("--source", "source_name", metavar="NAME", help="Only this source.")
@click.option("--quick", is_flag=True, help="First page of every view.")
@click.option("--deep", is_flag=True, help="Every page of every view, plus PDF checks.")
@click.option(
    "--base-url",
    metavar="URL",
    callback=check_base_url,
    help="Fetch the source from this address (http:// or https://) instead.",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per change event.")
@click.option("--announce", is_flag=True, help="Announce even a source's silent baseline.")
@click.option("--delay", type=click.FloatRange(min=0), help="Seconds between requests to a host.")
@click.option("--concurrency", type=click.IntRange(1, 64), help="Requests in flight per host.")
@click.option("--pdf-checks", metavar="N|all", help="PDFs to re-check in this deep sweep.")
@click.option("--no-deliver", is_flag=True, help="Record only; leave alerts to `oigwatch deliver`.")
def crawl(
    config_path: str | None,
    db_url: str | None,
    source_name: str | None,
    quick: bool,
    deep: bool,
    base_url: str | None,
    as_json: bool,
    announce: bool,
    delay: float | None,
    concurrency: int | None,
    pdf_checks: str | None,
    no_deliver: bool,
) -> None:
    """Crawl the configured sources once, record what changed, and deliver the alerts.

    Without --quick or --deep, a source gets a deep sweep until its baseline exists,
    then quick ones. Alerts go to the configured routes (the console by default);
    with --json the events are printed as JSON lines instead of the console alerts.
    Exit 1 when a source is unhealthy, its crawl failed, or an alert could not be delivered
    (it stays in the outbox and is retried).

    Example: oigwatch crawl --deep --json
    """
    from cli.deliver import deliver_now

    if quick and deep:
        raise click.UsageError("--quick and --deep cannot be used together: choose one")
    sweep = "quick" if quick else "deep" if deep else None
    settings = settings_from(config_path, db_url, delay=delay, concurrency=concurrency)
    require_sources(settings, config_path, enabled=source_name is None)
    checks = _pdf_checks(pdf_checks)
    chosen = _sources(settings, source_name, base_url)
    done: list[str] = []  # sources whose run is recorded
    with sigterm_interrupts(), open_ledger(settings, create=True) as ledger:
        try:
            failed = _crawl_each(ledger, settings, chosen, sweep, as_json, announce, checks, done)
        except KeyboardInterrupt as exc:  # Ctrl-C or SIGTERM: the crawl child is killed
            raise interrupted(exc, _nothing_recorded(chosen, done)) from None
        if not no_deliver:
            try:
                tally = deliver_now(ledger.engine, settings, quiet_console=as_json)
            except KeyboardInterrupt as exc:
                raise interrupted(
                    exc,
                    "interrupted while delivering: the runs are recorded; the alerts wait "
                    "in the outbox for `oigwatch deliver`",
                ) from None
            for error in tally.errors[:5] if tally else ():  # the alert waits in the outbox
                click.echo(f"delivery failed, will retry: {safe(error)[:300]}", err=True)
            failed |= bool(tally and tally.errors)
    if failed:
        sys.exit(EXIT_UNHEALTHY)


def _crawl_each(
    ledger: Ledger,
    settings: Settings,
    chosen: list[SourceConfig],
    sweep: str | None,
    as_json: bool,
    announce: bool,
    checks: int | None,
    done: list[str],
) -> bool:
    """Check each chosen source in turn (``done``: the ones recorded); whether any failed."""
    from sqlalchemy.exc import SQLAlchemyError

    from cli.deliver import console_targets, mark_printed
    from config.vocabulary import BAD_OUTCOMES
    from crawler.check import CheckOptions, check_source, database_reason
    from ledger import queries
    from ledger.lock import SourceBusy
    from notifier.routes import router_for

    warmed_up()  # all imported: the collector runs again for the crawl itself
    failed = False
    router = router_for(settings.routes)
    for source in chosen:
        kind = sweep or _default_sweep(ledger, source)
        options = CheckOptions(sweep=kind, announce=announce, pdf_checks=checks)
        try:
            with _progress_bar(f"{source.name} {kind}", enabled=not as_json) as progress:
                recorded, record = check_source(
                    ledger, settings, source, options, progress, router=router
                )
        except SourceBusy as exc:  # the service or another crawl has it: not an error of ours
            click.echo(f"{exc}; not crawled now", err=True)
            failed = True
            continue
        except SQLAlchemyError as exc:  # not even a failed run could be written
            click.echo(f"{source.name}: nothing recorded: {database_reason(exc)}", err=True)
            failed = True
            continue
        done.append(source.name)
        if as_json:
            for event in queries.events(ledger.engine, ids=recorded.event_ids):
                emit(event, as_json=True)
            mark_printed(ledger.engine, recorded.event_ids, console_targets(settings))
        failed |= record.outcome in BAD_OUTCOMES
        _summary(source.name, kind, record, recorded)
    return failed


def _nothing_recorded(chosen: list[SourceConfig], done: list[str]) -> str:
    """What an interrupted crawl says: nothing recorded, or what was before the interruption."""
    if not done:
        return "interrupted; nothing recorded"
    left = [source.name for source in chosen if source.name not in done]
    return (
        f"interrupted; nothing recorded for {', '.join(left)} "
        f"({', '.join(done)} recorded before the interruption)"
    )


def _default_sweep(ledger: Ledger, source: SourceConfig) -> str:
    return "quick" if ledger.has_baseline(ledger.source_id(source.name)) else "deep"


def _summary(name: str, sweep: str, record: Any, recorded: Any) -> None:
    from crawler.admit import describe_quarantined
    from notifier.render.words import plain_reason

    verdict, events = record.verdict, len(recorded.event_ids)
    text = (
        f"{name}: {sweep} sweep {record.outcome}, {record.stats.get('pages', 0)} pages, "
        f"{sum(verdict.view_counts.values())} listing rows, {events} event{'s' * (events != 1)}"
    )
    if verdict.reasons:  # in plain words; `sources --json` and the ledger keep the raw text
        text += f"\n  reason: {safe(plain_reason(verdict.reason))[:500]}"
    quarantined = record.stats.get("quarantined", 0)
    if quarantined:
        text += f"\n  {quarantined} rows quarantined (kept out of the diff), e.g.:"
        for warning in record.stats.get("warnings", [])[:3]:
            text += f"\n    {safe(describe_quarantined(warning))}"
    if record.outcome == "baseline":
        text += "\n  (baseline: recorded silently; later runs report changes)"
    click.echo(text, err=True)


@contextmanager
def _progress_bar(label: str, enabled: bool) -> Iterator[Callable[[int, int], None] | None]:
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    with click.progressbar(length=1, label=label, file=sys.stderr, show_pos=True) as bar:

        def update(done: int, scheduled: int) -> None:
            bar.length = max(scheduled, 1)
            bar.update(done - bar.pos)

        yield update
