"""The mutation dispatcher: one JSON op in, a description of what was done out (spec §8)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Any

from fixture_site import document_ops, example_ops, report_ops
from fixture_site.report_ops import MutationError, Op, touch
from fixture_site.state import (
    CHOICES,
    COLUMNS,
    Drift,
    Fault,
    Settings,
    SiteState,
    fiscal_year_of,
)

FAULT_KINDS = (
    "status",
    "delay",
    "reset",
    "truncate",
    "redirect",
    "redirect_loop",
    "html_at_pdf",
    "gzip_bomb",
    "endless",
)
_SETTING_TYPES = {f.name: f.type for f in dataclasses.fields(Settings)}


def _check_setting(name: str, value: Any) -> Any:
    """Validate one toggle value; returns the value to store."""
    if name not in _SETTING_TYPES:
        raise MutationError(f"unknown setting {name!r}; known: {sorted(_SETTING_TYPES)}")
    if name in CHOICES:
        if name == "absolute_hrefs" and value in (False, None):
            value = "off"
        if value not in CHOICES[name]:
            raise MutationError(f"{name} must be one of {CHOICES[name]}")
        return value
    kind = _SETTING_TYPES[name]
    if kind == "bool":
        return bool(value)
    if kind == "int":
        if not isinstance(value, int) or value < 1:
            raise MutationError(f"{name} must be a positive integer")
        return value
    if name == "column_order":
        if not isinstance(value, list) or any(c not in COLUMNS for c in value):
            raise MutationError(f"column_order items must be among {COLUMNS}")
        return list(value)
    if name == "extra_column":
        return None if value in (None, False, "") else str(value)
    if name == "odd_pager_item":
        return None if value is None else str(value)
    if name == "odd_pager_pages":
        if value is not None and (
            not isinstance(value, list) or not all(_is_index(p) for p in value)
        ):
            raise MutationError("odd_pager_pages must be null or a list of page indexes >= 0")
        return None if value is None else list(value)
    return str(value)


def _is_index(value: Any) -> bool:
    """A non-negative int (bools excluded)."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def set_settings(state: SiteState, op: Op) -> dict[str, Any]:
    """M11/M14 and friends: set any subset of the toggles in `Settings`."""
    changes = {k: v for k, v in op.items() if k not in ("op", "at")}
    if not changes:
        raise MutationError("give at least one setting")
    checked = {name: _check_setting(name, value) for name, value in changes.items()}
    for name, value in checked.items():
        setattr(state.settings, name, value)
    touch(state, op)
    return {"settings": checked}


def tie_shuffle(state: SiteState, op: Op) -> dict[str, Any]:
    """M8: choose how rows tied on the sort key are ordered (optionally reseed)."""
    mode = op.get("mode", "shuffle")
    state.settings.tie_mode = _check_setting("tie_mode", mode)
    if "seed" in op:
        state.seed = int(op["seed"])
    touch(state, op)
    return {"tie_mode": mode, "seed": state.seed}


def set_today(state: SiteState, op: Op) -> dict[str, Any]:
    """Move the logical date used by add_report and shuffle_per_day (adds its FY option)."""
    state.today = dt.date.fromisoformat(str(op["today"]))
    current_fy = fiscal_year_of(state.today)
    if current_fy not in state.fy_options.values():
        state.fy_options[str(current_fy - 2019)] = current_fy
    touch(state, op)
    return {"today": state.today.isoformat()}


def http_fault(state: SiteState, op: Op) -> dict[str, Any]:
    """M12: a fault for requests whose path+query contains `match` (page >= `pages_from`)."""
    fields = {k: v for k, v in op.items() if k != "op"}
    if fields.get("kind") not in FAULT_KINDS:
        raise MutationError(f"fault kind must be one of {FAULT_KINDS}")
    if "match" not in fields:
        raise MutationError("http_fault needs match (a substring of path+query)")
    if fields["kind"] == "status" and not fields.get("status"):
        raise MutationError("a status fault needs status")
    if fields.get("size") is not None and not (_is_index(fields["size"]) and fields["size"] > 0):
        raise MutationError("size must be a number of bytes > 0")
    if fields.get("pages_from") is not None and not _is_index(fields["pages_from"]):
        raise MutationError("pages_from must be a page index >= 0")
    try:
        fault = Fault(**fields)
    except TypeError as exc:
        raise MutationError(str(exc)) from None
    fault.seen = fault.fired = 0
    state.faults.append(fault)
    return {"fault_index": len(state.faults) - 1}


def clear_faults(state: SiteState, op: Op) -> dict[str, Any]:
    """Remove every fault (and pending drift when `drifts` is true)."""
    count = len(state.faults)
    state.faults.clear()
    if op.get("drifts"):
        state.drifts.clear()
    return {"cleared": count}


def drift_during_crawl(state: SiteState, op: Op) -> dict[str, Any]:
    """M15: apply `then` just before the first request whose path+query contains `trigger`."""
    inner = op.get("then")
    if not isinstance(inner, dict) or inner.get("op") not in OPS:
        raise MutationError("drift_during_crawl needs then: a valid op dict")
    if not op.get("trigger"):
        raise MutationError("drift_during_crawl needs trigger")
    state.drifts.append(Drift(trigger=str(op["trigger"]), then=inner))
    return {"drift_index": len(state.drifts) - 1}


OPS: dict[str, Callable[[SiteState, Op], dict[str, Any]]] = {
    "add_report": report_ops.add_report,
    "insert_backdated": report_ops.insert_backdated,
    "retitle": report_ops.retitle,
    "edit_summary": report_ops.edit_summary,
    "replace_pdf": report_ops.replace_pdf,
    "remove_report": lambda s, o: report_ops.set_removed(s, o, True),
    "restore_report": lambda s, o: report_ops.set_removed(s, o, False),
    "fix_metadata": report_ops.fix_metadata,
    "cross_list": report_ops.cross_list,
    "retag_component": report_ops.retag_component,
    "set_cell_text": report_ops.set_cell_text,
    "move_pdf": report_ops.move_pdf,
    "move_all_pdfs": report_ops.move_all_pdfs,
    "tie_shuffle": tie_shuffle,
    "layout": set_settings,
    "page_range": set_settings,
    "encoding": set_settings,
    "set": set_settings,
    "set_today": set_today,
    "http_fault": http_fault,
    "clear_faults": clear_faults,
    "drift_during_crawl": drift_during_crawl,
    **document_ops.OPS,  # multi-page and hostile report PDFs (pdf_pages.py)
    **example_ops.OPS,  # the Department of Examples OIG (example_oig.py)
}


def apply_op(state: SiteState, op: Op) -> dict[str, Any]:
    """Apply one op to the state in place; raises MutationError when it is invalid."""
    if not isinstance(op, dict) or op.get("op") not in OPS:
        raise MutationError(f"op must be one of {sorted(OPS)}")
    try:
        result = OPS[op["op"]](state, op)
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, MutationError):
            raise
        raise MutationError(f"{op['op']}: {exc!r}") from None
    return {"op": op["op"], **result}
