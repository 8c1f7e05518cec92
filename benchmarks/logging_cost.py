"""What logging costs an evaluation: a host that configured nothing must pay what a host
that turned the SDK's events off pays (one level check per debug event), not more.

Each repeat times the same distinct requests three ways in turn: logging left alone,
logging configured with the `nudge_sdk` logger at WARNING, and debug events on (sent to
a handler that writes nowhere, so only the SDK's cost is timed).
"""

from __future__ import annotations

import io
import logging
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import evaluator as scenarios

from nudge_sdk import Evaluator, load_catalog

Row = tuple[str, str, float, float, float | None]
ROOT = Path(__file__).resolve().parent.parent


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
        sdk.level, sdk.handlers[:], sdk.propagate = saved[0], saved[1], saved[2]
        sdk.setLevel(saved[0])


def rows(quick: bool) -> list[Row]:
    """Unconfigured against configured-off (target 1.05x), and debug on, reported."""
    example = Evaluator(load_catalog(ROOT / "examples" / "plans.yaml"))
    customer = scenarios.account(seats=3)
    work = scenarios.requests(2000)
    calls, repeats = (200, 5) if quick else (1000, 15)
    position = {"i": 0}

    def one() -> Any:
        position["i"] = (position["i"] + 1) % len(work)
        usage, now = work[position["i"]]
        return example.evaluate(customer, usage, now=now)

    samples: dict[int | None, list[float]] = {None: [], logging.WARNING: [], logging.DEBUG: []}
    with configured(logging.ERROR):  # a warm-up that also fills the caches alike
        _timed(one, calls)
    for _ in range(repeats):
        for level, sample in samples.items():
            with configured(level):
                sample.append(_timed(one, calls))
    quiet, off, on = (statistics.median(samples[k]) for k in (None, logging.WARNING, logging.DEBUG))
    return [
        ("evaluate, logging unconfigured", "logging configured, events off", off, quiet, 1.05),
        ("evaluate, debug events on", "logging configured, events off", off, on, None),
    ]


def _timed(function: Callable[[], Any], calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        function()
    return (time.perf_counter() - start) / calls
