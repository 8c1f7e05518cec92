"""One contract for every store: random sequences of impressions, clearings, stale
commits, whole evaluations through the `Nudges` facade, frontend events, trial claims,
prunes and clock moves, under randomly drawn caps, run against each backend and against
a plain model that re-states the rules naively. Every backend must agree with the model
at every step."""

from __future__ import annotations

import tempfile
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from nudge_sdk import (
    Account,
    Catalog,
    Evaluator,
    Interval,
    InvalidEvent,
    Nudges,
    Period,
    Store,
    Unit,
    catalog_from_dict,
)
from nudge_sdk.catalog._rules import parse_duration
from nudge_sdk.evaluation._guardrails import Guardrails, Pending
from nudge_sdk.evaluation._state import EventKind, NudgeEvent, Shown, StateSnapshot
from nudge_sdk.stores._redis import RedisStore
from tests.store_backends import BACKENDS, CACHED, KEEP, fresh_store

ACCOUNTS = ("acct-a", "acct-{b}")  # a brace, to exercise Redis hash tags
RULES = ("r0", "r1", "r2")
ZONES = ("UTC", "America/New_York", "Asia/Kolkata", "Pacific/Kiritimati", "Europe/London")
MAX_CLAIMS = 2
WEEK = timedelta(days=7)


@dataclass
class Frequency:
    placement: str
    cooldown: timedelta
    max_per_week: int
    max_shown: int
    within: timedelta
    max_snooze: timedelta
    dismiss_for: timedelta | None
    once_per_level: bool


@dataclass
class Model:
    """The rules, stated the plainest way: lists and dictionaries, nothing pruned."""

    rules: dict[str, Frequency]
    caps: tuple[int, int]
    placement_caps: dict[str, tuple[int, int]]
    zone: ZoneInfo
    shown: dict[str, list[tuple[str, str, str, datetime]]] = field(default_factory=dict)
    dismissed: dict[tuple[str, str], datetime | None] = field(default_factory=dict)
    snoozed: dict[tuple[str, str], datetime] = field(default_factory=dict)
    levels: dict[tuple[str, str], Decimal] = field(default_factory=dict)
    claims: dict[str, dict[str, int]] = field(default_factory=dict)
    events: dict[str, set[tuple[str, str, str]]] = field(default_factory=dict)

    def show(
        self, account: str, rule: str, nudge: str, level: Decimal | None, now: datetime
    ) -> bool:
        """Whether the impression is allowed; records it if so."""
        spec = self.rules[rule]
        past = self.shown.setdefault(account, [])
        mine = [at for r, _, _, at in past if r == rule]
        dismissed = self.dismissed.get((account, rule), now)  # `now`: never dismissed
        refused = (
            ((account, rule) in self.dismissed and (dismissed is None or now < dismissed))
            or now < self.snoozed.get((account, rule), now)
            or bool(mine and now < max(mine) + spec.cooldown)
            or bool(spec.max_per_week and sum(at > now - WEEK for at in mine) >= spec.max_per_week)
            or bool(spec.max_shown and sum(at > now - spec.within for at in mine) >= spec.max_shown)
            or (
                spec.once_per_level
                and level is not None
                and (account, rule) in self.levels
                and level <= self.levels[account, rule]
            )
            or self._capped(self.caps, [at for *_, at in past], now)
            or self._capped(
                self.placement_caps.get(spec.placement, (0, 0)),
                [at for _, _, p, at in past if p == spec.placement],
                now,
            )
        )
        if refused:
            return False
        past.append((rule, nudge, spec.placement, now))
        if level is not None and spec.once_per_level:  # only those rules remember it
            self.levels[account, rule] = level
        return True

    def _capped(self, caps: tuple[int, int], times: list[datetime], now: datetime) -> bool:
        per_day, per_week = caps
        today = now.astimezone(self.zone).date()
        days: list[date] = [at.astimezone(self.zone).date() for at in times]
        return bool(per_day and sum(d == today for d in days) >= per_day) or bool(
            per_week and sum(today - timedelta(days=6) <= d <= today for d in days) >= per_week
        )

    def report(self, account: str, event: NudgeEvent) -> bool:
        """Whether the event is a duplicate; `InvalidEvent` as the store would raise it."""
        rules = [r for r, n, _, _ in self.shown.get(account, []) if n == event.nudge]
        if not rules:
            raise InvalidEvent(account, event.nudge, event.kind, "not shown")
        key = (event.nudge, event.kind, event.event_id)
        seen = self.events.setdefault(account, set())
        if key in seen:
            return True
        rule = rules[-1]
        if event.kind == "snoozed":
            if event.until is None or event.until <= event.at:
                raise InvalidEvent(account, event.nudge, event.kind, "bad until")
            self.snoozed[account, rule] = min(event.until, event.at + self.rules[rule].max_snooze)
        if event.kind == "dismissed":
            lasts = self.rules[rule].dismiss_for
            self.dismissed[account, rule] = None if lasts is None else event.at + lasts
        seen.add(key)
        return False

    def claim(self, account: str, key: str, days: int) -> tuple[bool, int, bool]:
        claims = self.claims.setdefault(account, {})
        if key in claims:
            return True, claims[key], True
        if len(claims) >= MAX_CLAIMS:
            return False, 0, False
        claims[key] = days
        return True, days, False


