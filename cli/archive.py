"""``oigwatch archive``: the PDF archive, checked (``verify``) and read (``get``)."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import click

from cli.common import UsageFailure, common, open_engine, settings_from
from notifier.console import safe

if TYPE_CHECKING:
    from collections.abc import Iterator

    from archive.store import Archive
    from config.settings import Settings

# fsspec, s3fs, SQLAlchemy and the settings load when a command runs (not for --help)


class ArchiveTrouble(click.ClickException):
    """The archive holds a problem (a damaged or missing PDF): exit 1, the problem named."""

    exit_code = 1


@click.group()
def archive() -> None:
    """Check the PDF archive, or write a stored report PDF out.

    Every distinct PDF of a report is kept once, named by its sha256, in a folder under
    data_dir or in an S3-compatible object store ([archive] in the config; docs/operator-guide.md).
    """


@contextmanager
def _opened(settings: Settings) -> Iterator[Archive]:
    """The configured archive; one that is disabled or cannot be opened exits 2."""
    from archive.store import ArchiveError, open_archive

    try:
        yield open_archive(settings)
    except ArchiveError as exc:
        raise UsageFailure(f"{exc}; check [archive] in the config and the AWS_* variables") from exc


@archive.command("verify")
@common
def verify(config_path: str | None, db_url: str | None) -> None:
    """Re-hash every stored PDF, and check that each one the ledger says is stored is there.

    Exit 0 when all is well; 1 with each problem listed (a damaged or missing PDF); 2 when the
    archive or the ledger cannot be opened.

    Example: oigwatch archive verify
    """
    from archive.store import ArchiveProblem
    from ledger.pdf_versions import stored_digests

    settings = settings_from(config_path, db_url)
    with open_engine(settings) as engine:
        recorded = stored_digests(engine)
    present: set[str] = set()
    with _opened(settings) as store:
        problems = list(_checked(store, present))
        for sha in sorted(recorded - present):
            problems.append(
                ArchiveProblem(sha, store.path_for(sha), "missing (the ledger says it is stored)")
            )
        location = store.location
    for problem in problems:
        click.echo(f"PROBLEM {safe(problem.path)}: {safe(problem.problem)}")
    summary = f"{len(present)} PDFs checked in {safe(location)}"
    if problems:
        raise ArchiveTrouble(f"{summary}: {len(problems)} problems")
    click.echo(f"{summary}: all good")


def _checked(store: Archive, present: set[str]) -> Iterator[Any]:
    """The archive's problems; ``present`` gains every digest found in it."""
    from archive.store import ArchiveError

    try:
        for problem in store.verify(checked=present.add):
            if problem.sha256:
                present.add(problem.sha256)
            yield problem
    except ArchiveError as exc:
        raise UsageFailure(str(exc)) from exc


@archive.command("get")
@common
@click.argument("number", metavar="REPORT")
@click.option("--version", "version", type=click.IntRange(min=1), metavar="N",
              help="Which PDF version (1 is the first seen; default: the latest).")  # fmt: skip
@click.option("-o", "--output", "output", metavar="FILE",
              help="Where to write it ('-': standard output; default: REPORT-vN.pdf here).")  # fmt: skip
@click.option("--source", "source", metavar="NAME",
              help="The source, when the number is in several.")  # fmt: skip
def get(
    config_path: str | None,
    db_url: str | None,
    number: str,
    version: int | None,
    output: str | None,
    source: str | None,
) -> None:
    """Write a stored PDF of a report out, checked against its sha256.

    REPORT is a report number (or key), as `oigwatch report` takes it.

    Example: oigwatch archive get OIG-14-131 --version 1 -o original.pdf
    """
    from archive.store import ArchiveError, NotArchived
    from ledger import queries
    from ledger.pdf_versions import versions

    settings = settings_from(config_path, db_url)
    with open_engine(settings) as engine:
        found = [h for h in queries.report_history(engine, number) if source in (None, h.source)]
        if not found:
            where = f" in source {source!r}" if source else ""
            raise UsageFailure(
                f"no report {number!r}{where} in the ledger (try `oigwatch changes`)"
            )
        if len(found) > 1:
            names = ", ".join(sorted(h.source for h in found))
            raise UsageFailure(
                f"{number!r} is a report of several sources ({names}): name one with --source"
            )
        report = found[0].report
        pdfs = versions(engine, report.id)
    label = report.report_number or report.key
    if not pdfs:
        raise UsageFailure(
            f"no PDF version of {label} recorded yet (its PDF is archived when a crawl fetches it)"
        )
    chosen = pdfs[-1] if version is None else next((v for v in pdfs if v.version == version), None)
    if chosen is None:
        raise UsageFailure(f"{label} has no PDF version {version} (it has 1 to {pdfs[-1].version})")
    if not chosen.stored or not chosen.sha256:
        stored = [v.version for v in pdfs if v.stored]
        hint = f"; stored: version {', '.join(map(str, stored))}" if stored else ""
        raise UsageFailure(
            f"version {chosen.version} of {label} is not in the archive: {chosen.store_reason}{hint}"
        )
    with _opened(settings) as store:
        try:
            data = store.get(chosen.sha256)
        except NotArchived as exc:
            raise ArchiveTrouble(f"{exc} (run `oigwatch archive verify`)") from exc
        except ArchiveError as exc:
            raise ArchiveTrouble(str(exc)) from exc
    if output == "-":
        stream: BinaryIO = sys.stdout.buffer
        stream.write(data)
        stream.flush()
        return
    target = Path(output or f"{_file_name(label)}-v{chosen.version}.pdf")
    try:
        target.write_bytes(data)
    except OSError as exc:
        raise UsageFailure(f"cannot write {target}: {exc.strerror or exc}") from exc
    click.echo(
        f"wrote {target}: version {chosen.version} of {safe(label)}, {len(data)} bytes, sha256 {chosen.sha256}"
    )


def _file_name(label: str) -> str:
    """A report number as a file name (nothing but letters, digits, '-', '_' and '.')."""
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in label).strip(".") or "report"
