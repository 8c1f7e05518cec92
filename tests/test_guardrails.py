"""Where caps are enforced: every reason a rule is held back, when it is next eligible
(on the customer's calendar, across DST), and how the state changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import pytest

from nudge_sdk import (
    Account,
    Evaluator,
    InvalidCatalog,
    InvalidEvent,
    NudgeEvent,
    Period,
    RuleHistory,
    Shown,
    StateSnapshot,
    catalog_from_dict,
    parse_catalog,
)
from nudge_sdk.billing._periods import Interval, Unit
from nudge_sdk.evaluation._guardrails import MAX_SHOWN, Guardrails, Pending

NOW = datetime(2025, 6, 16, 12, tzinfo=UTC)
H = timedelta(hours=1)
D = timedelta(days=1)


def catalog(frequency: dict[str, Any], **top: Any) -> Any:
    return catalog_from_dict(
        {
            "currency": "USD",
            "metrics": {"storage_gb": {"kind": "gauge", "unit": "GB"}},
            "plans": {"free": {"limits": {"storage_gb": 10}}},
            "placements": {"banner": {"max": 2}},
            "nudges": {
                "full": {
                    "when": {"usage": {"metric": "storage_gb", "levels": [80, 100]}},
                    "offer": "none",
                    "frequency": frequency,
                    "messages": {"en": {"title": "Full", "body": "b"}},
                },
                "other": {
                    "when": {"usage": {"metric": "storage_gb", "levels": [50]}},
                    "offer": "none",
                    "messages": {"en": {"title": "Other", "body": "b"}},
                },
            },
            **top,
        }
    )


def shown(*ages: timedelta, rule: str = "full", placement: str = "banner") -> tuple[Shown, ...]:
    """Impressions of `rule` that long before NOW, oldest first."""
    return tuple(
        Shown(rule=rule, nudge=f"n{i}", placement=placement, at=NOW - age)
        for i, age in enumerate(sorted(ages, reverse=True))
    )


HOLDS = [
    # (frequency, history, impressions, level, reason, next eligible)
    ({}, RuleHistory(dismissed=True), (), None, "dismissed", None),
    (
        {"dismiss_for": "30d"},
        RuleHistory(dismissed=True, dismissed_until=NOW + 5 * D),
        (),
        None,
        "dismissed",
        NOW + 5 * D,
    ),
    ({}, RuleHistory(dismissed=True, dismissed_until=NOW - H), (), None, None, None),
    ({"dismissible": False}, RuleHistory(dismissed=True), (), None, None, None),
    ({}, RuleHistory(snoozed_until=NOW + 2 * H), (), None, "snoozed", NOW + 2 * H),
    ({"snoozable": False}, RuleHistory(snoozed_until=NOW + 2 * H), (), None, None, None),
    ({"cooldown": "3d"}, RuleHistory(last_shown=NOW - D), (), None, "cooldown", NOW + 2 * D),
    ({"cooldown": "3d"}, RuleHistory(last_shown=NOW - 3 * D), (), None, None, None),
    ({"max_per_week": 2}, RuleHistory(), shown(6 * D, D), None, "weekly_cap", NOW + D),
    ({"max_per_week": 2}, RuleHistory(), shown(8 * D, D), None, None, None),
    ({"max_per_week": 2}, RuleHistory(shown_last_week=2), (), None, "weekly_cap", None),
    (
        {"max_shown": 1, "within": "1d"},
        RuleHistory(),
        shown(2 * H),
        None,
        "window_cap",
        NOW + 22 * H,
    ),
    (
        {"max_shown": 2, "within": "30d"},
        RuleHistory(),
        shown(20 * D, 10 * D, D),
        None,
        "window_cap",
        NOW + 20 * D,
    ),
    ({}, RuleHistory(last_level=Decimal(80)), (), Decimal(80), "level_already_shown", None),
    ({}, RuleHistory(last_level=Decimal(80)), (), Decimal(100), None, None),
    ({"once_per_level": False}, RuleHistory(last_level=Decimal(80)), (), Decimal(80), None, None),
    (
        {"cooldown": "1d"},
        RuleHistory(last_shown=NOW - H, snoozed_until=NOW + 3 * D),
        (),
        None,
        "snoozed",
        NOW + 3 * D,
    ),
    (
        {"cooldown": "1d"},
        RuleHistory(last_shown=NOW - H, last_level=Decimal(80)),
        (),
        Decimal(80),
        "cooldown",
        None,
    ),
]


@pytest.mark.parametrize(("frequency", "history", "past", "level", "reason", "until"), HOLDS)
def test_what_holds_a_rule_back(
    frequency: dict[str, Any],
    history: RuleHistory,
    past: tuple[Shown, ...],
    level: Decimal | None,
    reason: str | None,
    until: datetime | None,
) -> None:
    """Each state reason, its next eligible time, and when nothing holds any more."""
    rails = Guardrails(catalog(frequency))
    miss = rails.hold(rails.rules["full"], level, None, history, past, NOW)
    assert (reason, until) == ((miss.reason, miss.until) if miss else (None, None))


def test_a_level_from_an_earlier_usage_window_is_forgotten() -> None:
    """A counter's level shown in last period's window does not hold this period back;
    this period's does, until the window ends."""
    rails = Guardrails(catalog({}))
    june_end, july_end = NOW + 14 * D, NOW + 44 * D
    history = RuleHistory(last_level=Decimal(80), level_window=june_end)
    assert rails.hold(rails.rules["full"], Decimal(80), july_end, history, (), NOW) is None
    miss = rails.hold(rails.rules["full"], Decimal(80), june_end, history, (), NOW)
    assert miss is not None
    assert ("level_already_shown", june_end) == (miss.reason, miss.until)


