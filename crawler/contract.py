"""The crawl contract: what the parent asks of the crawl child, and what the child finds.

Typed on both sides. JSON only where it must be: the job file (``CrawlJob``, written by the
parent, read by ``crawler/child.py``), the result file (``CrawlResult``, written by the child,
read by ``crawler/fetch.py``) and the ledger's page cache (``CachedPage``). Each shape has one
writer (``to_json``) and one reader (``from_json``), here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from crawler.entry import ParsedPage, ReportEntry

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

T = TypeVar("T")
TOO_LARGE = "response larger than"  # how a refusal of an over-size body begins (middleware.py)


@dataclass(frozen=True, slots=True)
class SourcePlan:
    """The site to crawl: its name, base URL and other host names."""

    name: str
    base_url: str
    hosts: tuple[str, ...] = ()


def page_url(view_url: str, order: str, page: int) -> str:
    """The URL of one page of a view, in the site's default order or a stable one."""
    parts = urlsplit(view_url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "page"]
    query += parse_qsl(order, keep_blank_values=True)
    if page:
        query.append(("page", str(page)))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


@dataclass(frozen=True, slots=True)
class ViewPlan:
    """One concrete view to walk: a configured view, or one of its split values."""

    name: str
    url: str
    kind: str  # the page layout (config.registry.LAYOUTS)
    family: str  # the configured view it comes from
    rank: int  # its place among the source's views
    deep_order: str = ""  # query of the stable order deep sweeps walk ("": none)
    labels: tuple[str, ...] = ()
    components: tuple[str, ...] = ()
    module: str = ""  # the module registering its layout: the crawl child imports it
    selectors: str = ""  # the view's selectors as JSON text ("": its layout reads none)


@dataclass(frozen=True, slots=True)
class CrawlRules:
    """How politely and how far the child crawls (the crawl config it needs)."""

    user_agent: str
    delay: float
    concurrency: int
    timeout: float
    retries: int
    backoff: float
    max_retry_after: float
    page_cap: int
    obey_robots: bool
    max_page_bytes: int
    max_pdf_bytes: int


@dataclass(frozen=True, slots=True)
class PdfCheck:
    """A known report PDF due a conditional re-check."""

    url: str
    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True, slots=True)
class PdfPlan:
    """Which PDFs to fingerprint: new ones (within a cap) and known ones due a re-check."""

    fetch_new: bool = False
    new_cap: int = 0
    known_paths: tuple[str, ...] = ()  # lower-cased PDF paths the ledger knows
    recheck: tuple[PdfCheck, ...] = ()
    spool_dir: str = ""  # where the crawl keeps each fetched PDF for the archive ("": nowhere)


def guarded_url(url: str, base_url: str, aliases: Collection[str]) -> str | None:
    """The URL as a crawl of the source at ``base_url`` fetches it: itself on the base host, the
    base host's scheme and address for the source's other names (``aliases``), None elsewhere."""
    base, parts = urlsplit(base_url), urlsplit(url)
    if parts.netloc == base.netloc and parts.scheme == base.scheme:
        return url
    if parts.hostname in aliases or parts.netloc == base.netloc:
        return urlunsplit((base.scheme, base.netloc, *parts[2:]))
    return None


def read_by(view: ViewPlan) -> str:
    """What a cached page of this view must have been parsed with: its selectors' digest."""
    return hashlib.sha256(view.selectors.encode()).hexdigest()[:16] if view.selectors else ""


@dataclass(frozen=True, slots=True)
class CachedPage:
    """A listing page as last read: its validators, what it held, and the digest of its bytes."""

    etag: str | None
    last_modified: str | None
    page: ParsedPage
    read_by: str = ""  # a digest of the selectors that parsed it ("": a layout without any)
    body_sha256: str = ""  # sha256 of the body it was parsed from ("": not known)

    def to_json(self) -> dict[str, Any]:
        """The page cache's shape (one ledger row: etag, last_modified, page)."""
        page = page_to_json(self.page) | ({"read_by": self.read_by} if self.read_by else {})
        page |= {"body_sha256": self.body_sha256} if self.body_sha256 else {}
        return {"etag": self.etag, "last_modified": self.last_modified, "page": page}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CachedPage:
        """Inverse of :meth:`to_json`; reads what every earlier version cached."""
        page = data["page"]
        return cls(
            data.get("etag"), data.get("last_modified"), page_from_json(page),
            str(page.get("read_by") or ""), str(page.get("body_sha256") or ""),
        )  # fmt: skip

    def replaces(self, stored: CachedPage | None) -> bool:
        """Whether this fresh read must replace the ``stored`` row of its page in the ledger.
        Not when it is the same row (an unchanged page writes nothing), nor when the page holds
        the stored entries in another order (a site reshuffling ties on every request): the
        stored row stays true of the bytes its validators and digest name."""
        if stored is None or stored.read_by != self.read_by:
            return True
        if self == stored:
            return False
        if self.body_sha256 and self.body_sha256 == stored.body_sha256:
            return True  # the same bytes under new validators: a 304 next time
        return not reordered(self.page, stored.page)


