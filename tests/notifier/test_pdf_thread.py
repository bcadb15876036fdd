"""A revision whose PDF was replaced, delivered for real: the worker posts it to a local Slack
as a reply in the original alert's thread, and that reply says what changed inside the PDF."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import insert, select, update
from support.desk import Desk
from support.slack_payload import MAX_SECTION_TEXT
from support.slack_payload import SlackMessage as Posted

from config.settings import load_settings
from ledger.models import ChangeEvent, Report

OLD, NEW = "ab" * 32, "cd" * 32
SLACK = """
[[targets]]
kind = "slack"
name = "news"
channel = "C-NEWS"
base_url = "{api}"

[[routes]]
name = "all"
target = "news"
"""


def payload(number: str, **extra: object) -> dict[str, object]:
    return {
        "kind": "new", "report_number": number, "report_key": number, "title": "CBP Debt",
        "summary": "CBP did not collect debt.", "components": ["CBP"], "labels": [],
        "labels_gained": [], "labels_lost": [], "changes": [], **extra,
    }  # fmt: skip


def link(desk: Desk, number: str, event_ids: list[int]) -> None:
    with desk.ledger.engine.begin() as conn:
        report_id = conn.scalar(select(Report.id).where(Report.key == number))
        conn.execute(
            update(ChangeEvent).where(ChangeEvent.id.in_(event_ids)).values(report_id=report_id)
        )


def sections(message: Posted) -> list[str]:
    return [b["text"]["text"] for b in message.blocks or [] if b["type"] == "section"]


def test_the_thread_reply_of_a_replaced_pdf_names_pages_and_passages(
    desk: Desk, tmp_path: Path
) -> None:
    config = tmp_path / "slack.toml"
    config.write_text(SLACK.format(api=desk.slack.api_url), encoding="utf-8")
    desk.settings = load_settings(config, environ={})
    source_id = desk.ledger.source_id("dhs-oig")
    with desk.ledger.engine.begin() as conn:  # a report row, so the events can find each other
        conn.execute(
            insert(Report).values(
                source_id=source_id, key="OIG-21-56",
                report_number="OIG-21-56", title="CBP Debt", content_hash="x",
                first_seen_at=desk.clock.now(), changed_at=desk.clock.now(),
            )
        )  # fmt: skip
    link(desk, "OIG-21-56", desk.publish(payload("OIG-21-56")))
    desk.worker().drain()
    words = " ".join(f"word{i} <!channel> &" for i in range(120))
    passages = [
        {"page": p, "before": words, "after": words + " more", "redline": "", "size": p}
        for p in range(1, 201)
    ]
    pdf_changes = {
        "status": "compared", "reason": None,
        "before": {"sha256": OLD, "pages": 200}, "after": {"sha256": NEW, "pages": 200},
        "pages_line": "", "changed_pages": list(range(1, 201)), "added_pages": [],
        "removed_pages": [], "passages": passages, "omitted": 0,
    }  # fmt: skip
    change = {"field": "pdf_content", "old": OLD, "new": NEW}
    revised = payload("OIG-21-56", kind="revised", changes=[change], pdf_changes=pdf_changes)
    link(desk, "OIG-21-56", desk.publish(revised))
    desk.clock.advance(seconds=2)
    desk.worker().drain()
    original, reply = desk.slack.messages  # the local Slack refused nothing over its limits
    assert reply.thread_ts == original.ts
    [inside] = [s for s in sections(reply) if s.startswith("*Inside the PDF:*")]
    assert inside.startswith("*Inside the PDF:* Changed on pages 1–200\n*Page 200:* ")
    assert inside.count("*Page ") == 3 and inside.endswith("… and 197 more passages")
    assert len(inside) <= MAX_SECTION_TEXT and "<!channel>" not in inside
    assert not any("Inside the PDF" in s for s in sections(original))
