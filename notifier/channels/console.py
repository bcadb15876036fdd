"""The console channel: alerts printed on stdout, for the main job with no service configured."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from config.delivery import TargetConfig
from config.registry import CHANNELS, Channel
from notifier.console import render_text

if TYPE_CHECKING:
    from notifier.transports import Outgoing


class ConsoleTarget(TargetConfig):
    """Print alerts on the console (stdout of the process delivering)."""


def render(target: ConsoleTarget, outgoing: Outgoing, templates: Any) -> str:
    """The text printed: each event, named by its source's display name, a blank line after it."""
    where = getattr(templates, "zone", None)  # the readers' zone (``display_timezone``)
    return "".join(
        f"{templates.display_name(event.get('source'))} · {render_text(event, where)}\n\n"
        for event in outgoing.events
    )


def send(target: ConsoleTarget, outgoing: Outgoing, templates: Any) -> dict[str, Any]:
    """Print each event; the reference is just the count."""
    sys.stdout.write(render(target, outgoing, templates))
    sys.stdout.flush()
    return {"printed": len(outgoing.events)}


CHANNELS.register(Channel("console", ConsoleTarget, send, render, paced=False))  # a local stream