def reordered(one: ParsedPage, other: ParsedPage) -> bool:
    """Whether two reads of a page hold the same entries (and rows, pager and findings), in
    another order."""
    if one.entries == other.entries or len(one.entries) != len(other.entries):
        return False
    facts = (one.rows_seen, one.has_next, one.last_page, sorted(one.problems))
    if facts != (other.rows_seen, other.has_next, other.last_page, sorted(other.problems)):
        return False
    return all(
        sorted(map(repr, mine)) == sorted(map(repr, theirs))
        for mine, theirs in ((one.entries, other.entries), (one.quarantined, other.quarantined))
    )


def page_to_json(page: ParsedPage) -> dict[str, Any]:
    """A parsed page as the ledger caches it and the child reports it."""
    return {
        "entries": [entry.to_json() for entry in page.entries],
        "rows_seen": page.rows_seen,
        "has_next": page.has_next,
        "last_page": page.last_page,
        "problems": list(page.problems),
        "quarantined": [dict(row) for row in page.quarantined],
    }


def page_from_json(data: Mapping[str, Any]) -> ParsedPage:
    """Inverse of :func:`page_to_json` (``last_page``, ``problems``, ``quarantined`` optional)."""
    return ParsedPage(
        entries=tuple(ReportEntry.from_json(e) for e in data["entries"]),
        rows_seen=data["rows_seen"],
        has_next=data["has_next"],
        last_page=data.get("last_page"),
        problems=tuple(data.get("problems") or ()),
        quarantined=tuple(dict(row) for row in data.get("quarantined") or ()),
    )


def robots_to_json(body: str) -> dict[str, Any]:
    """The page cache's row for a robots.txt ("": the site has none)."""
    return {"etag": None, "last_modified": None, "page": {"robots": body}}


def robots_from_json(page: Mapping[str, Any]) -> str:
    """The robots.txt body of a page cache row's page."""
    return str(page.get("robots", ""))


