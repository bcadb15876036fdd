"""Commands of the outbox: deliver, deliveries, retry, test-route, digest."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import click

from cli.common import UsageFailure, common, echo_json, open_ledger, settings_from
from crawler.clock import utcnow
from notifier.console import safe

if TYPE_CHECKING:  # SQLAlchemy, the outbox and the channels load when a command runs
    from sqlalchemy import Engine

    from config.settings import Settings
    from notifier.worker import Tally

CRAWL_DELIVERY_SECONDS = 10.0


def console_targets(settings: Settings) -> list[str]:
    """Names of the console targets."""
    return [target.name for target in settings.targets if target.kind == "console"]


def mark_printed(engine: Engine, event_ids: Sequence[int], targets: Sequence[str]) -> None:
    """The events were printed as JSON: their console deliveries are done."""
    from ledger import outbox

    outbox.mark_printed(engine, event_ids, targets, utcnow())


def deliver_now(engine: Engine, settings: Settings, quiet_console: bool = False) -> Tally | None:
    """Deliver what is due, for a few seconds at most (the rest waits for `oigwatch deliver`).
    With ``quiet_console`` (JSON on stdout) the console targets wait for a later run."""
    from ledger import outbox

    if not outbox.has_pending(engine):
        return None
    skip = tuple(console_targets(settings)) if quiet_console else ()
    worker = _worker(engine, settings, skip)
    return worker.drain(deadline=time.monotonic() + CRAWL_DELIVERY_SECONDS)


def _worker(engine: Engine, settings: Settings, skip: tuple[str, ...] = ()) -> Any:
    from notifier.worker import Worker  # Jinja2 and the channels: only when there is mail

    return Worker(engine, settings, skip=skip)


def _report(tally: Tally) -> None:
    click.echo(
        f"delivered {tally.sent} alerts in {tally.messages} messages; "
        f"{tally.retrying} to retry, {tally.failed} failed",
        err=True,
    )
    for error in tally.errors[:10]:
        click.echo(f"  {error}", err=True)


@click.command()
@common
@click.option("--loop", is_flag=True, help="Keep delivering until interrupted.")
@click.option("--interval", default=1.0, show_default=True, help="Seconds between passes (--loop).")
def deliver(config_path: str | None, db_url: str | None, loop: bool, interval: float) -> None:
    """Send the alerts that are due (with --loop: keep sending as they become due).

    Example: oigwatch deliver --loop
    """
    settings = settings_from(config_path, db_url)
    with open_ledger(settings) as ledger:
        worker = _worker(ledger.engine, settings)
        if not loop:
            _report(worker.drain(deadline=time.monotonic() + 60))
            return
        try:
            while True:
                tally = worker.run_once(wait=False)  # a slow target holds up only itself
                if tally.messages:
                    _report(tally)
                time.sleep(interval)
        except KeyboardInterrupt:
            click.echo("stopping: waiting for sends in flight", err=True)
        finally:
            worker.close()


STATUSES = ("pending", "waiting", "retrying", "failing", "sent", "failed", "dead")


@click.command()
@common
@click.option(
    "--status",
    type=click.Choice(STATUSES),
    help="pending: not sent yet (waiting: not tried or not due; retrying: after a failed "
    "attempt); failing: pending for a target that keeps failing; sent; failed: refused for good; "
    "dead: given up after delivery.max_age_hours or max_attempts.",
)
@click.option("--limit", default=50, show_default=True, type=click.IntRange(min=1))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per delivery.")
def deliveries(
    config_path: str | None, db_url: str | None, status: str | None, limit: int, as_json: bool
) -> None:
    """List deliveries, newest first: where each alert went, or why it did not.

    Targets that keep failing are listed first. Example: oigwatch deliveries --status retrying
    """
    from ledger import outbox

    settings = settings_from(config_path, db_url)
    with open_ledger(settings) as ledger:
        rows = outbox.listing(ledger.engine, status, limit)
        failing = outbox.failing_targets(ledger.engine)
        retrying = outbox.listing(ledger.engine, "retrying", 1) if not rows else []
    if not as_json:
        for item in failing:
            click.echo(
                f"target {item['target']} FAILING since {item['since'][:19]}, "
                f"{item['pending']} pending: {safe(item['error'] or '')[:160]}"
            )
    for row in rows:
        if as_json:
            echo_json(row)
            continue
        line = (
            f"#{row['delivery_id']} {row['state']:<8} {row['target']:<20} {row['kind']:<16}"
            f" {row['report_number'] or '':<12} attempts {row['attempts']}"
        )
        if row["state"] in ("waiting", "retrying") and row["due_at"]:
            line += f", next {row['due_at'][:19]}"
        click.echo(line + (f"  {safe(row['last_error'])[:120]}" if row["last_error"] else ""))
    if not rows and not as_json:
        hint = " (some are retrying after errors: --status retrying)" if retrying else ""
        click.echo(f"No deliveries{' with status ' + status if status else ''}.{hint}", err=True)


@click.command()
@common
@click.argument("delivery_id", type=int)
def retry(config_path: str | None, db_url: str | None, delivery_id: int) -> None:
    """Try a failed or dead delivery again now (after fixing its target).

    Example: oigwatch retry 17
    """
    from ledger import outbox

    settings = settings_from(config_path, db_url)
    with open_ledger(settings) as ledger:
        if not outbox.retry(ledger.engine, delivery_id, utcnow()):
            raise UsageFailure(f"no delivery {delivery_id} to retry (see `oigwatch deliveries`)")
        _report(_worker(ledger.engine, settings).drain(deadline=time.monotonic() + 30))


SAMPLE: dict[str, Any] = {
    "event_id": 0,
    "kind": "new",
    "source": "oigwatch",
    "status": "published",
    "report_number": "OIG-00-00",
    "title": "Test alert from oigwatch: this route works",
    "url": None,
    "listing_url": None,
    "issue_date": None,
    "fiscal_year": None,
    "components": [],
    "summary": "A sample message sent by `oigwatch test-route`.",
    "labels": [],
    "changes": [],
    "labels_gained": [],
    "labels_lost": [],
}


@click.command("test-route")
@common
@click.argument("name")
def test_route(config_path: str | None, db_url: str | None, name: str) -> None:
    """Send a sample message through a route's target, right now, bypassing the outbox.

    Example: oigwatch test-route immigration-desk
    """
    from config.registry import CHANNELS
    from config.settings import ConfigError
    from notifier.render.common import templates_for
    from notifier.transports import DeliveryError, MissingSecret, Outgoing

    settings = settings_from(config_path, db_url)
    try:
        target = settings.target(settings.route(name).target)
    except ConfigError as exc:
        raise UsageFailure(str(exc)) from exc
    sample = {**SAMPLE, "detected_at": utcnow().isoformat()}
    templates = templates_for(settings)
    try:
        ref = CHANNELS[target.kind].send(target, Outgoing([sample]), templates)
    except MissingSecret as exc:  # a config error: nothing was sent
        raise UsageFailure(f"route {name}: {exc}") from exc
    except DeliveryError as exc:
        raise click.ClickException(f"route {name}: {exc}") from exc
    click.echo(f"route {name}: sent to {target.kind} target {target.name} ({json.dumps(ref)})")
    _history_warning(name, target)


def _history_warning(route: str, target: Any) -> None:
    """Say when a Slack target cannot read its channel's history (to look before posting again)."""
    from notifier.channels import slack

    if not isinstance(target, slack.SlackTarget):
        return
    problem = slack.history_problem(target)
    if problem:
        click.echo(
            f"route {route}: warning: slack target {target.name} cannot read the channel's history "
            f"({problem}): after a timeout or a crash an alert may be posted twice; give the bot "
            f"{slack.HISTORY_SCOPES} and invite it to the channel",
            err=True,
        )


@click.command()
@common
@click.argument("route")
@click.option("--now", "now_", is_flag=True, required=True, help="Send the digest now.")
def digest(config_path: str | None, db_url: str | None, route: str, now_: bool) -> None:
    """Send a digest route's pending alerts now instead of at its next scheduled time.

    Example: oigwatch digest morning-digest --now
    """
    from config.settings import ConfigError
    from ledger import outbox

    settings = settings_from(config_path, db_url)
    try:
        mode = settings.route(route).mode
    except ConfigError as exc:
        raise UsageFailure(str(exc)) from exc
    if mode != "digest":
        click.echo(
            f"route {route} is immediate: nothing is held for a digest (its alerts go out as "
            "they are recorded; `oigwatch deliver` sends any that are due)",
            err=True,
        )
        return
    with open_ledger(settings) as ledger:
        count = outbox.digest_now(ledger.engine, route, utcnow())
        click.echo(f"{count} pending alerts of route {route} are due now", err=True)
        _report(_worker(ledger.engine, settings).drain(deadline=time.monotonic() + 60))
