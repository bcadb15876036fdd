"""Settings: the one module that reads the config file and the environment.

Everything else receives the frozen objects built here. Unknown keys are an error that names the key.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticKnownError

from config.delivery import (
    DeliveryConfig,
    Name,
    RouteConfig,
    Target,
    TargetConfig,
    check_zone,
)
from config.registry import LAYOUTS
from config.selectors import SelectorConfig
from config.urls import check_archive_url, check_database_url, check_http_url

DEFAULT_CONFIG = Path(__file__).with_name("default.toml")
ENV_PREFIX = "OIGWATCH_"


class ConfigError(Exception):
    """The configuration cannot be used; the message says which key and what to do."""


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SplitConfig(_Frozen):
    """One extra view per value of a filter parameter (e.g. one per DHS component)."""

    param: str
    values: dict[str, str]  # filter value -> component code


def _registered_layout(value: Any) -> Any:
    """A page layout's kind, as ``config.registry.LAYOUTS`` knows them."""
    if value not in LAYOUTS:  # imports that layout's module, not every layout's
        kinds = LAYOUTS.kinds()
        quoted = [repr(kind) for kind in kinds]
        expected = " or ".join(filter(None, (", ".join(quoted[:-1]), *quoted[-1:])))
        raise PydanticKnownError("literal_error", {"expected": expected})
    return value


class ViewConfig(_Frozen):
    """One listing view of a source."""

    name: Name
    path: str
    kind: Annotated[str, PlainValidator(_registered_layout)] = "table"  # a registered layout
    components: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()  # labels every report listed here carries (management_alert)
    deep_order: str = ""  # query of a stable sort order walked by deep sweeps ("" = site default)
    split: SplitConfig | None = None
    selectors: SelectorConfig | None = None  # where the fields are (layouts such as generic)

    @model_validator(mode="after")
    def _selectors_fit_the_layout(self) -> ViewConfig:
        needs = LAYOUTS[self.kind].selectors
        if needs and self.selectors is None:
            raise ValueError(f"kind {self.kind!r} needs a [sources.views.selectors] table")
        if self.selectors is not None and not needs:
            raise ValueError(f"selectors: kind {self.kind!r} does not read selectors")
        return self

    @field_validator("path")
    @classmethod
    def _path_is_absolute(cls, value: str) -> str:
        if not value.startswith("/"):
            raise ValueError("must start with '/'")
        return value

    @property
    def layout_module(self) -> str:
        """The module registering this view's layout (the crawl child imports it)."""
        return LAYOUTS[self.kind].module


class SourceConfig(_Frozen):
    """A listing site to watch, with its views."""

    name: Name
    # what readers see (alert subjects, feed and page titles); default: ``name``
    display_name: str = Field("", max_length=100, validate_default=True)
    base_url: str
    hosts: tuple[str, ...] = ()  # other host names of the same site, fetched through base_url
    views: tuple[ViewConfig, ...]
    enabled: bool = True

    @field_validator("display_name")
    @classmethod
    def _display_name(cls, value: str, info: ValidationInfo) -> str:
        return " ".join(value.split()) or str(info.data.get("name", ""))

    @field_validator("base_url")
    @classmethod
    def _base_url_is_http(cls, value: str) -> str:
        return check_http_url(value).strip().rstrip("/")

    def with_base_url(self, base_url: str) -> SourceConfig:
        """This source fetched from another address (the canonical host becomes an alias);
        ValueError (from :func:`check_http_url`) when it is not an http(s) URL."""
        canonical = urlsplit(self.base_url).hostname or ""
        hosts = tuple(dict.fromkeys((*self.hosts, canonical)))
        base_url = check_http_url(base_url).strip().rstrip("/")
        return self.model_copy(update={"base_url": base_url, "hosts": hosts})


