"""The generic webhook body: the documented event shape plus a schema tag."""

from __future__ import annotations

import json
from typing import Any

from notifier.render.webhook import webhook_payload


def test_webhook_payload_is_the_event_plus_schema_and_leaves_the_event_alone() -> None:
    event: dict[str, Any] = {
        "event_id": 7,
        "kind": "revised",
        "title": "<!channel> <script>alert(1)</script> \u202e & 🚨",
        "changes": [{"field": "components", "old": ["CBP"], "new": ["CBP", "ICE"]}],
        "listing_url": None,
        "schema": "forged",
    }
    body = webhook_payload(event)
    assert body["schema"] == "oigwatch.event/1"
    assert next(iter(body)) == "schema"
    assert {k: v for k, v in body.items() if k != "schema"} == {
        k: v for k, v in event.items() if k != "schema"
    }
    assert body["title"] == event["title"]
    body["changes"][0]["new"].append("TSA")
    assert event["changes"][0]["new"] == ["CBP", "ICE"]
    assert event["schema"] == "forged"
    assert json.loads(json.dumps(body)) == body
