"""Nudges: the evaluator with a store. It remembers, counts its round trips, takes the
frontend's events, claims trial extensions once, and survives a store that fails."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import attrs
import pytest
import structlog

from nudge_sdk import (
    Account,
    Breaker,
    Evaluation,
    InvalidEvent,
    InvalidInput,
    MemoryStore,
    Nudges,
    Period,
    StateSnapshot,
    Store,
    StoreUnavailable,
    load_catalog,
)
from nudge_sdk.billing._periods import Interval, Unit
from tests.store_backends import BACKENDS, KEEP, fresh_store

ROOT = Path(__file__).resolve().parent.parent
CATALOG = load_catalog(ROOT / "examples" / "plans.yaml")
NOW = datetime(2025, 6, 16, tzinfo=UTC)
JUNE = Period(datetime(2025, 6, 1, tzinfo=UTC), datetime(2025, 7, 1, tzinfo=UTC))
STARTER = Account(
    id="a1",
    plan="starter",
    interval=Interval(Unit.MONTH),
    period=JUNE,
    signup=datetime(2024, 1, 1, tzinfo=UTC),
    seats=3,
)
FULL = {"storage_gb": 92, "seats": 1}


def rules(result: Evaluation) -> list[str]:
    return [n.rule for n in result.nudges]


def reasons(result: Evaluation) -> dict[str, tuple[str, datetime | None]]:
    return {d.rule: (d.reason, d.next_eligible_at) for d in result.decisions}


def details(result: Evaluation) -> dict[str, str]:
    return {d.rule: d.detail for d in result.decisions}


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    with fresh_store(request.param, tmp_path) as made:
        yield made


def test_the_second_evaluation_is_held_back(store: Store) -> None:
    """What one evaluation shows, the next remembers: cooldown, with when it ends. One
    read and one write per evaluation, on every backend."""
    nudges = Nudges(CATALOG, store, keep_for=KEEP)
    first = nudges.evaluate(STARTER, FULL, now=NOW)
    assert ["storage_almost_full"] == rules(first)
    assert 2 == store.round_trips  # one read, one write
    again = nudges.evaluate(STARTER, FULL, now=NOW + timedelta(hours=1), explain=True)
    assert [] == rules(again)
    assert ("cooldown", NOW + timedelta(days=3)) == reasons(again)["storage_almost_full"]
    assert 3 == store.round_trips  # nothing shown, nothing written
    later = nudges.evaluate(STARTER, FULL, now=NOW + timedelta(days=3))
    assert ["storage_almost_full"] == rules(later)
    assert 5 == store.round_trips


def test_events_dismiss_and_snooze(store: Store) -> None:
    """The frontend's dismissal and snooze hold the rule back, on every backend."""
    nudges = Nudges(CATALOG, store, keep_for=KEEP)
    nudge = nudges.evaluate(STARTER, FULL, now=NOW).nudges[0]
    until = NOW + timedelta(days=5)
    reported = nudges.report("a1", nudge.id, "snoozed", at=NOW, until=until)
    assert (True, False) == (reported.recorded, reported.duplicate)
    held = nudges.evaluate(STARTER, FULL, now=NOW + timedelta(days=4), explain=True)
    assert ("snoozed", until) == reasons(held)["storage_almost_full"]
    nudges.report("a1", nudge.id, "dismissed", at=NOW + timedelta(days=4))
    gone = nudges.evaluate(STARTER, FULL, now=NOW + timedelta(days=9), explain=True)
    assert ("dismissed", None) == reasons(gone)["storage_almost_full"]
    assert nudges.report("a1", nudge.id, "dismissed", at=NOW + timedelta(days=4)).duplicate


def test_events_for_nudges_the_account_was_not_shown_are_refused() -> None:
    """An unknown nudge id, or another account's, is a clear error; nothing is stored."""
    nudges = Nudges(CATALOG)
    nudge = nudges.evaluate(STARTER, FULL, now=NOW).nudges[0]
    with pytest.raises(InvalidEvent, match="this account was not shown that nudge"):
        nudges.report("someone-else", nudge.id, "dismissed", at=NOW)
    with pytest.raises(InvalidEvent, match="this account was not shown that nudge"):
        nudges.report("a1", "no-such-nudge", "clicked", at=NOW)
    with pytest.raises(InvalidEvent, match="expected one of: shown, clicked"):
        nudges.report("a1", nudge.id, "liked", at=NOW)  # type: ignore[arg-type]
    assert 0 == nudges.history("someone-else").version


def test_a_converted_event_keeps_what_was_bought() -> None:
    """Conversions carry the plan or add-on and the amount, for reporting."""
    nudges = Nudges(CATALOG)
    nudge = nudges.evaluate(STARTER, FULL, now=NOW).nudges[0]
    nudges.report("a1", nudge.id, "converted", at=NOW, addon="storage_pack", amount_minor=400)
    [event] = nudges.history("a1").events
    assert ("converted", "storage_pack", 400, "storage_almost_full") == (
        event.kind,
        event.addon,
        event.amount_minor,
        event.rule,
    )


