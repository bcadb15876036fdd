"""Mutations of report content (spec §8: M1-M7, M9, M10, M13 title variants)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from fixture_site import paths
from fixture_site.seed import AREA_OF
from fixture_site.state import AGENCY_TIDS, Report, SiteState, fiscal_year_of, iso_z, parse_z
from fixture_site.views import VIEWS, in_view

Op = dict[str, Any]
AUDITS = VIEWS["/reports/audits-inspections-and-evaluations"]
_REDACTION = re.compile(
    r"\s*(?:-\s*)?(?:Law Enforcement Sensitive\s*)?\(\s*redacted\s*\)\s*", re.IGNORECASE
)


class MutationError(ValueError):
    """A mutation op that cannot be applied (bad op name, unknown report, bad value)."""


def touch(state: SiteState, op: Op) -> str:
    """Advance the logical clock (or set it to `at`) and return the new timestamp."""
    if op.get("at"):
        moment = parse_z(str(op["at"]))
    else:
        morning = dt.datetime(state.today.year, state.today.month, state.today.day, 9)
        moment = max(
            parse_z(state.modified) + dt.timedelta(minutes=1), morning.replace(tzinfo=dt.UTC)
        )
    state.modified = iso_z(moment)
    return state.modified


def target(state: SiteState, op: Op) -> Report:
    """The report an op names by `nid` or `report_number`."""
    try:
        return state.find(op.get("report_number"), op.get("nid"))
    except KeyError as exc:
        raise MutationError(str(exc.args[0])) from None


def _components(value: Any) -> list[str]:
    if not isinstance(value, list) or not value or any(c not in AGENCY_TIDS for c in value):
        raise MutationError(f"components must be a non-empty list of {sorted(AGENCY_TIDS)}")
    return [str(c) for c in value]


def next_number(state: SiteState, fiscal_year: int) -> str:
    """The next unused `OIG-YY-NN` of a fiscal year."""
    yy = fiscal_year % 100
    used = [
        p[1] for r in state.reports if (p := paths.parse_oig_number(r.report_number)) and p[0] == yy
    ]
    return f"OIG-{yy:02d}-{max(used, default=0) + 1:02d}"


def _new_pdf_path(number: str | None, day: dt.date, kind: str, nid: int) -> str:
    folder = paths.upload_folder(day)
    if kind == "whistleblower":
        return f"{paths.FILES}/{folder}/WB-ROI-{nid}-{paths.mon_yy(day)}.pdf"
    if not number:
        return f"{paths.FILES}/{folder}/OSC-Referral-{nid}-{paths.mon_yy(day)}.pdf"
    return paths.standard_pdf_path(number, day, folder)


def add_report(state: SiteState, op: Op) -> dict[str, Any]:
    """M1: a new report, by default numbered for today's FY and issued today."""
    day = dt.date.fromisoformat(str(op.get("issue_date") or state.today.isoformat()))
    kind = "whistleblower" if op.get("whistleblower") else "report"
    components = _components(op.get("components", ["CBP"]))
    if "report_number" in op:
        number = op["report_number"]
    else:
        number = None if kind == "whistleblower" else next_number(state, fiscal_year_of(day))
    if number and not op.get("allow_duplicate") and _number_taken(state, number):
        raise MutationError(f"report number {number!r} already exists")
    now = touch(state, op)
    nid = max((r.nid for r in state.reports), default=1000) + 1
    alert = bool(op.get("management_alert"))
    title = op.get("title") or _auto_title(components[0], nid, alert, kind)
    pdf = op.get("pdf_path") or _new_pdf_path(number, day, kind, nid)
    report = Report(
        nid=nid,
        title=str(title),
        report_number=number,
        fiscal_year=op.get("fiscal_year", fiscal_year_of(day)),
        summary=op.get("summary"),
        issue_date=day.isoformat(),
        components=components,
        pdf_path=pdf,
        detail_path=paths.detail_path(str(title), day, pdf),
        changed=now,
        pdf_modified=now,
        kind=kind,
        management_alert=alert,
        mga_pdf_path=paths.mga_pdf_path(number, day, False) if alert and number else None,
        keyword_tids=[int(t) for t in op.get("keyword_tids", [])],
        oversight_area=op.get("oversight_area", AREA_OF[components[0]]),
        hide_from_unfiltered=bool(op.get("hide_from_unfiltered", False)),
        synthetic=True,
    )
    report.snapshot_pdf_caption()
    state.reports.append(report)
    return _describe(report)