class CrawlConfig(_Frozen):
    """How politely and how deep to crawl."""

    user_agent: str = (
        "oigwatch/0.1 (newsroom report monitor; +https://github.com/oigwatch/oigwatch)"
    )
    delay: Annotated[float, Field(ge=0)] = 1.0
    concurrency: Annotated[int, Field(ge=1, le=64)] = 1
    timeout: Annotated[float, Field(gt=0)] = 30.0
    retries: Annotated[int, Field(ge=0, le=10)] = 3
    backoff: Annotated[float, Field(ge=0)] = 2.0
    max_retry_after: Annotated[float, Field(ge=0)] = 120.0
    page_cap: Annotated[int, Field(ge=1)] = 100
    pdf_checks: Annotated[int, Field(ge=0)] = 50
    new_pdf_cap: Annotated[int, Field(ge=0)] = 100
    process_timeout: Annotated[float, Field(gt=0)] = 1800.0
    obey_robots: bool = True
    robots_cache: Annotated[float, Field(ge=0, le=86400)] = 86400.0  # seconds robots.txt is reused
    max_page_bytes: Annotated[int, Field(gt=0)] = 5_000_000  # a listing page, decompressed
    max_pdf_bytes: Annotated[int, Field(gt=0)] = 200_000_000  # a report PDF, decompressed
    lock_wait: Annotated[float, Field(ge=0)] = 5.0  # seconds to wait for another crawl of a source
    worker_crawls: Annotated[int, Field(ge=1)] = 200  # the service's crawl worker is renewed after
    worker_max_rss_mb: Annotated[int, Field(ge=1)] = 300  # ... or above this resident memory


class GateConfig(_Frozen):
    """Thresholds of the gates that stand between a crawl and the ledger."""

    removal_sweeps: Annotated[int, Field(ge=1)] = 2
    min_parse_rate: Annotated[float, Field(ge=0, le=1)] = 0.9
    min_row_ratio: Annotated[float, Field(ge=0, le=1)] = 0.5
    bulk_threshold: Annotated[int, Field(ge=1)] = 25
    bulk_fraction: Annotated[float, Field(gt=0, le=1)] = 0.3
    fiscal_year_gap: Annotated[int, Field(ge=1)] = 3
    failing_runs: Annotated[int, Field(ge=1)] = (
        2  # failed/unhealthy sweeps in a row: /healthz fails
    )


class ArchiveConfig(_Frozen):
    """Where every report PDF version is kept (docs/operator-guide.md, "The PDF archive").
    Credentials of an object store come from the standard environment variables only
    (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), never from here."""

    enabled: bool = True
    url: str = ""  # "": <data_dir>/archive; a folder, file:// or s3://bucket/prefix
    endpoint_url: str = ""  # an S3-compatible server (MinIO, Ceph, ...); "": AWS itself
    region: str = ""  # the object store's region ("": AWS_DEFAULT_REGION, or the library's)
    timeout: Annotated[float, Field(gt=0)] = 30.0  # seconds per archive request
    # reading a replaced PDF's text (documents.extract.ExtractLimits), per extraction
    text_seconds: Annotated[float, Field(gt=0)] = 20.0  # wall clock
    text_memory_mb: Annotated[int, Field(ge=64)] = 512  # address space of the reading process
    text_max_pages: Annotated[int, Field(ge=1)] = 1500  # more pages: not read, reason recorded

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        return check_archive_url(value)

    @field_validator("endpoint_url")
    @classmethod
    def _endpoint_is_http(cls, value: str) -> str:
        return check_http_url(value) if value else value


class ServiceConfig(_Frozen):
    """The long-running service (`oigwatch run`): schedules and the HTTP side."""

    quick_interval: Annotated[float, Field(gt=0)] = 600.0  # seconds between quick polls
    deep_interval: Annotated[float, Field(gt=0)] = 21600.0  # seconds between deep sweeps
    jitter: Annotated[float, Field(ge=0)] = 30.0  # up to this many seconds added to each run
    shutdown_grace: Annotated[float, Field(ge=0)] = 30.0  # a running crawl may finish this long
    deliver_poll: Annotated[float, Field(gt=0)] = 5.0  # seconds between outbox checks when idle
    http_enabled: bool = True
    http_host: str = "127.0.0.1"
    http_port: Annotated[int, Field(ge=0, le=65535)] = 8080  # 0: a free port
    public_url: str = ""  # where readers reach the web side (feed links); default http://host:port
    feed_limit: Annotated[int, Field(ge=1, le=10000)] = 200  # entries per feed
    heartbeat_stale: Annotated[float, Field(gt=0)] = 120.0  # /healthz fails past this silence

    @field_validator("public_url")
    @classmethod
    def _public_url_is_http(cls, value: str) -> str:
        return check_http_url(value) if value else value

    @property
    def base_url(self) -> str:
        """The public address of the web side, without a trailing slash."""
        return (self.public_url or f"http://{self.http_host}:{self.http_port}").rstrip("/")


