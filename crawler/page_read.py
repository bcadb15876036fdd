"""How a listing page's answer is read: one rule for the spider and the probe.

A page is known (:func:`known_read`) if this run or an earlier one read it the way its view reads
it now (the same selectors). A ``200`` (:func:`read_answer`) holds the known entries when its
bytes are the very bytes they were parsed from, and is parsed otherwise; either way the read
comes with the validators and digest the page cache stores (when :meth:`CachedPage.replaces`
says the read teaches it something). Requests carry the validators last seen
(:func:`validators`)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping

from crawler.contract import CachedPage, ViewPlan, read_by
from crawler.entry import ParsedPage


def validators(etag: str | None, modified: str | None) -> dict[str, str]:
    """A conditional request's headers for what a page or PDF was last served with."""
    headers = {"If-None-Match": etag} if etag else {}
    return headers | ({"If-Modified-Since": modified} if modified else {})


def known_read(
    url: str, view: ViewPlan, this_run: Mapping[str, CachedPage], before: Mapping[str, CachedPage]
) -> CachedPage | None:
    """The page as last read (this run's read first), if read the way ``view`` reads it now."""
    cached = this_run.get(url) or before.get(url)
    return cached if cached is not None and cached.read_by == read_by(view) else None


def read_answer(
    view: ViewPlan,
    body: bytes,
    etag: str | None,
    modified: str | None,
    known: CachedPage | None,
    parse: Callable[[], ParsedPage],
    redirected: bool = False,
) -> CachedPage:
    """A ``200``'s page as read, with what the page cache would store of it: the known entries
    when the bytes are those they were parsed from (not after a redirect: the links would
    resolve against another URL), else ``parse()``."""
    digest = "" if redirected else hashlib.sha256(body).hexdigest()
    same_bytes = known is not None and digest and known.body_sha256 == digest
    parsed = known.page if same_bytes and known is not None else parse()  # same bytes, same read
    return CachedPage(etag, modified, parsed, read_by(view), digest)