def _number_taken(state: SiteState, number: str) -> bool:
    return any(r.report_number == number for r in state.reports)


def _auto_title(component: str, nid: int, alert: bool, kind: str) -> str:
    if kind == "whistleblower":
        return (
            "Synthetic Whistleblower Retaliation Report of Investigation Regarding Alleged "
            f"Reprisal Against a {component} Employee {nid}"
        )
    prefix = "Management Alert - " if alert else ""
    return f"{prefix}Synthetic Review of {component} Program Oversight {nid}"


def _describe(report: Report) -> dict[str, Any]:
    return {
        "nid": report.nid,
        "report_number": report.report_number,
        "title": report.title,
        "issue_date": report.issue_date,
        "pdf_path": report.pdf_path,
        "mga_pdf_path": report.mga_pdf_path,
        "detail_path": report.detail_path,
    }


def default_order(state: SiteState) -> list[Report]:
    """The unfiltered audits listing in default order with stable ties (issue date desc, nid)."""
    rows = [r for r in state.reports if in_view(AUDITS, r) and not r.hide_from_unfiltered]
    rows.sort(key=lambda r: r.nid)
    rows.sort(key=lambda r: r.issue_date, reverse=True)
    return rows


def _date_for_position(state: SiteState, position: int) -> dt.date:
    """An issue date that lands a new report at `position` of the default order (stable ties)."""
    rows = default_order(state)
    if not rows:
        return state.today
    if position >= len(rows):
        return rows[-1].date - dt.timedelta(days=1)
    if position <= 0:
        return max(state.today, rows[0].date)
    below, above = rows[position].date, rows[position - 1].date
    if below < above:
        return below + dt.timedelta(days=1)
    return below


def insert_backdated(state: SiteState, op: Op) -> dict[str, Any]:
    """M2: a new report with an older issue date (`issue_date`, or a row `position`)."""
    if "issue_date" not in op and "position" not in op:
        raise MutationError("insert_backdated needs issue_date or position")
    if "issue_date" not in op:
        op = {**op, "issue_date": _date_for_position(state, int(op["position"])).isoformat()}
    result = add_report(state, op)
    order = default_order(state)
    result["position"] = next(i for i, r in enumerate(order) if r.nid == result["nid"])
    return result


def _set_redaction(title: str, marker: str) -> str:
    """Replace the redaction marker (or append one); an empty marker removes it."""
    match = _REDACTION.search(title)
    if match:
        gap = " " if match.end() < len(title) else ""
        return title[: match.start()] + marker + gap + title[match.end() :]
    return title.rstrip() + marker


SUFFIX_OPS = {
    "append_revised": lambda t: t + " (Revised)",
    "redacted_to_dash_redacted": lambda t: _set_redaction(t, " - (REDACTED)"),
    "to_les_redacted": lambda t: _set_redaction(t, " - Law Enforcement Sensitive (REDACTED)"),
    "to_paren_redacted": lambda t: _set_redaction(t, " (Redacted)"),
    "remove_redacted": lambda t: _set_redaction(t, ""),
    "add_management_alert": lambda t: "Management Alert - " + t,
    "trim_leading_space": lambda t: t.lstrip(),
    "curly_quotes": lambda t: t.replace("'", "\u2019"),
    "straight_quotes": lambda t: (
        t.replace("\u2019", "'").replace("\u201c", '"').replace("\u201d", '"')
    ),
    "nbsp": lambda t: t.replace(" ", "\u00a0", 1),
    "double_escape": lambda t: t.replace("'", "&#039;").replace("&amp;", "&amp;amp;"),
    "mojibake": lambda t: t.encode("utf-8").decode("cp1252", errors="replace"),
}