class Settings(_Frozen):
    """Everything oigwatch is told: config file, then environment, then command-line overrides."""

    database_url: str = ""
    data_dir: str = "data"
    display_timezone: str = "America/New_York"  # the zone people read times in (machines: UTC)
    crawl: CrawlConfig = CrawlConfig()
    gates: GateConfig = GateConfig()
    sources: tuple[SourceConfig, ...] = ()
    delivery: DeliveryConfig = DeliveryConfig()
    targets: tuple[Target, ...] = ()
    routes: tuple[RouteConfig, ...] = ()
    service: ServiceConfig = ServiceConfig()
    archive: ArchiveConfig = ArchiveConfig()

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        return check_database_url(value)

    @field_validator("display_timezone")
    @classmethod
    def _display_zone(cls, value: str) -> str:
        return check_zone(value)

    @property
    def display_zone(self) -> ZoneInfo:
        """The zone times are shown in to people (``display_timezone``)."""
        return ZoneInfo(self.display_timezone)

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        for kind, names in (
            ("source", [source.name for source in self.sources]),
            ("target", [target.name for target in self.targets]),
            ("route", [route.name for route in self.routes]),
        ):
            for name in names:
                if names.count(name) > 1:
                    raise ValueError(f"{kind} {name!r} is declared twice")
        targets = {target.name for target in self.targets}
        for route in self.routes:
            if route.target not in targets:
                known = ", ".join(sorted(targets)) or "none"
                raise ValueError(
                    f"route {route.name!r}: unknown target {route.target!r} (known: {known})"
                )
        return self

    def target(self, name: str) -> TargetConfig:
        """The target called ``name``."""
        for target in self.targets:
            if target.name == name:
                return target
        raise ConfigError(f"unknown target {name!r}")

    def route(self, name: str) -> RouteConfig:
        """The route called ``name``; ConfigError naming the known ones otherwise."""
        for route in self.routes:
            if route.name == name:
                return route
        known = ", ".join(r.name for r in self.routes) or "none"
        raise ConfigError(f"unknown route {name!r} (configured: {known})")

    @property
    def db_url(self) -> str:
        """The database URL: configured, or a SQLite file in the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{Path(self.data_dir) / 'oigwatch.db'}"

    @property
    def archive_url(self) -> str:
        """Where the PDF archive lives: ``archive.url``, or a folder in the data directory."""
        return self.archive.url or str(Path(self.data_dir) / "archive")

    @property
    def spool_dir(self) -> Path:
        """The local folder where crawls leave fetched PDFs for the archive (one per source
        below it), absolute: the crawl worker may run elsewhere than the current folder."""
        return (Path(self.data_dir) / "spool").absolute()

    @property
    def display_names(self) -> dict[str, str]:
        """Each configured source's display name, by source name."""
        return {source.name: source.display_name for source in self.sources}

    @property
    def site_title(self) -> str:
        """What a feed or page spanning every source is titled by: the display names joined by
        " · " ("DHS OIG"; "oigwatch" without sources)."""
        return " · ".join(dict.fromkeys(s.display_name for s in self.sources)) or "oigwatch"

    def source(self, name: str) -> SourceConfig:
        """The source called ``name``; ConfigError naming the known ones otherwise."""
        for source in self.sources:
            if source.name == name:
                return source
        known = ", ".join(s.name for s in self.sources) or "none"
        raise ConfigError(f"unknown source {name!r} (configured: {known})")


