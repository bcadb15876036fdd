"""``oigwatch demo``: the local imitation site, a baseline, a few mutations, what a newsroom hears."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from cli.common import common, settings_from

if TYPE_CHECKING:  # the spine (Scrapy), the ledger: loaded when the demo runs
    from config.settings import Settings
    from ledger.store import Ledger

SCRIPT: list[tuple[str, list[dict[str, Any]], str]] = [
    ("A new report is published on page 0", [{"op": "add_report", "components": ["ICE"]}], "quick"),
    (
        'OIG-24-01 gains "(Revised)" and an edited summary',
        [
            {"op": "retitle", "report_number": "OIG-24-01", "suffix_op": "append_revised"},
            {
                "op": "edit_summary",
                "report_number": "OIG-24-01",
                "summary": "CBP did not fully implement the Act's training and equipment requirements.",
            },
        ],
        "quick",
    ),
    (
        "Tied rows reshuffle and a report is backdated onto page 2",
        [{"op": "tie_shuffle", "mode": "shuffle"}, {"op": "insert_backdated", "position": 120}],
        "deep",
    ),
    (
        "OIG-19-11 is pulled (first deep sweep without it: nothing yet)",
        [{"op": "remove_report", "report_number": "OIG-19-11"}],
        "deep",
    ),
    ("... second deep sweep without it", [], "deep"),
    (
        "The site answers 503 for a while",
        [{"op": "http_fault", "match": "/reports/", "kind": "status", "status": 503, "count": -1}],
        "quick",
    ),
    (
        "The site is back, and OIG-19-11 returns",
        [{"op": "clear_faults"}, {"op": "restore_report", "report_number": "OIG-19-11"}],
        "quick",
    ),
]


def _step(ledger: Ledger, settings: Settings, site: Any, sweep: str, **kw: Any) -> None:
    from crawler.check import CheckOptions, check_source
    from ledger import queries
    from notifier.console import render_text

    source = settings.sources[0].with_base_url(site.base_url)
    recorded, record = check_source(ledger, settings, source, CheckOptions(sweep=sweep, **kw))
    events = queries.events(ledger.engine, ids=recorded.event_ids)
    click.echo(f"  → {sweep} sweep: {record.outcome}, {len(events)} event(s)")
    for event in events:
        click.echo("\n".join("    " + line for line in render_text(event).splitlines()))


@click.command()
@common
@click.option("--reports", default=300, show_default=True, help="Reports on the imitation site.")
def demo(config_path: str | None, db_url: str | None, reports: int) -> None:
    """Run oigwatch against a local imitation of oig.dhs.gov and show what it reports.

    Nothing on the internet is contacted. The ledger is a temporary SQLite file unless --db.

    Example: oigwatch demo
    """
    from crawler.check import ALL_PDFS
    from fixture_site import FixtureSite, build_state  # only the demo needs the imitation site
    from ledger.db import ensure_schema, make_engine
    from ledger.store import Ledger

    settings = settings_from(config_path, db_url, delay=0.0, concurrency=4, retries=1, backoff=0.2)
    with tempfile.TemporaryDirectory(prefix="oigwatch-demo-") as tmp:
        url = db_url or f"sqlite:///{Path(tmp) / 'demo.db'}"
        if not db_url:  # a temporary ledger's PDF archive is temporary too
            settings = settings.model_copy(update={"data_dir": tmp})
        engine = make_engine(url)
        ensure_schema(engine)
        ledger = Ledger(engine)
        with FixtureSite(build_state(n_reports=reports, seed=7)) as site:
            click.echo(f"Imitation DHS OIG site at {site.base_url} ({reports} reports)")
            click.echo("Baseline: the first deep sweep records everything and announces nothing")
            _step(ledger, settings, site, "deep", pdf_checks=ALL_PDFS)
            for title, ops, sweep in SCRIPT:
                click.echo(f"\n{title}")
                for op in ops:
                    site.mutate(op)
                _step(ledger, settings, site, sweep)
        engine.dispose()
