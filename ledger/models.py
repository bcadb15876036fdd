"""SQLAlchemy 2.x models of the ledger. Migrations in ledger/migrations mirror this file."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON}


class Source(Base):
    """A watched listing site and its health episode."""

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    healthy: Mapped[bool] = mapped_column(Boolean, default=True)
    unhealthy_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    baseline_run_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CrawlRun(Base):
    """One crawl of one source, with its outcome (what the health gate made of it)."""

    __tablename__ = "crawl_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_key: Mapped[str] = mapped_column(String(64), unique=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"))
    sweep: Mapped[str] = mapped_column(String(10))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    outcome: Mapped[str] = mapped_column(String(20))  # config.vocabulary.OUTCOMES
    reason: Mapped[str] = mapped_column(Text, default="")
    complete: Mapped[bool] = mapped_column(Boolean, default=False)
    pages: Mapped[int] = mapped_column(Integer, default=0)
    rows: Mapped[int] = mapped_column(Integer, default=0)
    reports: Mapped[int] = mapped_column(Integer, default=0)
    events: Mapped[int] = mapped_column(Integer, default=0)
    stats: Mapped[dict[str, Any]] = mapped_column(default=dict)

    __table_args__ = (Index("ix_crawl_runs_source_started", "source_id", "started_at"),)


class Report(Base):
    """The current state of one report, identified by its key within a source."""

    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"))
    key: Mapped[str] = mapped_column(String(200))  # bounded by normalize.identity
    report_number: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)
    summary: Mapped[str | None] = mapped_column(Text)
    issue_date: Mapped[date | None] = mapped_column(Date)
    fiscal_year: Mapped[str | None] = mapped_column(Text)
    pdf_url: Mapped[str | None] = mapped_column(Text)
    pdf_family: Mapped[str | None] = mapped_column(Text)
    detail_url: Mapped[str | None] = mapped_column(Text)
    components: Mapped[list[Any]] = mapped_column(default=list)
    view_labels: Mapped[list[Any]] = mapped_column(default=list)
    settled: Mapped[bool] = mapped_column(Boolean, default=False)
    unconfirmed_losses: Mapped[list[Any]] = mapped_column(default=list, server_default="[]")
    content_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(10), default="active")  # active|removed
    missing_sweeps: Mapped[int] = mapped_column(Integer, default=0)
    first_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    pdf_etag: Mapped[str | None] = mapped_column(Text)
    pdf_last_modified: Mapped[str | None] = mapped_column(Text)
    pdf_length: Mapped[int | None] = mapped_column(Integer)
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    pdf_checked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    pdf_path: Mapped[str | None] = mapped_column(Text)  # lower-cased path of pdf_url (renames)

    __table_args__ = (
        UniqueConstraint("source_id", "key", name="uq_reports_source_key"),
        Index("ix_reports_number", "report_number"),
        Index("ix_reports_pdf_check", "source_id", "pdf_checked_at"),
        Index("ix_reports_pdf_path", "source_id", "pdf_path"),
        Index("ix_reports_issue_date", "source_id", "issue_date"),
        Index("ix_reports_pdf_sha256", "source_id", "pdf_sha256"),
    )


class ReportVersion(Base):
    """Every distinct state a report has been seen in, with its content hash."""

    __tablename__ = "report_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"))
    content_hash: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column()
    run_id: Mapped[int] = mapped_column(ForeignKey("crawl_runs.id"))
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_report_versions_report", "report_id", "id"),)


class ChangeEvent(Base):
    """A change worth telling someone about; the dedupe key makes recording idempotent."""

    __tablename__ = "change_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(Text, unique=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"))
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id"))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"))  # None: delivery ops
    kind: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(10), default="published")  # published|held
    detected_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    payload: Mapped[dict[str, Any]] = mapped_column()

    __table_args__ = (
        Index("ix_change_events_detected", "detected_at"),
        Index("ix_change_events_report", "report_id"),
    )


class PageCache(Base):
    """Validators and parsed entries of a listing page, for conditional requests."""

    __tablename__ = "page_cache"

    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"), primary_key=True)
    url: Mapped[str] = mapped_column(Text, primary_key=True)
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    page: Mapped[dict[str, Any]] = mapped_column()
    fetched_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Delivery(Base):
    """One event owed to one target (the transactional outbox)."""

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("change_events.id"))
    target: Mapped[str] = mapped_column(String(100))
    route: Mapped[str] = mapped_column(String(100))
    mode: Mapped[str] = mapped_column(String(10), default="immediate")  # immediate|digest
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending|sent|failed|dead
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # set (committed) when an attempt is claimed, cleared when its outcome is known: still set at
    # the next claim, the last attempt may have been received (a timeout, a reset, a kill)
    attempt_started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    external_ref: Mapped[dict[str, Any] | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        UniqueConstraint("event_id", "target", name="uq_deliveries_event_target"),
        Index("ix_deliveries_due", "status", "due_at"),
        Index("ix_deliveries_target", "target", "status"),
    )


class TargetState(Base):
    """Pacing and pauses of one delivery target (a Slack channel, a mail server...)."""

    __tablename__ = "target_state"

    target: Mapped[str] = mapped_column(String(100), primary_key=True)
    next_send_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    paused_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    pause_reason: Mapped[str | None] = mapped_column(Text)
    failing_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # an episode
    last_error: Mapped[str | None] = mapped_column(Text)
    alerted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # its ops event


class ReportMute(Base):
    """One mute of a report: from ``muted_at`` (by whom, why) until ``unmuted_at`` (open: muted
    now). Events of a muted report are recorded as usual; the outbox owes them no delivery."""

    __tablename__ = "report_mutes"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"))
    muted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    muted_by: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(Text, default="")
    unmuted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    unmuted_by: Mapped[str | None] = mapped_column(String(100))

    __table_args__ = (Index("ix_report_mutes_report", "report_id", "muted_at"),)


class PdfVersion(Base):
    """Every distinct PDF a report has had (by sha256), numbered 1, 2, ... per report: where and
    when it was seen, whether the archive holds it (and why not), and the text a later step
    extracts from it. ``sha256`` None: a PDF refused for its size, never fetched whole."""

    __tablename__ = "pdf_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"))
    version: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str | None] = mapped_column(String(64))
    length: Mapped[int | None] = mapped_column(BigInteger)
    url: Mapped[str] = mapped_column(Text)
    first_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    stored: Mapped[bool] = mapped_column(Boolean, default=False)
    store_reason: Mapped[str | None] = mapped_column(Text)  # why not stored (None: stored)
    text_status: Mapped[str | None] = mapped_column(String(20))
    text_reason: Mapped[str | None] = mapped_column(Text)
    pages: Mapped[list[Any] | None] = mapped_column()  # the text of each page, when extracted

    __table_args__ = (
        UniqueConstraint("report_id", "version", name="uq_pdf_versions_report_version"),
        UniqueConstraint("report_id", "sha256", name="uq_pdf_versions_report_sha256"),
        Index("ix_pdf_versions_sha256", "sha256"),
    )
