"""Archived PDF versions: ``/archive/<sha256>.pdf`` serves a stored PDF from the archive.

Only a name of 64 lowercase hex digits and ``.pdf`` is looked up (anything else is 404 before
the archive is touched, so no request can name a path). The answer is the stored bytes, checked
against their digest by ``archive.store.Archive.get``: ``application/pdf``, shown inline, with a
strong ETag (the sha256: a version never changes) and ``304`` for a matching ``If-None-Match``.
Not archived, or the archive disabled: 404. A stored file whose bytes no longer match its digest:
502 (the copy is bad, not the request; ``oigwatch archive verify`` names it). The archive not
reachable: 503 with ``Retry-After``. Errors are plain text.

The app's security headers stay (``web/middleware.py``); only the Content-Security-Policy of
a PDF is its own, the app's with ``object-src 'self'``, so a browser's built-in PDF viewer may
show it (the app's ``default-src 'none'`` blocks the viewer in some browsers).
"""

from __future__ import annotations

import logging
import re
import threading

from fastapi import APIRouter, HTTPException, Request, Response

from archive.store import Archive, ArchiveError, DamagedPdf, NotArchived, open_archive
from web.context import WebContext
from web.middleware import CSP

log = logging.getLogger(__name__)
PREFIX = "/archive/"
PDF_NAME = re.compile(r"([0-9a-f]{64})\.pdf")
PDF_CSP = CSP + "; object-src 'self'"
CACHE = "public, max-age=31536000, immutable"  # content-addressed: a name's bytes never change
NOT_FOUND = "No archived PDF has this name (/archive/<sha256>.pdf, 64 lowercase hex digits)."
NOT_ARCHIVED = "This PDF is not in the archive."
DISABLED = "The PDF archive is not enabled on this server."
DAMAGED = (
    "The archived copy of this PDF is damaged: its bytes no longer match its sha256. "
    "An operator can find it with `oigwatch archive verify`."
)
UNREACHABLE = "The PDF archive cannot be read right now; try again shortly."
RETRY_AFTER = {"Retry-After": "60"}


def etag_matches(header: str | None, sha256: str) -> bool:
    """Whether an ``If-None-Match`` header names this version (weak comparison, as RFC 9110
    asks for ``If-None-Match``; ``*`` matches any stored version)."""
    if not header:
        return False
    for tag in header.split(","):
        tag = tag.strip()
        if tag == "*" or tag.removeprefix("W/") == f'"{sha256}"':
            return True
    return False


def router(ctx: WebContext) -> APIRouter:
    """The route of archived PDFs (left out of the OpenAPI schema)."""
    pdfs = APIRouter(include_in_schema=False)
    opened: list[Archive] = []  # the archive, opened on first use and kept
    lock = threading.Lock()

    def archive() -> Archive:
        if not ctx.settings.archive.enabled:
            raise HTTPException(404, DISABLED)
        with lock:
            if not opened:
                try:
                    opened.append(open_archive(ctx.settings))
                except ArchiveError as exc:
                    log.warning("the PDF archive cannot be opened: %s", exc)
                    raise HTTPException(503, UNREACHABLE, headers=RETRY_AFTER) from None
            return opened[0]

    @pdfs.get(PREFIX + "{name:path}")  # any name, slashes too: a 404 here, never a redirect
    def archived(name: str, request: Request) -> Response:
        match = PDF_NAME.fullmatch(name)
        if match is None:
            raise HTTPException(404, NOT_FOUND)
        sha256 = match.group(1)
        store = archive()
        headers = {"ETag": f'"{sha256}"', "Cache-Control": CACHE}
        try:
            if etag_matches(request.headers.get("if-none-match"), sha256):
                if not store.has(sha256):
                    raise HTTPException(404, NOT_ARCHIVED)
                return Response(status_code=304, headers=headers)
            data = store.get(sha256)
        except NotArchived:
            raise HTTPException(404, NOT_ARCHIVED) from None
        except DamagedPdf as exc:
            log.error("%s", exc)
            raise HTTPException(502, DAMAGED) from None
        except ArchiveError as exc:
            log.warning("the PDF archive cannot be read: %s", exc)
            raise HTTPException(503, UNREACHABLE, headers=RETRY_AFTER) from None
        headers["Content-Disposition"] = f'inline; filename="{sha256}.pdf"'
        headers["Content-Security-Policy"] = PDF_CSP
        return Response(data, media_type="application/pdf", headers=headers)

    return pdfs
