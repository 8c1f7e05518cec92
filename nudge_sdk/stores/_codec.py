"""A snapshot as the stores keep it: compact JSON, instants as integer microseconds
since the epoch (UTC), levels as decimal text, so a round trip is exact.

Decoding is forgiving of bad rows: an entry that does not parse is skipped and named in
the returned problems, never fatal; only a document that is not JSON at all is
`CorruptState`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from nudge_sdk.evaluation._state import (
    EVENT_KINDS,
    EventKind,
    NudgeEvent,
    RuleHistory,
    Shown,
    StateSnapshot,
)

__all__ = ["FORMAT", "CorruptState", "decode", "encode"]

FORMAT = 1
"""The document format's version, stored in it as ``f``."""
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)


class CorruptState(ValueError):
    """A stored document that is not a snapshot at all."""


def _instant(value: datetime | None) -> int | None:
    return None if value is None else (value - _EPOCH) // _US


def _time(value: object) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"expected microseconds since the epoch, got {value!r}")
    return _EPOCH + value * _US


def _at(value: object) -> datetime:
    moment = _time(value)
    if moment is None:
        raise ValueError("missing instant")
    return moment


def encode(state: StateSnapshot) -> bytes:
    """The document for `state` (its `version` is kept beside it by the store)."""
    rules: dict[str, dict[str, Any]] = {}
    for rule, history in state.rules.items():
        entry: dict[str, Any] = {}
        if history.last_shown is not None:
            entry["ls"] = _instant(history.last_shown)
        if history.dismissed:
            entry["d"] = _instant(history.dismissed_until) if history.dismissed_until else 0
        if history.snoozed_until is not None:
            entry["su"] = _instant(history.snoozed_until)
        if history.last_level is not None:
            entry["l"] = str(history.last_level)
            entry["lw"] = _instant(history.level_window)
        rules[rule] = entry
    document = {
        "f": FORMAT,
        "r": rules,
        "s": [[s.rule, s.nudge, s.placement, _instant(s.at)] for s in state.shown],
        "e": [
            [e.nudge, e.rule, e.kind, _instant(e.at), e.event_id, _instant(e.until)]
            + ([e.plan, e.addon, e.amount_minor] if e.kind == "converted" else [])
            for e in state.events
        ],
        "c": dict(state.claims),
        "t": state.trial_extensions_claimed,
    }
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()


def decode(data: bytes | str, version: int) -> tuple[StateSnapshot, list[str]]:
    """The snapshot in a stored document, and what in it had to be skipped."""
    try:
        document = json.loads(data)
    except (ValueError, UnicodeDecodeError) as error:
        raise CorruptState(f"not JSON: {error}") from None
    if not isinstance(document, dict) or document.get("f") != FORMAT:
        raise CorruptState(f"not a format-{FORMAT} snapshot document")
    problems: list[str] = []
    rules: dict[str, RuleHistory] = {}
    for rule, entry in _mapping(document.get("r"), "r", problems).items():
        try:
            rules[rule] = _history(entry)
        except (ValueError, TypeError, InvalidOperation) as error:
            problems.append(f"rule {rule!r}: {error}")
    shown: list[Shown] = []
    for index, row in enumerate(_list(document.get("s"), "s", problems)):
        try:
            rule, nudge, placement, at = row
            shown.append(
                Shown(rule=_str(rule), nudge=_str(nudge), placement=_str(placement), at=_at(at))
            )
        except (ValueError, TypeError) as error:
            problems.append(f"impression {index}: {error}")
    events: list[NudgeEvent] = []
    for index, row in enumerate(_list(document.get("e"), "e", problems)):
        try:
            events.append(_event(row))
        except (ValueError, TypeError) as error:
            problems.append(f"event {index}: {error}")
    claims: dict[str, int] = {}
    for key, days in _mapping(document.get("c"), "c", problems).items():
        if isinstance(days, int) and not isinstance(days, bool) and days >= 0:
            claims[key] = days
        else:
            problems.append(f"claim {key!r}: {days!r} is not a number of days")
    claimed = document.get("t", 0)
    if not isinstance(claimed, int) or isinstance(claimed, bool) or claimed < len(claims):
        problems.append(f"trial extensions claimed: {claimed!r}")
        claimed = len(claims)
    state = StateSnapshot(
        rules=rules,
        shown=tuple(sorted(shown, key=lambda s: s.at)),
        events=tuple(events),
        claims=claims,
        trial_extensions_claimed=claimed,
        version=version,
    )
    return state, problems


def _history(entry: object) -> RuleHistory:
    if not isinstance(entry, dict):
        raise TypeError(f"expected an object, got {entry!r}")
    dismissed = "d" in entry
    level = entry.get("l")
    return RuleHistory(
        last_shown=_time(entry.get("ls")),
        dismissed=dismissed,
        dismissed_until=_time(entry["d"]) if dismissed and entry["d"] else None,
        snoozed_until=_time(entry.get("su")),
        last_level=None if level is None else Decimal(_str(level)),
        level_window=_time(entry.get("lw")),
    )


def _event(row: object) -> NudgeEvent:
    if not isinstance(row, list) or len(row) not in (6, 9):
        raise TypeError(f"expected a list of 6 or 9 fields, got {row!r}")
    nudge, rule, kind, at, event_id, until = row[:6]
    if kind not in EVENT_KINDS:
        raise ValueError(f"unknown kind {kind!r}")
    plan, addon, amount = row[6:] if len(row) == 9 else (None, None, None)
    if amount is not None and (not isinstance(amount, int) or isinstance(amount, bool)):
        raise TypeError(f"amount {amount!r} is not whole minor units")
    return NudgeEvent(
        nudge=_str(nudge),
        rule=_str(rule),
        kind=cast(EventKind, kind),
        at=_at(at),
        event_id=_str(event_id),
        until=_time(until),
        plan=None if plan is None else _str(plan),
        addon=None if addon is None else _str(addon),
        amount_minor=amount,
    )


def _str(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected text, got {value!r}")
    return value


def _mapping(value: object, key: str, problems: list[str]) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        problems.append(f"{key}: expected an object")
        return {}
    return value


def _list(value: object, key: str, problems: list[str]) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        problems.append(f"{key}: expected a list")
        return []
    return value