NEW_YORK = ZoneInfo("America/New_York")
KOLKATA = ZoneInfo("Asia/Kolkata")


def local(zone: ZoneInfo, *args: int) -> datetime:
    return datetime(*args, tzinfo=zone)  # type: ignore[arg-type,misc]


CAPS = [
    # (caps, zone, impressions (at, placement), now, placement, reason, next eligible)
    (
        {"caps": {"per_day": 1}},
        NEW_YORK,
        [(local(NEW_YORK, 2025, 3, 8, 23, 30), "banner")],
        local(NEW_YORK, 2025, 3, 9, 10),
        "banner",
        None,
        None,
    ),
    (  # the day DST starts: tomorrow's midnight is 04:00 UTC, not 05:00
        {"caps": {"per_day": 1}},
        NEW_YORK,
        [(local(NEW_YORK, 2025, 3, 9, 1), "banner")],
        local(NEW_YORK, 2025, 3, 9, 10),
        "banner",
        "global_cap",
        datetime(2025, 3, 10, 4, tzinfo=UTC),
    ),
    (  # the day DST ends: tomorrow's midnight is 05:00 UTC
        {"caps": {"per_day": 1}},
        NEW_YORK,
        [(local(NEW_YORK, 2025, 11, 2, 0, 30), "banner")],
        local(NEW_YORK, 2025, 11, 2, 23, 59),
        "banner",
        "global_cap",
        datetime(2025, 11, 3, 5, tzinfo=UTC),
    ),
    (  # 19:00 UTC is already tomorrow in Kolkata
        {"caps": {"per_day": 1}},
        KOLKATA,
        [(datetime(2025, 6, 15, 19, tzinfo=UTC), "banner")],
        datetime(2025, 6, 16, 10, tzinfo=UTC),
        "banner",
        "global_cap",
        datetime(2025, 6, 16, 18, 30, tzinfo=UTC),
    ),
    (  # seven calendar days: the oldest of two leaves at the midnight after six days
        {"caps": {"per_week": 2}},
        ZoneInfo("UTC"),
        [(NOW - 6 * D, "banner"), (NOW - 2 * D, "modal")],
        NOW,
        "banner",
        "global_cap",
        datetime(2025, 6, 17, tzinfo=UTC),
    ),
    (
        {"caps": {"per_week": 2}},
        ZoneInfo("UTC"),
        [(NOW - 7 * D, "banner"), (NOW - 2 * D, "banner")],
        NOW,
        "banner",
        None,
        None,
    ),
    (
        {"placements": {"banner": {"max": 2, "per_day": 1}}},
        ZoneInfo("UTC"),
        [(NOW - H, "modal")],
        NOW,
        "banner",
        None,
        None,
    ),
    (
        {"placements": {"banner": {"max": 2, "per_day": 1}}},
        ZoneInfo("UTC"),
        [(NOW - H, "banner")],
        NOW,
        "banner",
        "placement_cap",
        datetime(2025, 6, 17, tzinfo=UTC),
    ),
    (  # both caps hold: eligible when the later lifts
        {"caps": {"per_day": 1, "per_week": 2}},
        ZoneInfo("UTC"),
        [(NOW - 3 * D, "banner"), (NOW - H, "banner")],
        NOW,
        "banner",
        "global_cap",
        datetime(2025, 6, 20, tzinfo=UTC),
    ),
]


@pytest.mark.parametrize(("top", "zone", "past", "now", "placement", "reason", "until"), CAPS)
def test_caps_count_the_customers_calendar(
    top: dict[str, Any],
    zone: ZoneInfo,
    past: list[tuple[datetime, str]],
    now: datetime,
    placement: str,
    reason: str | None,
    until: datetime | None,
) -> None:
    """Account and placement caps count local calendar days, and lift at local midnight."""
    rails = Guardrails(catalog({}, **top))
    impressions = tuple(
        Shown(rule="other", nudge=f"n{i}", placement=p, at=at) for i, (at, p) in enumerate(past)
    )
    tally = rails.tally(StateSnapshot(shown=impressions), now, zone)
    assert tally is not None
    miss = tally.blocked(placement)
    assert (reason, until) == ((miss.reason, miss.until) if miss else (None, None))


