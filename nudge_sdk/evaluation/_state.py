"""What an evaluation needs from the state store: one snapshot per account, read in one
call, and what it asks the store to record, written in one call (`Impression`).

The decision stays a pure function of catalog, account, usage, this snapshot and `now`.
The stores themselves (memory, SQLite, Redis, PostgreSQL) build snapshots from events.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal

import attrs

__all__ = ["RuleHistory", "StateSnapshot"]


@attrs.frozen(kw_only=True)
class RuleHistory:
    """What the account did with one rule's nudges so far."""

    last_shown: datetime | None = None
    shown_last_week: int = 0
    """Times shown in the seven days before the evaluation."""
    dismissed: bool = False
    """"Don't show again" (only honoured for dismissible rules)."""
    snoozed_until: datetime | None = None
    last_level: Decimal | None = None
    """The highest threshold level already shown in the current climb; the store clears
    it when usage falls back under the lowest level."""


@attrs.frozen(kw_only=True)
class StateSnapshot:
    """Everything one evaluation needs from the store, for one account."""

    rules: Mapping[str, RuleHistory] = attrs.field(factory=dict)
    trial_extensions_claimed: int = 0

    def history(self, rule: str) -> RuleHistory:
        """The rule's history, empty if the account never saw it."""
        return self.rules.get(rule, _NEVER)


_NEVER = RuleHistory()
