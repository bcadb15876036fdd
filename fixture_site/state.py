"""The fixture's state model: reports, toggles, faults. One plain JSON document."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from fixture_site.example_oig import ExampleListing

FORMAT_VERSION = 1

AGENCY_TIDS: dict[str, int] = {
    "CBP": 1,
    "FEMA": 2,
    "ICE": 3,
    "MGMT": 4,
    "TSA": 5,
    "USCIS": 6,
    "USCG": 7,
    "USSS": 8,
    "Others": 9,
    "CISA": 2632,
}
TID_AGENCIES: dict[int, str] = {tid: code for code, tid in AGENCY_TIDS.items()}

DEFAULT_ROBOTS = """#
# robots.txt
#
# This file is to prevent the crawling and indexing of certain parts
# of your site by web crawlers and spiders run by sites like Yahoo!
# and Google.
#
User-agent: *
# CSS, JS, Images
Allow: /core/*.css$
Allow: /core/*.js$
Allow: /core/*.gif
Allow: /core/*.jpg
Allow: /core/*.png
Allow: /core/*.svg
# Directories
Disallow: /core/
Disallow: /profiles/
# Files
Disallow: /README.md
Disallow: /web.config
# Paths (clean URLs)
Disallow: /admin/
Disallow: /comment/reply/
Disallow: /filter/tips
Disallow: /node/add/
Disallow: /search/
Disallow: /user/register
Disallow: /user/password
Disallow: /user/login
Disallow: /user/logout
Disallow: /media/oembed
Disallow: /*/media/oembed
# Paths (no clean URLs)
Disallow: /index.php/admin/
Disallow: /index.php/comment/reply/
Disallow: /index.php/filter/tips
Disallow: /index.php/node/add/
Disallow: /index.php/search/
Disallow: /index.php/user/password
Disallow: /index.php/user/register
Disallow: /index.php/user/login
Disallow: /index.php/user/logout
"""

# Allowed values of enumerated toggles; other toggles are typed by their default.
CHOICES: dict[str, tuple[str, ...]] = {
    "tie_mode": ("stable", "shuffle", "shuffle_per_day"),
    "beyond_last": ("empty", "clamp"),
    "summary_mode": ("attr", "hidden_span", "none"),
    "date_mode": ("time", "text_only", "no_datetime_attr"),
    "absolute_hrefs": ("off", "www", "apex"),
    "pager": ("drupal", "uswds", "mini", "none"),
    "card_layout": ("above", "inline"),
    "theme": ("uswds", "dhs2020"),
    "node_mode": ("published", "unpublished", "deleted"),
    "removed_pdf": ("keep", "404"),
    "invalid_filter": ("error_box", "ignore"),
    "encoding": ("utf-8", "bom", "mojibake", "latin1_header"),
    "validators": ("send", "omit", "ignore"),
}
COLUMNS = ("number", "title", "date", "fy", "agency")


@dataclass
class Settings:
    """Rendering and behaviour toggles (spec §2-§8); JSON names equal field names."""

    tie_mode: str = "shuffle"
    beyond_last: str = "empty"
    summary_mode: str = "attr"
    date_mode: str = "time"
    absolute_hrefs: str = "off"
    pager: str = "drupal"
    card_layout: str = "above"
    title_td_class: str = "views-field-title"
    column_order: list[str] = field(default_factory=lambda: ["number", "title", "date", "fy"])
    extra_column: str | None = None
    as_cards: bool = False
    theme: str = "uswds"
    maintenance: bool = False
    empty_table: bool = False
    page_size: int = 50
    term_page_size: int = 10
    node_mode: str = "unpublished"
    removed_pdf: str = "keep"
    invalid_filter: str = "error_box"
    encoding: str = "utf-8"
    robots_txt: str = DEFAULT_ROBOTS
    odd_pager_item: str | None = None
    odd_pager_pages: list[int] | None = None
    validators: str = "send"  # ETag/Last-Modified: send (and honour), omit, or send and ignore


@dataclass
class Report:
    """One report node; `synthetic_fields` names the values the generator made up.

    `pdf_caption` is [number, title] as printed in the current PDF file, frozen when the file
    is (re)placed, so a retitle does not change the PDF bytes. `cell_text` maps table column
    keys (`number`, `fy`, `date`, `title`) to text shown instead of the real value.
    """

    nid: int
    title: str
    report_number: str | None
    fiscal_year: int | None
    summary: str | None
    issue_date: str
    components: list[str]
    pdf_path: str
    detail_path: str
    changed: str
    pdf_modified: str
    kind: str = "report"
    management_alert: bool = False
    mga_pdf_path: str | None = None
    keyword_tids: list[int] = field(default_factory=list)
    oversight_area: int | None = None
    hide_from_unfiltered: bool = False
    removed: bool = False
    pdf_version: int = 1
    pdf_caption: list[str] = field(default_factory=list)
    synthetic: bool = False
    synthetic_fields: list[str] = field(default_factory=list)
    source_url: str | None = None
    cell_text: dict[str, str] = field(default_factory=dict)
    pdf_document: str | None = None  # a document of document_ops.DOCUMENTS served instead

    @property
    def date(self) -> dt.date:
        """The issue date as a date object."""
        return dt.date.fromisoformat(self.issue_date)

    def snapshot_pdf_caption(self) -> None:
        """Freeze the number and title printed in the PDF (later retitles leave the file alone)."""
        self.pdf_caption = [self.report_number or "", self.title]


@dataclass
class Term:
    """A taxonomy term (agency or keyword)."""

    name: str
    description: str
    vocabulary: str


@dataclass
class Fault:
    """An injected HTTP fault (M12); `seen`/`fired` are runtime counters kept in the state."""

    match: str
    kind: str
    count: int = 1
    skip: int = 0
    status: int | None = None
    retry_after: int | None = None
    body: str | None = None
    seconds: float | None = None
    location: str | None = None
    size: int | None = None  # gzip_bomb: decompressed bytes
    pages_from: int | None = None
    seen: int = 0
    fired: int = 0

    def applies_to(self, target: str) -> bool:
        """`match` is in path+query and, with `pages_from`, the `page` parameter is >= it."""
        if self.match not in target:
            return False
        if self.pages_from is None:
            return True
        query = target.split("?", 1)[1] if "?" in target else ""
        raw = dict(parse_qsl(query, keep_blank_values=True)).get("page")
        try:
            page = 0 if raw is None else int(raw)
        except ValueError:
            return False
        return page >= self.pages_from


@dataclass
class Drift:
    """A mutation applied just before the first request whose path+query contains `trigger`."""

    trigger: str
    then: dict[str, Any]
    fired: bool = False


@dataclass
class SiteState:
    """Everything the fixture serves, as one JSON-serializable object."""

    today: dt.date
    seed: int
    reports: list[Report]
    settings: Settings = field(default_factory=Settings)
    terms: dict[int, Term] = field(default_factory=dict)
    fy_options: dict[str, int] = field(default_factory=dict)
    oversight_areas: dict[str, str] = field(default_factory=dict)
    faults: list[Fault] = field(default_factory=list)
    drifts: list[Drift] = field(default_factory=list)
    modified: str = "2000-01-01T00:00:00Z"
    example_oig: ExampleListing = field(default_factory=ExampleListing)  # a second IG's listing

    def to_json(self) -> dict[str, Any]:
        """The state as a JSON-ready dict."""
        return {
            "format_version": FORMAT_VERSION,
            "today": self.today.isoformat(),
            "seed": self.seed,
            "modified": self.modified,
            "settings": dataclasses.asdict(self.settings),
            "terms": {str(tid): dataclasses.asdict(t) for tid, t in self.terms.items()},
            "fy_options": dict(self.fy_options),
            "oversight_areas": dict(self.oversight_areas),
            "faults": [dataclasses.asdict(f) for f in self.faults],
            "drifts": [dataclasses.asdict(d) for d in self.drifts],
            "reports": [dataclasses.asdict(r) for r in self.reports],
            "example_oig": self.example_oig.to_json(),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SiteState:
        """Inverse of :meth:`to_json`."""
        return cls(
            today=dt.date.fromisoformat(data["today"]),
            seed=int(data["seed"]),
            modified=data["modified"],
            settings=Settings(**data.get("settings", {})),
            terms={int(k): Term(**v) for k, v in data.get("terms", {}).items()},
            fy_options={str(k): int(v) for k, v in data.get("fy_options", {}).items()},
            oversight_areas={str(k): str(v) for k, v in data.get("oversight_areas", {}).items()},
            faults=[Fault(**f) for f in data.get("faults", [])],
            drifts=[Drift(**d) for d in data.get("drifts", [])],
            reports=[Report(**r) for r in data["reports"]],
            example_oig=ExampleListing.from_json(data["example_oig"])
            if "example_oig" in data
            else ExampleListing(),
        )

    def find(self, report_number: str | None = None, nid: int | None = None) -> Report:
        """The report with this nid, or else this exact (then trimmed, case-folded) number."""
        if nid is not None:
            for report in self.reports:
                if report.nid == nid:
                    return report
            raise KeyError(f"no report with nid {nid}")
        if report_number is None:
            raise KeyError("give report_number or nid")
        for report in self.reports:
            if report.report_number == report_number:
                return report
        wanted = report_number.strip().upper()
        for report in self.reports:
            if (report.report_number or "").strip().upper() == wanted:
                return report
        raise KeyError(f"no report numbered {report_number!r}")


def fiscal_year_of(day: dt.date) -> int:
    """Federal fiscal year (October-September) of a date."""
    return day.year + 1 if day.month >= 10 else day.year


def iso_z(moment: dt.datetime) -> str:
    """ISO-8601 UTC timestamp with a Z suffix, second precision."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_z(text: str) -> dt.datetime:
    """Inverse of :func:`iso_z`."""
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