def test_a_conversion_to_something_the_catalog_does_not_sell_is_kept_and_logged() -> None:
    """The billing system may sell more than the catalog: the event is recorded, and a
    warning names what the catalog does not know."""
    nudges = Nudges(CATALOG)
    nudge = nudges.evaluate(STARTER, FULL, now=NOW).nudges[0]
    with structlog.testing.capture_logs() as logs:
        reported = nudges.report("a1", nudge.id, "converted", at=NOW, plan="zzz")
    assert reported.recorded
    assert [("nudge.event.unknown_item", "zzz")] == [
        (entry["event"], entry["plan"]) for entry in logs
    ]


TRIAL = attrs.evolve(
    STARTER, id="t1", trial_end=NOW + timedelta(days=2), signup=NOW - timedelta(days=12)
)
ENGAGED = {"seats": 2, "storage_gb": 1}


def test_a_trial_extension_is_claimed_once(store: Store) -> None:
    """A claim is idempotent by key and at most the rule's max; the evaluator then
    stops offering it."""
    nudges = Nudges(CATALOG, store, keep_for=KEEP)
    [offer] = [
        n for n in nudges.evaluate(TRIAL, ENGAGED, now=NOW).nudges if n.kind == "trial_extension"
    ]
    claim = nudges.claim_trial_extension("t1", offer.id, at=NOW)
    assert (True, 7, False) == (claim.granted, claim.days, claim.duplicate)
    again = nudges.claim_trial_extension("t1", offer.id, at=NOW)
    assert (True, 7, True) == (again.granted, again.days, again.duplicate)
    other = nudges.claim_trial_extension("t1", offer.id, at=NOW, key="another-click")
    assert (False, "extensions_used: 1") == (other.granted, other.reason)
    assert 1 == nudges.history("t1").trial_extensions_claimed
    later = nudges.evaluate(TRIAL, ENGAGED, now=NOW + timedelta(hours=1), explain=True)
    assert "extensions_used" == reasons(later)["trial_more_days"][0]


def test_only_trial_extensions_can_be_claimed() -> None:
    """Claiming through a nudge that offers no extension is refused."""
    nudges = Nudges(CATALOG)
    nudge = nudges.evaluate(STARTER, FULL, now=NOW).nudges[0]
    with pytest.raises(InvalidEvent, match="not a trial extension it was shown"):
        nudges.claim_trial_extension("a1", nudge.id, at=NOW)


class Broken(MemoryStore):
    """A store that fails every call until `healed`."""

    name = "broken://"

    def __init__(self) -> None:
        super().__init__()
        self.healed = False
        self.calls = 0

    def load(self, account: str) -> StateSnapshot:
        self.calls += 1
        if not self.healed:
            raise StoreUnavailable(self.name, "connection refused")
        return super().load(account)


def test_a_failing_store_degrades_to_no_nudge() -> None:
    """Quiet by default: no nudge it could not cap, degraded, the reason named."""
    result = Nudges(CATALOG, Broken()).evaluate(STARTER, FULL, now=NOW, explain=True)
    assert ([], True) == (rules(result), result.degraded)
    assert ("store_unavailable: connection refused",) == result.problems
    assert "store_unavailable" == reasons(result)["storage_almost_full"][0]


def test_a_held_back_decision_names_the_store_problem_once() -> None:
    """The decision's detail is the store's reason, not the problem code twice."""
    result = Nudges(CATALOG, Broken()).evaluate(STARTER, FULL, now=NOW, explain=True)
    assert "connection refused" == details(result)["storage_almost_full"]


class Contended(MemoryStore):
    """A store on which another writer wins every compare-and-set."""

    name = "contended://"

    def save(self, account: str, state: StateSnapshot, *, expires: datetime) -> bool:
        self.round_trips += 1
        return False


def test_a_contended_account_does_not_open_the_breaker() -> None:
    """Losing every race on one account degrades that evaluation, but the store
    answers: the breaker stays closed for every other account."""
    nudges = Nudges(CATALOG, Contended(), breaker=Breaker(failures=1, pause=60))
    for _ in range(3):
        result = nudges.evaluate(STARTER, FULL, now=NOW)
        assert ([], True) == (rules(result), result.degraded)
        assert result.problems[0].startswith("store_unavailable: account 'a1' changed 8 times")
    assert not nudges.breaker.open


def test_uncapped_shows_what_it_found() -> None:
    """A host may choose to show nudges it cannot cap while the store is down."""
    result = Nudges(CATALOG, Broken(), on_store_failure="uncapped").evaluate(STARTER, FULL, now=NOW)
    assert (["storage_almost_full"], True) == (rules(result), result.degraded)


def test_event_writes_that_fail_are_reported_not_raised() -> None:
    """A failed event write is in the result, never an exception."""
    reported = Nudges(CATALOG, Broken()).report("a1", "n1", "clicked", at=NOW)
    assert (False, "store_unavailable: connection refused") == (
        reported.recorded,
        reported.problem,
    )