durations = st.sampled_from(["1h", "1d", "2d", "3d"])


class StoreContract(RuleBasedStateMachine):
    """Drives one backend and the model with the same steps."""

    backend = "memory"

    def __init__(self) -> None:
        super().__init__()
        self.exits = ExitStack()
        tmp = Path(self.exits.enter_context(tempfile.TemporaryDirectory()))
        self.store: Store = self.exits.enter_context(fresh_store(self.backend, tmp))
        self.now = datetime(2025, 3, 29, 12, tzinfo=UTC)  # Europe's DST starts at night
        self.start = self.now
        self.nudges: list[tuple[str, str]] = []

    def teardown(self) -> None:
        self.exits.close()

    @initialize(
        frequencies=st.lists(
            st.fixed_dictionaries(
                {
                    "placement": st.sampled_from(["banner", "modal"]),
                    "cooldown": st.sampled_from(["0d", "1h", "1d"]),
                    "max_per_week": st.integers(0, 3),
                    "max_shown": st.integers(0, 3),
                    "within": durations,
                    "max_snooze": durations,
                    "dismiss_for": st.sampled_from(["", "2d"]),
                    "once_per_level": st.booleans(),
                }
            ),
            min_size=len(RULES),
            max_size=len(RULES),
        ),
        caps=st.tuples(st.integers(0, 3), st.integers(0, 5)),
        banner_caps=st.tuples(st.integers(0, 2), st.integers(0, 4)),
        zone=st.sampled_from(ZONES),
    )
    def catalog(
        self,
        frequencies: list[dict[str, Any]],
        caps: tuple[int, int],
        banner_caps: tuple[int, int],
        zone: str,
    ) -> None:
        """A catalog with three rules and caps drawn at random."""
        self.catalog_value = _catalog(frequencies, caps, banner_caps)
        self.guardrails = Guardrails(self.catalog_value)
        self.zone = ZoneInfo(zone)
        rules = {
            rule_id: Frequency(
                placement=spec["placement"],
                cooldown=parse_duration(spec["cooldown"]),
                max_per_week=spec["max_per_week"],
                max_shown=spec["max_shown"],
                within=parse_duration(spec["within"]),
                max_snooze=parse_duration(spec["max_snooze"]),
                dismiss_for=parse_duration(spec["dismiss_for"]) if spec["dismiss_for"] else None,
                once_per_level=spec["once_per_level"],
            )
            for rule_id, spec in zip(RULES, frequencies, strict=True)
        }
        placement_caps = {"banner": banner_caps} if any(banner_caps) else {}
        self.model = Model(rules, caps, placement_caps, self.zone)
        evaluator = Evaluator(self.catalog_value, deadline=60.0)  # GC pauses are not at issue
        self.facade = Nudges(evaluator, store=self.store, keep_for=KEEP)

    # -- steps ------------------------------------------------------------------------

    @precondition(lambda self: self.now - self.start < timedelta(days=25))
    @rule(seconds=st.integers(1, 2 * 86_400))
    def advance(self, seconds: int) -> None:
        """Time passes (never past the 30 days the stores keep impressions)."""
        self.now += timedelta(seconds=seconds)

    @rule(
        account=st.sampled_from(ACCOUNTS),
        rules=st.lists(st.sampled_from(RULES), min_size=1, max_size=3),
        level=st.sampled_from([None, Decimal(80), Decimal(100)]),
    )
    def show(self, account: str, rules: list[str], level: Decimal | None) -> None:
        """One evaluation commits one or more impressions; the store refuses exactly
        those the model refuses."""
        pending = [self._pending(rule_id, level) for rule_id in rules]
        refused = self.store.change(
            account,
            lambda s: self.guardrails.record(s, pending, (), self.now, self.zone),
            expires=self.now + KEEP,
        )
        for item in pending:
            allowed = self.model.show(account, item.shown.rule, item.shown.nudge, level, self.now)
            assert allowed == (item.shown.nudge not in refused)
            if allowed:
                self.nudges.append((account, item.shown.nudge))

    @rule(
        account=st.sampled_from(ACCOUNTS),
        first=st.sampled_from(RULES),
        second=st.sampled_from(RULES),
    )
    def stale_commit(self, account: str, first: str, second: str) -> None:
        """Two servers read the same state; the later commit sees the earlier one."""
        stale = self.store.load(account)
        self.show(account, [second], None)
        item = self._pending(first, None)
        refused = self.store.change(
            account,
            lambda s: self.guardrails.record(s, [item], (), self.now, self.zone),
            expires=self.now + KEEP,
            state=stale,
        )
        allowed = self.model.show(account, first, item.shown.nudge, None, self.now)
        assert allowed == (item.shown.nudge not in refused)
        if allowed:
            self.nudges.append((account, item.shown.nudge))

    @rule(account=st.sampled_from(ACCOUNTS), rule_id=st.sampled_from(RULES))
    def clear(self, account: str, rule_id: str) -> None:
        """Usage fell back under every level: the rule's level is forgotten."""
        self.store.change(
            account,
            lambda s: self.guardrails.record(s, (), (rule_id,), self.now, self.zone),
            expires=self.now + KEEP,
        )
        self.model.levels.pop((account, rule_id), None)

    @rule(
        data=st.data(),
        kind=st.sampled_from(["shown", "clicked", "dismissed", "snoozed", "converted"]),
        event_id=st.sampled_from(["", "e1", "e2"]),
        snooze=st.integers(-3600, 40 * 86_400),
        bogus=st.booleans(),
    )
    def report(
        self, data: st.DataObject, kind: EventKind, event_id: str, snooze: int, bogus: bool
    ) -> None:
        """A frontend event: refused for an unknown nudge (or the other account's),
        idempotent by (nudge, kind, event id), the same verdict as the model's."""
        if bogus or not self.nudges:
            account = data.draw(st.sampled_from(ACCOUNTS))
            nudge = data.draw(st.sampled_from(["nope", *(n for _, n in self.nudges)]))
        else:
            account, nudge = data.draw(st.sampled_from(self.nudges))
        event = NudgeEvent(
            nudge=nudge,
            rule="",
            kind=kind,
            at=self.now,
            event_id=event_id,
            until=self.now + timedelta(seconds=snooze) if kind == "snoozed" else None,
            amount_minor=900 if kind == "converted" else None,
            plan="starter" if kind == "converted" else None,
        )
        try:
            expected: bool | None = self.model.report(account, event)
        except InvalidEvent:
            expected = None

        def apply(state: StateSnapshot) -> tuple[StateSnapshot, bool]:
            changed = self.guardrails.report(account, state, event)
            return changed, changed is state

        try:
            duplicate: bool | None = self.store.change(account, apply, expires=self.now + KEEP)
        except InvalidEvent:
            duplicate = None
        assert expected == duplicate

    @rule(
        account=st.sampled_from(ACCOUNTS),
        used=st.sampled_from([5, 5, 8, 9.5, 10, 12]),
        placement=st.sampled_from([None, "banner", "modal"]),
    )
    def evaluate(self, account: str, used: float, placement: str | None) -> None:
        """The whole facade: `Nudges.evaluate` reads the snapshot, decides, and records
        what it shows and the levels it clears. It shows, in rank order, the rules the
        model allows, one per placement; below every level it forgets their levels."""
        customer = Account(
            id=account,
            plan="free",
            interval=Interval(Unit.MONTH),
            period=Period(self.start - timedelta(days=3), self.start + timedelta(days=27)),
            signup=self.start - timedelta(days=30),
            zone=str(self.zone),
        )
        result = self.facade.evaluate(
            customer, {"storage_gb": used}, now=self.now, placement=placement
        )
        assert not result.degraded, result.problems
        shown = {nudge.rule: nudge.id for nudge in result.nudges}
        level = Decimal(100) if used >= 10 else Decimal(80) if used >= 8 else None
        taken: set[str] = set()
        for rule_id in RULES:  # one priority and severity: ranked by id
            spec = self.model.rules[rule_id]
            if placement not in (None, spec.placement):
                continue
            if level is None:
                self.model.levels.pop((account, rule_id), None)
                continue
            if spec.placement in taken:
                assert rule_id not in shown
                continue
            nudge = shown.get(rule_id, "unshown")
            allowed = self.model.show(account, rule_id, nudge, level, self.now)
            assert allowed == (rule_id in shown), (rule_id, shown)
            if allowed:
                taken.add(spec.placement)
                self.nudges.append((account, nudge))
        assert len(shown) == len(result.nudges)

    @rule(later=st.booleans())
    def prune(self, later: bool) -> None:
        """Pruning at the step's instant forgets nothing (every write keeps its state
        `KEEP`); past every expiry, a store that prunes forgets every account, and one
        whose engine expires keys itself (Redis) forgets none."""
        instant = self.now + KEEP + timedelta(days=1) if later else self.now
        removed = self.store.prune(instant)
        if not later or isinstance(self.store, RedisStore):
            assert removed == 0
            return
        assert removed <= len(ACCOUNTS)
        for account in ACCOUNTS:
            assert self.store.load(account) == StateSnapshot()
        self.model = Model(self.model.rules, self.model.caps, self.model.placement_caps, self.zone)
        self.nudges.clear()

    @rule(account=st.sampled_from(ACCOUNTS), key=st.sampled_from(["k1", "k2", "k3"]))
    def claim(self, account: str, key: str) -> None:
        """A trial extension: once per key, at most MAX_CLAIMS per account."""
        days = 7 + len(key)
        got = self.store.change(
            account,
            lambda s: self.guardrails.claim(s, key, days, MAX_CLAIMS),
            expires=self.now + KEEP,
        )
        assert self.model.claim(account, key, days) == (got.granted, got.days, got.duplicate)

    @invariant()
    def same_memory(self) -> None:
        """What the store holds is what the model holds: impressions, claims, events,
        the last level of each rule."""
        if not hasattr(self, "model"):
            return
        for account in ACCOUNTS:
            state = self.store.load(account)
            expected = [tuple(s) for s in self.model.shown.get(account, [])]
            assert expected == [(s.rule, s.nudge, s.placement, s.at) for s in state.shown]
            assert self.model.claims.get(account, {}) == dict(state.claims)
            assert len(state.claims) == state.trial_extensions_claimed
            events = {(e.nudge, e.kind, e.event_id) for e in state.events}
            assert self.model.events.get(account, set()) == events
            levels = {rule: state.history(rule).last_level for rule in RULES}
            assert {rule: self.model.levels.get((account, rule)) for rule in RULES} == levels

    def _pending(self, rule_id: str, level: Decimal | None) -> Pending:
        self.counter = getattr(self, "counter", 0) + 1
        placement = self.model.rules[rule_id].placement
        shown = Shown(rule=rule_id, nudge=f"n{self.counter}", placement=placement, at=self.now)
        return Pending(shown=shown, level=level)


