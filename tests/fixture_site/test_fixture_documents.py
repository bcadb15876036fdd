"""``set_pdf_document``: a report's link serves the multi-page report PDFs of pdf_pages.py (its
versions and hostile files), with validators that change with the bytes and 304s as before."""

from __future__ import annotations

import httpx
import pytest

from fixture_site import FixtureSite, MutationError, SiteState
from fixture_site.document_ops import DOCUMENTS, document_bytes
from fixture_site.pdf_pages import report_versions
from tests.fixture_site.fsite_helpers import get


def a_report(site: FixtureSite) -> tuple[str, str]:
    report = next(r for r in site.state.reports if r.report_number and not r.removed)
    assert report.report_number
    return report.report_number, report.pdf_path


def test_each_version_of_the_sample_report_is_served_at_the_link(
    client: httpx.Client, site: FixtureSite
) -> None:
    number, path = a_report(site)
    one_page = get(client, path).content
    versions = report_versions()
    expected = {"original": "original", "number": "number_changed",
                "paragraph": "paragraph_added", "layout": "layout_only"}  # fmt: skip
    etags = {get(client, path).headers["etag"]}
    for document, version in expected.items():
        result = site.mutate({"op": "set_pdf_document", "report_number": number,
                              "document": document})  # fmt: skip
        assert result["document"] == document
        response = get(client, path)
        assert response.content == versions[version]
        etags.add(response.headers["etag"])
    assert len(etags) == 5, "ETag changes with the bytes"
    site.mutate({"op": "set_pdf_document", "report_number": number, "document": None})
    assert get(client, path).content[:200] == one_page[:200]  # its one-page PDF again


def test_validators_move_with_the_document_and_304_as_before(
    client: httpx.Client, site: FixtureSite
) -> None:
    number, path = a_report(site)
    site.mutate({"op": "set_pdf_document", "report_number": number, "document": "original"})
    first = get(client, path)
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304
    unchanged = site.mutate(
        {"op": "set_pdf_document", "report_number": number, "document": "original"}
    )
    assert client.get(path, headers={"If-None-Match": etag}).status_code == 304
    assert unchanged["pdf_version"] == site.state.find(number).pdf_version
    site.mutate({"op": "set_pdf_document", "report_number": number, "document": "number"})
    changed = client.get(path, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag and changed.headers["last-modified"] != modified
    assert client.get(path, headers={"If-Modified-Since": modified}).status_code == 200


def test_hostile_documents_are_served_and_the_state_round_trips(
    client: httpx.Client, site: FixtureSite, state: SiteState
) -> None:
    number, path = a_report(site)
    for document in ("loop", "many_pages", "bomb"):
        site.mutate({"op": "set_pdf_document", "report_number": number, "document": document})
        body = get(client, path).content
        assert body == document_bytes(document) and body.startswith(b"%PDF-")
    assert SiteState.from_json(site.state.to_json()).find(number).pdf_document == "bomb"


def test_a_bad_document_is_refused(site: FixtureSite) -> None:
    number, _ = a_report(site)
    with pytest.raises(MutationError, match="document must be one of"):
        site.mutate({"op": "set_pdf_document", "report_number": number, "document": "scan"})
    with pytest.raises(MutationError):
        site.mutate({"op": "set_pdf_document", "report_number": "NO-SUCH", "document": "number"})
    assert set(DOCUMENTS) >= {"original", "number", "paragraph", "layout", "bomb", "loop"}
