"""Config models for delivery: targets (where messages go) and routes (who hears what).

A target's keys are its channel's model (``notifier/channels/``, found by ``kind`` in
``config.registry.CHANNELS``). Secrets are never config values: a target names the environment
variable that holds its token, password or signing secret, and the value is read when a message is
sent.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    SerializeAsAny,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticKnownError

from config.registry import CHANNELS
from config.vocabulary import CONTENT_KINDS, KIND_ALIASES, LABELS, OPS_KINDS, kind_words_accepted

# names are stored in the ledger (sources, view families, delivery targets and routes)
Name = Annotated[str, Field(min_length=1, max_length=100)]

ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")


def check_zone(value: str) -> str:
    """``value`` if it names an IANA time zone; else a ValueError naming two that do."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {value!r} (e.g. America/New_York, UTC)") from exc
    return value


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def env_name(value: str) -> str:
    """A validator of ``*_env`` keys: the NAME of an environment variable, never its value."""
    if value and not ENV_NAME.match(value):
        raise ValueError("must be the NAME of an environment variable (A-Z, 0-9, _), not a secret")
    return value


class TargetConfig(_Frozen):
    """What every target has; each channel's model (config.registry.CHANNELS) adds its keys."""

    kind: str
    name: Name


def _registered_target(value: Any) -> Any:
    """The target validated by its channel's model, chosen by ``kind`` from the registry."""
    if isinstance(value, TargetConfig):
        return value
    if not isinstance(value, Mapping):
        raise PydanticKnownError("model_attributes_type")
    if "kind" not in value:
        raise PydanticKnownError("union_tag_not_found", {"discriminator": "'kind'"})
    kind = value["kind"]
    channel = CHANNELS.get(kind) if isinstance(kind, str) else None
    if channel is None:
        expected = ", ".join(repr(known) for known in CHANNELS.kinds())
        context = {"discriminator": "'kind'", "tag": str(kind), "expected_tags": expected}
        raise PydanticKnownError("union_tag_invalid", context)
    return channel.config.model_validate(value)


# a [[targets]] table: any registered channel's model (serialized with its own keys)
Target = Annotated[SerializeAsAny[TargetConfig], PlainValidator(_registered_target)]


class RouteConfig(_Frozen):
    """A target and the filter for it; ops routes get operational events only."""

    name: Name
    target: str
    ops: bool = False
    components: tuple[str, ...] = ()  # any of these (empty: all)
    kinds: tuple[str, ...] = CONTENT_KINDS
    labels: tuple[str, ...] = ()  # reports carrying, gaining or losing any of these (empty: all)
    keywords: tuple[str, ...] = ()  # any word, case-insensitive, in title or summary
    pattern: str = ""  # a regular expression on title and summary
    mode: Literal["immediate", "digest"] = "immediate"
    schedule: str = ""  # digest: times of day "08:00,16:00"
    timezone: str = "UTC"

    @field_validator("kinds")
    @classmethod
    def _known_kinds(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        """The stored kinds (``pulled`` is ``removed``)."""
        unknown = [kind for kind in value if kind not in kind_words_accepted()]
        if unknown:
            raise ValueError(f"unknown kinds {unknown}; known: {list(kind_words_accepted())}")
        return tuple(KIND_ALIASES.get(kind, kind) for kind in value)

    @field_validator("labels")
    @classmethod
    def _known_labels(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [label for label in value if label not in LABELS]
        if unknown:
            raise ValueError(f"unknown labels {unknown}; known: {list(LABELS)}")
        return value

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a regular expression: {exc}") from exc
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        return check_zone(value)

    @model_validator(mode="after")
    def _consistent(self) -> RouteConfig:
        ops = [kind for kind in self.kinds if kind in OPS_KINDS]
        if ops and not self.ops:
            raise ValueError(f"operational kinds {ops} belong on a route with ops = true")
        if self.mode == "digest" and not self.schedule:
            raise ValueError("a digest route needs a schedule such as '08:00,16:00'")
        for moment in filter(None, self.schedule.split(",")):
            if not re.fullmatch(r"\s*([01]\d|2[0-3]):[0-5]\d\s*", moment):
                raise ValueError(f"schedule time {moment.strip()!r} is not HH:MM")
        return self


class DeliveryConfig(_Frozen):
    """How the outbox delivers."""

    max_attempts: Annotated[int, Field(ge=1)] = 50
    max_age_hours: Annotated[float, Field(gt=0)] = 48.0  # then the delivery is dead
    backoff: Annotated[float, Field(gt=0)] = 5.0  # first retry, doubled, with jitter
    max_backoff: Annotated[float, Field(gt=0)] = 900.0
    channel_interval: Annotated[float, Field(ge=0)] = 1.0  # seconds between messages to a target
    burst_digest: Annotated[int, Field(ge=2)] = 5  # this many due at once for a target: one digest
    lease_seconds: Annotated[float, Field(gt=0)] = 300.0  # a claim not marked by then is retried
    alert_after_minutes: Annotated[float, Field(gt=0)] = 15.0  # a target failing this long: ops
    templates_dir: str = ""  # overrides of notifier/templates
