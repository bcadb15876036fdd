"""Figure 13: the text of a 150-page report and its page redline against the previous version.

Two versions of a 150-page report (``fixture_site.pdf_pages``: six paragraphs, ~300 words, a
page; a running header, page-number footers; 180 kB) differing in a number on page 41 and a
paragraph added on page 100. What a revision costs in the real flow: the previous version's
text is stored, so only the new PDF is read. Each run is a fresh command,
``python -m benchmarks.pdf_redline --worker OLD.json NEW.pdf``, that loads the stored text and
times ``documents.extract.extract_text`` (its bounded child process: interpreter start, pypdf,
every page) plus ``documents.redline.compare``; the benchmark samples the command's process tree
every 10 ms (``benchmarks.bounded.TreeMemory``: the sum of each process's own peak, ``VmHWM``)
and takes its CPU from ``os.wait4``.

``python -m benchmarks.pdf_redline [--runs N]`` runs this figure alone.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.bounded import SAMPLE_SECONDS, TreeMemory
from benchmarks.common import REPO, Figure, LoadMeter, table

GROUP = "13 PDF text and page redline, 150-page report"
PAGES = 150
GOAL_SECONDS, GOAL_MB = 3.0, 300.0  # issue #13


def build(workdir: Path) -> tuple[Path, Path]:
    """The two versions' PDFs, and the old one's text stored as the ledger would (JSON)."""
    from documents.extract import extract_text
    from fixture_site.pdf_pages import build_report_pdf, report_text

    pages = report_text(PAGES, seed=13, paragraphs=6)
    old_pdf = build_report_pdf(pages)
    pages[40][1] = pages[40][1].replace(" million", " billion", 1) + " The total was $12.6 million."
    pages[99].insert(3, "After our fieldwork ended, the component reported new corrective actions.")
    new_path = workdir / "new.pdf"
    new_path.write_bytes(build_report_pdf(pages))
    old_text = extract_text(old_pdf)
    assert old_text.status == "ok", old_text.reason
    old_json = workdir / "old.json"
    old_json.write_text(json.dumps(old_text.to_json()), encoding="utf-8")
    return old_json, new_path


def worker(old_json: Path, new_pdf: Path) -> None:
    """The measured command: extract the new version, compare it with the stored old text."""
    from documents.extract import PdfText, extract_text
    from documents.redline import compare

    old = PdfText.from_json(json.loads(old_json.read_text(encoding="utf-8")))
    started = time.perf_counter()
    new = extract_text(new_pdf)
    extracted = time.perf_counter()
    changes = compare(old, new)
    done = time.perf_counter()
    print(json.dumps({
        "extract": extracted - started, "compare": done - extracted, "total": done - started,
        "status": new.status, "pages": len(new.pages),
        "line": changes.pages_line() if changes else None,
        "passages": len(changes.passages) if changes else 0,
    }))  # fmt: skip


def measure(old_json: Path, new_pdf: Path) -> dict[str, Any]:
    """One worker command, its tree sampled throughout."""
    argv = [sys.executable, "-m", "benchmarks.pdf_redline", "--worker", str(old_json), str(new_pdf)]
    memory = TreeMemory()
    started = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    while True:
        memory.sample(proc.pid)
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        time.sleep(SAMPLE_SECONDS)
    wall = time.perf_counter() - started
    assert proc.stdout is not None and proc.stderr is not None
    out, err = proc.stdout.read(), proc.stderr.read()
    proc.stdout.close()
    proc.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"the worker failed: {err.decode(errors='replace')[-2000:]}")
    result: dict[str, Any] = json.loads(out)
    result.update(
        wall=wall,
        cpu=usage.ru_utime + usage.ru_stime,  # the command and its reaped extracting child
        tree_peak_mb=sum(memory.peaks_kb.values()) / 1024,
        sampled_mb=memory.sampled_kb / 1024,
        largest_mb=usage.ru_maxrss / 1024,
    )
    return result


def run_pdf_redline(workdir: Path, runs: int) -> tuple[list[Figure], dict[str, Any]]:
    """Figure 13: ``runs`` extractions + comparisons of the 150-page report."""
    workdir = workdir / "pdf_redline"
    workdir.mkdir(exist_ok=True)
    old_json, new_pdf = build(workdir)
    meter = LoadMeter()
    found = []
    for _ in range(runs):
        with meter.measure():
            found.append(measure(old_json, new_pdf))
    line = found[0]["line"]
    right = line == "Changed on pages 41 and 100" and all(r["line"] == line for r in found)
    note = f'"{line}"' if right else f"WRONG: {[r['line'] for r in found]}"
    figures = [
        Figure(GROUP, "extract new version + compare", "s", [r["total"] for r in found],
               GOAL_SECONDS, note=note),
        Figure(GROUP, "  of which extraction (child process)", "s", [r["extract"] for r in found]),
        Figure(GROUP, "  of which compare", "s", [r["compare"] for r in found]),
        Figure(GROUP, "sum of each process's peak (VmHWM)", "MB",
               [r["tree_peak_mb"] for r in found], GOAL_MB),
        Figure(GROUP, "largest process (ru_maxrss)", "MB", [r["largest_mb"] for r in found]),
        Figure(GROUP, "CPU of the command and its child", "s", [r["cpu"] for r in found]),
        Figure(GROUP, "whole command wall (with its own start)", "s", [r["wall"] for r in found]),
        meter.figure(GROUP),
    ]  # fmt: skip
    raw = {"pdf_bytes": new_pdf.stat().st_size, "pages": PAGES, "runs": found}
    return figures, raw


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.pdf_redline", description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--worker", nargs=2, type=Path, metavar=("OLD_JSON", "NEW_PDF"))
    parser.add_argument("--wait-quiet", type=float, default=0.0, metavar="SECONDS")
    parser.add_argument(
        "--output", type=Path, default=REPO / "benchmarks" / "results" / "pdf_redline.json"
    )
    args = parser.parse_args(argv)
    if args.worker:
        worker(*args.worker)
        return 0
    LoadMeter.patience = args.wait_quiet
    with tempfile.TemporaryDirectory(prefix="oigwatch-bench-") as tmp:
        figures, raw = run_pdf_redline(Path(tmp), args.runs)
    print(table(figures))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    raw["figures"] = [f.to_json() for f in figures]
    args.output.write_text(json.dumps(raw, indent=1), encoding="utf-8")
    print(f"raw results: {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