def _merge(base: dict[str, object], override: Mapping[str, object]) -> dict[str, object]:
    merged = dict(base)
    for key, value in override.items():
        current = merged.get(key)
        if isinstance(current, dict) and isinstance(value, Mapping):
            merged[key] = _merge(current, value)
        else:
            merged[key] = value
    return merged


TOP_LEVEL_ENV = ("database_url", "data_dir", "display_timezone")


def _env_overrides(environ: Mapping[str, str]) -> dict[str, object]:
    """OIGWATCH_DATABASE_URL, OIGWATCH_DATA_DIR, and OIGWATCH_<SECTION>__<KEY> such as
    OIGWATCH_CRAWL__DELAY (an unknown key there is an error). Other OIGWATCH_* variables are
    left alone: they are secrets that targets name (OIGWATCH_SLACK_TOKEN...)."""
    tree: dict[str, object] = {}
    for name, value in environ.items():
        if not name.startswith(ENV_PREFIX):
            continue
        path = name[len(ENV_PREFIX) :].lower().split("__")
        if len(path) == 1 and path[0] not in TOP_LEVEL_ENV:
            continue
        node = tree
        for part in path[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise ConfigError(f"environment variable {name} conflicts with another one")
            node = child
        node[path[-1]] = value
    return tree


def _where(loc: tuple[int | str, ...], raw: Mapping[str, object]) -> str:
    """A key path with list items named: ``routes[immigration-desk].kinds``, not ``routes.1.kinds``."""
    parts: list[str] = []
    node: object = raw
    for part in loc:
        if isinstance(part, int) and isinstance(node, list) and part < len(node):
            node = node[part]
            name = node.get("name") if isinstance(node, dict) else None
            parts[-1] += f"[{name}]" if name else f"[{part}]"
            continue
        if isinstance(node, Mapping):
            node = node.get(str(part))
        parts.append(str(part))
    return ".".join(parts) or "(top level)"


def _describe(error: ValidationError, origin: str, raw: Mapping[str, object]) -> str:
    """What is wrong, each problem named by its key: one line for one problem."""
    problems = []
    for problem in error.errors():
        where = _where(problem["loc"], raw)
        message = "unknown key" if problem["type"] == "extra_forbidden" else problem["msg"]
        problems.append(f"{where}: {message.removeprefix('Value error, ')}")
    if len(problems) == 1:
        return f"invalid configuration ({origin}): {problems[0]}"
    return "\n  ".join([f"invalid configuration ({origin}):", *problems])


def config_file(
    path: str | os.PathLike[str] | None = None, environ: Mapping[str, str] | None = None
) -> tuple[Path, str]:
    """The config file to read and what chose it: ``--config``, ``$OIGWATCH_CONFIG`` or
    ``shipped`` (the default config in this package)."""
    environ = os.environ if environ is None else environ
    if path:
        return Path(path), "--config"
    if environ.get("OIGWATCH_CONFIG"):
        return Path(environ["OIGWATCH_CONFIG"]), "$OIGWATCH_CONFIG"
    return DEFAULT_CONFIG, "shipped"


def load_settings(
    path: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, object] | None = None,
) -> Settings:
    """Read the config file (default: the shipped one, or $OIGWATCH_CONFIG) and the environment."""
    environ = os.environ if environ is None else environ
    config_path, chosen_by = config_file(path, environ)
    try:
        raw: dict[str, object] = tomllib.loads(config_path.read_text(encoding="utf-8"))
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError) as exc:
        raise ConfigError(
            f"config file {config_path} (from {chosen_by}) does not exist; fix the path or unset "
            "it to use the shipped config"
        ) from exc
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or "not UTF-8 text"
        raise ConfigError(f"config file {config_path} (from {chosen_by}): {reason}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {config_path} is not valid TOML: {exc}") from exc
    merged = _merge(_merge(raw, _env_overrides(environ)), overrides or {})
    try:
        return Settings.model_validate(merged)
    except ValidationError as exc:
        origin = f"{config_path} and OIGWATCH_* environment"
        raise ConfigError(_describe(exc, origin, merged)) from exc
