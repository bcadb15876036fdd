"""The ``oigwatch`` command line: the group, and where each command lives.

Nothing heavy is imported here: ``oigwatch --help`` lists the commands from :data:`COMMANDS`
(each one's summary is written here, and a test checks it against the command's own help), and
a command's module loads when that command runs or is asked for its help. Each command module
imports only click and light modules at its top; what a command uses (SQLAlchemy, pydantic
settings, the spine, Scrapy, the channels) it imports when it runs.
"""

from __future__ import annotations

import click

from cli.common import Commands

# name: ("module:attribute", the first paragraph of its help)
COMMANDS: dict[str, tuple[str, str]] = {
    "archive": ("cli.archive:archive", "Check the PDF archive, or write a stored report PDF out."),
    "changes": (
        "cli.changes:changes",
        "List recorded change events, oldest first, each with when it was detected.",
    ),
    "crawl": (
        "cli.crawl:crawl",
        "Crawl the configured sources once, record what changed, and deliver the alerts.",
    ),
    "db": ("cli.read:db", "Database schema commands."),
    "deliver": (
        "cli.deliver:deliver",
        "Send the alerts that are due (with --loop: keep sending as they become due).",
    ),
    "deliveries": (
        "cli.deliver:deliveries",
        "List deliveries, newest first: where each alert went, or why it did not.",
    ),
    "demo": (
        "cli.demo:demo",
        "Run oigwatch against a local imitation of oig.dhs.gov and show what it reports.",
    ),
    "digest": (
        "cli.deliver:digest",
        "Send a digest route's pending alerts now instead of at its next scheduled time.",
    ),
    "mute": (
        "cli.mute:mute",
        "Stop sending a report's changes to any channel; they are still recorded and listed.",
    ),
    "release": (
        "cli.read:release",
        "Release the changes held by a bulk hold, so each is announced on its own.",
    ),
    "report": (
        "cli.read:report",
        "Show every version of a report, with word-level redlines between them.",
    ),
    "retry": (
        "cli.deliver:retry",
        "Try a failed or dead delivery again now (after fixing its target).",
    ),
    "run": (
        "cli.run:run",
        "Run the service: quick polls and deep sweeps on schedule, alerts as they are recorded, "
        "feeds, pages and /healthz on http://127.0.0.1:8080. Stops cleanly on SIGTERM or Ctrl-C "
        "(a second one abandons a running crawl).",
    ),
    "sources": ("cli.read:sources", "Show each source's health and last runs."),
    "test-route": (
        "cli.deliver:test_route",
        "Send a sample message through a route's target, right now, bypassing the outbox.",
    ),
    "unmute": ("cli.mute:unmute", "Send a muted report's later changes to the channels again."),
}


BRIEF = frozenset({"changes"})  # commands that answer and exit: no garbage collection meanwhile
WARMING = frozenset({"crawl"})  # none while they start up (until cli.common.warmed_up)


@click.group(
    cls=Commands,
    lazy=COMMANDS,
    brief=BRIEF,
    warming=WARMING,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(package_name="oigwatch")
def main() -> None:
    """Watch DHS OIG report listings; tell what is new, revised or pulled.

    Start with `oigwatch crawl` (the first deep sweep is a silent baseline), then
    `oigwatch changes`. `oigwatch demo` shows it all against a local imitation site.
    """
