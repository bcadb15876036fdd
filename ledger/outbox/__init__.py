"""The outbox: every delivery an event owes, from enqueue to its last mark, in the ledger.

The crawl records a run's events and enqueues their deliveries in one transaction
(``insert_events``, ``enqueue``); the notifier's worker claims what is due (``claim``), sends it
and marks it (``mark_sent``, ``mark_failed``), keeping each target's failing episode
(``target_failed``, ``target_sent``, ``raise_due``). Ops events (``delivery_failed``,
``delivery_recovered``) enter the ledger through ``insert_events`` like every other event.

Modules: ``planned`` (what a router answers), ``enqueue``, ``events`` (the one insertion path),
``claims``, ``attempts`` (attempts of unknown outcome), ``marks``, ``targets`` (pacing rows and
failing episodes), ``listing`` (what people read). The tables are in ``ledger.models``.
"""

from ledger.outbox.claims import MAX_DIGEST, Claim, claim, next_due
from ledger.outbox.enqueue import enqueue, owed
from ledger.outbox.events import EventRow, insert_events, ops_event, ops_row
from ledger.outbox.listing import Listed, has_pending, listing
from ledger.outbox.marks import backoff, digest_now, mark_failed, mark_printed, mark_sent, retry
from ledger.outbox.planned import Planned, Router
from ledger.outbox.targets import (
    Failing,
    ensure_targets,
    failing_names,
    failing_targets,
    raise_due,
    target_failed,
    target_sent,
)

__all__ = [
    "MAX_DIGEST",
    "Claim",
    "EventRow",
    "Failing",
    "Listed",
    "Planned",
    "Router",
    "backoff",
    "claim",
    "digest_now",
    "enqueue",
    "ensure_targets",
    "failing_names",
    "failing_targets",
    "has_pending",
    "insert_events",
    "listing",
    "mark_failed",
    "mark_printed",
    "mark_sent",
    "next_due",
    "ops_event",
    "ops_row",
    "owed",
    "raise_due",
    "retry",
    "target_failed",
    "target_sent",
]
