"""Right-sizing: the search finds the cheapest covering option, as brute force does."""

from __future__ import annotations

import itertools
import math
from decimal import Decimal
from fractions import Fraction

import attrs
from hypothesis import given
from hypothesis import strategies as st

from nudge_sdk import UNLIMITED, AddOn, Catalog, Currency, Interval, Plan, Price, Unit
from nudge_sdk.evaluation._recommend import (
    Need,
    Option,
    Recommender,
    _units,
    cost_of,
    holding,
    includes,
    kept,
)

MONTH = Interval(Unit.MONTH)
METRICS = ("m0", "m1")


def cheapest(catalog: Catalog, interval: Interval, seats: int, need: Need) -> Option | None:
    """The search with no deadline: these tests are about what it finds, and a pause of
    the machine in the middle of one must not cut it short (tests of the deadline drive
    a clock of their own)."""
    return Recommender(catalog, deadline=math.inf).cheapest(interval, seats, need)


rates = st.one_of(
    st.integers(1, 300).map(Decimal),
    st.decimals(min_value=Decimal("0.01"), max_value=300, places=2),  # fractions of a cent
)


@st.composite
def small_catalogs(draw: st.DrawFn) -> Catalog:
    """2-4 plans and 0-2 add-ons over two metrics, limits soft or hard; an add-on grants
    one metric or both."""
    plans = {}
    for index in range(draw(st.integers(2, 4))):
        limits = {
            m: draw(st.one_of(st.just(UNLIMITED), st.integers(0, 20).map(Decimal))) for m in METRICS
        }
        overage = {m: draw(rates) for m in METRICS if draw(st.booleans())}
        plans[f"p{index}"] = Plan(
            id=f"p{index}",
            name=f"P{index}",
            prices={
                MONTH: Price(base=draw(st.integers(0, 5000)), per_seat=draw(st.integers(0, 300)))
            },
            limits=limits,
            overage=overage,
        )
    addons = {}
    for index in range(draw(st.integers(0, 2))):
        addons[f"a{index}"] = AddOn(
            id=f"a{index}",
            name=f"A{index}",
            prices={MONTH: draw(st.integers(1, 2000))},
            grants={
                metric: Decimal(draw(st.integers(2, 10)))
                for metric in draw(st.sampled_from([("m0",), ("m1",), METRICS]))
            },
        )
    return Catalog(currency=Currency.of("USD"), plans=plans, addons=addons)


needs = st.builds(
    Need,
    usage=st.dictionaries(st.sampled_from(METRICS), st.integers(0, 20).map(Decimal)),
    grow=st.dictionaries(st.sampled_from(METRICS), st.integers(0, 20).map(Decimal), max_size=1),
)


def brute_force(catalog: Catalog, seats: int, need: Need) -> Option | None:
    """Every plan with every add-on quantity up to what could matter."""
    best = None
    ranges = [range(13) for _ in catalog.addons]
    for plan in catalog.plans.values():
        for quantities in itertools.product(*ranges):
            addons = dict(zip(catalog.addons, quantities, strict=True))
            option = cost_of(catalog, plan, MONTH, seats, addons, need)
            if option is not None and (best is None or option.cost < best.cost):
                best = option
    return best


@given(small_catalogs(), st.integers(1, 5), needs)
def test_the_search_matches_brute_force(catalog: Catalog, seats: int, need: Need) -> None:
    """The recommended option costs exactly the minimum over every plan and add-on
    quantity, covers the need, and exists exactly when some option does."""
    found = cheapest(catalog, MONTH, seats, need)
    expected = brute_force(catalog, seats, need)
    assert (expected is None) == (found is None)
    if found is not None and expected is not None:
        assert expected.cost == found.cost
        again = cost_of(catalog, catalog.plans[found.plan], MONTH, seats, found.addons, need)
        assert found == again


