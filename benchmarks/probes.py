"""Timing probes: wrap functions of the product code for the length of a ``with`` block.

The product code runs unchanged; each probe only adds a perf_counter around the call, and notes
when the call started and ended (time.time(), to line up with the fixture site's request log).
A function is found by name in the modules that may hold it (the ledger code moves between
modules as the project evolves); a step that is not found is simply not timed.
"""

from __future__ import annotations

import importlib
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from functools import wraps
from typing import Any

Target = tuple[str, Any, str]  # label, owner (module or class), attribute name


class Probes:
    """Seconds spent in each wrapped function, summed over calls, and the last call's bounds."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.started: dict[str, float] = {}
        self.ended: dict[str, float] = {}

    def _timed(self, label: str, func: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(func)
        def timed(*args: Any, **kwargs: Any) -> Any:
            self.started[label] = time.time()
            begun = time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                self.seconds[label] += time.perf_counter() - begun
                self.ended[label] = time.time()

        return timed

    @contextmanager
    def wrap(self, targets: list[Target]) -> Iterator[Probes]:
        """Wrap ``owner.name`` for each target; restore them all after the block."""
        with ExitStack() as stack:
            for label, owner, name in targets:
                original = owner.__dict__[name]  # the raw attribute, restored as it was
                setattr(owner, name, self._timed(label, getattr(owner, name)))
                stack.callback(setattr, owner, name, original)
            yield self


def find(label: str, owners: list[str], step: str) -> list[Target]:
    """Targets for a function named ``step`` or ``_step`` wherever the owners define or import it.

    An owner is ``module`` or ``module:Class``. Missing modules and names are skipped.
    """
    found: list[Target] = []
    for spec in owners:
        module_name, _, class_name = spec.partition(":")
        try:
            owner: Any = importlib.import_module(module_name)
        except ImportError:
            continue
        if class_name:
            owner = getattr(owner, class_name, None)
        for name in (step, f"_{step}"):
            if owner is not None and callable(getattr(owner, "__dict__", {}).get(name)):
                found.append((label, owner, name))
    return found


def compare_targets() -> list[Target]:
    """The steps of crawler.check.compare (and count_reports, which the event gates call)."""
    ledger = ["ledger.store:Ledger"]
    return [
        *find("admission: admit", ["crawler.check"], "admit"),
        *find("compare: known_fiscal_years", ledger, "known_fiscal_years"),
        *find("compare: merge_entries", ["crawler.check"], "merge_entries"),
        *find("compare: ledger.stored", ledger, "stored"),
        *find("compare: rename_candidates", ledger, "rename_candidates"),
        *find("compare: diff_reports", ["crawler.check"], "diff_reports"),
        *find("gates: count_reports", ["crawler.check"], "count_reports"),
    ]


RECORD_STEPS = ("insert_run", "apply_diff", "report_ids", "insert_versions", "mark_pdf_checks",
                "store_page_cache", "update_source", "insert_events", "enqueue")  # fmt: skip


def record_targets() -> list[Target]:
    """The steps of Ledger.record, in whichever ledger module holds them."""
    owners = ["ledger.recording", "ledger.store"]
    return [target for step in RECORD_STEPS for target in find(f"record: {step}", owners, step)]
