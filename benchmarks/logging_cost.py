"""What logging costs an evaluation: a host that configured nothing must pay what a host
that turned the SDK's events off pays (one level check per event), and hardly more than
an SDK whose logging was cut out altogether.

Each repeat times the same distinct requests four ways in turn: the SDK's logging
stubbed out (its logger's methods do nothing and `debugging()` is constant False, so
no level is checked and no event built: the baseline that makes the check able to
fail), logging left alone, logging configured with the `nudge_sdk` logger at WARNING,
and debug events on (sent to a handler that writes nowhere, so only the SDK's cost is
timed).

Usage: python benchmarks/logging_cost.py [--quick]   (exits 1 when a target is missed)
"""

from __future__ import annotations

import argparse
import io
import logging
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import evaluator as scenarios

import nudge_sdk._log
from nudge_sdk import Evaluator, load_catalog

Row = tuple[str, str, float, float, float | None]
ROOT = Path(__file__).resolve().parent.parent
TARGET = 1.05
STUBBED = "stubbed"
"""The state with the SDK's logging cut out (the other states are logger levels)."""


@contextmanager
def configured(level: int | None) -> Iterator[None]:
    """The `nudge_sdk` logger as a host would leave it: untouched (`None`) or set to
    `level` with a handler."""
    sdk = logging.getLogger("nudge_sdk")
    saved = (sdk.level, list(sdk.handlers), sdk.propagate)
    if level is None:  # as a fresh process has it, whatever the benchmark set before
        sdk.handlers[:] = []
        sdk.setLevel(logging.NOTSET)
        sdk.propagate = True
    else:
        sdk.handlers[:] = [logging.StreamHandler(io.StringIO())]
        sdk.setLevel(level)
        sdk.propagate = False
    try:
        yield
    finally:
        sdk.handlers[:], sdk.propagate = saved[1], saved[2]
        sdk.setLevel(saved[0])


@contextmanager
def stubbed() -> Iterator[None]:
    """The SDK with its logging cut out: every module's `debugging` answers False
    without asking `logging`, and the logger's methods return at once."""

    def never() -> bool:
        return False

    def nothing(self: object, event: str, **fields: object) -> None:
        return None

    real = nudge_sdk._log.debugging
    users = [
        module
        for module in list(sys.modules.values())
        if getattr(module, "__name__", "").startswith("nudge_sdk")
        and getattr(module, "debugging", None) is real
    ]
    events = nudge_sdk._log.Events
    with ExitStack() as restore:
        for module in users:
            module.debugging = never  # type: ignore[attr-defined]
            restore.callback(setattr, module, "debugging", real)
        for name in ("debug", "info", "warning", "error", "exception"):
            restore.callback(setattr, events, name, vars(events)[name])
            setattr(events, name, nothing)
        yield


def rows(quick: bool) -> list[Row]:
    """Unconfigured and configured-off against stubbed out, unconfigured against
    configured-off (each target 1.05x), and debug on, reported."""
    example = Evaluator(load_catalog(ROOT / "examples" / "plans.yaml"))
    customer = scenarios.account(seats=3)
    work = scenarios.requests(2000)
    # Many short rounds, each timing every state, in an order that rotates: the
    # machine's speed drifts within seconds, and must hit every state alike.
    calls, rounds = (40, 40) if quick else (40, 400)
    position = {"i": 0}

    def one() -> Any:
        position["i"] = (position["i"] + 1) % len(work)
        usage, now = work[position["i"]]
        return example.evaluate(customer, usage, now=now)

    states: list[int | str | None] = [STUBBED, None, logging.WARNING, logging.DEBUG]
    samples: dict[int | str | None, list[float]] = {state: [] for state in states}
    with configured(logging.ERROR):  # a warm-up that also fills the caches alike
        _timed(one, 10 * calls)
    for round_ in range(rounds):
        for state in states[round_ % 4 :] + states[: round_ % 4]:
            with ExitStack() as stack:
                stack.enter_context(configured(state if isinstance(state, int) else None))
                if state == STUBBED:
                    stack.enter_context(stubbed())
                samples[state].append(_timed(one, calls))
    cut, quiet, off, on = (statistics.median(samples[state]) for state in states)
    return [
        ("evaluate, logging unconfigured", "the SDK's logging stubbed out", cut, quiet, TARGET),
        ("evaluate, events configured off", "the SDK's logging stubbed out", cut, off, TARGET),
        ("evaluate, logging unconfigured", "logging configured, events off", off, quiet, TARGET),
        ("evaluate, debug events on", "logging configured, events off", off, on, None),
    ]


def _timed(function: Callable[[], Any], calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        function()
    return (time.perf_counter() - start) / calls


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few repeats, to check it runs")
    missed = False
    print(f"{'measurement':32} {'baseline':32} {'base':>9} {'measured':>9} {'ratio':>6}  target")
    for name, baseline, base, measured, target in rows(parser.parse_args().quick):
        ratio = measured / base
        verdict = "" if target is None else ("ok" if ratio <= target else "MISSED")
        missed |= verdict == "MISSED"
        print(
            f"{name:32} {baseline:32} {base * 1e6:7.1f}us {measured * 1e6:7.1f}us "
            f"{ratio:5.3f}x  {'' if target is None else f'<= {target:g}x'} {verdict}"
        )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