@st.composite
def bundle_catalogs(draw: st.DrawFn) -> Catalog:
    """One or two small plans and 2-3 add-ons, one of them granting both metrics: the
    catalogs where buying per metric would overbuy."""
    catalog = draw(small_catalogs())
    plans = {
        plan_id: attrs.evolve(plan, limits={m: Decimal(draw(st.integers(0, 5))) for m in METRICS})
        for plan_id, plan in list(catalog.plans.items())[: draw(st.integers(1, 2))]
    }
    grants = [("m0",), ("m1",), METRICS]
    addons = {}
    for index, granted in enumerate(draw(st.permutations(grants))[: draw(st.integers(2, 3))]):
        addons[f"a{index}"] = AddOn(
            id=f"a{index}",
            name=f"A{index}",
            prices={MONTH: draw(st.integers(1, 2000))},
            grants={metric: Decimal(draw(st.integers(2, 10))) for metric in granted},
        )
    if not any(len(addon.grants) == 2 for addon in addons.values()):
        addons["a9"] = AddOn(
            id="a9", name="A9", prices={MONTH: draw(st.integers(1, 2000))},
            grants={metric: Decimal(draw(st.integers(2, 10))) for metric in METRICS},
        )  # fmt: skip
    return attrs.evolve(catalog, plans=plans, addons=addons)


@given(bundle_catalogs(), needs)
def test_the_search_matches_brute_force_with_bundles(catalog: Catalog, need: Need) -> None:
    """Where an add-on grants both metrics, the search still finds the exact minimum."""
    found = cheapest(catalog, MONTH, 1, need)
    expected = brute_force(catalog, 1, need)
    assert (None if expected is None else expected.cost) == (None if found is None else found.cost)


@given(
    bundle_catalogs(),
    st.fixed_dictionaries({m: st.integers(0, 20).map(Decimal) for m in METRICS}),
)
def test_the_pair_tables_answer_as_brute_force_does(
    catalog: Catalog, usage: dict[str, Decimal]
) -> None:
    """Hard limits on both metrics and no floor: a bundle's group is answered by its pair
    table (two metrics at once), and the cost is still the exact minimum."""
    hard = {plan_id: attrs.evolve(plan, overage={}) for plan_id, plan in catalog.plans.items()}
    catalog = attrs.evolve(catalog, plans=hard)
    need = Need(usage=usage)
    found = cheapest(catalog, MONTH, 1, need)
    expected = brute_force(catalog, 1, need)
    assert (None if expected is None else expected.cost) == (None if found is None else found.cost)


def test_right_size_not_next_tier() -> None:
    """With a storage pack cheaper than the next plan, the pack is recommended."""
    catalog = Catalog(
        currency=Currency.of("USD"),
        plans={
            "starter": Plan(
                id="starter", name="S", prices={MONTH: Price(base=900)}, limits={"gb": Decimal(100)}
            ),
            "team": Plan(
                id="team", name="T", prices={MONTH: Price(base=2900)}, limits={"gb": Decimal(1000)}
            ),
        },
        addons={
            "pack": AddOn(id="pack", name="P", prices={MONTH: 800}, grants={"gb": Decimal(100)})
        },
    )
    need = Need(usage={"gb": Decimal(120)}, grow={"gb": Decimal(100)})
    option = cheapest(catalog, MONTH, 1, need)
    assert option is not None
    assert ("starter", {"pack": 1}, 1700) == (option.plan, dict(option.addons), option.recurring)
    big = Need(usage={"gb": Decimal(450)})
    option = cheapest(catalog, MONTH, 1, big)
    assert option is not None
    assert ("team", {}) == (option.plan, dict(option.addons))


@given(
    st.decimals(min_value=-1000, max_value=1000, places=3),
    st.decimals(min_value="0.001", max_value=100, places=3),
)
def test_units_are_exact_floor_and_ceiling(amount: Decimal, grant: Decimal) -> None:
    """How many units fit, rounded down and up, is exactly floor and ceil of the ratio."""
    ratio = Fraction(amount) / Fraction(grant)
    assert (math.floor(ratio), math.ceil(ratio)) == _units(amount, grant)