def test_the_breaker_stops_calling_then_probes() -> None:
    """After `failures` failures the store is not called; a background probe closes the
    breaker once the store answers again."""
    store = Broken()
    breaker = Breaker(failures=2, pause=0.05)
    nudges = Nudges(CATALOG, store, breaker=breaker)
    for _ in range(5):
        nudges.evaluate(STARTER, FULL, now=NOW)
    assert breaker.open
    calls = store.calls
    nudges.evaluate(STARTER, FULL, now=NOW)
    assert calls <= store.calls <= calls + 1  # at most a probe ran meanwhile
    store.healed = True
    deadline = time.monotonic() + 5
    while breaker.open and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not breaker.open
    assert ["storage_almost_full"] == rules(nudges.evaluate(STARTER, FULL, now=NOW))
    nudges.close()


def closed_port() -> int:
    """A local port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize("scheme", ["redis", "postgresql"])
def test_an_unreachable_server_answers_within_the_timeout(scheme: str) -> None:
    """Pointed at a closed port, evaluate returns quickly, degraded, sync and async."""
    url = (
        f"redis://127.0.0.1:{closed_port()}/0"
        if scheme == "redis"
        else f"postgresql://postgres@127.0.0.1:{closed_port()}/test"
    )
    nudges = Nudges(CATALOG, url, timeout=0.2)
    started = time.monotonic()
    result = nudges.evaluate(STARTER, FULL, now=NOW)
    waited = time.monotonic() - started
    assert ([], True) == (rules(result), result.degraded)
    assert result.problems[0].startswith("store_unavailable: ")
    assert waited < 0.2 + 1.0
    started = time.monotonic()
    result = asyncio.run(nudges.aevaluate(STARTER, FULL, now=NOW))
    assert ([], True) == (rules(result), result.degraded)
    assert time.monotonic() - started < 0.2 + 1.0
    nudges.close()


def test_async_hosts_get_the_same_answers(store: Store) -> None:
    """aevaluate reads and records like evaluate, on every backend."""

    async def run() -> tuple[Evaluation, Evaluation]:
        nudges = Nudges(CATALOG, store, keep_for=KEEP)
        first = await nudges.aevaluate(STARTER, FULL, now=NOW)
        again = await nudges.aevaluate(STARTER, FULL, now=NOW, explain=True)
        await nudges.aclose()
        return first, again

    first, again = asyncio.run(run())
    assert ["storage_almost_full"] == rules(first)
    assert "cooldown" == reasons(again)["storage_almost_full"][0]


def test_bad_input_never_reaches_the_store() -> None:
    """An unusable account degrades in the evaluator; the store is not called."""
    store = Broken()
    result = Nudges(CATALOG, store, keep_for=KEEP).evaluate("not an account", FULL, now=NOW)  # type: ignore[arg-type]
    assert (True, 0) == (result.degraded, store.calls)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"on_store_failure": "loud"}, "on_store_failure: 'loud'; expected quiet or uncapped"),
        ({"keep_for": timedelta(days=1)}, "keep_for 1 day, 0:00:00 is shorter than the 30 days"),
    ],
)
def test_bad_options_are_refused_at_start_up(options: dict[str, Any], message: str) -> None:
    """Configuration errors fail loudly when the host builds Nudges."""
    with pytest.raises(ValueError, match=message):
        Nudges(CATALOG, **options)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"account": ""}, "account must be text of 1 to 512 characters"),
        ({"nudge": "x" * 513}, "nudge must be text of 1 to 512 characters"),
        ({"event_id": 7}, "event_id must be text of 1 to 512 characters"),
        ({"plan": {"id": "team"}}, "plan must be text of 1 to 512 characters"),
        ({"addon": ""}, "addon must be text of 1 to 512 characters"),
        ({"amount_minor": 9.99}, "amount_minor must be whole minor units"),
    ],
)
def test_reports_check_their_fields(changes: dict[str, Any], message: str) -> None:
    """Every field of a report is checked before the store is touched."""
    store = Broken()
    arguments: dict[str, Any] = {"account": "a1", "nudge": "n1", "kind": "converted"} | changes
    with pytest.raises(InvalidEvent, match=message):
        Nudges(CATALOG, store).report(**arguments, at=NOW)
    assert 0 == store.calls


def test_reports_at_the_ends_of_the_calendar_are_input_errors() -> None:
    """An event in year 9999 is refused as input, not counted as a store failure (its
    expiry would overflow), so it cannot open the breaker."""
    nudges = Nudges(CATALOG, breaker=Breaker(failures=1, pause=60))
    far = datetime(9999, 1, 1, tzinfo=UTC)
    with pytest.raises(InvalidInput, match="outside the instants the SDK computes with"):
        nudges.report("a1", "n1", "clicked", at=far)
    assert not nudges.breaker.open
