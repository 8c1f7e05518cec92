"""Right-sizing on catalogs built to blow a search up, as a ratio to the example catalog
(one storage pack) for the same account and usage, in the same run.

Usage: python benchmarks/rightsizing.py [--quick]

Each row is one catalog at one usage: the whole request (`evaluate` with `compare`, then
JSON bytes) for a Starter account, 100 GB included, on the example catalog with the
storage packs replaced and Business's storage capped (see `capped`). "cold" is the
first call (the pack tables grow then), "warm" the median after. A row fails if the
warm ratio passes 2x or the search reached its deadline.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
from hostile import NOW, STARTER
from timing import medians

from nudge_sdk import Evaluator, load_catalog, to_json_bytes
from nudge_sdk.billing._periods import Interval, Unit
from nudge_sdk.catalog._catalog import AddOn, Catalog, Plan, Price

ROOT = Path(__file__).resolve().parent.parent
MONTH, YEAR = Interval(Unit.MONTH), Interval(Unit.YEAR)
TARGET = 2.0
USAGES = (Decimal(95), Decimal(450), Decimal(900), Decimal(10) ** 6, Decimal(10) ** 12)


def pack(addon_id: str, gb: str, cents: int, grants: dict[str, str] | None = None) -> AddOn:
    return AddOn(
        id=addon_id,
        name=addon_id,
        prices={MONTH: cents, YEAR: cents * 10},
        grants={m: Decimal(v) for m, v in (grants or {"storage_gb": gb}).items()},
    )


def with_packs(base: Catalog, packs: list[AddOn], plans: int = 0) -> Catalog:
    """The example catalog with every storage pack but `storage_pack` replaced by
    `packs`, and `plans` more plans between Team and Business."""
    addons = {a: addon for a, addon in base.addons.items() if "storage_gb" not in addon.grants}
    addons["storage_pack"] = base.addons["storage_pack"]
    addons |= {addon.id: addon for addon in packs}
    ladder = dict(base.plans)
    if plans:
        team = base.plans["team"]
        extra: dict[str, Plan] = {}
        for index in range(plans):
            extra[f"tier{index}"] = attrs.evolve(
                team,
                id=f"tier{index}",
                name=f"Tier {index}",
                prices={MONTH: Price(base=7900 + 100 * index, per_seat=0)},
                limits={**team.limits, "storage_gb": Decimal(1000 + 50 * index)},
            )
        order = list(ladder)
        at = order.index("team") + 1
        ladder = {k: ladder[k] for k in order[:at]} | extra | {k: ladder[k] for k in order[at:]}
    return attrs.evolve(base, addons=addons, plans=ladder)


def capped(base: Catalog) -> Catalog:
    """The example catalog with Business's storage capped at 10 TB: with an unlimited
    plan in reach, every search at a huge usage ends at once on that plan, and the packs
    would never be searched."""
    business = base.plans["business"]
    limits = {**business.limits, "storage_gb": Decimal(10_000)}
    return attrs.evolve(
        base, plans={**base.plans, "business": attrs.evolve(business, limits=limits)}
    )


def catalogs(base: Catalog) -> list[tuple[str, Catalog]]:
    near = [pack(f"near{g}", str(g), g * 8 * 100 // 100 - g % 3) for g in range(95, 100)]
    twenty = [pack(f"near{g}", str(g), 8 * g - g % 5) for g in range(50, 70)]
    thirty = [pack(f"near{g}", str(g), 8 * g - g % 7) for g in range(40, 70)]
    realistic = [
        pack("gb10", "10", 200),
        pack("gb25", "25", 450),
        pack("gb50", "50", 800),
        pack("gb250", "250", 3000),
        pack("gb500", "500", 5500),
        pack("tb1", "1000", 10000),
    ]
    bundles = [
        pack(f"bundle{i}", "", 800 + 37 * i, {"storage_gb": str(60 + i), "seats": str(1 + i % 3)})
        for i in range(20)
    ]
    fine = [pack("half", "0.5", 5), pack("tb1", "1000", 9000)]
    return [
        ("1 pack (the example)", base),
        ("7 realistic packs", with_packs(base, realistic)),
        ("5 near-equal packs", with_packs(base, near)),
        ("20 near-equal packs", with_packs(base, twenty)),
        ("30 packs, 50 plans", with_packs(base, thirty[:29], plans=46)),
        ("20 storage+seat bundles", with_packs(base, bundles)),
        ("0.5 GB and 1 TB packs", with_packs(base, fine)),
    ]


def request(evaluator: Evaluator, usage: dict[str, Any]) -> Callable[[], bytes]:
    def run() -> bytes:
        result = evaluator.evaluate(STARTER, usage, now=NOW, compare=True)
        return to_json_bytes(result)

    return run


def rows(quick: bool) -> list[tuple[str, float, float, float, bool]]:
    """(case, baseline s, warm s, cold s, deadline reached) per catalog and usage."""
    base = capped(load_catalog(ROOT / "examples" / "plans.yaml"))
    calls, repeats = (3, 3) if quick else (20, 7)
    out = []
    built = [(name, catalog) for name, catalog in catalogs(base)]
    for gb in USAGES:
        usage = {"storage_gb": gb, "seats": 3}
        baseline = request(Evaluator(base), usage)
        baseline()
        for name, catalog in built[1:]:
            evaluator = Evaluator(catalog)
            started = time.perf_counter()
            first = evaluator.evaluate(STARTER, usage, now=NOW, compare=True)
            cold = time.perf_counter() - started
            reached = any("deadline" in problem for problem in first.problems)
            base_s, meas_s = medians([baseline, request(evaluator, usage)], calls, repeats)
            out.append((f"{name} at {gb:,} GB", base_s, meas_s, cold, reached))
    return out


def main() -> int:
    logging.getLogger("nudge_sdk").setLevel(logging.ERROR)
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="few repeats, to check it runs")
    quick = parser.parse_args().quick
    print(f"{'catalog and usage':46} {'1 pack':>9} {'warm':>9} {'ratio':>6} {'cold':>9}  verdict")
    failed = False
    for case, base_s, meas_s, cold, reached in rows(quick):
        ratio = meas_s / base_s
        bad = reached or ratio > TARGET
        failed |= bad
        verdict = "DEADLINE" if reached else ("MISSED" if ratio > TARGET else "ok")
        print(
            f"{case:46} {base_s * 1e3:7.2f}ms {meas_s * 1e3:7.2f}ms {ratio:5.2f}x "
            f"{cold * 1e3:7.1f}ms  {verdict}"
        )
    print(f"target: warm <= {TARGET:g}x the one-pack catalog, and no deadline reached")
    if failed and not quick:
        print("some catalogs missed the target", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
