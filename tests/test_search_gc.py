"""The offer search's deadline does not count garbage collection: a collection inside a
search pauses its budget, in the thread that runs it, while slow searching still counts."""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from nudge_sdk import Account, Evaluator, Interval, Period, Unit, load_catalog
from nudge_sdk.evaluation import _recommend
from nudge_sdk.evaluation._recommend import Budget

ROOT = Path(__file__).resolve().parent.parent
CATALOG = load_catalog(ROOT / "examples" / "plans.yaml")
NOW = datetime(2025, 6, 16, tzinfo=UTC)
STARTER = Account(
    id="a1",
    plan="starter",
    interval=Interval(Unit.MONTH),
    period=Period(datetime(2025, 6, 1, tzinfo=UTC), datetime(2025, 7, 1, tzinfo=UTC)),
    signup=datetime(2024, 1, 1, tzinfo=UTC),
)
FULL = {"storage_gb": 92, "seats": 3}
DEADLINE_PROBLEM = (
    "search_deadline: the offer search ran out of its 50 ms; offers are the best found by then"
)


class Clock:
    """A clock that moves only when told to."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def slow_collections() -> Iterator[Callable[[Callable[[], None]], None]]:
    """Make every garbage collection run `pause` as it starts, after the SDK's own
    callback (which was installed when it was imported, so it comes first)."""
    added: list[Callable[[str, dict[str, int]], None]] = []

    def install(pause: Callable[[], None]) -> None:
        def callback(phase: str, info: dict[str, int]) -> None:
            if phase == "start":
                pause()

        gc.callbacks.append(callback)
        added.append(callback)
        assert gc.callbacks.index(_recommend._pause_for_collection) < len(gc.callbacks) - 1

    yield install
    for callback in added:
        gc.callbacks.remove(callback)


def burn(seconds: float) -> None:
    """Spend `seconds` of this thread's CPU time."""
    until = time.thread_time() + seconds
    while time.thread_time() < until:
        pass


# -- the budget alone -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("collect_in", "work", "out"),
    [
        ("this thread", 0.0, False),  # a second of collection is taken off
        ("this thread", 1.0, True),  # a second of searching is not
        ("another thread", 0.0, True),  # another thread's collection is not this one's
        ("nowhere", 1.0, True),
        ("nowhere", 0.4, False),
    ],
)
def test_a_budget_pauses_for_its_own_threads_collections(
    slow_collections: Callable[[Callable[[], None]], None],
    collect_in: str,
    work: float,
    out: bool,
) -> None:
    """Inside a search with a half-second budget, a collection that takes a second on the
    budget's clock uses up none of it when this thread runs it, all of it when another
    thread does; time spent otherwise counts as it did."""
    clock = Clock()
    slow_collections(lambda: setattr(clock, "now", clock.now + 1.0))
    budget = Budget(clock, 0.5)
    with budget:
        if collect_in == "this thread":
            gc.collect()
        elif collect_in == "another thread":
            other = threading.Thread(target=gc.collect)
            other.start()
            other.join()
        clock.now += work
        assert out == budget.out()
    assert out == budget.out()  # and so it stays once the search is over


def test_a_collection_between_searches_does_not_count_twice(
    slow_collections: Callable[[Callable[[], None]], None],
) -> None:
    """Time between two searches was never counted: a collection there takes nothing
    off the searches' own time."""
    clock = Clock()
    slow_collections(lambda: setattr(clock, "now", clock.now + 1.0))
    budget = Budget(clock, 0.5)
    with budget:
        clock.now += 0.3
    gc.collect()
    with budget:
        clock.now += 0.3
        assert budget.out()


def test_nested_budgets_both_pause(slow_collections: Callable[[Callable[[], None]], None]) -> None:
    """A budget timed inside another's search (two evaluators, one calling the other):
    a collection pauses both, and each goes on counting afterwards."""
    outer_clock, inner_clock = Clock(), Clock()

    def pause() -> None:
        outer_clock.now += 1.0
        inner_clock.now += 1.0

    slow_collections(pause)
    outer, inner = Budget(outer_clock, 0.5), Budget(inner_clock, 0.5)
    with outer:
        with inner:
            gc.collect()
            assert (False, False) == (outer.out(), inner.out())
        outer_clock.now += 0.6
        assert (True, False) == (outer.out(), inner.out())


def test_the_callback_is_installed_once() -> None:
    """Importing the SDK adds one callback to `gc.callbacks`, and it forgets no budget:
    outside a search no budget is being timed in this thread."""
    assert 1 == gc.callbacks.count(_recommend._pause_for_collection)
    assert _recommend._TIMING.budget is None


# -- whole evaluations ----------------------------------------------------------------


def collecting_inside_searches(monkeypatch: pytest.MonkeyPatch, extra: Callable[[], None]) -> None:
    """Run a full garbage collection, then `extra`, each time a search weighs a plan."""
    original = _recommend.Recommender._on_plan

    def on_plan(self: _recommend.Recommender, *args: Any) -> Any:
        gc.collect()
        extra()
        return original(self, *args)

    monkeypatch.setattr(_recommend.Recommender, "_on_plan", on_plan)


@pytest.mark.parametrize(
    ("collection", "searching", "problems"),
    [
        (1.0, 0.0, ()),  # a second of collection in every search: no deadline
        (0.0, 1.0, (DEADLINE_PROBLEM,)),  # a second of searching: the deadline
        (1.0, 1.0, (DEADLINE_PROBLEM,)),
    ],
)
def test_an_evaluation_on_an_injected_clock(
    monkeypatch: pytest.MonkeyPatch,
    slow_collections: Callable[[Callable[[], None]], None],
    collection: float,
    searching: float,
    problems: tuple[str, ...],
) -> None:
    """With the default 50 ms deadline on an injected clock, collections that take a
    second each inside the searches cost the offers nothing; a search that itself takes
    a second still reaches the deadline."""
    clock = Clock()
    slow_collections(lambda: setattr(clock, "now", clock.now + collection))
    collecting_inside_searches(monkeypatch, lambda: setattr(clock, "now", clock.now + searching))
    result = Evaluator(CATALOG, clock=clock).evaluate(STARTER, FULL, now=NOW, compare=True)
    assert clock.now >= 1.0  # the slow step ran
    assert problems == result.problems
    if not problems:
        unhurried = Evaluator(CATALOG, deadline=60.0).evaluate(STARTER, FULL, now=NOW, compare=True)
        assert unhurried == result


@pytest.mark.parametrize(
    ("collection", "searching", "problems"),
    [
        (0.08, 0.0, ()),  # collections longer than the deadline, on the CPU clock
        (0.0, 0.08, (DEADLINE_PROBLEM,)),  # searching as long
    ],
)
def test_an_evaluation_on_the_cpu_clock(
    monkeypatch: pytest.MonkeyPatch,
    slow_collections: Callable[[Callable[[], None]], None],
    collection: float,
    searching: float,
    problems: tuple[str, ...],
) -> None:
    """On the default clock (`time.thread_time`), a collection that burns 80 ms of CPU
    inside a search leaves the 50 ms deadline alone; 80 ms of searching does not."""
    slow_collections(lambda: burn(collection))
    collecting_inside_searches(monkeypatch, lambda: burn(searching))
    result = Evaluator(CATALOG).evaluate(STARTER, FULL, now=NOW, compare=True)
    assert problems == result.problems
