"""What an evaluation knows of an account's past: one `StateSnapshot`, read in one call.

The same value is what a state store keeps per account, so every backend holds exactly
the same thing and the rules that change it (`nudge_sdk.evaluation._guardrails`) are
written once, as pure functions. The decision stays a pure function of catalog, account,
usage, this snapshot and `now`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Literal

import attrs

__all__ = [
    "EVENT_KINDS",
    "EventKind",
    "NudgeEvent",
    "RuleHistory",
    "Shown",
    "StateSnapshot",
]

EventKind = Literal["shown", "clicked", "dismissed", "snoozed", "converted"]
EVENT_KINDS: tuple[EventKind, ...] = ("shown", "clicked", "dismissed", "snoozed", "converted")
"""What a frontend reports about a nudge it was given."""


@attrs.frozen(kw_only=True)
class Shown:
    """One nudge an evaluation handed out: what cooldowns and caps count."""

    rule: str
    nudge: str
    """The nudge's id, which events from the frontend name."""
    placement: str
    at: datetime


@attrs.frozen(kw_only=True)
class NudgeEvent:
    """Something the customer did with a nudge, as the frontend reported it."""

    nudge: str
    rule: str
    kind: EventKind
    at: datetime
    event_id: str = ""
    """With `nudge` and `kind`, what makes a report idempotent."""
    until: datetime | None = None
    """When a snooze ends (``snoozed`` only), already cut to the rule's `max_snooze`."""
    plan: str | None = None
    """What was bought (``converted`` only)."""
    addon: str | None = None
    amount_minor: int | None = None
    """What the customer paid, in minor units of the currency the account pays in."""


@attrs.frozen(kw_only=True)
class RuleHistory:
    """What the account did with one rule's nudges so far."""

    last_shown: datetime | None = None
    shown_last_week: int = 0
    """Times shown in the seven days before the evaluation, for snapshots built by hand;
    a store leaves it 0 and lists the impressions in `StateSnapshot.shown` instead (the
    caps count both)."""
    dismissed: bool = False
    """"Don't show again" (only honoured for dismissible rules)."""
    dismissed_until: datetime | None = None
    """When a dismissal with a duration ends; `None` with `dismissed`: for good."""
    snoozed_until: datetime | None = None
    last_level: Decimal | None = None
    """The highest threshold level already shown in the current climb; the store clears
    it when usage falls back under the lowest level."""
    level_window: datetime | None = None
    """When the usage window `last_level` was shown in ends (a counter's reset); a level
    shown in an earlier window no longer holds the rule back. `None` for gauges."""

    def __bool__(self) -> bool:
        return self != _NEVER


@attrs.frozen(kw_only=True)
class StateSnapshot:
    """Everything one evaluation needs from the store, for one account; also exactly
    what a store keeps for it."""

    rules: Mapping[str, RuleHistory] = attrs.field(factory=dict)
    trial_extensions_claimed: int = 0
    shown: tuple[Shown, ...] = ()
    """Nudges shown within the longest window any cap looks back over, oldest first."""
    events: tuple[NudgeEvent, ...] = ()
    """The latest events reported by the frontend, oldest first."""
    claims: Mapping[str, int] = attrs.field(factory=dict)
    """Trial-extension claims: the claim's key to the days it granted."""
    version: int = 0
    """The store's version of this snapshot (0: never written); commits are conditional
    on it, so two servers cannot both write over the same state."""

    def history(self, rule: str) -> RuleHistory:
        """The rule's history, empty if the account never saw it."""
        return self.rules.get(rule, _NEVER)

    def nudge(self, nudge: str) -> Shown | None:
        """The latest impression of a nudge id, if it is still remembered."""
        for shown in reversed(self.shown):
            if shown.nudge == nudge:
                return shown
        return None


_NEVER = RuleHistory()