def retitle(state: SiteState, op: Op) -> dict[str, Any]:
    """M3: a new title (explicit, or a suffix op); number, PDF and node alias unchanged."""
    report = target(state, op)
    old = report.title
    if "title" in op:
        report.title = str(op["title"])
    elif op.get("suffix_op") in SUFFIX_OPS:
        report.title = SUFFIX_OPS[op["suffix_op"]](old)
    else:
        raise MutationError(f"retitle needs title or suffix_op in {sorted(SUFFIX_OPS)}")
    report.changed = touch(state, op)
    return {"nid": report.nid, "old_title": old, "title": report.title}


def edit_summary(state: SiteState, op: Op) -> dict[str, Any]:
    """M4: replace the summary (None: no summary markup; "": nbsp-only paragraph)."""
    if "summary" not in op:
        raise MutationError("edit_summary needs summary (string or null)")
    report = target(state, op)
    old = report.summary
    report.summary = op["summary"]
    report.changed = touch(state, op)
    return {"nid": report.nid, "old_summary": old, "summary": report.summary}


def replace_pdf(state: SiteState, op: Op) -> dict[str, Any]:
    """M5: new bytes at the same href, a new href, or the href with a query string."""
    report = target(state, op)
    mode = op.get("mode", "bytes")
    if mode not in ("bytes", "href", "query"):
        raise MutationError("replace_pdf mode must be bytes, href or query")
    old = report.pdf_path
    now = touch(state, op)
    if mode in ("bytes", "href"):
        if mode == "href":
            suffix = op.get("suffix", "")
            report.pdf_path = op.get("pdf_path") or _moved_path(report, state, suffix)
        report.pdf_version += 1
        report.pdf_modified = now
        report.snapshot_pdf_caption()
    else:
        query = op.get("query", "source=govdelivery")
        report.pdf_path = f"{paths.site_path(report.pdf_path)}?{query}"
    report.changed = now
    return {
        "nid": report.nid,
        "old_pdf_path": old,
        "pdf_path": report.pdf_path,
        "pdf_version": report.pdf_version,
    }


def _moved_path(report: Report, state: SiteState, suffix: str) -> str:
    current = paths.site_path(report.pdf_path)
    folder = paths.upload_folder(state.today)
    if f"/{folder}/" in current:
        folder = paths.next_month(folder)
    stem = paths.pdf_stem(current).rstrip("_")
    return f"{paths.FILES}/{folder}/{stem}{suffix}.pdf"


def set_removed(state: SiteState, op: Op, removed: bool) -> dict[str, Any]:
    """M6: unpublish (or restore) a report everywhere."""
    report = target(state, op)
    report.removed = removed
    report.changed = touch(state, op)
    return {"nid": report.nid, "removed": removed, "detail_path": report.detail_path}


def retag_component(state: SiteState, op: Op) -> dict[str, Any]:
    """M10: change agencies and/or hide the report from the unfiltered view only."""
    report = target(state, op)
    if "components" in op:
        report.components = _components(op["components"])
    if "hide_from_unfiltered" in op:
        report.hide_from_unfiltered = bool(op["hide_from_unfiltered"])
    report.changed = touch(state, op)
    return {
        "nid": report.nid,
        "components": report.components,
        "hide_from_unfiltered": report.hide_from_unfiltered,
    }


def fix_metadata(state: SiteState, op: Op) -> dict[str, Any]:
    """M7: change fiscal year, issue date or report number (`fix` holds the new values)."""
    report = target(state, op)
    fix = op.get("fix") or {}
    unknown = set(fix) - {"fiscal_year", "issue_date", "report_number"}
    if not fix or unknown:
        raise MutationError("fix must hold some of fiscal_year, issue_date, report_number")
    if "issue_date" in fix:
        report.issue_date = dt.date.fromisoformat(str(fix["issue_date"])).isoformat()
    if "fiscal_year" in fix:
        report.fiscal_year = None if fix["fiscal_year"] is None else int(fix["fiscal_year"])
    if "report_number" in fix:
        report.report_number = fix["report_number"]
    report.changed = touch(state, op)
    return {"nid": report.nid, **fix}


def cross_list(state: SiteState, op: Op) -> dict[str, Any]:
    """M9: also list the report under management alerts, with a different (Mga/) PDF path."""
    report = target(state, op)
    number = report.report_number or f"oig-{report.nid}"
    report.management_alert = True
    report.mga_pdf_path = op.get("mga_pdf_path") or paths.mga_pdf_path(number, report.date, True)
    report.changed = touch(state, op)
    return {"nid": report.nid, "mga_pdf_path": report.mga_pdf_path}


