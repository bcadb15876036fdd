"""The `validators` setting: a site that sends no validators, or sends them and ignores them."""

from __future__ import annotations

import httpx
import pytest

from fixture_site import FixtureSite, MutationError
from tests.fixture_site.fsite_helpers import AUDITS, get, parse_rows

EXAMPLE = "/example-oig/reports"


def _conditional(client: httpx.Client, path: str) -> tuple[httpx.Response, httpx.Response]:
    first = get(client, path)
    tags = {"If-None-Match": first.headers.get("etag", '"x"'),
            "If-Modified-Since": first.headers.get("last-modified", "Tue, 01 Jan 2030 00:00:00 GMT")}  # fmt: skip
    return first, client.get(path, headers=tags)


def test_omitted_validators_give_no_headers_and_no_304(
    client: httpx.Client, site: FixtureSite
) -> None:
    pdf = parse_rows(get(client, AUDITS).text)[0].href
    site.mutate({"op": "set", "validators": "omit"})
    for path in (AUDITS, EXAMPLE, pdf):
        first, again = _conditional(client, path)
        assert "etag" not in first.headers and "last-modified" not in first.headers, path
        assert again.status_code == 200 and again.content == first.content, path


def test_ignored_validators_are_sent_but_never_answer_304(
    client: httpx.Client, site: FixtureSite
) -> None:
    pdf = parse_rows(get(client, AUDITS).text)[0].href
    site.mutate({"op": "set", "validators": "ignore"})
    for path in (AUDITS, EXAMPLE, pdf):
        first, again = _conditional(client, path)
        assert first.headers["etag"] == again.headers["etag"], path
        assert again.status_code == 200 and again.content == first.content, path
    site.mutate({"op": "set", "validators": "send"})
    assert _conditional(client, AUDITS)[1].status_code == 304


def test_an_unknown_validators_mode_is_refused(site: FixtureSite) -> None:
    with pytest.raises(MutationError):
        site.mutate({"op": "set", "validators": "sometimes"})
