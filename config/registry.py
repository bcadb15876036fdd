"""The registries of channels (kinds of delivery target) and page layouts (kinds of listing view).

A channel or a layout is one module that registers itself when imported. The built-in ones are the
modules of ``notifier.channels`` and ``crawler.layouts``, imported by name the first time their
registry is read (config imports neither package statically); the config models check ``kind``
against the registry when they validate. A module kept elsewhere registers by being imported before
the settings are validated; the crawl child imports a layout's module again, by the name the crawl
job carries (``Layout.module``).
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

if TYPE_CHECKING:
    from config.delivery import TargetConfig


@dataclass(frozen=True, slots=True)
class Channel:
    """A kind of delivery target: its ``[[targets]]`` model, its transport and its renderer."""

    kind: str
    config: type[TargetConfig]  # the model of its [[targets]] table
    # (target, Outgoing, templates) -> the reference kept with the delivery; raises the errors of
    # notifier.transports (Transient, Unknown, RateLimited, Permanent)
    send: Callable[[Any, Any, Any], dict[str, Any]]
    # (target, Outgoing, templates) -> the message ``send`` sends, built without sending (pure)
    render: Callable[[Any, Any, Any], Any]
    paced: bool = True  # messages to one target keep delivery.channel_interval apart (a remote API)


@dataclass(frozen=True, slots=True)
class Layout:
    """A kind of listing page: its parser, run by the crawl child's shared listing spider."""

    kind: str
    # (html, *, page_url, view, components) -> crawler.entry.ParsedPage
    parse_page: Callable[..., Any]
    module: str  # the module that registers it: the crawl child imports it by this name
    pdf_rechecks: bool = False  # its spider makes a deep sweep's PDF re-checks (one layout only)
    selectors: bool = False  # its views need a ``[sources.views.selectors]`` table (generic)


class _Entry(Protocol):
    @property
    def kind(self) -> str: ...


E = TypeVar("E", bound=_Entry)


class Registry(Generic[E]):
    """Entries by kind; the built-in package's modules are imported on the first read."""

    def __init__(self, what: str, package: str) -> None:
        self.what, self.package = what, package
        self._entries: dict[str, E] = {}
        self._order: tuple[str, ...] = ()  # the package's ORDER: how errors list the kinds
        self._discovered = False
        self._lock = threading.RLock()  # the importing thread may read the registry again

    def register(self, entry: E) -> E:
        """Add (or replace) the entry of ``entry.kind``; returns it."""
        self[entry.kind] = entry
        return entry

    def __setitem__(self, kind: str, entry: E) -> None:
        if entry.kind != kind or not kind.isidentifier():
            raise ValueError(f"{self.what} kind {kind!r}: a plain name, the entry's own kind")
        self._entries[kind] = entry

    def __delitem__(self, kind: str) -> None:
        del self._entries[kind]

    def discover(self) -> None:
        """Import every module of the built-in package, once (``_private`` ones excepted)."""
        if self._discovered:
            return
        with self._lock:
            if self._discovered:
                return
            package = importlib.import_module(self.package)
            self._order = tuple(getattr(package, "ORDER", ()))
            for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
                if not info.name.startswith("_"):
                    importlib.import_module(f"{self.package}.{info.name}")
            self._discovered = True

    def get(self, kind: str, default: E | None = None) -> E | None:
        """The entry of ``kind``; ``default`` when no module registered it. Before the package is
        discovered, its module named ``kind`` is tried first: reading a config with a console
        target imports the console channel, not every channel (and its client's imports)."""
        if not self._discovered:
            self._import_named(kind)
            if kind not in self._entries:
                self.discover()
        return self._entries.get(kind, default)

    def _import_named(self, kind: str) -> None:
        """Import the built-in package's module named ``kind``, when there is one."""
        if not kind.isidentifier() or kind.startswith("_"):
            return
        name = f"{self.package}.{kind}"
        with self._lock:
            if importlib.util.find_spec(name) is not None:
                importlib.import_module(name)

    def __getitem__(self, kind: str) -> E:
        entry = self.get(kind)
        if entry is None:
            raise KeyError(f"unknown {self.what} kind {kind!r} (known: {', '.join(self.kinds())})")
        return entry

    def __contains__(self, kind: object) -> bool:
        return isinstance(kind, str) and self.get(kind) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(self.kinds())

    def kinds(self) -> tuple[str, ...]:
        """Every registered kind: those the package's ``ORDER`` names first, in that order, then
        the others as they registered."""
        self.discover()
        rank = {kind: index for index, kind in enumerate(self._order)}
        return tuple(sorted(self._entries, key=lambda kind: rank.get(kind, len(rank))))


CHANNELS: Registry[Channel] = Registry("channel", "notifier.channels")
LAYOUTS: Registry[Layout] = Registry("layout", "crawler.layouts")
