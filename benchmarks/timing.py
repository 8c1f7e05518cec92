"""Timing helpers shared by the benchmarks: medians of interleaved repeats."""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any


def per_call(function: Callable[[], Any], calls: int) -> float:
    """Mean seconds per call over `calls` calls."""
    start = time.perf_counter()
    for _ in range(calls):
        function()
    return (time.perf_counter() - start) / calls


def medians(functions: Sequence[Callable[[], Any]], calls: int, repeats: int) -> list[float]:
    """Median seconds per call of each function; repeats interleaved so that drifts in
    machine speed hit every function alike."""
    samples: list[list[float]] = [[] for _ in functions]
    gc.collect()
    for _ in range(repeats):
        for sample, function in zip(samples, functions, strict=True):
            sample.append(per_call(function, calls))
    return [statistics.median(sample) for sample in samples]
