"""``oigwatch mute`` / ``unmute``: an editor silences one report's alerts, and lets them out again.

A muted report's later changes are recorded and shown as usual (``changes``, the web pages and
feeds, marked muted where a report's mute is shown); only the channels are not sent them. Ops
events (source health, bulk holds, delivery failures) belong to no report and are never muted.
"""

from __future__ import annotations

import getpass
from datetime import tzinfo
from typing import TYPE_CHECKING, Any

import click

from cli.common import UsageFailure, common, open_engine, settings_from
from cli.times import shown
from crawler.clock import utcnow
from crawler.text import clean_text
from notifier.console import safe

if TYPE_CHECKING:  # SQLAlchemy and the ledger load when a command runs (not for --help)
    from sqlalchemy import Engine

    from ledger.queries import ReportHistory


def muted_by() -> str:
    """Who mutes: the login name of the account running the command."""
    try:
        return getpass.getuser() or "unknown"
    except (OSError, KeyError):  # no login name (a container without a passwd entry)
        return "unknown"


def muted_line(mute: dict[str, Any], where: tzinfo) -> str:
    """A report's mute as `report` and `changes` print it (``queries`` JSON shape of a mute)."""
    reason = f": {safe(mute['reason'])}" if mute.get("reason") else ""
    return (
        f"  muted (since {shown(mute['muted_at'], where)} by {safe(mute['muted_by'])}{reason});"
        " not sent to any channel"
    )


def _one_report(engine: Engine, number: str, source: str | None) -> ReportHistory:
    """The one report ``number`` (a report number or key, as `oigwatch report` takes) names;
    exit 2 with one line when it names none, or more than one."""
    from ledger import queries

    found = queries.report_history(engine, number)
    if source is not None:
        found = [item for item in found if item.source == source]
    if not found:
        where = f" in source {source!r}" if source else ""
        raise UsageFailure(f"no report {number!r}{where} in the ledger (try `oigwatch changes`)")
    if len(found) > 1:
        named = ", ".join(f"{item.report.key} ({item.source})" for item in found)
        raise UsageFailure(
            f"{number!r} names {len(found)} reports: {safe(named)}; give the key (and --source)"
        )
    return found[0]


def _name(item: ReportHistory) -> str:
    return safe(item.report.report_number or item.report.key)


@click.command()
@common
@click.argument("number", metavar="REPORT")
@click.option("--reason", default="", metavar="TEXT", help="Why (kept with the mute, shown).")
@click.option("--source", "source_name", metavar="NAME", help="The report of this source.")
def mute(
    config_path: str | None, db_url: str | None, number: str, reason: str, source_name: str | None
) -> None:
    """Stop sending a report's changes to any channel; they are still recorded and listed.

    REPORT is a report number or key, as `oigwatch report` takes it. Changes detected while a
    report is muted are never sent, even after `oigwatch unmute`; alerts already waiting in
    the outbox are still sent.

    Example: oigwatch mute OIG-24-15 --reason "duplicate of OIG-24-14"
    """
    from ledger import mutes

    settings = settings_from(config_path, db_url)
    with open_engine(settings) as engine:
        item = _one_report(engine, number, source_name)
        why = " ".join(clean_text(reason).split())[:500]  # one line, as it is shown
        opened, new = mutes.mute(engine, item.report.id, muted_by(), why, utcnow())
    since = f"since {shown(opened.muted_at, settings.display_zone)} by {safe(opened.muted_by)}"
    if new:
        click.echo(f"{_name(item)} ({safe(item.source)}) muted {since}")
    else:
        click.echo(f"{_name(item)} ({safe(item.source)}) was already muted {since}; unchanged")


@click.command()
@common
@click.argument("number", metavar="REPORT")
@click.option("--source", "source_name", metavar="NAME", help="The report of this source.")
def unmute(
    config_path: str | None, db_url: str | None, number: str, source_name: str | None
) -> None:
    """Send a muted report's later changes to the channels again.

    Example: oigwatch unmute OIG-24-15
    """
    from ledger import mutes

    settings = settings_from(config_path, db_url)
    with open_engine(settings) as engine:
        item = _one_report(engine, number, source_name)
        ended = mutes.unmute(engine, item.report.id, muted_by(), utcnow())
    if ended is None:
        click.echo(f"{_name(item)} ({safe(item.source)}) was not muted; unchanged")
    else:
        click.echo(
            f"{_name(item)} ({safe(item.source)}) unmuted (muted since {shown(ended.muted_at, settings.display_zone)})"
        )
