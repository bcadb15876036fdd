"""`oigwatch run`: the long-running service (scheduler/service.py) from the command line."""

from __future__ import annotations

import asyncio
import logging

import click

from cli.common import (
    UsageFailure,
    check_base_url,
    common,
    open_ledger,
    require_sources,
    settings_from,
)


@click.command()
@common
@click.option(
    "--base-url",
    metavar="URL",
    callback=check_base_url,
    help="Fetch every source from this address (http:// or https://) instead.",
)
@click.option("--host", metavar="ADDR", help="Serve feeds, pages and /healthz on this address.")
@click.option("--port", type=click.IntRange(0, 65535), help="... and this port (0: any free one).")
@click.option("--no-http", is_flag=True, help="No web side: crawl and deliver only.")
def run(
    config_path: str | None,
    db_url: str | None,
    base_url: str | None,
    host: str | None,
    port: int | None,
    no_http: bool,
) -> None:
    """Run the service: quick polls and deep sweeps on schedule, alerts as they are
    recorded, feeds, pages and /healthz on http://127.0.0.1:8080. Stops cleanly on
    SIGTERM or Ctrl-C (a second one abandons a running crawl).

    Schedules and the address are in the [service] section of the config.

    Example: oigwatch run --port 8081
    """
    service = {"http_host": host, "http_port": port, "http_enabled": False if no_http else None}
    settings = settings_from(config_path, db_url, service=service)
    require_sources(settings, config_path)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True
    )
    for noisy in ("alembic", "apscheduler", "httpx", "slack_sdk"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    from scheduler.service import AddressInUse, Service  # APScheduler, uvicorn: only here

    sources = [s.with_base_url(base_url) if base_url else s for s in settings.sources]
    with open_ledger(settings, create=True) as ledger:
        try:
            asyncio.run(Service(settings, ledger, sources).run())
        except AddressInUse as exc:
            raise UsageFailure(str(exc)) from exc