CELL_COLUMNS = ("number", "fy", "date", "title")
DEFAULT_PDF_FOLDER = f"{paths.FILES}/migrated"


def set_cell_text(state: SiteState, op: Op) -> dict[str, Any]:
    """Show `text` instead of the real value in one table cell of a report (null: back to normal).

    Only the displayed text changes: the report's data, PDF and identity stay the same.
    """
    column = op.get("column")
    if column not in CELL_COLUMNS:
        raise MutationError(f"set_cell_text column must be one of {CELL_COLUMNS}")
    if "text" not in op or not (op["text"] is None or isinstance(op["text"], str)):
        raise MutationError("set_cell_text needs text (a string, or null to reset)")
    report = target(state, op)
    if op["text"] is None:
        report.cell_text.pop(column, None)
    else:
        report.cell_text[column] = op["text"]
    touch(state, op)
    return {"nid": report.nid, "cell_text": dict(report.cell_text)}


def _in_folder(folder: str, pdf_path: str) -> str:
    """`pdf_path` moved into `folder`, keeping its file name (and any query string)."""
    return folder.rstrip("/") + "/" + pdf_path.rsplit("/", 1)[-1]


def _folder(op: Op) -> str:
    folder = str(op.get("folder") or DEFAULT_PDF_FOLDER)
    if not folder.startswith("/sites/default/files/") or "?" in folder:
        raise MutationError("folder must be a path under /sites/default/files/")
    return folder


def _check_free(state: SiteState, moves: dict[int, tuple[str, str | None]]) -> None:
    """Refuse moves that would give two files the same path."""
    taken: dict[str, int] = {}
    for report in state.reports:
        pdf, mga = moves.get(report.nid, (report.pdf_path, report.mga_pdf_path))
        for path in (pdf, mga):
            if path is None:
                continue
            owner = taken.setdefault(paths.site_path(path), report.nid)
            if owner != report.nid:
                raise MutationError(f"PDF path {paths.site_path(path)} would be used twice")


def _move(report: Report, pdf_path: str, mga_pdf_path: str | None) -> dict[str, Any]:
    old = (report.pdf_path, report.mga_pdf_path)
    report.pdf_path, report.mga_pdf_path = pdf_path, mga_pdf_path
    return {
        "nid": report.nid,
        "old_pdf_path": old[0],
        "pdf_path": report.pdf_path,
        "old_mga_pdf_path": old[1],
        "mga_pdf_path": report.mga_pdf_path,
    }


def move_pdf(state: SiteState, op: Op) -> dict[str, Any]:
    """Move one report's PDF (same bytes, ETag and Last-Modified) to `pdf_path` or `folder`.

    The management-alert copy moves too when `folder` is given, or to an explicit
    `mga_pdf_path`. Old paths answer 404. Unlike `replace_pdf` mode `href`, the file is unchanged.
    """
    report = target(state, op)
    if op.get("pdf_path"):
        pdf = str(op["pdf_path"])
        mga = op.get("mga_pdf_path", report.mga_pdf_path)
    else:
        folder = _folder(op)
        pdf = _in_folder(folder, report.pdf_path)
        mga = op.get("mga_pdf_path") or (
            _in_folder(folder, report.mga_pdf_path) if report.mga_pdf_path else None
        )
    _check_free(state, {report.nid: (pdf, mga)})
    touch(state, op)
    return _move(report, pdf, mga)


def move_all_pdfs(state: SiteState, op: Op) -> dict[str, Any]:
    """Move every report's PDF (and Mga/ copy) into `folder`, keeping file names and bytes."""
    folder = _folder(op)
    moves = {
        r.nid: (
            _in_folder(folder, r.pdf_path),
            _in_folder(folder, r.mga_pdf_path) if r.mga_pdf_path else None,
        )
        for r in state.reports
    }
    _check_free(state, moves)
    touch(state, op)
    for report in state.reports:
        _move(report, *moves[report.nid])
    return {"folder": folder, "moved": len(moves)}
