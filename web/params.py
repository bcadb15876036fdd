"""Query parameters of the feeds, the change list and the API, checked and made canonical (pure).

Filters work like routes: ``component``, ``kind``, ``label``, ``source`` and ``q`` (a keyword or
phrase, matched as routes match their ``keywords``: ``notifier.routes.content_matches``) may each
repeat; any value of one parameter matches (OR) and every parameter given must match (AND);
``kind=pulled`` is ``kind=removed``. Every whole number is bounded (``before`` by the largest
event id a ledger can hold), so no value reaches the database that it would refuse. Without ``kind``, the
reader-facing kinds (new, revised, removed, restored) and the health episodes (source_unhealthy,
source_recovered) are listed; the other operational kinds (bulk_hold, delivery_failed) only when
``kind`` names them. Health episodes pass every component, label and keyword filter: a monitor that
cannot read the site is blind for every component.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from urllib.parse import urlencode

from config.settings import Settings
from config.vocabulary import (
    CONTENT_KINDS,
    HEALTH_KINDS,
    LABEL_WORDS,
    LABELS,
    UnknownKind,
    kind_word,
    parse_kind,
)
from crawler.clock import in_utc
from crawler.text import clean_text
from web.feeds import FeedFilter

FILTERS = ("component", "kind", "label", "source", "q")  # each may repeat
DEFAULT_KINDS = CONTENT_KINDS + HEALTH_KINDS  # listed when no ``kind`` is given
MAX_VALUES = 20  # values per parameter
MAX_TEXT = 100  # characters of one value
# The largest event id: ``change_events.id`` is a 4-byte integer on PostgreSQL, which refuses a
# larger value in a comparison (SQLite would take it; the bound is the same on both).
MAX_EVENT_ID = 2**31 - 1


class ParamError(ValueError):
    """A query parameter cannot be used; the message says which one and what is allowed."""


@dataclass(frozen=True, slots=True)
class ChangeQuery:
    """What a reader asked for: filters, and for lists a window (since, before, limit)."""

    components: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    since: datetime | None = None
    before: int | None = None
    limit: int = 100

    @property
    def sql_kinds(self) -> tuple[str, ...]:
        """The kinds to read: those asked for, or the reader-facing ones and health episodes."""
        return self.kinds or DEFAULT_KINDS

    def payload_filter(self) -> FeedFilter | None:
        """The filters that look inside an event's payload (None when there are none); health
        episodes pass them."""
        if not self.components and not self.labels and not self.keywords:
            return None
        return FeedFilter(
            components=self.components,
            labels=self.labels,
            keywords=self.keywords,
            always=HEALTH_KINDS,
        )

    def filter_items(self) -> list[tuple[str, str]]:
        """The filters as query items in a canonical order."""
        return (
            [("component", c) for c in self.components]
            + [("kind", k) for k in self.kinds]
            + [("label", label) for label in self.labels]
            + [("source", source) for source in self.sources]
            + [("q", keyword) for keyword in self.keywords]
        )

    def filter_query(self) -> str:
        """``component=CBP&kind=revised`` (canonical; "" without filters)."""
        return urlencode(self.filter_items())

    def with_before(self, before: int) -> str:
        """The query string of the next (older) page of a list."""
        return urlencode([*self.filter_items(), ("before", str(before))])

    def scope(self) -> tuple[str, ...]:
        """The filters in a reader's words, for a feed's title: ``("revised", "ICE")``; sources
        are left to the caller, which names them by their display names."""
        return (
            tuple(kind_word(kind).lower() for kind in self.kinds)
            + self.components
            + tuple(f"labelled {LABEL_WORDS[label][0]}" for label in self.labels)
            + tuple(f'"{keyword}"' for keyword in self.keywords)
        )


def known_components(settings: Settings) -> tuple[str, ...]:
    """Every component code the configured sources can assign (empty: accept any)."""
    found: list[str] = []
    for source in settings.sources:
        for view in source.views:
            found += view.components
            if view.split is not None:
                found += view.split.values.values()
    return tuple(dict.fromkeys(found))


def parse_changes(
    items: Iterable[tuple[str, str]],
    *,
    allowed: Sequence[str],
    components: Sequence[str] = (),
    sources: Sequence[str] = (),
    default_limit: int = 100,
    max_limit: int = 1000,
) -> ChangeQuery:
    """Query items (repeats kept) to a ChangeQuery; ParamError names the first bad one."""
    values: dict[str, list[str]] = {}
    for name, value in items:
        if name not in allowed:
            raise ParamError(f"unknown parameter {name!r} (allowed: {', '.join(allowed)})")
        values.setdefault(name, []).append(value.strip())
    for name, given in values.items():
        if name not in FILTERS and len(given) > 1:
            raise ParamError(f"parameter {name!r} may be given once")
        if len(given) > MAX_VALUES:
            raise ParamError(f"parameter {name!r} is given more than {MAX_VALUES} times")
    return ChangeQuery(
        components=_choices("component", values.get("component", []), components),
        kinds=_kinds(values.get("kind", [])),
        labels=_choices("label", values.get("label", []), LABELS),
        sources=_choices("source", values.get("source", []), sources),
        keywords=_keywords(values.get("q", [])),
        since=parse_since(values["since"][0]) if "since" in values else None,
        before=(
            _integer("before", values["before"][0], 1, MAX_EVENT_ID) if "before" in values else None
        ),
        limit=(
            _integer("limit", values["limit"][0], 1, max_limit)
            if "limit" in values
            else default_limit
        ),
    )


def _choices(name: str, given: list[str], known: Sequence[str]) -> tuple[str, ...]:
    """Given values in their canonical spelling (matched case-insensitively), deduplicated."""
    canonical = {value.casefold(): value for value in known}
    chosen: list[str] = []
    for value in given:
        if not value:
            raise ParamError(f"parameter {name!r} is empty")
        if canonical:
            if value.casefold() not in canonical:
                raise ParamError(f"unknown {name} {value!r} (known: {', '.join(known)})")
            value = canonical[value.casefold()]
        if len(value) > MAX_TEXT:
            raise ParamError(f"parameter {name!r} is longer than {MAX_TEXT} characters")
        chosen.append(value)
    return tuple(dict.fromkeys(chosen))


def _keywords(given: list[str]) -> tuple[str, ...]:
    """``q`` values: cleaned (``clean_text``), blank ones ignored (an empty search filters
    nothing, as a blank route keyword), deduplicated."""
    chosen: list[str] = []
    for value in given:
        value = clean_text(value).strip()
        if len(value) > MAX_TEXT:
            raise ParamError(f"parameter 'q' is longer than {MAX_TEXT} characters")
        if value:
            chosen.append(value)
    return tuple(dict.fromkeys(chosen))


def _kinds(given: list[str]) -> tuple[str, ...]:
    """Kinds by their stored name (``pulled`` is ``removed``; case ignored), deduplicated."""
    chosen: list[str] = []
    for value in given:
        if not value:
            raise ParamError("parameter 'kind' is empty")
        try:
            chosen.append(parse_kind(value))
        except UnknownKind as exc:
            raise ParamError(str(exc)) from None
    return tuple(dict.fromkeys(chosen))


def _integer(name: str, value: str, low: int, high: int) -> int:
    """A whole number from ``low`` to ``high`` written in ASCII digits (no sign, no "²")."""
    bounds = f"a whole number from {low} to {high}"
    if not (value.isascii() and value.isdigit()):
        raise ParamError(f"parameter {name!r} must be {bounds}, not {value[:40]!r}")
    if len(value.lstrip("0")) > len(str(high)) or not low <= int(value) <= high:
        raise ParamError(f"parameter {name!r} must be {bounds}, not {value[:40]}")
    return int(value)


def parse_since(value: str) -> datetime:
    """An ISO 8601 date or date-time, in UTC (a date means its midnight; no offset means UTC)."""
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            return datetime(day.year, day.month, day.day, tzinfo=UTC)
        moment = in_utc(datetime.fromisoformat(value))
    except (ValueError, OverflowError):  # OverflowError: 9999-12-31T23:00-05:00 is past year 9999
        raise ParamError(
            f"parameter 'since' must be an ISO 8601 date or date-time such as 2026-11-16 or "
            f"2026-11-16T09:00:00Z, not {value[:40]!r}"
        ) from None
    return moment
