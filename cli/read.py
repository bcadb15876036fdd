"""Commands that read or maintain the ledger: report, sources, db, release."""

from __future__ import annotations

from typing import Any

import click

from cli.common import UsageFailure, common, echo_json, emit, open_ledger, settings_from
from crawler.admit import describe_quarantined
from crawler.redline import redline_text
from ledger import queries
from ledger.db import current_revision, head_revision, make_engine, upgrade
from ledger.store import release_hold
from notifier.console import safe
from notifier.routes import router_for


def _version_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    lines = []
    for name in queries.VERSION_FIELDS:
        before, after = old.get(name), new.get(name)
        if before == after:
            continue
        if name in ("title", "summary"):
            lines.append(f"    {name}: {safe(redline_text(before, after))}")
        else:
            lines.append(f"    {name}: {safe(before)} → {safe(after)}")
    return lines


@click.command()
@common
@click.argument("number")
@click.option("--json", "as_json", is_flag=True, help="The report and its versions as JSON.")
def report(config_path: str | None, db_url: str | None, number: str, as_json: bool) -> None:
    """Show every version of a report, with word-level redlines between them.

    Example: oigwatch report OIG-14-131
    """
    settings = settings_from(config_path, db_url)
    with open_ledger(settings) as ledger:
        found = queries.report_history(ledger.engine, number)
    if not found:
        raise UsageFailure(f"no report {number!r} in the ledger (try `oigwatch changes`)")
    if as_json:
        for item in found:
            echo_json(
                {
                    "source": item.source,
                    "key": item.report.key,
                    "status": item.report.status,
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
        previous: dict[str, Any] | None = None
        for number_, version in enumerate(item.versions, 1):
            click.echo(
                f"  version {number_}, first seen {version.seen_at:%Y-%m-%d %H:%M} UTC"
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
    settings = settings_from(config_path, db_url)
    with open_ledger(settings) as ledger:
        summary = queries.sources_summary(ledger.engine)
    configured, names = {s.name for s in settings.sources}, settings.display_names
    if as_json:
        echo_json(summary, indent=2)
        return
    if not summary:
        click.echo(
            f"No runs yet. Configured sources: {', '.join(sorted(configured))}. "
            "Run `oigwatch crawl`."
        )
    for item in summary:
        state = "healthy" if item["healthy"] else f"UNHEALTHY since {item['unhealthy_since']}"
        shown = names.get(item["source"], item["source"])  # the display name, when configured
        click.echo(
            f"{safe(shown)} ({safe(item['source'])}): {state}; {item['reports']} reports; "
            f"last healthy run {item['last_healthy_run'] or 'never'}"
        )
        for run in item["runs"]:
            line = (
                f"  #{run['run_id']} {run['finished_at'][:19]} {run['sweep']:<5} {run['outcome']:<9}"
                f" {run['pages']} pages, {run['reports']} rows, {run['events']} events"
            )
            if run["quarantined"]:
                line += f", {run['quarantined']} rows quarantined"
            click.echo(line + (f" ({safe(run['reason'])[:160]})" if run["reason"] else ""))
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
    settings = settings_from(config_path, db_url)
    engine = make_engine(settings.db_url)
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
    settings = settings_from(config_path, db_url)
    with open_ledger(settings) as ledger:
        released = release_hold(ledger.engine, event_id, router_for(settings.routes))
        if released is None:
            raise UsageFailure(
                f"event {event_id} is not a bulk hold (see `oigwatch changes --kind bulk_hold`)"
            )
        click.echo(f"released {len(released)} held events")
        for event in queries.events(ledger.engine, ids=released):
            emit(event, as_json=False)
