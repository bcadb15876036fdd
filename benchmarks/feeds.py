"""Figure 8: rendering 10,000 change events into Atom, RSS 2.0 and JSON Feed (web/feeds.py).

The events are synthetic, in the shape of ``ledger.queries.event_json`` (the documented
``--json`` event format): half ``new``, a quarter ``revised`` with ``changes`` lists (title, summary
with both texts, issue date, PDF link and bytes, components) and labels gained or lost, some
``removed`` / ``restored``, and the ops kinds (unhealthy / recovered / bulk hold). Titles and
summaries come from the real records of the fixture site (``fixture_site/data``), joined to about
600 characters, so they carry the site's curly quotes and dashes.

Each format is measured in a fresh process (``python -m benchmarks.feeds --child FORMAT``), so the
heap of earlier figures does not slow the garbage collector: first the memory a render adds (the
process's peak RSS reset through ``/proc/self/clear_refs`` just before, after a warm-up on 100
events), then ``runs`` timed renders of all 10,000 (wall and CPU seconds). Each output is checked:
it parses (lxml, json) with exactly 10,000 entries, newest first.

``python -m benchmarks.feeds`` runs this figure alone (``make bench`` runs it with the others).
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks.common import REPO, Figure, LoadMeter, status_mb, table

EVENTS = 10_000
FORMATS = ("atom", "rss", "json")
GOAL_SECONDS = 0.5  # issue #4 §5
URL = "http://127.0.0.1:8080/feeds/changes"
RECORDS = REPO / "fixture_site" / "data" / "dhs_oig_records.jsonl"
COMPONENTS = ("CBP", "FEMA", "ICE", "MGMT", "TSA", "USCIS", "USCG", "USSS", "Others", "CISA")
KINDS = (
    ("new", 50),
    ("revised", 25),
    ("removed", 5),
    ("restored", 5),
    ("source_unhealthy", 5),
    ("source_recovered", 5),
    ("bulk_hold", 5),
)


def _texts(rng: random.Random) -> tuple[list[str], list[str]]:
    """The fixture site's real titles, and summaries of 400-800 characters made of real ones."""
    records = [json.loads(line) for line in RECORDS.read_text(encoding="utf-8").splitlines()]
    titles = [r["title"] for r in records if r.get("title")]
    pieces = [r["summary"] for r in records if r.get("summary")]
    summaries = []
    for _ in range(500):
        target, text = rng.randint(400, 800), ""
        while len(text) < target:
            text = f"{text} {rng.choice(pieces)}".strip()
        summaries.append(text[:target].rsplit(" ", 1)[0] + ".")
    return titles, summaries


def _changes(rng: random.Random, title: str, summary: str, other: str) -> list[dict[str, Any]]:
    """One to three changes of a revised report, as crawler/events.py writes them."""
    options: list[dict[str, Any]] = [
        {"field": "title", "old": title, "new": f"{title} (Revised)"},
        {"field": "summary", "old": other, "new": summary},
        {"field": "issue_date", "old": "2023-10-20", "new": "2023-10-23"},
        {
            "field": "pdf_url",
            "old": "/sites/default/files/a.pdf",
            "new": "/sites/default/files/b.pdf",
        },
        {"field": "pdf_content", "old": "9f2c" * 16, "new": "41d8" * 16},
        {"field": "components", "old": ["CBP"], "new": ["CBP", "ICE"]},
    ]
    return rng.sample(options, rng.randint(1, 3))


def events(count: int = EVENTS, seed: int = 1) -> list[dict[str, Any]]:
    """``count`` events shaped like ``event_json``, oldest first, detected in runs of 1-40."""
    rng = random.Random(seed)
    titles, summaries = _texts(rng)
    kinds = [kind for kind, _ in KINDS]
    weights = [weight for _, weight in KINDS]
    moment = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    found: list[dict[str, Any]] = []
    while len(found) < count:
        moment += timedelta(minutes=rng.choice((10, 10, 10, 360)))
        for _ in range(min(rng.randint(1, 40), count - len(found))):
            found.append(_event(rng, len(found) + 1, rng.choices(kinds, weights)[0], moment,
                                titles, summaries))  # fmt: skip
    return found


