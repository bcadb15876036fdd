"""Commands that read or maintain the ledger: report, sources, db, release."""

from __future__ import annotations

from typing import Any

import click

from cli.common import (
    UsageFailure,
    common,
    echo_json,
    emit,
    open_engine,
    require_sources,
    settings_from,
)
from cli.mute import muted_line
from cli.times import shown
from crawler.clock import local_minutes
from notifier.console import safe

# SQLAlchemy, the ledger's queries and the routes load when a command runs (not for --help)


def _version_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """What changed between two stored versions, in reader words ("Summary added: …", "Labels:
    added Revised", "PDF file: PDF fingerprint recorded (sha256 …)")."""
    from ledger.queries import VERSION_FIELDS
    from notifier.render.words import change_line, reader_change

    lines = []
    for name in VERSION_FIELDS:
        before, after = old.get(name), new.get(name)
        if before == after:
            continue
        lines.append(f"    {safe(change_line(reader_change(name, before, after)))}")
    return lines


@click.command()
@common
@click.argument("number")
@click.option("--json", "as_json", is_flag=True, help="The report and its versions as JSON.")
def report(config_path: str | None, db_url: str | None, number: str, as_json: bool) -> None:
    """Show every version of a report, with word-level redlines between them.

    Example: oigwatch report OIG-14-131
    """
    from ledger import queries

    settings = settings_from(config_path, db_url)
    zone = settings.display_zone
    with open_engine(settings) as engine:
        found = queries.report_history(engine, number)
        muted = queries.current_mutes(engine, [item.report.id for item in found])
    if not found:
        raise UsageFailure(f"no report {number!r} in the ledger (try `oigwatch changes`)")
    if as_json:
        for item in found:
            echo_json(
                {
                    "source": item.source,
                    "key": item.report.key,
                    "status": item.report.status,
                    "muted": muted.get(item.report.id),
                    "versions": [
                        {"seen_at": v.seen_at.isoformat(), "content_hash": v.content_hash, **v.data}
                        for v in item.versions
                    ],
                }
            )
        return
    for item in found:
        current = item.report
        click.echo(
            f"{safe(current.report_number or current.key)} ({safe(item.source)}, {current.status})"
        )
        click.echo(f"  {safe(current.title)}")
        if mute := muted.get(current.id):
            click.echo(muted_line(mute, settings.display_zone))
        previous: dict[str, Any] | None = None
        for number_, version in enumerate(item.versions, 1):
            click.echo(
                f"  version {number_}, first seen {local_minutes(version.seen_at, zone)}"
                f" [{safe(version.content_hash)[:12]}]"
            )
            if previous is not None:
                click.echo(
                    "\n".join(_version_changes(previous, version.data)) or "    (no field change)"
                )
            previous = version.data


@click.command()
@common
@click.option("--json", "as_json", is_flag=True, help="Health and runs as JSON.")
def sources(config_path: str | None, db_url: str | None, as_json: bool) -> None:
    """Show each source's health and last runs.

    Example: oigwatch sources
    """
    from crawler.admit import describe_quarantined
    from ledger import queries
    from notifier.render.words import plain_reason

    settings = settings_from(config_path, db_url)
    require_sources(settings, config_path)
    with open_engine(settings) as engine:
        summary = queries.sources_summary(engine)
    configured, zone = {s.name for s in settings.sources}, settings.display_zone
    names = settings.display_names
    if as_json:
        echo_json(summary, indent=2)
        return
    if not summary:
        click.echo(
            f"No runs yet. Configured sources: {', '.join(sorted(configured))}. "
            "Run `oigwatch crawl`."
        )
    for item in summary:
        name = names.get(item["source"], item["source"])  # the display name, when configured
        title = f"{safe(name)} ({safe(item['source'])})"
        if not item["runs"]:  # a crawl that was interrupted, or that the database refused
            click.echo(f"{title}: no run recorded yet; run `oigwatch crawl`")
            continue
        since = shown(item["unhealthy_since"], zone)
        state = "healthy" if item["healthy"] else f"UNHEALTHY since {since}"
        last = shown(item["last_healthy_run"], zone) if item["last_healthy_run"] else "never"
        click.echo(f"{title}: {state}; {item['reports']} reports; last healthy run {last}")
        for run in item["runs"]:
            line = (
                f"  #{run['run_id']} {shown(run['finished_at'], zone)} {run['sweep']:<5}"
                f" {run['outcome']:<9}"
                f" {run['pages']} pages, {run['reports']} rows, {run['events']} events"
            )
            if run["quarantined"]:
                line += f", {run['quarantined']} rows quarantined"
            click.echo(
                line + (f" ({safe(plain_reason(run['reason']))[:160]})" if run["reason"] else "")
            )
        latest = next((run for run in item["runs"] if run["quarantined"]), None)
        for warning in latest["warnings"][:3] if latest else ():
            click.echo(f"    quarantined: {safe(describe_quarantined(warning))}")


@click.group()
def db() -> None:
    """Database schema commands."""


@db.command("upgrade")
@common
def db_upgrade(config_path: str | None, db_url: str | None) -> None:
    """Migrate the database to the current schema (run after every upgrade of oigwatch).

    Example: oigwatch db upgrade --db postgresql://oigwatch@db/oigwatch
    """
    from ledger.db import current_revision, head_revision, make_engine, upgrade

    settings = settings_from(config_path, db_url)
    engine = make_engine(settings.db_url)  # creates the ledger when there is none
    try:
        before = current_revision(engine)
        upgrade(engine)
        click.echo(f"database at revision {head_revision(engine)} (was {before or 'empty'})")
    except Exception as exc:
        raise UsageFailure(f"upgrade failed: {exc}") from exc
    finally:
        engine.dispose()


@click.command()
@common
@click.argument("event_id", type=int)
def release(config_path: str | None, db_url: str | None, event_id: int) -> None:
    """Release the changes held by a bulk hold, so each is announced on its own.

    A bulk hold holds every kind of change over the limit in one run: new, revised, pulled or
    restored reports (a site-wide change such as every PDF link moving is one such hold).

    Example: oigwatch release 42
    """
    from ledger import queries
    from ledger.store import release_hold
    from notifier.routes import router_for

    settings = settings_from(config_path, db_url)
    with open_engine(settings) as engine:
        released = release_hold(engine, event_id, router_for(settings.routes))
        if released is None:
            raise UsageFailure(
                f"event {event_id} is not a bulk hold (see `oigwatch changes --kind bulk_hold`)"
            )
        click.echo(f"released {len(released)} held events")
        for event in queries.events(engine, ids=released):
            emit(event, as_json=False, where=settings.display_zone)
