"""The PDF archive end to end: the real CLI crawling the fixture site, on SQLite and PostgreSQL,
with the archive in a local folder and in an S3-compatible store (moto's server on loopback).

A replaced PDF leaves two versions, both archived; `archive verify` passes until a stored PDF is
damaged; `archive get` writes either version out; an archive that cannot be reached costs
nothing but time (the run is recorded, the reason noted, the spooled PDF kept for the next run);
a PDF over the size cap is recorded as refused."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text
from support.harness import Oigwatch, write_config
from support.s3_server import S3Server, running_s3

from archive.spool import waiting
from archive.store import Archive
from cli.main import main
from fixture_site import FixtureSite, build_state
from fixture_site.pdf import build_pdf
from ledger.db import normalize_url


@pytest.fixture
def site() -> Iterator[FixtureSite]:
    """A small site (40 reports): every PDF is fetched by the baseline."""
    with FixtureSite(build_state(n_reports=40, seed=5)) as running:
        running.mutate({"op": "tie_shuffle", "mode": "stable"})
        yield running


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[S3Server]:
    with running_s3(monkeypatch) as server:
        yield server


@pytest.fixture(params=["local", "s3"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The [archive] section of the config ("": the default folder under data_dir)."""
    if request.param == "local":
        return ""
    server: S3Server = request.getfixturevalue("s3")
    return s3_section(server)


def s3_section(server: S3Server) -> str:
    return (
        f'\n[archive]\nurl = "s3://{server.bucket()}/oigwatch"\n'
        f'endpoint_url = "{server.endpoint_url}"\ntimeout = 2\n'
    )


def oigwatch_with(site: FixtureSite, db_url: str, tmp_path: Path, section: str) -> Oigwatch:
    return Oigwatch(site, db_url, write_config(tmp_path, extra=section))


def command(ow: Oigwatch, *argv: str) -> Any:
    """``oigwatch archive ...`` with the harness's config and ledger."""
    args = [*argv, "--config", str(ow.config), "--db", ow.db_url]
    return CliRunner().invoke(main, ["archive", *args], catch_exceptions=False)


def the_archive(ow: Oigwatch) -> Archive:
    from archive.store import open_archive
    from config.settings import load_settings

    return open_archive(load_settings(ow.config, environ={}))


def versions(db_url: str, number: str) -> list[dict[str, Any]]:
    engine = create_engine(normalize_url(db_url))
    query = text(
        "select v.version, v.sha256, v.length, v.stored, v.store_reason, v.url"
        " from pdf_versions v join reports r on r.id = v.report_id"
        " where r.report_number = :number order by v.version"
    )
    try:
        with engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(query, {"number": number})]
    finally:
        engine.dispose()


def counts(db_url: str) -> dict[str, int]:
    """Reports holding a PDF digest; version rows, stored ones, distinct stored digests."""
    queries = {
        "reports": "select count(*) from reports where pdf_sha256 is not null",
        "versions": "select count(*) from pdf_versions",
        "stored": "select count(*) from pdf_versions where stored",
        "digests": "select count(distinct sha256) from pdf_versions where stored",
    }
    engine = create_engine(normalize_url(db_url))
    try:
        with engine.connect() as conn:
            return {name: int(conn.execute(text(q)).scalar_one()) for name, q in queries.items()}
    finally:
        engine.dispose()


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def spool_of(ow: Oigwatch) -> Path:
    return ow.config.parent / "spool" / "dhs-oig"


def a_report(site: FixtureSite) -> Any:
    return next(r for r in site.state.reports if r.report_number and r.pdf_path)


def test_a_replaced_pdf_is_kept_in_both_versions(
    site: FixtureSite, db_url: str, tmp_path: Path, backend: str
) -> None:
    ow = oigwatch_with(site, db_url, tmp_path, backend)
    assert ow.crawl("--deep", "--pdf-checks", "all") == []  # the baseline fetches every PDF
    baseline = counts(db_url)
    assert baseline["reports"] > 30
    assert baseline["versions"] == baseline["stored"] == baseline["reports"]
    report = a_report(site)
    original = build_pdf(report)
    site.mutate({"op": "replace_pdf", "report_number": report.report_number})
    replaced = build_pdf(report)
    assert replaced != original
    events = ow.crawl("--deep", "--pdf-checks", "all")
    [revised] = [e for e in events if e["report_number"] == report.report_number]
    assert revised["kind"] == "revised"
    rows = versions(db_url, report.report_number)
    assert [(r["version"], r["sha256"], r["length"], r["stored"]) for r in rows] == [
        (1, sha(original), len(original), True),
        (2, sha(replaced), len(replaced), True),
    ]
    archive = the_archive(ow)
    assert archive.get(sha(original)) == original and archive.get(sha(replaced)) == replaced
    assert waiting(spool_of(ow)) == {}, "the spool is emptied once the archive holds them"

    checked = command(ow, "verify")
    assert checked.exit_code == 0, checked.output
    assert checked.output.strip().endswith(
        f"{baseline['digests'] + 1} PDFs checked in {archive.location}: all good"
    )

    old = tmp_path / "old.pdf"
    got = command(ow, "get", report.report_number, "--version", "1", "-o", str(old))
    assert got.exit_code == 0, got.output
    assert old.read_bytes() == original and "version 1" in got.output
    latest = command(ow, "get", report.report_number, "-o", "-")
    assert latest.exit_code == 0 and latest.stdout_bytes == replaced

    with archive.fs.open(archive._key(sha(original)), "wb") as damaged:
        damaged.write(original.replace(b"PDF version", b"PDF versi0n"))
    failed = command(ow, "verify")
    assert failed.exit_code == 1
    assert (
        f"PROBLEM {archive.path_for(sha(original))}: damaged: its bytes have sha256"
        in failed.output
    )
    assert "1 problems" in failed.output
    refused = command(ow, "get", report.report_number, "--version", "1", "-o", str(old))
    assert refused.exit_code == 1 and "damaged" in refused.output