def _event(
    rng: random.Random,
    event_id: int,
    kind: str,
    moment: datetime,
    titles: list[str],
    summaries: list[str],
) -> dict[str, Any]:
    base: dict[str, Any] = {"event_id": event_id, "kind": kind, "source": "dhs-oig",
                            "status": "published"}  # fmt: skip
    if kind.startswith("source_") or kind == "bulk_hold":
        empty = dict.fromkeys(("report_number", "title", "url", "issue_date", "fiscal_year",
                               "components", "summary", "labels"))  # fmt: skip
        extra: dict[str, Any] = {"reason": "HTTP 503 at 13 pages, e.g. /reports/audits?page=3"}
        if kind == "bulk_hold":
            numbers = [f"OIG-26-{n:02d}" for n in range(1, 31)]
            extra = {"held": 30, "limit": 25, "report_numbers": numbers}
        return {**base, **empty, "changes": [], "detected_at": moment.isoformat(), **extra}
    year = rng.randint(10, 26)
    number = f"OIG-{year:02d}-{rng.randint(1, 140):02d}"
    title = rng.choice(titles)
    summary = rng.choice(summaries)
    components = rng.sample(COMPONENTS, 2 if rng.random() < 0.1 else 1)
    labels: list[str] = rng.sample(["revised", "redacted", "management_alert"], rng.randint(0, 1))
    changes: list[dict[str, Any]] = []
    gained: list[str] = []
    if kind == "revised":
        changes = _changes(rng, title, summary, rng.choice(summaries))
        gained = ["revised"] if any(c["field"] == "title" for c in changes) else []
    elif kind == "restored":
        changes = [{"field": "pdf_url", "old": None, "new": f"/sites/default/files/{number}.pdf"}]
    return {
        **base,
        "report_number": number,
        "title": title,
        "url": f"https://www.oig.dhs.gov/sites/default/files/assets/20{year}-10/{number}-Oct{year}.pdf",
        "issue_date": f"20{year}-10-20",
        "fiscal_year": f"20{year}",
        "components": components,
        "summary": summary,
        "labels": sorted({*labels, *gained}),
        "changes": changes,
        "detected_at": moment.isoformat(),
        "report_key": number,
        "detail_url": None,
        "labels_gained": gained,
        "labels_lost": [],
    }


# -- the child: one format in a fresh process ----------------------------------------------------


def _render(kind: str) -> Any:
    from web import feeds

    return {"atom": feeds.atom_feed, "rss": feeds.rss_feed, "json": feeds.json_feed}[kind]


def _check(kind: str, output: bytes, sample: list[dict[str, Any]]) -> str:
    """'' when the output is a valid feed of every event, newest first; else what is wrong."""
    if kind == "json":
        ids = [item["id"] for item in json.loads(output)["items"]]
    else:
        from lxml import etree

        root = etree.fromstring(output)
        path = "{*}entry/{*}id" if kind == "atom" else "channel/item/guid"
        ids = [node.text for node in root.iterfind(path)]
    newest_first = sorted(sample, key=lambda e: (e["detected_at"], e["event_id"]), reverse=True)
    expected = [f"urn:oigwatch:event:{e['event_id']}" for e in newest_first]
    return "" if ids == expected else f"{len(ids)} entries, expected {len(expected)} in order"


