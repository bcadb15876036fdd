"""Card lists (taxonomy term pages, spec §5) and report detail pages (§6)."""

from __future__ import annotations

from collections.abc import Callable

from fixture_site.chrome import attr, esc, page
from fixture_site.fields import absolute, date_html, summary_html
from fixture_site.pager import odd_item_for, render_pager
from fixture_site.paths import site_path
from fixture_site.state import AGENCY_TIDS, Report, Settings, SiteState, Term
from fixture_site.views import paginate


def _field(name: str, label: str, value: str, layout: str, multi: bool = False) -> str:
    style = "inline" if layout == "inline" else "above"
    body = value if multi else f'<div class="field__item">{value}</div>'
    return (
        f'    <div class="field field--name-{name} field--label-{style}">'
        f'<div class="field__label">{label}</div>{body}</div>'
    )


def _term_links(tids: list[int], names: dict[int, str]) -> str:
    items = "".join(
        f'<div class="field__item"><a href="/taxonomy/term/{tid}" hreflang="en">'
        f"{esc(names.get(tid, str(tid)))}</a></div>"
        for tid in tids
    )
    return f'<div class="field__items">{items}</div>'


def report_fields(state: SiteState, report: Report, pdf_path: str) -> list[str]:
    """The labelled fields in the verified order (spec §5), optional ones skipped."""
    settings = state.settings
    layout = settings.card_layout
    names = {tid: term.name for tid, term in state.terms.items()}
    fields: list[str] = []
    summary = summary_html(report.summary)
    if summary is not None:
        fields.append(_field("body", "Executive Summary", summary, layout))
    if report.report_number:
        fields.append(
            _field("field-report-number", "Report Number", esc(report.report_number), layout)
        )
    fields.append(
        _field("field-issue-date", "Issue Date", date_html(report.issue_date, "time"), layout)
    )
    file_name = esc(site_path(pdf_path).rsplit("/", 1)[-1])
    link = (
        '<span class="file file--mime-application-pdf file--application-pdf">'
        f'<a href="{attr(absolute(pdf_path, settings))}" type="application/pdf">{file_name}</a>'
        "</span>"
    )
    fields.append(_field("field-document-file", "Document File", link, layout))
    agencies = [AGENCY_TIDS[c] for c in report.components if c in AGENCY_TIDS]
    if agencies:
        fields.append(
            _field("field-dhs-agency", "DHS Agency", _term_links(agencies, names), layout, True)
        )
    if report.oversight_area is not None:
        label = state.oversight_areas.get(str(report.oversight_area), str(report.oversight_area))
        fields.append(_field("field-oversight-area", "Oversight Area", esc(label), layout))
    if report.keyword_tids:
        links = _term_links(report.keyword_tids, names)
        fields.append(_field("field-keywords", "Keywords", links, layout, True))
    if report.fiscal_year is not None:
        fields.append(_field("field-fy", "Fiscal Year", str(report.fiscal_year), layout))
    return fields


def _article(settings: Settings, report: Report, node_type: str, fields: list[str]) -> str:
    href = attr(absolute(report.detail_path, settings))
    content = ""
    if fields:
        content = '\n   <div class="node__content">\n' + "\n".join(fields) + "\n   </div>"
    return (
        f' <li>\n  <article class="node node--type-{node_type} node--view-mode-teaser">\n'
        f'   <h2 class="node__title"><a href="{href}" rel="bookmark"><span>{esc(report.title)}'
        f"</span></a></h2>{content}\n  </article>\n </li>"
    )


def card(state: SiteState, report: Report, pdf_path: str) -> str:
    """One teaser card with all its fields."""
    return _article(state.settings, report, "report", report_fields(state, report, pdf_path))


def bare_card(state: SiteState, report: Report) -> str:
    """A field-less item (management alert / whistleblower ROI node, spec §5 and [4.2])."""
    node_type = "whistleblower-roi" if report.kind == "whistleblower" else "management-alert"
    return _article(state.settings, report, node_type, [])


def card_list(state: SiteState, rows: list[Report], pdf_of: Callable[[Report], str]) -> str:
    """`ul.usa-list` of cards (also used for the `as_cards` listing layout)."""
    items = "\n".join(card(state, r, pdf_of(r)) for r in rows)
    return f'<ul class="usa-list">\n{items}\n</ul>'


def term_items(state: SiteState, tid: int) -> list[tuple[Report, bool]]:
    """(report, full card?) items of a term page, by node changed desc."""
    term = state.terms[tid]
    members = [r for r in state.reports if not r.removed and _has_term(r, tid, term)]
    members.sort(key=lambda r: (r.changed, r.nid), reverse=True)
    items: list[tuple[Report, bool]] = []
    for report in members:
        if report.kind == "report":
            items.append((report, True))
        if report.kind == "whistleblower" or report.management_alert:
            items.append((report, False))
    return items


def _has_term(report: Report, tid: int, term: Term) -> bool:
    if term.vocabulary == "agency":
        return any(AGENCY_TIDS.get(c) == tid for c in report.components)
    return tid in report.keyword_tids


def render_term(state: SiteState, tid: int, params: list[tuple[str, str]], page_no: int) -> str:
    """A taxonomy term page: heading, description, paged card list."""
    settings = state.settings
    term = state.terms[tid]
    items = term_items(state, tid)
    size = max(1, settings.term_page_size)
    shown, index, last = paginate(items, page_no, size, settings.beyond_last)
    cards = "\n".join(
        card(state, r, r.pdf_path) if full else bare_card(state, r) for r, full in shown
    )
    odd = odd_item_for(settings.odd_pager_item, settings.odd_pager_pages, index)
    description = ""
    if term.description:
        description = (
            f'\n  <div class="taxonomy-term-description"><p>{esc(term.description)}</p></div>'
        )
    content = (
        f'  <h1 class="page-title">{esc(term.name)}</h1>{description}\n'
        '  <div class="view view-taxonomy-term"><div class="view-content">'
        f'<ul class="usa-list">\n{cards}\n</ul></div>\n'
        f"{render_pager(settings.pager, params, index, last, odd)}\n  </div>"
    )
    return page(term.name, content, settings.theme, canonical=f"/taxonomy/term/{tid}")


def render_detail(state: SiteState, report: Report) -> str:
    """The report's node page in full view mode."""
    settings = state.settings
    fields = report_fields(state, report, report.pdf_path)
    node_type = "report" if report.kind == "report" else "whistleblower-roi"
    content = (
        f'  <h1 class="page-title"><span>{esc(report.title)}</span></h1>\n'
        f'  <article class="node node--type-{node_type} node--view-mode-full" '
        f'data-history-node-id="{report.nid}">\n   <div class="node__content">\n'
        + "\n".join(fields)
        + "\n   </div>\n  </article>"
    )
    return page(report.title, content, settings.theme, canonical=report.detail_path)
