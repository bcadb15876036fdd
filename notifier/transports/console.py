"""The console target: alerts printed on stdout, for the main job with no service configured."""

from __future__ import annotations

import sys
from typing import Any

from config.delivery import ConsoleTarget
from notifier.console import render_text
from notifier.transports import Outgoing


def send(target: ConsoleTarget, outgoing: Outgoing, templates: Any) -> dict[str, Any]:
    """Print each event; the reference is just the count."""
    for event in outgoing.events:
        sys.stdout.write(render_text(event) + "\n\n")
    sys.stdout.flush()
    return {"printed": len(outgoing.events)}