def _catalog(
    frequencies: list[dict[str, Any]], caps: tuple[int, int], banner: tuple[int, int]
) -> Catalog:
    nudges = {}
    for rule_id, spec in zip(RULES, frequencies, strict=True):
        frequency = {k: v for k, v in spec.items() if k != "placement" and v != ""}
        nudges[rule_id] = {
            "when": {"usage": {"metric": "storage_gb", "levels": [80, 100]}},
            "offer": "none",
            "placement": spec["placement"],
            "frequency": frequency,
            "messages": {"en": {"title": "t", "body": "b"}},
        }
    return catalog_from_dict(
        {
            "currency": "USD",
            "metrics": {"storage_gb": {"kind": "gauge", "unit": "GB"}},
            "plans": {"free": {"limits": {"storage_gb": 10}}},
            "placements": {
                "banner": {"max": 1, "per_day": banner[0], "per_week": banner[1]},
                "modal": {"max": 1},
            },
            "caps": {"per_day": caps[0], "per_week": caps[1]},
            "nudges": nudges,
        }
    )


def _machine(backend: str) -> type[StoreContract]:
    return type(f"{backend.title()}Contract", (StoreContract,), {"backend": backend})


@pytest.mark.parametrize("backend", [*BACKENDS, CACHED])
def test_store_agrees_with_the_model(backend: str) -> None:
    """Every backend gives the model's verdict on every step and holds what it holds."""
    budget = settings()
    runner = _machine(backend).TestCase
    runner.settings = settings(
        budget,
        max_examples=min(budget.max_examples, 150),
        stateful_step_count=30,
        deadline=None,
    )
    runner().runTest()
