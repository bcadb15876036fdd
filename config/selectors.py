"""The ``[sources.views.selectors]`` table: where a listing keeps each field of a report, as CSS or
XPath selectors (the ``generic`` page layout reads it, ``crawler/layouts/generic.py``).

Every selector is checked when the config is read: a selector that does not parse, a missing
required one (``row``, ``title``), a pattern that is not a regular expression or a date format
that cannot read the dates it names stop oigwatch with one config error, before any crawl.

A selector is CSS unless it starts with ``xpath:``. CSS may end in ``::text`` or ``::attr(NAME)``
(parsel's pseudo-elements); XPath may select text or attributes (``xpath:.//time/@datetime``).
Field selectors are read inside each row; ``row``, ``next_page``, ``last_page`` and ``empty``
inside the whole page.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

XPATH_PREFIX = "xpath:"
MAX_SELECTOR = 1000
# the namespaces parsel gives XPath (so ``re:test(...)`` compiles here as it runs there)
XPATH_NAMESPACES = {
    "re": "http://exslt.org/regular-expressions",
    "set": "http://exslt.org/sets",
}
_PROBE = date(2026, 11, 3)  # a date every format must write and read back
_NAMES = {"css": "CSS", "xpath": "XPath"}


def selector_parts(selector: str) -> tuple[str, str]:
    """``("xpath", expression)`` or ``("css", expression)`` of a configured selector."""
    if selector.startswith(XPATH_PREFIX):
        return "xpath", selector[len(XPATH_PREFIX) :].strip()
    return "css", selector.strip()


def _selector(value: str) -> str:
    """A selector that parses: CSS (parsel's dialect) or ``xpath:`` XPath 1.0."""
    kind, expression = selector_parts(value)
    if not expression:
        raise ValueError("an empty selector")
    try:
        if kind == "xpath":
            from lxml import etree

            etree.XPath(expression, namespaces=XPATH_NAMESPACES)
        else:
            from parsel.csstranslator import HTMLTranslator

            HTMLTranslator().css_to_xpath(expression)
    except Exception as exc:  # cssselect's SelectorError, lxml's XPathSyntaxError, ...
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise ValueError(f"not a valid {_NAMES[kind]} selector: {value!r} ({reason})") from None
    return value


def _pattern(value: str) -> str:
    """A regular expression; its first group (else the whole match) is the value."""
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"not a regular expression: {value!r} ({exc})") from None
    return value


def _date_format(value: str) -> str:
    """A strptime format naming a year, a month and a day, which reads back what it writes."""
    if "%" not in value:
        raise ValueError(f"not a date format: {value!r} (use strptime codes such as '%B %d, %Y')")
    try:
        written = _PROBE.strftime(value)
        read = datetime.strptime(written, value).date()
    except (ValueError, TypeError) as exc:
        raise ValueError(f"not a usable date format: {value!r} ({exc})") from None
    if read != _PROBE:
        raise ValueError(
            f"date format {value!r} does not name a year, a month and a day"
            f" (it reads {written!r} as {read.isoformat()})"
        )
    return value


Selector = Annotated[str, Field(max_length=MAX_SELECTOR), AfterValidator(_selector)]
Pattern = Annotated[str, Field(max_length=MAX_SELECTOR), AfterValidator(_pattern)]
DateFormat = Annotated[str, Field(max_length=100), AfterValidator(_date_format)]


class SelectorConfig(BaseModel):
    """Where one listing keeps each field: one report per ``row``; the other fields inside it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    row: Selector  # each report's element
    title: Selector
    link: Selector | None = None  # an <a> (its href) or an href string: the PDF or detail page
    pdf: Selector | None = None  # a separate PDF link, when the title links a detail page
    report_number: Selector | None = None
    report_number_pattern: Pattern | None = None  # e.g. 'OIG-\d{2}-\d{2,3}' in "Report OIG-..."
    date: Selector | None = None
    date_format: DateFormat | None = None  # strptime: "%B %d, %Y" reads "November 3, 2026"
    date_pattern: Pattern | None = None  # the date's text inside a longer one ("Issued ...")
    summary: Selector | None = None
    components: Selector | None = None  # every match is one component
    fiscal_year: Selector | None = None
    next_page: Selector | None = None  # the pager's next-page link (pages are ?page=N, 0-based)
    last_page: Selector | None = None  # the pager's last-page link, when it has one
    empty: Selector | None = None  # what an empty listing shows ("No reports found")

    @model_validator(mode="before")
    @classmethod
    def _named_missing(cls, data: Any) -> Any:
        if isinstance(data, dict):
            missing = [key for key in ("row", "title") if not data.get(key)]
            if missing:
                raise ValueError(
                    f"missing required selector{'s' if len(missing) > 1 else ''}:"
                    f" {', '.join(missing)}"
                )
        return data

    @model_validator(mode="after")
    def _date_needs_format(self) -> SelectorConfig:
        if self.date and not self.date_format:
            raise ValueError("date needs date_format (strptime codes, such as '%B %d, %Y')")
        if self.date_format and not self.date:
            raise ValueError("date_format is set but no date selector")
        if self.report_number_pattern and not self.report_number:
            raise ValueError("report_number_pattern is set but no report_number selector")
        if self.date_pattern and not self.date:
            raise ValueError("date_pattern is set but no date selector")
        return self

    def to_text(self) -> str:
        """The selectors as the crawl job carries them (JSON text, keys sorted)."""
        return json.dumps(self.model_dump(exclude_none=True), sort_keys=True)

    @classmethod
    def from_text(cls, text: str) -> SelectorConfig:
        """Inverse of :meth:`to_text`."""
        return cls.model_validate(json.loads(text))
