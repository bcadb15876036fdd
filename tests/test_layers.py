"""Imports run one way: every room may import only the rooms below it (docs/architecture.md).

    config ← crawler (the pure core) ← documents ← ledger ← archive ← crawler's I/O (check,
           fetch, child, spiders) ← notifier ← web ← scheduler ← cli

``documents`` (PDF text and page redlines) reads only crawler's text helpers (normalize, text,
redline); every room above the ledger may use it.

Read from the source text (every ``import``, also inside functions), so a lazy import that breaks
the order fails here too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ROOMS = (
    "config", "crawler", "documents", "ledger", "archive", "notifier", "web", "scheduler", "cli",
    "fixture_site",
)  # fmt: skip
# what each room may import besides itself
ALLOWED = {
    "config": set(),
    "crawler": {"config", "ledger", "archive", "documents"},  # ledger, archive: I/O modules only
    "documents": {"crawler"},  # pure: only DOCUMENTS_READ of it
    "ledger": {"config", "crawler", "documents"},
    "archive": {"config", "crawler", "documents", "ledger"},  # crawler: only its pure core
    "notifier": {"config", "crawler", "documents", "ledger", "archive"},
    "web": {"config", "crawler", "documents", "ledger", "archive", "notifier"},
    "scheduler": {"config", "crawler", "documents", "ledger", "archive", "notifier", "web"},
    "cli": {*ROOMS} - {"cli"},  # everything
    "fixture_site": set(),
}
# what documents/ may read of crawler: text helpers, nothing that does I/O or knows the ledger
DOCUMENTS_READ = ("crawler.normalize", "crawler.text", "crawler.redline")
# crawler's modules that do I/O over the ledger; the rest of crawler (the pure core) must not
# import the ledger, and the ledger must not import these
CRAWLER_IO = ("crawler.check", "crawler.fetch", "crawler.child", "crawler.spiders")


def modules() -> dict[str, Path]:
    found = {}
    for room in ROOMS:
        for path in (ROOT / room).rglob("*.py"):
            if "versions" in path.parts:
                continue
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {n for n in names if n.split(".")[0] in ROOMS}


def is_io(name: str) -> bool:
    return any(name == io or name.startswith(io + ".") for io in CRAWLER_IO)


MODULES = modules()


def test_the_rooms_are_all_found() -> None:
    assert {name.split(".")[0] for name in MODULES} == set(ROOMS)
    assert len(MODULES) > 60


def _reads_text(target: str) -> bool:
    return any(target == m or target.startswith(m + ".") for m in DOCUMENTS_READ)


def violations(name: str, targets: set[str]) -> list[str]:
    room, wrong = name.split(".")[0], []
    for target in sorted(targets):
        other = target.split(".")[0]
        if other != room and other not in ALLOWED[room]:
            wrong.append(target)
        elif room == "crawler" and other in ("ledger", "archive") and not is_io(name):
            wrong.append(f"{target} (the pure core reads no {other})")
        elif room == "documents" and other == "crawler" and not _reads_text(target):
            wrong.append(f"{target} (documents read only crawler's text helpers)")
        elif room in ("ledger", "archive") and is_io(target):
            wrong.append(f"{target} (the {room} sits below the crawl's I/O)")
    return wrong


@pytest.mark.parametrize("name", sorted(MODULES))
def test_imports_run_one_way(name: str) -> None:
    wrong = violations(name, imported(MODULES[name]))
    assert not wrong, f"{name} imports against the order: {wrong}"


def test_the_order_is_enforced() -> None:
    assert violations("crawler.diff", {"ledger.store"})
    assert violations("ledger.store", {"crawler.check"})
    assert violations("notifier.worker", {"web.app"})
    assert violations("config.settings", {"crawler.text"})
    assert violations("documents.facts", {"crawler.check"})
    assert violations("documents.facts", {"ledger.store"})
    assert not violations("documents.facts", {"crawler.normalize", "crawler.text"})
    assert not violations("crawler.check", {"ledger.store", "config.settings"})
    assert not violations("crawler.check", {"archive.ingest"})
    assert violations("crawler.diff", {"archive.store"})
    assert violations("archive.ingest", {"crawler.check"})
    assert violations("ledger.pdf_versions", {"archive.store"})
    assert not violations("cli.main", {"scheduler.service", "web.app"})
    assert violations("documents.redline", {"crawler.check"})
    assert violations("documents.extract", {"ledger.store"})
    assert not violations("documents.redline", {"crawler.redline.common_ends"})


def test_a_wrong_import_is_caught(tmp_path: Path) -> None:
    """The scan sees lazy imports too (the test would pass vacuously otherwise)."""
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from web.app import create_app\n    import cli.main\n")
    assert imported(module) >= {"web.app", "web.app.create_app", "cli.main"}