def _reset_peak() -> bool:
    """Reset this process's peak RSS (VmHWM) to its current RSS (Linux ≥ 4.0)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def child(kind: str, runs: int, count: int, wait_quiet: float) -> dict[str, Any]:
    """Memory of one render, then ``runs`` timed renders, of ``count`` events into ``kind``."""
    LoadMeter.patience = wait_quiet
    render = _render(kind)
    sample = events(count)
    render(sample[:100], f"{URL}.{kind}")  # imports, lazy set-up
    gc.collect()
    reset = _reset_peak()
    before = status_mb("VmRSS")
    output = render(sample, f"{URL}.{kind}")
    peak = status_mb("VmHWM") - before
    size = len(output)
    problem = _check(kind, output, sample)
    del output
    meter, wall, cpu = LoadMeter(), [], []
    for _ in range(runs):
        gc.collect()
        with meter.measure():
            started, cpu_started = time.perf_counter(), time.process_time()
            render(sample, f"{URL}.{kind}")
            wall.append(time.perf_counter() - started)
            cpu.append(time.process_time() - cpu_started)
    return {"format": kind, "events": count, "wall": wall, "cpu": cpu, "load": meter.samples,
            "peak_added_mb": peak if reset else None, "rss_before_mb": before, "bytes": size,
            "problem": problem, "patience_left": LoadMeter.patience}  # fmt: skip


# -- the parent ----------------------------------------------------------------------------------


def run_feeds(runs: int, count: int = EVENTS) -> tuple[list[Figure], dict[str, Any]]:
    """Figure 8: each format in its own process; wall, CPU, memory, size."""
    figures: list[Figure] = []
    raw: dict[str, Any] = {}
    for kind in FORMATS:
        print(f"8: rendering {count:,} events as {kind}, {runs} runs ...", flush=True)
        argv = [sys.executable, "-m", "benchmarks.feeds", "--child", kind, "--runs", str(runs),
                "--events", str(count), "--wait-quiet", str(max(LoadMeter.patience, 0.0))]  # fmt: skip
        done = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"feeds benchmark ({kind}) failed:\n{done.stderr}")
        found = json.loads(done.stdout.strip().splitlines()[-1])
        raw[kind] = found
        LoadMeter.patience = found.pop("patience_left")  # the child waited for quiet on our behalf
        group = f"8 feed rendering, {count:,} events, {kind}"
        note = f"output {found['bytes'] / 1e6:.1f} MB" + (
            f"; WRONG: {found['problem']}" if found["problem"] else "; valid, newest first"
        )
        figures.append(Figure(group, "wall", "s", found["wall"], goal=GOAL_SECONDS, note=note))
        figures.append(Figure(group, "CPU", "s", found["cpu"]))
        peak = found["peak_added_mb"]
        memory = Figure(group, "peak RSS added by one render", "MB", [] if peak is None else [peak])
        memory.note = "" if peak is not None else "(clear_refs unavailable)"
        figures.append(memory)
        load = Figure(group, "load of other processes", "cores", found["load"])
        busy = [s for s in found["load"] if s > 0.25]
        load.note = (
            f"(machine shared: {len(busy)} of {len(found['load'])} runs disturbed)" if busy else ""
        )
        figures.append(load)
    return figures, raw


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.feeds", description=__doc__)
    parser.add_argument("--runs", type=int, default=5, help="timed renders per format (default 5)")
    parser.add_argument("--events", type=int, default=EVENTS, help="events per feed")
    parser.add_argument("--wait-quiet", type=float, default=0.0, metavar="SECONDS")
    parser.add_argument("--child", choices=FORMATS, help=argparse.SUPPRESS)
    parser.add_argument(
        "--output", type=Path, default=REPO / "benchmarks" / "results" / "feeds.json"
    )
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.runs, args.events, args.wait_quiet)))
        return 0
    LoadMeter.patience = args.wait_quiet
    figures, raw = run_feeds(args.runs, args.events)
    print()
    print(table(figures))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    raw["figures"] = [f.to_json() for f in figures]
    args.output.write_text(json.dumps(raw, indent=1), encoding="utf-8")
    print(f"raw results: {args.output}")
    return 0  # as make bench: a wrong feed or a missed goal is printed, never an error


if __name__ == "__main__":
    sys.exit(main())
