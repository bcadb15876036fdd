"""Table listing pages (spec §3): exposed form, sortable header, rows, pager."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlencode

from fixture_site.chrome import attr, error_box, esc, page
from fixture_site.fields import (
    absolute,
    date_html,
    listing_pdf_path,
    summary_html,
    truncate_wordsafe,
)
from fixture_site.pager import odd_item_for, render_pager
from fixture_site.render_cards import card_list
from fixture_site.state import AGENCY_TIDS, Report, Settings, SiteState
from fixture_site.views import FILTER_PARAMS, ILLEGAL_CHOICE, ORDER_COLUMNS, ListingQuery, View

PAD = "          "


@dataclass(frozen=True)
class Column:
    """One table column: header id, field class, label, sort key."""

    header_id: str
    field_class: str
    label: str
    order: str | None
    centered: bool


COLUMNS: dict[str, Column] = {
    "number": Column(
        "view-field-report-number-table-column",
        "views-field-field-report-number",
        "Report Number",
        "field_report_number",
        False,
    ),
    "title": Column("view-title-table-column", "views-field-title", "Title", "title", False),
    "date": Column(
        "view-field-issue-date-table-column",
        "views-field-field-issue-date",
        "Issue Date",
        "field_issue_date",
        True,
    ),
    "fy": Column(
        "view-field-fy-table-column", "views-field-field-fy", "Fiscal Year", "field_fy", True
    ),
    "agency": Column(
        "view-field-dhs-agency-table-column",
        "views-field-field-dhs-agency",
        "DHS Agency",
        None,
        False,
    ),
}


@dataclass(frozen=True)
class PageSlice:
    """The rows of one listing page and where it sits."""

    rows: list[Report]
    index: int
    last: int
    total: int


def render_listing(state: SiteState, view: View, q: ListingQuery, part: PageSlice) -> str:
    """The whole listing page for one request."""
    settings = state.settings
    pieces = [f'  <h1 class="page-title">{esc(view.title)}</h1>']
    if q.invalid:
        pieces.append(error_box(ILLEGAL_CHOICE))
    rows = [] if settings.empty_table else part.rows
    if settings.as_cards:
        content = card_list(state, rows, lambda r: listing_pdf_path(view, r))
    else:
        content = _table(settings, view, q, rows)
    if not rows:
        content += '\n    <div class="view-empty"><p>No results found</p></div>'
    odd = odd_item_for(settings.odd_pager_item, settings.odd_pager_pages, part.index)
    pager = render_pager(settings.pager, q.params, part.index, part.last, odd)
    pieces.append(
        '  <div class="views-element-container">\n'
        '   <div class="view view-reports view-id-reports view-display-id-page_1 '
        f'js-view-dom-id-{view.key}">\n{_form(state, view, q)}\n'
        f'    <div class="view-content">\n{content}\n    </div>\n{pager}\n   </div>\n  </div>'
    )
    return page(view.title, "\n".join(pieces), settings.theme, canonical=view.path)


def _form(state: SiteState, view: View, q: ListingQuery) -> str:
    agency = _select(
        "field_dhs_agency_target_id",
        "DHS Agency",
        [(str(tid), code) for code, tid in AGENCY_TIDS.items()],
        q.filters,
    )
    areas = _select(
        "field_oversight_area", "Oversight Area", list(state.oversight_areas.items()), q.filters
    )
    years = sorted(state.fy_options.items(), key=lambda item: -item[1])
    fy = _select("field_fy_value", "Fiscal Year", [(k, str(v)) for k, v in years], q.filters)
    return (
        '    <div class="view-filters">\n'
        f'     <form class="views-exposed-form" action="{view.path}"'
        ' method="get" id="views-exposed-form-reports-page-1" accept-charset="UTF-8">\n'
        f"{agency}\n{areas}\n{fy}\n"
        '      <div class="form-actions"><input type="submit" id="edit-submit-reports" '
        'value="Apply" class="button js-form-submit form-submit"></div>\n     </form>\n    </div>'
    )


def _select(name: str, label: str, options: list[tuple[str, str]], filters: dict[str, str]) -> str:
    dashed = name.replace("_", "-")
    current = filters.get(name, "All")
    html_options = []
    for value, text in [("All", "- Any -"), *options]:
        selected = ' selected="selected"' if value == current else ""
        html_options.append(f'<option value="{esc(value)}"{selected}>{esc(text)}</option>')
    return (
        f'      <div class="form-item form-type-select form-item-{dashed}">'
        f'<label for="edit-{dashed}">{label}</label>\n'
        f'        <select id="edit-{dashed}" name="{name}" class="form-select">'
        f"{''.join(html_options)}</select></div>"
    )


def view_columns(settings: Settings, view: View) -> list[str]:
    """Column keys in display order for this view and layout."""
    keys = [k for k in settings.column_order if k in COLUMNS]
    if settings.extra_column and "agency" not in keys:
        keys.append("agency")
    return [k for k in keys if view.has_number or k != "number"]


def _table(settings: Settings, view: View, q: ListingQuery, rows: list[Report]) -> str:
    keys = view_columns(settings, view)
    active = ORDER_COLUMNS[q.order]
    head = "\n".join(_th(settings, key, key == active, q) for key in keys)
    body = "\n".join(_row(settings, view, keys, active, r) for r in rows)
    return (
        f'     <table class="views-table views-view-table cols-{len(keys)}">\n'
        f"      <thead><tr>\n{head}\n      </tr></thead>\n      <tbody>\n{body}\n      </tbody>\n"
        "     </table>"
    )


def _classes(settings: Settings, key: str, active: bool) -> str:
    column = COLUMNS[key]
    field_class = settings.title_td_class if key == "title" else column.field_class
    classes = ["views-field", field_class]
    if active:
        classes.append("is-active")
    if column.centered:
        classes.append("views-align-center")
    return " ".join(classes)


def _th(settings: Settings, key: str, active: bool, q: ListingQuery) -> str:
    column = COLUMNS[key]
    aria = ""
    if active:
        aria = f' aria-sort="{"ascending" if q.sort == "asc" else "descending"}"'
    classes = _classes(settings, key, active)
    opening = f'        <th id="{column.header_id}" class="{classes}"{aria} scope="col">'
    if column.order is None:
        return f"{opening}{column.label}</th>"
    link_sort = ("desc" if q.sort == "asc" else "asc") if active else "asc"
    params = [(name, q.filters[name]) for name in FILTER_PARAMS]
    params += [("order", column.order), ("sort", link_sort)]
    href = esc("?" + urlencode(params, quote_via=quote))
    indicator = ""
    if active:
        word = "ascending" if link_sort == "asc" else "descending"
        indicator = (
            f'<span class="tablesort tablesort--{link_sort}">'
            f'<span class="visually-hidden">Sort {word}</span></span>'
        )
    return (
        f'{opening}\n          <a href="{href}" title="sort by {column.label}" rel="nofollow">'
        f"{column.label}{indicator}</a></th>"
    )


def _row(settings: Settings, view: View, keys: list[str], active: str, report: Report) -> str:
    cells = []
    for key in keys:
        column = COLUMNS[key]
        inner = _cell(settings, view, key, report)
        cells.append(
            f'        <td headers="{column.header_id}" '
            f'class="{_classes(settings, key, key == active)}">{inner}</td>'
        )
    return "       <tr>\n" + "\n".join(cells) + "\n       </tr>"


def _cell(settings: Settings, view: View, key: str, report: Report) -> str:
    if key in report.cell_text:
        return _odd_cell(settings, view, key, report, report.cell_text[key])
    if key == "number":
        return esc(report.report_number or "") + PAD
    if key == "fy":
        return ("" if report.fiscal_year is None else str(report.fiscal_year)) + PAD
    if key == "date":
        return date_html(report.issue_date, settings.date_mode)
    if key == "agency":
        return esc(", ".join(report.components))
    return _title_cell(settings, view, report)


def _odd_cell(settings: Settings, view: View, key: str, report: Report, text: str) -> str:
    """A cell showing `text` (set_cell_text) instead of the real value; a date loses `datetime`."""
    if key == "title":
        return _title_cell(settings, view, report, text)
    if key == "date":
        shown = esc(text)
        return (
            shown if settings.date_mode == "text_only" else f'<time class="datetime">{shown}</time>'
        )
    return esc(text) + PAD


def _title_cell(settings: Settings, view: View, report: Report, text: str | None = None) -> str:
    href = attr(absolute(listing_pdf_path(view, report), settings))
    summary = summary_html(report.summary)
    title_attr = f" View the {truncate_wordsafe(report.title)} PDF"
    hidden = ""
    if summary is not None and settings.summary_mode == "attr":
        title_attr = summary
    elif summary is not None and settings.summary_mode == "hidden_span":
        hidden = summary
    shown = esc(report.title if text is None else text)
    return (
        f'<a href="{href}" title="{attr(title_attr)}">{shown}</a>'
        f'<span class="hidden">{hidden}</span>'
    )
