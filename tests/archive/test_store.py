"""The PDF archive's store, on both backends: a local folder, and an S3-compatible object store
(moto's standalone server on a loopback port). The same tests run against each."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.s3_server import CREDENTIALS, S3Server, running_s3

from archive.store import Archive, ArchiveError, DamagedPdf, NotArchived, archive_at, open_archive
from config.settings import ConfigError, load_settings
from config.urls import check_archive_url

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
SHA = hashlib.sha256(PDF).hexdigest()


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture(scope="module")
def s3() -> Iterator[S3Server]:
    with pytest.MonkeyPatch.context() as patch, running_s3(patch) as server:
        yield server


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Archive]:
    if request.param == "local":
        yield archive_at(str(tmp_path / "archive"))
        return
    server: S3Server = request.getfixturevalue("s3")
    with pytest.MonkeyPatch.context() as patch:
        for name, value in CREDENTIALS.items():
            patch.setenv(name, value)
        yield archive_at(f"s3://{server.bucket()}/oig/pdfs", server.endpoint_url)


def overwrite(store: Archive, digest: str, data: bytes) -> None:
    """Change a stored object behind the archive's back (a disk fault, a hand edit)."""
    with store.fs.open(store._key(digest), "wb") as out:
        out.write(data)


def test_a_pdf_is_stored_once_under_its_digest(store: Archive) -> None:
    assert not store.has(SHA)
    assert store.put(SHA, PDF) is True
    assert store.has(SHA) and store.get(SHA) == PDF
    assert store.put(SHA, PDF) is False, "already there"
    assert store.path_for(SHA).endswith(f"/pdf/{SHA[:2]}/{SHA}.pdf")
    assert store.path_for(SHA).startswith(store.location)
    assert list(store.verify()) == []


def test_the_layout_is_the_same_on_both_backends(store: Archive) -> None:
    store.put(SHA, PDF)
    keys = [key.removeprefix(store.root) for key in store.fs.find(store.root)]
    assert keys == [f"/pdf/{SHA[:2]}/{SHA}.pdf"], "no sidecar, no temporary file left"


def test_bytes_that_do_not_have_the_digest_are_refused(store: Archive) -> None:
    with pytest.raises(ValueError, match="not " + SHA):
        store.put(SHA, PDF + b"tampered")
    assert not store.has(SHA)
    with pytest.raises(ValueError, match="not a sha256"):
        store.put("../../etc/passwd", PDF)


def test_an_unknown_digest_is_not_archived(store: Archive) -> None:
    with pytest.raises(NotArchived, match="0" * 64):
        store.get("0" * 64)


def test_verify_finds_a_damaged_pdf_and_get_refuses_it(store: Archive) -> None:
    other = b"%PDF-1.7 another report"
    store.put(SHA, PDF)
    store.put(sha(other), other)
    checked: list[str] = []
    assert list(store.verify(checked=checked.append)) == []
    assert sorted(checked) == sorted([SHA, sha(other)])
    overwrite(store, SHA, PDF.replace(b"Catalog", b"Catalag"))
    [problem] = store.verify()
    assert problem.sha256 == SHA and problem.path == store.path_for(SHA)
    assert problem.problem.startswith("damaged: its bytes have sha256 ")
    with pytest.raises(DamagedPdf):
        store.get(SHA)
    assert store.get(sha(other)) == other


def test_verify_names_an_object_that_is_not_named_by_a_digest(store: Archive) -> None:
    store.put(SHA, PDF)
    with store.fs.open(f"{store.root}/pdf/{SHA[:2]}/notes.txt", "wb") as out:
        out.write(b"hello")
    store.fs.makedirs(f"{store.root}/pdf/00", exist_ok=True)
    with store.fs.open(f"{store.root}/pdf/00/{SHA}.pdf", "wb") as out:
        out.write(PDF)
    problems = {p.path.rsplit("/", 2)[-2:][-1]: p.problem for p in store.verify()}
    assert problems == {
        "notes.txt": "not named by a sha256 digest",
        f"{SHA}.pdf": f"in the wrong folder (not {SHA[:2]}/)",
    }


def test_an_empty_archive_verifies(store: Archive) -> None:
    assert list(store.verify()) == []


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=4096))
def test_any_bytes_come_back_as_they_went_in(tmp_path: Path, data: bytes) -> None:
    store = archive_at(str(tmp_path / "any"))
    digest = sha(data)
    store.put(digest, data)
    assert store.get(digest) == data and store.has(digest)


def test_an_unreachable_object_store_is_an_archive_error(
    s3: S3Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    dead = S3Server()
    dead.start()
    endpoint = dead.endpoint_url
    dead.stop()
    store = archive_at("s3://nowhere/pdfs", endpoint, timeout=2)
    for attempt in (
        lambda: store.put(SHA, PDF),
        lambda: store.get(SHA),
        lambda: list(store.verify()),
    ):
        with pytest.raises(ArchiveError) as error:
            attempt()
        assert str(error.value).startswith("archive unreachable: ")
        assert CREDENTIALS["AWS_SECRET_ACCESS_KEY"] not in str(error.value)


def test_the_settings_choose_the_archive(tmp_path: Path, s3: S3Server) -> None:
    local = open_archive(load_settings(environ={"OIGWATCH_DATA_DIR": str(tmp_path)}))
    assert local.location == str(tmp_path / "archive")
    environ = {
        "OIGWATCH_ARCHIVE__URL": "s3://bucket/some/prefix",
        "OIGWATCH_ARCHIVE__ENDPOINT_URL": s3.endpoint_url,
    }
    remote = open_archive(load_settings(environ=environ))
    assert remote.location == "s3://bucket/some/prefix"
    assert remote.path_for(SHA) == f"s3://bucket/some/prefix/pdf/{SHA[:2]}/{SHA}.pdf"
    with pytest.raises(ArchiveError, match="disabled"):
        open_archive(load_settings(environ={"OIGWATCH_ARCHIVE__ENABLED": "false"}))


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("ftp://host/x", "ftp:// is not supported"),
        ("s3://", "names a bucket"),
        ("s3://key:secret@bucket/x", "credentials never go in the URL"),
        ("s3://bucket/x?versionId=1", "names a bucket"),
    ],
)
def test_an_archive_url_that_cannot_be_used_is_a_config_error(url: str, problem: str) -> None:
    with pytest.raises(ConfigError) as error:
        load_settings(environ={"OIGWATCH_ARCHIVE__URL": url})
    assert "archive.url" in str(error.value) and problem in str(error.value)
    assert "secret" not in str(error.value).replace("AWS_SECRET_ACCESS_KEY", "")


@given(url=st.text(max_size=60))
def test_an_archive_url_is_accepted_or_refused_with_a_reason(url: str) -> None:
    try:
        assert check_archive_url(url) == url.strip()
    except ValueError as exc:
        assert str(exc) and "secret" not in str(exc).replace("AWS_SECRET_ACCESS_KEY", "")
