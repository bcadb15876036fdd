"""Command line: `python -m fixture_site serve|mutate|build-state`."""

from __future__ import annotations

import datetime as dt
import json
import signal
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import Any

import click
import httpx

from fixture_site.seed import DEFAULT_TODAY, build_state
from fixture_site.server import FixtureSite
from fixture_site.state import SiteState


def _load_state(state_file: str | None, reports: int, seed: int) -> SiteState:
    if state_file:
        return SiteState.from_json(json.loads(Path(state_file).read_text(encoding="utf-8")))
    return build_state(n_reports=reports, seed=seed)


def _save(state: SiteState, path: str) -> None:
    Path(path).write_text(json.dumps(state.to_json(), ensure_ascii=False, indent=1), "utf-8")


@click.group()
def cli() -> None:
    """A deterministic local imitation of www.oig.dhs.gov (for oigwatch tests)."""


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind.")
@click.option("--port", default=0, show_default=True, help="TCP port; 0 lets the OS choose.")
@click.option("--reports", default=300, show_default=True, help="Reports to generate.")
@click.option("--seed", default=7, show_default=True, help="Seed of the generator and shuffles.")
@click.option("--state", "state_file", type=click.Path(exists=True), help="Load this state JSON.")
@click.option("--save-state", type=click.Path(), help="Write the state here at start and exit.")
def serve(
    host: str, port: int, reports: int, seed: int, state_file: str | None, save_state: str | None
) -> None:
    """Serve the site until SIGINT/SIGTERM.

    Prints one line, `fixture site listening on http://HOST:PORT`, once it accepts connections.

    Example: python -m fixture_site serve --reports 2500 --port 8080
    """
    state = _load_state(state_file, reports, seed)
    if save_state:
        _save(state, save_state)
    stop = threading.Event()

    def _on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    with FixtureSite(state, host=host, port=port) as site:
        click.echo(f"fixture site listening on {site.base_url}")
        sys.stdout.flush()
        while not stop.wait(0.5):
            pass
        if save_state:
            _save(site.state, save_state)


@cli.command()
@click.argument("url")
@click.argument("op_json")
def mutate(url: str, op_json: str) -> None:
    """POST a mutation op (or a JSON list of ops) to a running site; print the reply.

    OP_JSON is inline JSON, `@file.json`, or `-` for stdin.

    Example: python -m fixture_site mutate http://127.0.0.1:8080 '{"op": "add_report"}'
    """
    payload = _read_op(op_json)
    reply = httpx.post(url.rstrip("/") + "/__fixture/mutate", json=payload, timeout=30)
    click.echo(reply.text)
    if reply.status_code != 200:
        raise SystemExit(1)


def _read_op(op_json: str) -> Any:
    if op_json == "-":
        return json.loads(sys.stdin.read())
    if op_json.startswith("@"):
        return json.loads(Path(op_json[1:]).read_text(encoding="utf-8"))
    return json.loads(op_json)


@cli.command("build-state")
@click.option("--reports", default=300, show_default=True, help="Reports to generate.")
@click.option("--seed", default=7, show_default=True, help="Seed of the generator.")
@click.option("--today", default=DEFAULT_TODAY.isoformat(), show_default=True, help="Logical date.")
@click.argument("out", type=click.Path())
def build_state_command(reports: int, seed: int, today: str, out: str) -> None:
    """Write a generated state JSON file (to edit, or to pass to `serve --state`).

    Example: python -m fixture_site build-state --reports 2500 state.json
    """
    _save(build_state(reports, seed, dt.date.fromisoformat(today)), out)
    click.echo(f"wrote {out}")


if __name__ == "__main__":
    cli()
