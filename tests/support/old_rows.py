"""A ledger whose rows hold hostile characters, as rows stored before admission cleaned text can:
a report with two versions, a new and a revised event, an unhealthy run with a quarantine warning
and its ``source_unhealthy`` event. Every output must clean them (``crawler/text.py``)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from crawler.clock import utcnow
from crawler.events import EventDraft, ops_event
from crawler.health import Verdict
from ledger.models import CrawlRun, Report, ReportVersion
from ledger.store import Ledger, RunRecord

EVIL = "\u202eevil\u202c \u2066x\u2069 nul\x00 \x1b[31mred"
SHOWN = "evil x nul [31mred"  # what a reader may see of it
# what must reach no output: C0 but tab and newline, DEL, C1, bidi embeddings/overrides/isolates
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
NUMBER = "OIG-27-90"
SOURCE = "dhs-oig"


def evil(engine: Engine) -> str:
    """EVIL as this database can hold it (PostgreSQL text cannot hold NUL)."""
    return EVIL if engine.dialect.name == "sqlite" else EVIL.replace("\x00", "")


def strings(value: Any) -> list[str]:
    """Every string in parsed JSON, keys included."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [*value, *(s for v in value.values() for s in strings(v))]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return []


def report_payload(text: str, **extra: Any) -> dict[str, Any]:
    return {
        "source": SOURCE, "report_number": NUMBER + text, "report_key": NUMBER,
        "title": f"ICE {text} Transfers", "summary": f"We found {text} gaps.",
        "url": f"https://www.oig.dhs.gov/assets/{NUMBER}.pdf", "issue_date": "2026-11-20",
        "fiscal_year": "2027" + text, "components": ["CBP", text], "labels": [text],
        "labels_gained": [], "labels_lost": [], "changes": [], **extra,
    }  # fmt: skip


def write_hostile_rows(engine: Engine) -> None:
    """Record the rows, bypassing admission (as an older oigwatch stored them)."""
    text = evil(engine)
    ledger = Ledger(engine)
    source_id = ledger.source_id(SOURCE)
    now = utcnow() - timedelta(minutes=5)
    changes = [
        {"field": "title", "old": f"ICE {text} Moves", "new": f"ICE {text} Transfers"},
        {"field": "fiscal_year", "old": text, "new": "2027" + text},
        {"field": "components", "old": ["CBP"], "new": ["CBP", text]},
    ]
    drafts = [
        EventDraft("new", "old-rows:new", {"kind": "new", **report_payload(text)}, NUMBER),
        EventDraft(
            "revised",
            "old-rows:revised",
            {"kind": "revised", **report_payload(text, labels_gained=[text], changes=changes)},
            NUMBER,
        ),
    ]
    ledger.record(
        RunRecord(
            "old-rows-1", source_id, "quick", now, now, "healthy", Verdict(True), None, drafts
        )
    )
    reason = f"HTTP 503 {text}"
    warning = {"view": "audits", "page": "https://www.oig.dhs.gov/reports", "row": 1,
               "field": "title", "raw": text, "problem": f"no title text {text}"}  # fmt: skip
    later = now + timedelta(minutes=1)
    ledger.record(
        RunRecord(
            "old-rows-2", source_id, "quick", later, later, "unhealthy", Verdict(False, (reason,)),
            None, [ops_event("source_unhealthy", SOURCE, "old-rows-2", later, reason=reason)],
            stats={"quarantined": 1, "warnings": [warning]},
        )
    )  # fmt: skip
    with Session(engine) as session:
        run_id = session.scalars(select(CrawlRun.id).where(CrawlRun.run_key == "old-rows-1")).one()
        report = Report(
            source_id=source_id, key=NUMBER, report_number=NUMBER + text,
            title=f"ICE {text} Transfers", summary=f"We found {text} gaps.", fiscal_year="2027" + text,
            pdf_url=f"https://www.oig.dhs.gov/assets/{NUMBER}.pdf", components=["CBP", text],
            content_hash="ab" * 32, first_seen_at=now, changed_at=now, pdf_etag=f'"{text}"',
            pdf_last_modified=text, pdf_sha256="cd" * 32, pdf_length=10,
        )  # fmt: skip
        session.add(report)
        session.flush()
        for title, labels in ((f"ICE {text} Moves", []), (f"ICE {text} Transfers", [text])):
            data = {"title": title, "summary": f"We found {text} gaps.", "fiscal_year": text,
                    "components": ["CBP", text], "labels": labels, "pdf_etag": text}  # fmt: skip
            session.add(
                ReportVersion(
                    report_id=report.id, content_hash=text + title, data=data, run_id=run_id,
                    seen_at=now,
                )
            )  # fmt: skip
        session.commit()
