"""Multi-page report PDFs at a report's link: the ``set_pdf_document`` op and the bytes it names.

A report whose ``pdf_document`` is set serves that document of ``fixture_site/pdf_pages.py``
instead of its one-page PDF: the 12-page sample report in one of its versions (``original``,
``number``: a number changed on page 3, ``paragraph``: a paragraph added on page 7, ``layout``:
re-typeset, no change in the text), or a hostile file (``bomb``, ``loop``, ``many_pages``).
ETag and Last-Modified change with the bytes, as for ``replace_pdf``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from fixture_site import pdf_pages
from fixture_site.report_ops import MutationError, Op, target, touch
from fixture_site.state import SiteState

VERSIONS = {
    "original": "original",
    "number": "number_changed",
    "paragraph": "paragraph_added",
    "layout": "layout_only",
    "highlights": "with_highlights",
    "highlights_revised": "highlights_revised",
}
HOSTILE: dict[str, Callable[[], bytes]] = {
    "bomb": lambda: pdf_pages.bomb_pdf(inflated_mb=512),  # 512 MB from about 0.5 MB
    "loop": pdf_pages.loop_pdf,
    "many_pages": pdf_pages.many_pages_pdf,
}
DOCUMENTS = (*VERSIONS, *HOSTILE)


@functools.cache
def document_bytes(name: str) -> bytes:
    """The bytes of one named document (built once per process)."""
    if name in VERSIONS:
        return pdf_pages.report_versions()[VERSIONS[name]]
    if name in HOSTILE:
        return HOSTILE[name]()
    raise KeyError(f"no document {name!r}")


def set_pdf_document(state: SiteState, op: Op) -> dict[str, Any]:
    """Serve ``document`` at the report's PDF link (``null``: its one-page PDF again)."""
    report = target(state, op)
    document = op.get("document")
    if document is not None and document not in DOCUMENTS:
        raise MutationError(f"document must be one of {DOCUMENTS} or null")
    if document == report.pdf_document:
        return {"nid": report.nid, "document": document, "pdf_version": report.pdf_version}
    if document is not None:
        document_bytes(document)  # built now (a bomb takes seconds), not while a client waits
    now = touch(state, op)
    report.pdf_document = document
    report.pdf_version += 1
    report.pdf_modified = report.changed = now
    report.snapshot_pdf_caption()
    return {"nid": report.nid, "document": document, "pdf_version": report.pdf_version}


OPS = {"set_pdf_document": set_pdf_document}
