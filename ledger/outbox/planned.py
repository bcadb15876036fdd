"""What a router answers: the deliveries an event owes (the notifier's routes make them)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class Planned:
    """One delivery an event owes: through which route, to which target, due when."""

    route: str
    target: str
    mode: str
    due_at: datetime


# an event's payload (with its kind) and now, to the deliveries it owes
Router = Callable[[Mapping[str, Any], datetime], Sequence[Planned]]