def account(zone: str = "UTC") -> Account:
    june = Period(datetime(2025, 6, 1, tzinfo=UTC), datetime(2025, 7, 1, tzinfo=UTC))
    return Account(
        id="a1",
        plan="free",
        interval=Interval(Unit.MONTH),
        period=june,
        signup=datetime(2024, 1, 1, tzinfo=UTC),
        zone=zone,
    )


def test_explain_says_when_a_rule_is_next_eligible() -> None:
    """The evaluator's decisions carry the reason and next_eligible_at; a global cap
    holds back the second rule of the same evaluation."""
    evaluator = Evaluator(catalog({"cooldown": "3d"}, caps={"per_day": 1}))
    usage = {"storage_gb": 9}
    first = evaluator.evaluate(account(), usage, now=NOW, explain=True)
    decisions = {d.rule: d for d in first.decisions}
    assert ["full"] == [n.rule for n in first.nudges]
    assert ("global_cap", datetime(2025, 6, 17, tzinfo=UTC)) == (
        decisions["other"].reason,
        decisions["other"].next_eligible_at,
    )
    [impression] = first.impressions
    state = StateSnapshot(
        rules={"full": RuleHistory(last_shown=NOW, last_level=Decimal(80))},
        shown=(Shown(rule="full", nudge=impression.nudge, placement="banner", at=NOW),),
    )
    later = evaluator.evaluate(account(), usage, now=NOW + D, explain=True, state=state)
    decisions = {d.rule: d for d in later.decisions}
    assert "cooldown" == decisions["full"].reason
    assert decisions["full"].next_eligible_at is None  # level 80 waits for usage to move
    assert ("shown", None) == (decisions["other"].reason, decisions["other"].next_eligible_at)


RAILS = Guardrails(catalog({"dismiss_for": "14d", "max_snooze": "2d"}))
SEEN = StateSnapshot(shown=shown(H))


def event(kind: Any, **changes: Any) -> NudgeEvent:
    return NudgeEvent(
        **{"nudge": "n0", "rule": "", "kind": kind, "at": NOW, "event_id": "e1"} | changes
    )


def test_a_snooze_is_cut_to_the_rules_longest() -> None:
    """A customer may snooze for as long as the rule allows, not longer."""
    state = RAILS.report("a1", SEEN, event("snoozed", until=NOW + 30 * D))
    assert NOW + 2 * D == state.history("full").snoozed_until
    assert NOW + 2 * D == state.events[-1].until


def test_a_dismissal_lasts_dismiss_for() -> None:
    """'Don't show again' with dismiss_for lasts that long, then is forgotten."""
    state = RAILS.report("a1", SEEN, event("dismissed"))
    assert (True, NOW + 14 * D) == (
        state.history("full").dismissed,
        state.history("full").dismissed_until,
    )
    assert not RAILS.prune(state, NOW + 15 * D).history("full").dismissed


@pytest.mark.parametrize(
    ("state", "sent", "message"),
    [
        (
            StateSnapshot(),
            event("clicked"),
            "event 'clicked' for nudge 'n0' of account 'a1': this account was not shown that nudge",
        ),
        (
            SEEN,
            event("snoozed", until=NOW - H),
            "event 'snoozed' for nudge 'n0' of account 'a1': a snooze needs an `until` after `at`",
        ),
        (
            SEEN,
            event("liked"),
            "event 'liked' for nudge 'n0' of account 'a1': expected one of: shown, clicked, "
            "dismissed, snoozed, converted",
        ),
    ],
)
def test_bad_events_are_refused(state: StateSnapshot, sent: NudgeEvent, message: str) -> None:
    """Unknown nudges, senseless snoozes and unknown kinds: a clear InvalidEvent."""
    with pytest.raises(InvalidEvent) as raised:
        RAILS.report("a1", state, sent)
    assert message == str(raised.value)


def test_the_same_event_twice_changes_nothing() -> None:
    """Events are idempotent by (nudge, kind, event id)."""
    once = RAILS.report("a1", SEEN, event("clicked"))
    assert once is RAILS.report("a1", once, event("clicked"))
    assert once is not RAILS.report("a1", once, event("clicked", event_id="e2"))