def test_an_addon_granting_two_metrics_is_bought_once_for_both() -> None:
    """A bundle of 10 GB and 10 seats covers a need short on both at once: one unit, not
    the sum (or the larger) of what each metric alone would ask, and cheaper than the
    separate packs or the next plan."""
    catalog = Catalog(
        currency=Currency.of("USD"),
        plans={
            "small": Plan(
                id="small",
                name="S",
                prices={MONTH: Price(base=1000)},
                limits={"gb": Decimal(10), "seats": Decimal(5)},
            ),
            "big": Plan(
                id="big",
                name="B",
                prices={MONTH: Price(base=3000)},
                limits={"gb": UNLIMITED, "seats": UNLIMITED},
            ),
        },
        addons={
            "bundle": AddOn(
                id="bundle",
                name="Bundle",
                prices={MONTH: 900},
                grants={"gb": Decimal(10), "seats": Decimal(10)},
            ),
            "gb": AddOn(id="gb", name="GB", prices={MONTH: 500}, grants={"gb": Decimal(10)}),
            "seats": AddOn(
                id="seats", name="Seats", prices={MONTH: 500}, grants={"seats": Decimal(10)}
            ),
        },
    )
    option = cheapest(catalog, MONTH, 1, Need(usage={"gb": Decimal(18), "seats": Decimal(12)}))
    assert option is not None
    assert ("small", {"bundle": 1}, 1900) == (option.plan, dict(option.addons), option.recurring)


def test_two_packs_of_one_metric_combine() -> None:
    """A 10 GB pack and a 5 GB pack together beat both a bigger plan and three of either
    alone (the case CI's thorough profile once found)."""
    catalog = Catalog(
        currency=Currency.of("USD"),
        plans={
            "small": Plan(
                id="small", name="S", prices={MONTH: Price(base=100)}, limits={"gb": Decimal(1)}
            ),
            "big": Plan(
                id="big", name="B", prices={MONTH: Price(base=400)}, limits={"gb": UNLIMITED}
            ),
        },
        addons={
            "ten": AddOn(id="ten", name="10", prices={MONTH: 100}, grants={"gb": Decimal(10)}),
            "five": AddOn(id="five", name="5", prices={MONTH: 60}, grants={"gb": Decimal(5)}),
        },
    )
    option = cheapest(catalog, MONTH, 1, Need(usage={"gb": Decimal(16)}))
    assert option is not None
    assert ("small", {"ten": 1, "five": 1}, 260) == (
        option.plan,
        dict(option.addons),
        option.recurring,
    )


FEATURES = ("f0", "f1")


@st.composite
def holding_catalogs(draw: st.DrawFn) -> Catalog:
    """`small_catalogs` whose plans and add-ons have features, whose add-ons may be sold
    only with some plans or from a plan up, and whose plans may be retired."""
    catalog = draw(small_catalogs())
    ladder = list(catalog.plans)
    subsets = st.frozensets(st.sampled_from(FEATURES))
    plans = {
        plan_id: attrs.evolve(plan, features=draw(subsets), retired=draw(st.booleans()))
        for plan_id, plan in catalog.plans.items()
    }
    addons = {
        addon_id: attrs.evolve(
            addon,
            features=draw(subsets),
            plans=draw(st.frozensets(st.sampled_from(ladder))),
            min_plan=draw(st.one_of(st.just(""), st.sampled_from(ladder))),
        )
        for addon_id, addon in catalog.addons.items()
    }
    if draw(st.booleans()):  # a feature-only add-on, as `audit_log_addon` is
        addons["f"] = AddOn(
            id="f", name="F", prices={MONTH: draw(st.integers(1, 2000))}, features=draw(subsets)
        )
    return attrs.evolve(catalog, plans=plans, addons=addons)


@st.composite
def accounts_needs(draw: st.DrawFn, catalog: Catalog) -> tuple[str, dict[str, int], Need]:
    """An account's plan and held add-ons (even some its plan no longer sells), and a
    need for it, an upsell or not."""
    plan = draw(st.sampled_from(list(catalog.plans)))
    addons = {a: draw(st.integers(0, 3)) for a in catalog.addons if draw(st.booleans())}
    upsell = draw(st.booleans())
    current = cost_of(catalog, catalog.plans[plan], MONTH, 1, addons, Need())
    least = current.recurring if upsell and current is not None else 0
    need = holding(
        catalog,
        attrs.evolve(draw(needs), lowest_plan=plan if upsell else ""),
        plan,
        addons,
        least=least,
        plan_features=draw(st.booleans()),
    )
    return plan, addons, need


