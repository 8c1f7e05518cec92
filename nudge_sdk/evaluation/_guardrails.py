"""Where caps are enforced: what holds a nudge back given the account's past, and how
that past changes when nudges are shown, events reported and trial extensions claimed.

All of it is pure: a `StateSnapshot` and `now` in, a verdict or a new snapshot out. The
evaluator asks `hold` and `Tally` before it shows anything; a store's commit runs
`record` again on the freshest state, atomically, so two servers deciding at the same
moment cannot together exceed a cap. Every backend applies these same functions, so
their semantics cannot drift apart.

The windows:

- per rule: ``cooldown`` after each impression; at most ``max_per_week`` in any rolling
  seven days and ``max_shown`` in any rolling ``within``; "don't show again" (for good or
  for ``dismiss_for``); a snooze until the time the customer chose, cut to
  ``max_snooze``; once per threshold level until usage falls back (``cleared``) or the
  usage window resets;
- per account and per placement, across rules: ``per_day`` counts the customer's
  calendar day in the account's time zone, ``per_week`` today and the six days before.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import Decimal

import attrs

from nudge_sdk._errors import InvalidEvent
from nudge_sdk.catalog._catalog import Caps, Catalog
from nudge_sdk.catalog._rules import MAX_COUNTED, Rule
from nudge_sdk.evaluation._state import EVENT_KINDS, NudgeEvent, RuleHistory, Shown, StateSnapshot
from nudge_sdk.evaluation._triggers import Miss

__all__ = ["MAX_EVENTS", "MAX_SHOWN", "Claim", "Guardrails", "Pending", "Tally"]

MAX_SHOWN = MAX_COUNTED
"""Impressions kept per account (the newest); no cap may count more than this."""
MAX_EVENTS = 200
"""Frontend events kept per account (the newest), for idempotency and reporting."""
_WEEK = timedelta(days=7)
_MIN_RETENTION = timedelta(days=30)
"""Impressions are kept at least this long, so the frontend can report on a nudge
(dismiss it, say) for a month after it was shown."""
_LOCAL_WEEK = timedelta(days=9)
"""Seven local calendar days span at most this much in UTC (offsets reach 14 hours)."""


@attrs.frozen(kw_only=True)
class Pending:
    """A nudge an evaluation wants to show, as the commit checks it."""

    shown: Shown
    level: Decimal | None = None
    window: datetime | None = None
    """When the usage window of `level` ends (a counter's reset), if it has one."""


@attrs.frozen(kw_only=True)
class Claim:
    """The outcome of claiming a trial extension."""

    granted: bool
    days: int
    """The days granted (0 when refused)."""
    duplicate: bool = False
    """The key was claimed before: this is that claim again, nothing new granted."""
    reason: str = ""
    """Why it was refused (``extensions_used``), if it was."""


def _midnight(day: date, zone: tzinfo) -> datetime:
    """The start of a local calendar day (as the zone has it; DST gaps resolve forward)."""
    return datetime.combine(day, time(0), tzinfo=zone)


class Tally:
    """Impressions per customer's calendar day, for the account's and each placement's
    caps, counted once per evaluation and added to as nudges are chosen."""

    def __init__(
        self,
        caps: Caps,
        placement_caps: Mapping[str, Caps],
        shown: Iterable[Shown],
        now: datetime,
        zone: tzinfo,
    ) -> None:
        self._caps = caps
        self._placement_caps = placement_caps
        self._zone = zone
        self.today = now.astimezone(zone).date()
        first = self.today - timedelta(days=6)
        self._days: list[date] = []
        self._placement_days: dict[str, list[date]] = {}
        for impression in shown:  # oldest first, so each list of days stays sorted
            day = impression.at.astimezone(zone).date()
            if day >= first:
                # An impression after `now` (another server's clock runs ahead, or a slow
                # request commits late) counts as today's: a commit never slips in under
                # a cap that a later impression already filled.
                day = min(day, self.today)
                self._days.append(day)
                self._placement_days.setdefault(impression.placement, []).append(day)

    def blocked(self, placement: str) -> Miss | None:
        """Why one more nudge in `placement` would break a cap, if it would."""
        if self._caps and (miss := self._check(self._caps, self._days, "global_cap", "")):
            return miss
        caps = self._placement_caps.get(placement)
        if caps:
            days = self._placement_days.get(placement, [])
            return self._check(caps, days, "placement_cap", f" in {placement}")
        return None

    def add(self, placement: str) -> None:
        """Count one more nudge shown today in `placement`."""
        self._days.append(self.today)
        self._placement_days.setdefault(placement, []).append(self.today)

    def _check(self, caps: Caps, days: Sequence[date], reason: str, where: str) -> Miss | None:
        today = sum(1 for day in days if day == self.today) if caps.per_day else 0
        blocks: list[tuple[str, datetime]] = []
        if caps.per_day and today >= caps.per_day:
            tomorrow = _midnight(self.today + timedelta(days=1), self._zone)
            blocks.append((f"{today} shown{where} today, at most {caps.per_day}", tomorrow))
        if caps.per_week and len(days) >= caps.per_week:
            # The cap lifts when enough of the oldest days leave the seven-day window.
            leaves = days[len(days) - caps.per_week] + timedelta(days=7)
            blocks.append(
                (
                    f"{len(days)} shown{where} in seven days, at most {caps.per_week}",
                    _midnight(leaves, self._zone),
                )
            )
        if not blocks:
            return None
        return Miss(reason, blocks[0][0], max(until for _, until in blocks))


class Guardrails:
    """The frequency rules of one catalog: what holds a nudge back, and how the state
    changes. Built once with the evaluator."""

    def __init__(self, catalog: Catalog) -> None:
        self.rules: Mapping[str, Rule] = catalog.rules
        self.caps = catalog.caps
        self.placement_caps = catalog.placement_caps
        self.counted = bool(catalog.caps) or bool(catalog.placement_caps)
        """Whether any cap counts impressions across rules."""
        lookbacks = [rule.frequency.lookback for rule in catalog.rules.values()]
        self.retention = max([_MIN_RETENTION, _LOCAL_WEEK, *lookbacks])
        """How long impressions are kept: the longest window any cap looks back over."""

    # -- deciding ---------------------------------------------------------------------

    def tally(self, state: StateSnapshot, now: datetime, zone: tzinfo) -> Tally | None:
        """The account's and placements' counts, or `None` when the catalog caps neither."""
        if not self.counted:
            return None
        return Tally(self.caps, self.placement_caps, state.shown, now, zone)

    def hold(
        self,
        rule: Rule,
        level: Decimal | None,
        window: datetime | None,
        history: RuleHistory,
        shown: Sequence[Shown],
        now: datetime,
    ) -> Miss | None:
        """Why the account's past holds `rule` back now, and until when, if it does.

        The reason is the first that applies (dismissed, snoozed, cooldown, weekly_cap,
        window_cap, level_already_shown) and the text names them all; `until` is when
        every one of them has passed,
        `None` when that is not known (dismissed for good; a level, until usage falls).
        """
        frequency = rule.frequency
        blocks: list[tuple[str, str, datetime | None]] = []
        if (
            frequency.dismissible
            and history.dismissed
            and (history.dismissed_until is None or now < history.dismissed_until)
        ):
            until = history.dismissed_until
            text = f"dismissed until {until.isoformat()}" if until else "dismissed for good"
            blocks.append(("dismissed", text, until))
        if frequency.snoozable and history.snoozed_until and now < history.snoozed_until:
            until = history.snoozed_until
            blocks.append(("snoozed", f"snoozed until {until.isoformat()}", until))
        if (
            frequency.cooldown
            and history.last_shown
            and now < (ends := history.last_shown + frequency.cooldown)
        ):
            blocks.append(("cooldown", f"shown {history.last_shown.isoformat()}", ends))
        if frequency.max_per_week:
            block = _window_cap(
                rule.id, frequency.max_per_week, _WEEK, history.shown_last_week, shown, now
            )
            if block:
                blocks.append(("weekly_cap", *block))
        if frequency.max_shown:
            block = _window_cap(rule.id, frequency.max_shown, frequency.within, 0, shown, now)
            if block:
                blocks.append(("window_cap", *block))
        if (
            frequency.once_per_level
            and level is not None
            and history.last_level is not None
            and history.level_window == window
            and level <= history.last_level
        ):
            text = f"level {history.last_level} was already shown"
            blocks.append(("level_already_shown", text, window))
        if not blocks:
            return None
        reason = blocks[0][0]
        text = "; ".join(text for _, text, _ in blocks)
        untils = [until for _, _, until in blocks]
        if any(until is None for until in untils):
            return Miss(reason, text)
        return Miss(reason, text, max(u for u in untils if u is not None))

    # -- remembering ------------------------------------------------------------------

    def record(
        self,
        state: StateSnapshot,
        pending: Sequence[Pending],
        cleared: Iterable[str],
        now: datetime,
        zone: tzinfo,
    ) -> tuple[StateSnapshot, dict[str, Miss]]:
        """`state` with `pending` shown and `cleared` rules' levels forgotten, and the
        nudges it refused (by id, with why) because a cap, a dismissal or a snooze now
        holds them back: another server got there first. Run it on the freshest state,
        atomically."""
        rules = dict(state.rules)
        for rule_id in cleared:
            if rule_id in rules:
                rules[rule_id] = attrs.evolve(rules[rule_id], last_level=None, level_window=None)
        shown = list(state.shown)
        tally = Tally(self.caps, self.placement_caps, shown, now, zone) if self.counted else None
        refused: dict[str, Miss] = {}
        for item in pending:
            impression = item.shown
            rule = self.rules.get(impression.rule)
            history = rules.get(impression.rule, RuleHistory())
            miss = (
                Miss("unknown_rule", f"no rule {impression.rule!r} in the catalog")
                if rule is None
                else self.hold(rule, item.level, item.window, history, shown, now)
                or (tally.blocked(impression.placement) if tally else None)
            )
            if miss is not None or rule is None:
                refused[impression.nudge] = miss or Miss("unknown_rule", impression.rule)
                continue
            shown.append(impression)
            if tally:
                tally.add(impression.placement)
            if item.level is not None and rule.frequency.once_per_level:
                history = attrs.evolve(history, last_level=item.level, level_window=item.window)
            last = history.last_shown
            latest = impression.at if last is None else max(last, impression.at)
            rules[impression.rule] = attrs.evolve(history, last_shown=latest)
        changed = attrs.evolve(state, rules=rules, shown=tuple(shown))
        return self.prune(changed, now), refused

    def report(self, account: str, state: StateSnapshot, event: NudgeEvent) -> StateSnapshot:
        """`state` with the frontend's `event` applied; `state` itself when the same event
        (nudge, kind, event id) was reported before.

        Raises `InvalidEvent` for a nudge this account was not shown (or no longer
        remembers), an unknown kind, or a snooze that does not end after it starts.
        """
        if event.kind not in EVENT_KINDS:
            known = ", ".join(EVENT_KINDS)
            raise InvalidEvent(account, event.nudge, event.kind, f"expected one of: {known}")
        shown = state.nudge(event.nudge)
        if shown is None:
            raise InvalidEvent(
                account, event.nudge, event.kind, "this account was not shown that nudge"
            )
        key = (event.nudge, event.kind, event.event_id)
        if any((e.nudge, e.kind, e.event_id) == key for e in state.events):
            return state
        rule = self.rules.get(shown.rule)
        history = state.history(shown.rule)
        event = attrs.evolve(event, rule=shown.rule)
        if event.kind == "snoozed":
            if event.until is None or event.until <= event.at:
                raise InvalidEvent(
                    account, event.nudge, event.kind, "a snooze needs an `until` after `at`"
                )
            longest = event.at + (rule.frequency.max_snooze if rule else _WEEK)
            event = attrs.evolve(event, until=min(event.until, longest))
            history = attrs.evolve(history, snoozed_until=event.until)
        elif event.kind == "dismissed":
            lasts = rule.frequency.dismiss_for if rule else None
            until = event.at + lasts if lasts is not None else None
            history = attrs.evolve(history, dismissed=True, dismissed_until=until)
        rules = {**state.rules, shown.rule: history}
        changed = attrs.evolve(state, rules=rules, events=(*state.events, event))
        return self.prune(changed, event.at)

    def claim(
        self, state: StateSnapshot, key: str, days: int, maximum: int
    ) -> tuple[StateSnapshot, Claim]:
        """`state` with a trial extension of `days` claimed under `key`, at most `maximum`
        per account; the same key claims once, however often it is asked."""
        if key in state.claims:
            return state, Claim(granted=True, days=state.claims[key], duplicate=True)
        if state.trial_extensions_claimed >= maximum:
            used = state.trial_extensions_claimed
            return state, Claim(granted=False, days=0, reason=f"extensions_used: {used}")
        claims = {**state.claims, key: days}
        changed = attrs.evolve(
            state, claims=claims, trial_extensions_claimed=state.trial_extensions_claimed + 1
        )
        return changed, Claim(granted=True, days=days)

    def prune(self, state: StateSnapshot, now: datetime) -> StateSnapshot:
        """`state` without what no rule will look at again: impressions and events older
        than `retention` (and beyond the newest `MAX_SHOWN` and `MAX_EVENTS`), ended
        snoozes and dismissals, histories left empty, and those of rules the catalog no
        longer has."""
        horizon = now - self.retention
        shown = tuple(s for s in state.shown if s.at > horizon)[-MAX_SHOWN:]
        events = tuple(e for e in state.events if e.at > horizon)[-MAX_EVENTS:]
        rules = {}
        for rule_id, history in state.rules.items():
            if rule_id not in self.rules:
                continue  # the catalog no longer has it: nothing will read it again
            pruned = _prune_history(history, now, horizon)
            if pruned:
                rules[rule_id] = pruned
        return attrs.evolve(state, shown=shown, events=events, rules=rules)


def _prune_history(history: RuleHistory, now: datetime, horizon: datetime) -> RuleHistory:
    last_shown = history.last_shown
    snoozed_until = history.snoozed_until
    dismissed, dismissed_until = history.dismissed, history.dismissed_until
    if last_shown is not None and last_shown <= horizon:
        last_shown = None
    if snoozed_until is not None and snoozed_until <= now:
        snoozed_until = None
    if dismissed_until is not None and dismissed_until <= now:
        dismissed, dismissed_until = False, None
    return attrs.evolve(
        history,
        last_shown=last_shown,
        snoozed_until=snoozed_until,
        dismissed=dismissed,
        dismissed_until=dismissed_until,
    )


def _window_cap(
    rule: str, cap: int, window: timedelta, earlier: int, shown: Sequence[Shown], now: datetime
) -> tuple[str, datetime | None] | None:
    """Whether `rule` was shown `cap` times within `window` before `now` (counting
    `earlier` impressions a hand-built snapshot reports without times), and when enough
    of them leave the window."""
    start = now - window
    times = [s.at for s in shown if s.rule == rule and s.at > start]
    count = earlier + len(times)
    if count < cap:
        return None
    # The cap lifts when the oldest count - cap + 1 impressions have left the window;
    # impressions a hand-built snapshot counts without times leave at an unknown time.
    until = None if earlier else times[count - cap] + window
    return f"shown {count} time(s) in {_span(window)}, at most {cap}", until


def _span(window: timedelta) -> str:
    """``7 day(s)``, or ``6 hour(s)`` for a window that is not whole days."""
    if window % timedelta(days=1):
        return f"{window // timedelta(hours=1)} hour(s)"
    return f"{window.days} day(s)"