def test_a_pdf_missing_from_the_archive_fails_verify(
    site: FixtureSite, db_url: str, tmp_path: Path
) -> None:
    ow = oigwatch_with(site, db_url, tmp_path, "")
    ow.crawl("--deep", "--pdf-checks", "all")
    report = a_report(site)
    archive = the_archive(ow)
    path = Path(archive.path_for(sha(build_pdf(report))))
    path.unlink()
    failed = command(ow, "verify")
    assert failed.exit_code == 1
    assert f"PROBLEM {path}: missing (the ledger says it is stored)" in failed.output


def test_archive_get_names_what_it_cannot_find(
    site: FixtureSite, db_url: str, tmp_path: Path
) -> None:
    ow = oigwatch_with(site, db_url, tmp_path, "")
    ow.crawl("--deep", "--pdf-checks", "all")
    report = a_report(site)
    unknown = command(ow, "get", "OIG-99-99")
    assert unknown.exit_code == 2 and "no report 'OIG-99-99' in the ledger" in unknown.output
    no_version = command(ow, "get", report.report_number, "--version", "7")
    assert no_version.exit_code == 2
    assert f"{report.report_number} has no PDF version 7 (it has 1 to 1)" in no_version.output
    bad = command(ow, "get", report.report_number, "--version", "0")
    assert bad.exit_code == 2


def test_an_unreachable_archive_loses_nothing(
    site: FixtureSite, db_url: str, tmp_path: Path, s3: S3Server
) -> None:
    ow = oigwatch_with(site, db_url, tmp_path, s3_section(s3))
    ow.crawl("--deep", "--pdf-checks", "all")
    report = a_report(site)
    site.mutate({"op": "replace_pdf", "report_number": report.report_number})
    replaced = build_pdf(report)
    s3.stop()
    events = ow.crawl("--deep", "--pdf-checks", "all")  # exit 0: the run is not failed
    assert [e["kind"] for e in events if e["report_number"] == report.report_number] == ["revised"]
    latest = versions(db_url, report.report_number)[-1]
    assert (latest["version"], latest["sha256"], latest["stored"]) == (2, sha(replaced), False)
    assert latest["store_reason"].startswith("archive unreachable: ")
    assert "oigwatch-test-secret" not in latest["store_reason"]
    assert set(waiting(spool_of(ow))) == {sha(replaced)}, "kept for the next run"
    s3.start()  # the same port, the same buckets
    assert ow.crawl("--quick") == []  # nothing new on the site: the next run stores it
    latest = versions(db_url, report.report_number)[-1]
    assert (latest["version"], latest["stored"], latest["store_reason"]) == (2, True, None)
    assert waiting(spool_of(ow)) == {}
    assert the_archive(ow).get(sha(replaced)) == replaced
    checked = command(ow, "verify")
    assert checked.exit_code == 0, checked.output


def test_a_pdf_over_the_size_cap_is_recorded_not_fatal(
    site: FixtureSite, db_url: str, tmp_path: Path
) -> None:
    ow = oigwatch_with(site, db_url, tmp_path, "")
    ow.crawl("--deep", "--pdf-checks", "all")
    added = site.mutate({"op": "add_report", "components": ["ICE"]})
    site.mutate({"op": "http_fault", "match": added["pdf_path"], "kind": "endless", "count": -1})
    [new] = ow.crawl("--quick")
    assert (new["kind"], new["report_number"]) == ("new", added["report_number"])
    [refused] = versions(db_url, added["report_number"])
    assert (refused["version"], refused["sha256"], refused["stored"]) == (1, None, False)
    assert refused["store_reason"].startswith("larger than max_pdf_bytes: response larger than")
    got = command(ow, "get", added["report_number"])
    assert got.exit_code == 2 and "is not in the archive: larger than max_pdf_bytes" in got.output


def test_a_disabled_archive_keeps_nothing(site: FixtureSite, db_url: str, tmp_path: Path) -> None:
    ow = oigwatch_with(site, db_url, tmp_path, "\n[archive]\nenabled = false\n")
    ow.crawl("--deep", "--pdf-checks", "all")
    assert counts(db_url)["versions"] == 0 and counts(db_url)["reports"] > 30
    assert not (tmp_path / "spool").exists() and not (tmp_path / "archive").exists()
    result = command(ow, "verify")
    assert result.exit_code == 2 and "disabled" in result.output


def test_the_config_names_no_secret(tmp_path: Path) -> None:
    """The crawl job carries the spool folder, never the archive's URL or credentials."""
    from config.settings import load_settings
    from crawler.check import Check, CheckOptions, build_job
    from ledger.db import ensure_schema, make_engine
    from ledger.store import Ledger

    settings = load_settings(
        write_config(tmp_path, extra='\n[archive]\nurl = "s3://b/p"\n'), environ={}
    )
    engine = make_engine(f"sqlite:///{tmp_path}/l.db")
    ensure_schema(engine)
    check = Check.open(Ledger(engine), settings, settings.sources[0], CheckOptions(sweep="deep"))
    job = json.dumps(build_job(check).to_json())
    engine.dispose()
    assert f'"spool_dir": "{tmp_path}/spool/dhs-oig"' in job
    assert "s3://" not in job and "AWS" not in job