def brute_force_keeping(catalog: Catalog, need: Need) -> Option | None:
    """Every plan with every add-on quantity up to what could matter, leaving out the
    plans an upsell may not offer: below the account's, or where what it keeps costs
    less than its bill today."""
    best = None
    ladder = list(catalog.plans)
    ranges = [range(13) for _ in catalog.addons]
    for plan in catalog.plans.values():
        if need.lowest_plan and ladder.index(plan.id) < ladder.index(need.lowest_plan):
            continue
        if plan.retired and plan.id != need.plan:
            continue  # no longer sold: offered only to the accounts on it
        floors = kept(catalog, plan, need)
        if floors is None:
            continue
        keeping = cost_of(
            catalog,
            plan,
            MONTH,
            1,
            floors,
            attrs.evolve(need, features=frozenset(), usage={}, grow={}),
        )
        if keeping is None or keeping.recurring < need.least:
            continue
        for quantities in itertools.product(*ranges):
            addons = dict(zip(catalog.addons, quantities, strict=True))
            option = cost_of(catalog, plan, MONTH, 1, addons, need)
            if option is not None and (best is None or option.cost < best.cost):
                best = option
    return best


@given(st.data())
def test_the_search_keeps_what_the_account_has_as_brute_force_does(data: st.DataObject) -> None:
    """With add-ons held, add-ons granting features, add-ons sold only with some plans
    and retired plans, the search still finds the exact minimum (never on a retired plan
    but the account's own); its option keeps every feature
    the account has, every add-on it holds (unless the plan includes it), sells each
    add-on only with a plan that sells it (or on the account's plan, what it holds),
    and an upsell never costs less per interval than the account pays today."""
    catalog = data.draw(holding_catalogs())
    plan, _, need = data.draw(accounts_needs(catalog))
    found = cheapest(catalog, MONTH, 1, need)
    expected = brute_force_keeping(catalog, need)
    assert (None if expected is None else expected.cost) == (None if found is None else found.cost)
    if found is None:
        return
    on = catalog.plans[found.plan]
    assert not on.retired or found.plan == plan
    features = on.features.union(*(catalog.addons[a].features for a in found.addons))
    assert need.features <= features
    for addon_id, quantity in need.held.items():
        # Another plan that includes a held add-on may hold fewer units of it (or more,
        # bought afresh for room), never fewer of one it does not include.
        if found.plan == plan or not includes(on, catalog.addons[addon_id], need.have):
            assert quantity <= found.addons.get(addon_id, 0)
    for addon_id, quantity in found.addons.items():
        assert catalog.sells(addon_id, found.plan) or (
            found.plan == plan and quantity <= need.held.get(addon_id, 0)
        )
    assert need.least <= found.recurring


def test_an_included_addon_is_dropped_and_a_feature_addon_kept() -> None:
    """Starter with an audit-log add-on at 150 GB: Team does not include the audit log,
    so the add-on stays ($12 + $5); on a plan with the audit log it would go."""
    catalog = Catalog(
        currency=Currency.of("USD"),
        plans={
            "starter": Plan(
                id="starter", name="S", prices={MONTH: Price(base=900)}, limits={"gb": Decimal(100)}
            ),
            "team": Plan(
                id="team", name="T", prices={MONTH: Price(base=1200)}, limits={"gb": Decimal(1000)}
            ),
            "business": Plan(
                id="business",
                name="B",
                prices={MONTH: Price(base=9900)},
                limits={"gb": UNLIMITED},
                features=frozenset({"audit"}),
            ),
        },
        addons={
            "audit": AddOn(
                id="audit", name="A", prices={MONTH: 500}, features=frozenset({"audit"})
            ),
            "pack": AddOn(
                id="pack",
                name="P",
                prices={MONTH: 800},
                grants={"gb": Decimal(100)},
                min_plan="team",
            ),
        },
    )
    need = holding(catalog, Need(usage={"gb": Decimal(150)}), "starter", {"audit": 1}, least=1400)
    option = cheapest(catalog, MONTH, 1, need)
    assert option is not None
    assert ("team", {"audit": 1}, 1700) == (option.plan, dict(option.addons), option.recurring)
    big = cheapest(catalog, MONTH, 1, attrs.evolve(need, usage={"gb": Decimal(5000)}))
    assert big is not None
    assert ("business", {}) == (big.plan, dict(big.addons))  # the audit log is included
