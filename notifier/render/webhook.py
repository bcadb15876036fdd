"""The generic webhook body: the documented event JSON with a schema tag (pure)."""

from __future__ import annotations

import copy
from typing import Any

SCHEMA = "oigwatch.event/1"


def webhook_payload(event: dict[str, Any]) -> dict[str, Any]:
    """The event as ``docs/cli.md`` documents it, plus ``"schema"``; text is left as it is."""
    body = {key: copy.deepcopy(value) for key, value in event.items() if key != "schema"}
    return {"schema": SCHEMA, **body}