def test_a_commit_refuses_what_another_server_showed_first() -> None:
    """Recording re-checks the caps on the freshest state and says why it refused."""
    rails = Guardrails(catalog({"cooldown": "1d"}))
    item = Pending(shown=Shown(rule="full", nudge="x", placement="banner", at=NOW))
    first, refused = rails.record(StateSnapshot(), [item], (), NOW, UTC)
    assert {} == refused
    again, refused = rails.record(first, [attrs.evolve(item)], (), NOW, UTC)
    assert ["cooldown"] == [miss.reason for miss in refused.values()]
    assert first.shown == again.shown


def test_pruning_keeps_what_the_caps_need_and_no_more() -> None:
    """Impressions older than the retention, or beyond MAX_SHOWN, go; rules the catalog
    lost go too."""
    rails = Guardrails(catalog({}))
    many = tuple(
        Shown(rule="full", nudge=f"n{i}", placement="banner", at=NOW - i * timedelta(minutes=1))
        for i in reversed(range(MAX_SHOWN + 10))
    )
    old = Shown(rule="full", nudge="old", placement="banner", at=NOW - rails.retention)
    state = StateSnapshot(shown=(old, *many), rules={"gone": RuleHistory(dismissed=True)})
    pruned = rails.prune(state, NOW)
    assert MAX_SHOWN == len(pruned.shown)
    assert "old" not in {s.nudge for s in pruned.shown}
    assert many[-MAX_SHOWN:] == pruned.shown
    assert {} == dict(pruned.rules)


def test_a_late_commit_counts_what_was_recorded_after_it() -> None:
    """A commit whose `now` is earlier than impressions already recorded (a slow request,
    a clock running behind) counts them as today's and refuses to overfill a cap; and
    the rule's last showing stays the latest one."""
    rails = Guardrails(catalog({}, caps={"per_day": 1}))
    later = Pending(shown=Shown(rule="other", nudge="later", placement="banner", at=NOW + D))
    state, _ = rails.record(StateSnapshot(), [later], (), NOW + D, UTC)
    early = Pending(shown=Shown(rule="full", nudge="early", placement="banner", at=NOW))
    after, refused = rails.record(state, [early], (), NOW, UTC)
    assert ["global_cap"] == [miss.reason for miss in refused.values()]
    assert after.shown == state.shown
    free = Guardrails(catalog({"once_per_level": False}))
    first = Pending(shown=Shown(rule="full", nudge="a", placement="banner", at=NOW + D))
    state, _ = free.record(StateSnapshot(), [first], (), NOW + D, UTC)
    slow = Pending(shown=Shown(rule="full", nudge="b", placement="banner", at=NOW))
    state, refused = free.record(state, [slow], (), NOW, UTC)
    assert ({}, NOW + D) == (refused, state.history("full").last_shown)


CAP_HEAD = "currency: USD\nmetrics: {gb: {kind: gauge}}\nplans:\n  a: {}\n"
CAP_RULE = (
    "nudges:\n  r:\n    when: {usage: {metric: gb, levels: [80]}}\n"
    "    messages: {en: {title: t, body: b}}\n"
)
COUNTS_TOO_HIGH = [
    (
        CAP_HEAD + CAP_RULE + "    frequency: {max_shown: 501}\n",
        "p.yaml:9:17: nudges.r.frequency.max_shown: 501 is more than the 500 impressions "
        "a store keeps per account",
    ),
    (
        CAP_HEAD + CAP_RULE + "    frequency: {max_per_week: 600}\n",
        "p.yaml:9:17: nudges.r.frequency.max_per_week: 600 is more than the 500 impressions "
        "a store keeps per account",
    ),
    (
        CAP_HEAD + "caps: {per_week: 1000}\n",
        "p.yaml:5:8: caps.per_week: 1000 is more than the 500 impressions a store keeps "
        "per account",
    ),
    (
        CAP_HEAD + "placements: {banner: {per_day: 501}}\n",
        "p.yaml:5:23: placements.banner.per_day: 501 is more than the 500 impressions a "
        "store keeps per account",
    ),
]


@pytest.mark.parametrize(("text", "expected"), COUNTS_TOO_HIGH)
def test_a_cap_beyond_what_a_store_keeps_is_refused(text: str, expected: str) -> None:
    """A cap counting more impressions than a store keeps could never be reached, so it
    is a located catalog error, not a cap silently never enforced."""
    with pytest.raises(InvalidCatalog) as caught:
        parse_catalog(text, source="p.yaml")
    assert [expected] == str(caught.value).splitlines()


def test_a_cap_of_exactly_what_a_store_keeps_loads() -> None:
    """500 is allowed everywhere a count is."""
    parse_catalog(
        CAP_HEAD
        + "caps: {per_day: 500, per_week: 500}\n"
        + "placements: {banner: {per_day: 500, per_week: 500}}\n"
        + CAP_RULE
        + "    frequency: {max_shown: 500, max_per_week: 500}\n",
        source="p.yaml",
    )
