"""``/archive/<sha256>.pdf``: an archived PDF version served from the archive, on a real local
archive folder and on an S3-compatible server (moto's, on a loopback port): content type,
inline disposition, a strong ETag and 304, 404 for anything but a stored digest, a plain 502
for a damaged copy, 404 with the archive disabled; the app's security headers kept."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from support.harness import write_config
from support.s3_server import S3Server, running_s3
from support.web_server import WebServer

from archive.store import Archive, open_archive
from config.settings import ArchiveConfig, Settings, load_settings
from ledger.db import ensure_schema, make_engine
from web.app import create_app
from web.archived import etag_matches

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
SHA = hashlib.sha256(PDF).hexdigest()


@pytest.fixture(scope="module")
def s3() -> Iterator[S3Server]:
    with pytest.MonkeyPatch.context() as patch, running_s3(patch) as server:
        yield server


@pytest.fixture
def local_settings(tmp_path: Path) -> Settings:
    return load_settings(write_config(tmp_path), environ={})


@pytest.fixture(params=["local", "s3"])
def app_settings(request: pytest.FixtureRequest, local_settings: Settings) -> Iterator[Settings]:
    """The app's settings, its archive a folder under ``data_dir`` or a bucket on moto."""
    if request.param == "local":
        yield local_settings
        return
    server: S3Server = request.getfixturevalue("s3")
    url = f"s3://{server.bucket()}/oig/pdfs"
    archive = ArchiveConfig(url=url, endpoint_url=server.endpoint_url)
    with pytest.MonkeyPatch.context() as patch:
        for name, value in {
            "AWS_ACCESS_KEY_ID": "oigwatch-test-key",
            "AWS_SECRET_ACCESS_KEY": "oigwatch-test-secret",
            "AWS_DEFAULT_REGION": "us-east-1",
        }.items():
            patch.setenv(name, value)
        yield local_settings.model_copy(update={"archive": archive})


def served(settings: Settings, tmp_path: Path) -> Iterator[httpx.Client]:
    engine = make_engine(f"sqlite:///{tmp_path / 'ledger.db'}")
    ensure_schema(engine)
    with (
        WebServer(create_app(settings, engine)) as server,
        httpx.Client(base_url=server.url, timeout=30) as client,
    ):
        yield client
    engine.dispose()


@pytest.fixture
def web(app_settings: Settings, tmp_path: Path) -> Iterator[httpx.Client]:
    yield from served(app_settings, tmp_path)


@pytest.fixture
def store(app_settings: Settings) -> Archive:
    return open_archive(app_settings)


def test_a_stored_pdf_is_served_inline_with_its_digest_as_etag(
    web: httpx.Client, store: Archive
) -> None:
    store.put(SHA, PDF)
    answer = web.get(f"/archive/{SHA}.pdf")
    assert answer.status_code == 200
    assert answer.content == PDF
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.headers["content-disposition"] == f'inline; filename="{SHA}.pdf"'
    assert answer.headers["etag"] == f'"{SHA}"'
    assert "immutable" in answer.headers["cache-control"]
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["x-frame-options"] == "DENY"
    csp = answer.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "object-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    head = web.head(f"/archive/{SHA}.pdf")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == str(len(PDF))


def test_a_matching_if_none_match_is_304(web: httpx.Client, store: Archive) -> None:
    store.put(SHA, PDF)
    for tag in (f'"{SHA}"', f'W/"{SHA}"', f'"other", "{SHA}"', "*"):
        answer = web.get(f"/archive/{SHA}.pdf", headers={"If-None-Match": tag})
        assert answer.status_code == 304, tag
        assert answer.content == b"" and answer.headers["etag"] == f'"{SHA}"'
    other = web.get(f"/archive/{SHA}.pdf", headers={"If-None-Match": '"' + "0" * 64 + '"'})
    assert other.status_code == 200 and other.content == PDF


