"""Injected HTTP faults (M12): each kind, counts and skips."""

from __future__ import annotations

import httpx
import pytest

from fixture_site import FixtureSite
from tests.fixture_site.fsite_helpers import AUDITS, get, parse_rows


def _fault(site: FixtureSite, **fields: object) -> None:
    site.mutate({"op": "http_fault", **fields})


def test_503_with_retry_after_for_count_requests(client: httpx.Client, site: FixtureSite) -> None:
    _fault(site, match="/reports/", kind="status", status=503, retry_after=7, count=2)
    for _ in range(2):
        response = client.get(AUDITS)
        assert response.status_code == 503 and response.headers["retry-after"] == "7"
    assert client.get(AUDITS).status_code == 200
    assert [e.status for e in site.log] == [503, 503, 200]


@pytest.mark.parametrize("status", [500, 502, 504, 404, 429])
def test_other_statuses(client: httpx.Client, site: FixtureSite, status: int) -> None:
    _fault(site, match="page=1", kind="status", status=status, retry_after=2)
    assert client.get(AUDITS).status_code == 200
    response = client.get(AUDITS, params={"page": 1})
    assert response.status_code == status and response.headers["retry-after"] == "2"


def test_waf_page_and_skip(client: httpx.Client, site: FixtureSite) -> None:
    _fault(site, match="/reports/", kind="status", status=403, body="waf", skip=1, count=-1)
    assert client.get(AUDITS).status_code == 200
    for _ in range(3):
        response = client.get(AUDITS)
        assert response.status_code == 403
        assert "Access Denied" in response.text and "Reference #18." in response.text
    site.mutate({"op": "clear_faults"})
    assert client.get(AUDITS).status_code == 200


def test_delay_past_the_client_timeout(client: httpx.Client, site: FixtureSite) -> None:
    _fault(site, match="page=3", kind="delay", seconds=0.6)
    with pytest.raises(httpx.ReadTimeout):
        client.get(AUDITS, params={"page": 3}, timeout=0.2)
    assert get(client, AUDITS, page=3).status_code == 200


def test_reset_closes_without_a_response(site: FixtureSite) -> None:
    _fault(site, match="/reports/", kind="reset")
    with httpx.Client(base_url=site.base_url, timeout=2, verify=False) as fresh:
        with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
            fresh.get(AUDITS)
        assert fresh.get(AUDITS).status_code == 200
    assert site.log[0].status == 0


def test_truncated_body(site: FixtureSite) -> None:
    _fault(site, match=".pdf", kind="truncate")
    with httpx.Client(base_url=site.base_url, timeout=2, verify=False) as fresh:
        href = parse_rows(get(fresh, AUDITS).text)[0].href
        with pytest.raises(httpx.RemoteProtocolError):
            fresh.get(href)
        assert fresh.get(href).content.startswith(b"%PDF")


def test_redirects(client: httpx.Client, site: FixtureSite) -> None:
    _fault(site, match="/reports/", kind="redirect", count=1)
    response = client.get(AUDITS, headers={"Host": "www.oig.dhs.gov"})
    assert response.status_code == 301
    assert response.headers["location"] == "https://oig.dhs.gov" + AUDITS
    _fault(site, match="/reports/", kind="redirect", status=302, location="/user/login")
    response = client.get(AUDITS)
    assert response.status_code == 302 and response.headers["location"] == "/user/login"
    _fault(site, match="/reports/", kind="redirect_loop", count=-1)
    with pytest.raises(httpx.TooManyRedirects):
        client.get(AUDITS, follow_redirects=True)


def test_html_at_pdf(client: httpx.Client, site: FixtureSite) -> None:
    href = parse_rows(get(client, AUDITS).text)[0].href
    _fault(site, match=".pdf", kind="html_at_pdf")
    response = client.get(href)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert not response.content.startswith(b"%PDF")
