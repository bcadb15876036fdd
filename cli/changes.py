"""``oigwatch changes``: the recorded change events, filtered as routes filter them.

SQLAlchemy (Core only: ``ledger.change_list``), the routes and the outbox's matcher load when the
command runs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any

import click

from cli.common import UsageFailure, common, echo_json, open_engine, settings_from
from cli.times import shown
from config.vocabulary import LABELS, kind_words_accepted, parse_kinds

if TYPE_CHECKING:
    from config.settings import Settings
    from ledger.change_list import Candidate

DEFAULT_LIMIT = 100  # the latest changes; --all lists every one


def _parse_since(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(
            "use an ISO date such as 2026-11-16", param_hint="--since"
        ) from exc
    from crawler.clock import aware

    return aware(parsed)


def _changes_text(event: dict[str, Any], where: tzinfo, names: dict[str, str]) -> str:
    """An event as `changes` prints it: the console rendering, with when it was detected (and
    its report's mute) under the headline."""
    from cli.mute import muted_line
    from notifier.console import render_text, safe

    headline, _, rest = render_text(event, where).partition("\n")
    source = str(event.get("source") or "")
    name = safe(names.get(source, source))  # the display name readers know the source by
    lines = [headline, f"  {name} · detected {shown(event.get('detected_at'), where)}"]
    if event.get("muted"):
        lines.append(muted_line(event["muted"], where))
    return "\n".join([*lines, *([rest] if rest else [])])


def _changes_filter(
    settings: Settings,
    route_name: str | None,
    components: tuple[str, ...],
    labels: tuple[str, ...],
    words: tuple[str, ...],
) -> Callable[[Candidate], bool] | None:
    """What `changes` keeps beyond time, kind and source: the content filters (the routes' own
    matcher) and, with --route, what the outbox would have owed that route (its dry run)."""
    if route_name is None and not (components or labels or words):
        return None
    from config.settings import ConfigError
    from ledger.outbox import owed
    from notifier.routes import content_matches, router_for

    router = None
    if route_name is not None:
        try:
            router = router_for([settings.route(route_name)])
        except ConfigError as exc:
            raise UsageFailure(str(exc)) from exc

    def keep(candidate: Candidate) -> bool:
        routed = {**candidate.payload, "kind": candidate.kind}
        if (components or labels or words) and not content_matches(
            routed, components=components, labels=labels, keywords=words
        ):
            return False
        return router is None or bool(
            owed(candidate.kind, candidate.payload, status=candidate.status,
                 mutes=candidate.mutes, detected_at=candidate.detected_at, router=router)
        )  # fmt: skip

    return keep


@click.command()
@common
@click.option("--since", metavar="DATE", help="Only changes detected on or after this date.")
@click.option(
    "--kind",
    "kinds",
    multiple=True,
    metavar="KIND",
    type=click.Choice(kind_words_accepted()),
    callback=lambda _ctx, _param, words: parse_kinds(words),
    help="Only this kind (repeatable; pulled is removed).",
)
@click.option("--source", "source_name", metavar="NAME", help="Only this source.")
@click.option(
    "--component", "components", multiple=True, metavar="NAME",
    help="Only reports of this component, as the site names it: ICE (repeatable: any).",
)  # fmt: skip
@click.option(
    "--label", "labels", multiple=True, type=click.Choice(LABELS),
    help="Only reports carrying, gaining or losing this label (repeatable: any).",
)  # fmt: skip
@click.option(
    "--q", "words", multiple=True, metavar="WORDS",
    help="Only changes with this word or phrase in title or summary, as route keywords match "
    "(repeatable: any).",
)  # fmt: skip
@click.option(
    "--route", "route_name", metavar="NAME",
    help="Only what this configured route would have been sent (a dry run: nothing is sent).",
)  # fmt: skip
@click.option(
    "--limit", type=click.IntRange(min=1),
    help=f"Only the last N changes (default: the last {DEFAULT_LIMIT}).",
)  # fmt: skip
@click.option("--all", "every", is_flag=True, help="Every change, however many (not --limit).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per change event.")
def changes(
    config_path: str | None,
    db_url: str | None,
    since: str | None,
    kinds: tuple[str, ...],
    source_name: str | None,
    components: tuple[str, ...],
    labels: tuple[str, ...],
    words: tuple[str, ...],
    route_name: str | None,
    limit: int | None,
    every: bool,
    as_json: bool,
) -> None:
    """List recorded change events, oldest first, each with when it was detected.

    --component, --label and --q filter as routes do; --route NAME lists what that route would
    have been sent (held changes and changes of muted reports are not sent). Changes of a report
    muted when they were detected are marked muted. Without --limit or --all, the last
    100 changes that match (a line on stderr says when there are older ones).

    Example: oigwatch changes --since 2026-11-16 --kind revised --component ICE
    """
    if every and limit is not None:
        raise click.UsageError("--limit and --all cannot be used together: choose one")
    settings = settings_from(config_path, db_url)
    keep = _changes_filter(settings, route_name, components, labels, words)
    wanted = None if every else limit or DEFAULT_LIMIT
    from ledger.change_list import changes as listed

    with open_engine(settings) as engine:
        found = listed(
            engine,
            since=_parse_since(since),
            kinds=kinds,
            source=source_name,
            keep=keep,
            limit=None if wanted is None else wanted + 1,  # one more: are there more?
        )
    more = wanted is not None and len(found) > wanted
    found = found[1:] if more else found
    for event in found:
        if as_json:
            echo_json(event)
        else:
            click.echo(_changes_text(event, settings.display_zone, settings.display_names) + "\n")
    matching = " that match" if since or kinds or source_name or keep else ""
    if not found and not as_json:
        click.echo(f"No changes recorded{matching or ' yet'}.", err=True)
    if more and limit is None:  # the default cut them: say so
        click.echo(
            f"(the last {wanted} changes{matching}; older ones with --limit N or --all)", err=True
        )