@pytest.mark.parametrize(
    "name",
    [
        SHA.upper() + ".pdf",
        SHA[:63] + ".pdf",
        SHA + "0.pdf",
        SHA,
        SHA + ".PDF",
        SHA + ".pdf.exe",
        "..%2F..%2Fetc%2Fpasswd",
        "%2E%2E%2Foigwatch.toml",
        "g" * 64 + ".pdf",
    ],
)
def test_only_a_lowercase_digest_is_a_name(web: httpx.Client, store: Archive, name: str) -> None:
    store.put(SHA, PDF)
    answer = web.get("/archive/" + name)
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("text/plain")
    assert PDF not in answer.content


def test_paths_never_reach_the_archive(web: httpx.Client) -> None:
    for path in ("/archive/../oigwatch.toml", f"/archive/{SHA[:2]}/{SHA}.pdf", "/archive/"):
        assert web.get(path).status_code == 404, path


def test_a_digest_not_archived_is_404(web: httpx.Client) -> None:
    answer = web.get(f"/archive/{'0' * 64}.pdf")
    assert answer.status_code == 404
    assert answer.text == "This PDF is not in the archive.\n"
    assert web.get(f"/archive/{'0' * 64}.pdf", headers={"If-None-Match": "*"}).status_code == 404


def test_a_damaged_copy_is_a_plain_502(web: httpx.Client, store: Archive) -> None:
    store.put(SHA, PDF)
    with store.fs.open(store._key(SHA), "wb") as out:  # a disk fault, a hand edit
        out.write(PDF + b"tampered")
    answer = web.get(f"/archive/{SHA}.pdf")
    assert answer.status_code == 502
    assert answer.headers["content-type"].startswith("text/plain")
    assert "damaged" in answer.text and "oigwatch archive verify" in answer.text
    assert b"tampered" not in answer.content


def test_the_archive_disabled_is_404(local_settings: Settings, tmp_path: Path) -> None:
    open_archive(local_settings).put(SHA, PDF)
    disabled = local_settings.model_copy(update={"archive": ArchiveConfig(enabled=False)})
    for web in served(disabled, tmp_path):
        answer = web.get(f"/archive/{SHA}.pdf")
        assert answer.status_code == 404
        assert "not enabled" in answer.text


def test_an_unreachable_object_store_is_503_with_retry_after(
    local_settings: Settings, tmp_path: Path
) -> None:
    archive = ArchiveConfig(url="s3://nowhere/pdfs", endpoint_url="http://127.0.0.1:9", timeout=1.0)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_ACCESS_KEY_ID", "x")
        patch.setenv("AWS_SECRET_ACCESS_KEY", "y")
        patch.setenv("AWS_DEFAULT_REGION", "us-east-1")
        for web in served(local_settings.model_copy(update={"archive": archive}), tmp_path):
            answer = web.get(f"/archive/{SHA}.pdf")
            assert answer.status_code == 503
            assert answer.headers["retry-after"] == "60"
            assert "cannot be read" in answer.text


def test_etag_matching() -> None:
    assert etag_matches(f'"{SHA}"', SHA) and etag_matches(f'W/"{SHA}" , "x"', SHA)
    assert not etag_matches(None, SHA) and not etag_matches(SHA, SHA)
    assert not etag_matches(f'"{SHA[:-1]}"', SHA)


def test_any_name_is_the_pdf_or_a_plain_404(local_settings: Settings, tmp_path: Path) -> None:
    open_archive(local_settings).put(SHA, PDF)
    names = st.text(max_size=80) | st.sampled_from([SHA + ".pdf", SHA.upper() + ".pdf", SHA])

    @settings(max_examples=200, deadline=None)
    @given(name=names)
    @example(name="0/")  # was a 307 to /archive/0 (a trailing slash redirected), not a 404
    @example(name=SHA + ".pdf/")
    @example(name=".")  # a dot segment: sent as %2E, since clients drop "/." (RFC 3986 5.2.4)
    @example(name="..")
    def check(web: httpx.Client, name: str) -> None:
        segment = quote(name, safe="")
        segment = segment.replace(".", "%2E") if segment in (".", "..") else segment
        answer = web.get("/archive/" + segment)
        if name == SHA + ".pdf":
            assert answer.status_code == 200 and answer.content == PDF
        else:
            assert answer.status_code == 404, name
            assert PDF not in answer.content

    for web in served(local_settings, tmp_path):
        check(web)