@dataclass(frozen=True, slots=True)
class CrawlJob:
    """What the crawl child must fetch: views, validators, PDFs to fingerprint."""

    run_key: str
    sweep: str  # "quick" or "deep"
    source: SourcePlan
    views: tuple[ViewPlan, ...]
    crawl: CrawlRules
    pdf: PdfPlan = PdfPlan()
    page_cache: Mapping[str, CachedPage] = field(default_factory=dict)  # by page URL
    robots: str | None = None  # robots.txt as recently read ("": none); None: fetch it

    def to_json(self) -> dict[str, Any]:
        """The job file's content."""
        return {
            "run_key": self.run_key,
            "sweep": self.sweep,
            "source": _fields(self.source),
            "views": [_fields(view) for view in self.views],
            "crawl": _fields(self.crawl),
            "pdf": {**_fields(self.pdf), "recheck": [_fields(p) for p in self.pdf.recheck]},
            "page_cache": {url: cached.to_json() for url, cached in self.page_cache.items()},
            "robots": self.robots,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CrawlJob:
        """Inverse of :meth:`to_json`."""
        pdf = data["pdf"]
        return cls(
            run_key=data["run_key"],
            sweep=data["sweep"],
            source=_read(SourcePlan, data["source"]),
            views=tuple(_read(ViewPlan, view) for view in data["views"]),
            crawl=_read(CrawlRules, data["crawl"]),
            pdf=_read(
                PdfPlan, {**pdf, "recheck": tuple(_read(PdfCheck, p) for p in pdf["recheck"])}
            ),
            page_cache={url: CachedPage.from_json(c) for url, c in data["page_cache"].items()},
            robots=data["robots"],
        )


@dataclass(frozen=True, slots=True)
class PageRecord:
    """One listing page as read: which view, where, how it answered and what it held."""

    view: str
    url: str
    parsed: ParsedPage
    order: str = ""  # the query of the order walked ("": the site's default)
    number: int = 0  # 0-based page number
    status: int = 200  # HTTP status (304: read from the page cache)

    def to_json(self) -> dict[str, Any]:
        return {
            "view": self.view,
            "order": self.order,
            "page": self.number,
            "url": self.url,
            "status": self.status,
            **page_to_json(self.parsed),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PageRecord:
        return cls(
            data["view"], data["url"], page_from_json(data), data["order"], data["page"],
            data["status"],
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class CrawlError:
    """A listing page that could not be read (after retries), and why."""

    url: str
    view: str
    reason: str


@dataclass(frozen=True, slots=True)
class PdfFingerprint:
    """One PDF check: not modified, an error (with its reason), or the PDF's validators and
    digest (status "ok"); ``spool_error``: why the crawl could not keep its bytes for the
    archive (None: kept, or not asked to)."""

    url: str
    status: str  # "ok", "not_modified" or "error"
    reason: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    length: int | None = None
    sha256: str | None = None
    spool_error: str | None = None

    @property
    def too_large(self) -> bool:
        """Whether the PDF was refused for its size (``crawl.max_pdf_bytes``)."""
        return self.status == "error" and (self.reason or "").startswith(TOO_LARGE)


@dataclass(frozen=True, slots=True)
class CrawlStats:
    """The crawl's request counters."""

    requests: int = 0
    bytes: int = 0
    retries: int = 0
    not_modified: int = 0

    def to_json(self) -> dict[str, Any]:
        """The counters as a run's stats keep them."""
        return _fields(self)


@dataclass(frozen=True, slots=True)
class CrawlResult:
    """What one crawl saw: pages, errors, PDF checks, validators to cache."""

    run_key: str
    started_at: float = 0.0
    finished_at: float = 0.0
    pages: tuple[PageRecord, ...] = ()
    errors: tuple[CrawlError, ...] = ()
    pdfs: Mapping[str, PdfFingerprint] = field(default_factory=dict)  # by PDF path
    capped: tuple[str, ...] = ()  # views whose walk stopped at the page cap
    page_cache: Mapping[str, CachedPage] = field(default_factory=dict)  # by page URL
    robots: Mapping[str, str] = field(default_factory=dict)  # robots.txt worth keeping, by URL
    stats: CrawlStats = CrawlStats()

    def cache_rows(self) -> dict[str, dict[str, Any]]:
        """The page cache rows this crawl leaves in the ledger, by URL."""
        rows = {url: robots_to_json(body) for url, body in self.robots.items()}
        return rows | {url: cached.to_json() for url, cached in self.page_cache.items()}

    def to_json(self) -> dict[str, Any]:
        """The result file's content."""
        return {
            "run_key": self.run_key,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "pages": [page.to_json() for page in self.pages],
            "errors": [_fields(error) for error in self.errors],
            "pdfs": {path: _fields(fp) for path, fp in self.pdfs.items()},
            "capped": list(self.capped),
            "page_cache": {url: cached.to_json() for url, cached in self.page_cache.items()},
            "robots": dict(self.robots),
            "stats": self.stats.to_json(),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CrawlResult:
        """Inverse of :meth:`to_json`."""
        return cls(
            run_key=data["run_key"],
            started_at=data["started_at"],
            finished_at=data["finished_at"],
            pages=tuple(PageRecord.from_json(page) for page in data["pages"]),
            errors=tuple(_read(CrawlError, error) for error in data["errors"]),
            pdfs={path: _read(PdfFingerprint, fp) for path, fp in data["pdfs"].items()},
            capped=tuple(data["capped"]),
            page_cache={url: CachedPage.from_json(c) for url, c in data["page_cache"].items()},
            robots=dict(data["robots"]),
            stats=_read(CrawlStats, data["stats"]),
        )


def _fields(value: DataclassInstance) -> dict[str, Any]:
    """A flat dataclass's fields, tuples as lists."""
    return {
        f.name: list(item) if isinstance(item := getattr(value, f.name), tuple) else item
        for f in fields(value)
    }


def _read(make: Callable[..., T], data: Mapping[str, Any]) -> T:
    """A flat dataclass from its fields, lists as tuples."""
    return make(**{k: tuple(v) if isinstance(v, list) else v for k, v in data.items()})
