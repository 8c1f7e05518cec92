"""Benchmarks of the plan-math core, each as a ratio to a baseline measured in this run.

Usage: python benchmarks/run.py [--quick]
"""

from __future__ import annotations

import argparse
import gc
import logging
import sys
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime
from fractions import Fraction
from typing import Any

import evaluator
import fleet
import logging_cost
import request
import rightsizing
import server
import stores
import yaml
from timing import medians

from nudge_sdk import Item, Period, Quoter, parse_catalog, round_minor


def generated_catalog(plans: int = 100, metrics: int = 20) -> str:
    """A large, valid catalog: `plans` plans limiting all of `metrics` metrics."""
    lines = ["currency: USD", "proration: {granularity: second, rounding: half_even}", "metrics:"]
    kinds = ["counter", "gauge"]
    lines += [f"  m{i}: {{kind: {kinds[i % 2]}, unit: u}}" for i in range(metrics)]
    lines += ["features:"] + [f"  f{i}: {{name: Feature {i}}}" for i in range(10)]
    lines.append("plans:")
    for p in range(plans):
        lines += [
            f"  plan{p}:",
            f"    name: Plan {p}",
            "    prices:",
            f"      month: {{base: {p}.99, per_seat: {p % 7}.50, included_seats: {p % 4}}}",
            f"      year: {p * 10}.00",
            "    limits: {" + ", ".join(f"m{i}: {p * 100 + i}" for i in range(metrics)) + "}",
            f"    features: [{', '.join(f'f{i}' for i in range(p % 10))}]",
        ]
    lines += ["addons:", "  pack: {prices: {month: 8.00}, grants: {m0: 100}}"]
    return "\n".join(lines) + "\n"


def compare(
    baseline: Callable[[], Any], measured: Callable[[], Any], calls: int, repeats: int
) -> tuple[float, float]:
    """Median seconds per call of each, repeats interleaved."""
    base, meas = medians([baseline, measured], calls, repeats)
    return base, meas


def retained(build: Callable[[], Any]) -> int:
    """Bytes still allocated by what `build` returns."""
    gc.collect()
    tracemalloc.start()
    value = build()
    size, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del value
    return size


def main() -> int:
    # This script is an application: it may configure logging, and keeps it quiet.
    logging.getLogger("nudge_sdk").setLevel(logging.ERROR)
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="few repeats, to check it runs")
    quick = parser.parse_args().quick
    repeats = 3 if quick else 15
    rows: list[tuple[str, str, float, float, float | None]] = []

    text = generated_catalog()
    c_loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    base, meas = compare(
        lambda: yaml.load(text, Loader=c_loader),
        lambda: parse_catalog(text),
        1 if quick else 5,
        repeats,
    )
    rows.append(("load 100 plans x 20 metrics", "yaml.load (C loader)", base, meas, 3.0))

    base_bytes = retained(lambda: yaml.load(text, Loader=c_loader))
    catalog_bytes = retained(lambda: parse_catalog(text))

    catalog = parse_catalog(text)
    quoter = Quoter(catalog)
    june = Period(datetime(2025, 6, 1, tzinfo=UTC), datetime(2025, 7, 1, tzinfo=UTC))
    at = datetime(2025, 6, 16, 13, 37, 21, tzinfo=UTC)
    old, new = Item.plan("plan10", "month", seats=3), Item.plan("plan42", "month", seats=5)
    remaining = (june.end - at).total_seconds()
    length = (june.end - june.start).total_seconds()

    def bare_line() -> int:
        return round_minor(Fraction(int(remaining), int(length)) * 4499)

    base, meas = compare(
        bare_line,
        lambda: quoter.quote(old, new, period=june, at=at),
        200 if quick else 5000,
        repeats,
    )
    rows.append(("quote a plan change", "one line's bare arithmetic", base, meas, 5.0))

    rows += evaluator.rows(quick)
    request_rows, request_notes = request.rows(quick)
    rows += request_rows
    rows += logging_cost.rows(quick)
    store_rows, store_notes = stores.rows(quick)
    rows += store_rows
    rows += server.rows(quick)
    print(f"{'measurement':32} {'baseline':28} {'base':>10} {'measured':>10} {'ratio':>7}  target")
    failed = False
    for name, baseline, base_s, meas_s, target in rows:
        ratio = meas_s / base_s
        verdict = "" if target is None else ("ok" if ratio <= target else "MISSED")
        failed |= target is not None and ratio > target
        print(
            f"{name:32} {baseline:28} {base_s * 1e6:8.1f}us {meas_s * 1e6:8.1f}us "
            f"{ratio:6.2f}x  {'' if target is None else f'<= {target:g}x'} {verdict}"
        )
    print(
        f"{'memory of the loaded catalog':32} {'the parsed YAML document':28} "
        f"{base_bytes / 1024:8.0f}KB {catalog_bytes / 1024:8.0f}KB "
        f"{catalog_bytes / base_bytes:6.2f}x"
    )
    for note in [*request_notes, *store_notes]:
        print(f"  {note}")
    print("right-sizing on pathological catalogs: the request, as a ratio to one pack's")
    for case, base_s, meas_s, cold, reached in rightsizing.rows(quick):
        ratio = meas_s / base_s
        verdict = "DEADLINE" if reached else ("ok" if ratio <= rightsizing.TARGET else "MISSED")
        print(f"  {case:44} {ratio:5.2f}x warm, first call {cold * 1e3:6.1f}ms  {verdict}")
    fleet_runs = 200 if quick else 2000
    print(f"fleet: 8 processes x {fleet_runs} evaluations of the same 20 accounts, per store")
    for url in fleet.default_urls():
        try:
            run = fleet.run_fleet(url, evaluations=fleet_runs)
        except Exception as error:  # a missing server is reported, not fatal
            print(f"  {url}: skipped, {error}")
            continue
        print(
            f"  {url[:52]:52} {run.throughput:7.0f} evaluations/s, {run.recorded} shown, "
            f"{run.violations} cap violations, {run.degraded} degraded"
        )
    if failed and not quick:
        print("some targets were missed", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
