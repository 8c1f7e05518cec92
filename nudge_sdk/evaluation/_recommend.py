"""Right-sizing: the cheapest plan, with add-ons, that covers an account's usage.

An option is a plan in the account's interval and seats, plus add-on quantities. It
covers a need when every hard limit (plan limit plus add-on grants) is at least the
need, every required feature is present, and every metric that must grow does grow.
Its cost is its recurring price plus the overage its soft limits would bill. The
search tries every plan; for the metrics a plan does not cover alone it weighs overage
(soft limits only) against quantities of the add-ons that grant them (a branch and
bound, below). Metrics that no add-on links are searched apart; an add-on granting
several metrics joins them into one search, so the result is exact whatever the
add-ons grant. Features a plan lacks are bought as add-ons: every smallest set of
add-ons that has them is tried, a unit of each, the rest of the search on top.

An option never drops what the account has (`holding`): the features of its add-ons
(and of its plan, but for a down-sell) are required, and every add-on it holds is kept,
at least as many units, except on another plan that includes it (`includes`: its
features and at least the account's limit on what it grants). Add-ons are sold only
with the plans they name (`Catalog.sells`); those the account already holds stay on its
own plan even where no longer sold. An upsell never lowers the bill: a plan on which
what the account keeps costs less than its bill today is left out (`Need.least`).

Costs are `Decimal` minor units: usage is a decimal quantity and prices are integers,
so every cost is exact at `PRECISION` digits; `cheapest` computes in a context of its
own (`_EXACT`, whatever the caller's), which traps `Inexact` so that a magnitude beyond
it fails loudly instead of rounding.

Most groups are answered from tables built once per catalog and grown as requests need
them (`nudge_sdk.evaluation._packs`): one metric's packs by a `PackTable` (any need,
however large), and two metrics joined by bundles, with hard limits and no floor, by a
`PairTable` while the need is of bounded size. The rest go to the branch and bound: it
never lists quantities, it walks them lazily, best-value packs first from the covering
quantity down, and stops as soon as a lower bound (what is spent plus the shortfall at
the best rate still available) cannot beat the best found.

What depends only on the catalog is worked out once per `Recommender` and kept: the
plans sold by each interval with their prices, and per plan the groups of add-ons, the
best rates and the tables. What depends on the account is worked out once per
evaluation and shared by its searches (`Budget`): a plan's price for its seats, the
bound on a plan's cost for its usage, and the answer to each question. Plans are
searched in the order of their bounds, and a bound is only worked out for a plan whose
price alone does not rule it out.

Every search honours
a `Budget`: a deadline on an injected clock (`time.thread_time` by default), the one
thing in the evaluation that reads a clock, because a deadline is about elapsed time
and not about the account. Past it, a search returns the best option found so far, or
`None`, and the budget remembers that it ran out (`Budget.passed`). Time the thread
spends in Python's cyclic garbage collector while a search runs does not count: a
collection is the host's work, triggered by whatever allocated last, and one pass in a
busy process could use up a whole deadline (see `Budget`).
"""

from __future__ import annotations

import contextvars
import decimal
import gc
import heapq
import itertools
import threading
import time
from collections.abc import Callable, Collection, Hashable, Iterable, Mapping
from decimal import Decimal
from fractions import Fraction
from types import MappingProxyType
from typing import cast

import attrs

from nudge_sdk.billing._periods import Interval
from nudge_sdk.billing._policy import Price
from nudge_sdk.catalog._catalog import UNLIMITED, AddOn, Catalog, Limit, Plan
from nudge_sdk.evaluation._exact import EXACT, PRECISION
from nudge_sdk.evaluation._packs import PackTable, PairTable

__all__ = [
    "DEADLINE",
    "Budget",
    "Need",
    "Option",
    "Recommender",
    "cheapest",
    "cost_of",
    "holding",
    "includes",
    "kept",
]

_ZERO = Decimal(0)
_EXACT = EXACT.copy()
_EXACT.traps[decimal.Inexact] = True
"""Where a search computes: the SDK's context (`EXACT`) with `Inexact` trapped, exact or
failing."""
_BOUNDING = decimal.Context(prec=PRECISION, rounding=decimal.ROUND_FLOOR, traps=[])
"""Where lower bounds on a plan's cost are worked out: rounding down keeps them bounds."""
DEADLINE = 0.05
"""The default time budget, in seconds, of the offer searches of one evaluation."""

Clock = Callable[[], float]
"""Seconds on a clock that never goes back; injected so tests can drive it. The default
is `time.thread_time`, the CPU time of the calling thread: what bounds a runaway search
is the work it does, and a host whose other threads or processes keep the machine busy
(a test suite, a loaded worker) must not use up a request's budget. Nor may a garbage
collection that runs inside a search: `Budget` takes its time off, as measured on the
same clock."""


class Budget:
    """How long the searches of one evaluation may run together: `seconds` on `clock`,
    counting only the time spent inside them, so that what runs between them (loading a
    locale's data on a cold start, formatting a payload) does not count. `passed` turns
    true the first time a search finds the time up.

    Garbage collections do not count either: while a search runs, a callback in
    `gc.callbacks` reads `clock` when a collection starts and stops in the thread that
    owns the budget, and the difference is taken off. A collection in another thread is
    that thread's affair (on the default CPU clock it costs this one nothing anyway).
    When no collection runs, this costs a thread-local read and write per search. A
    budget belongs to the thread that times it, as the searches it bounds do.
    """

    __slots__ = (
        "_clock",
        "_collecting",
        "_depth",
        "_entered",
        "_outer",
        "_paused",
        "_spent",
        "found",
        "passed",
        "seconds",
        "weighed",
    )

    def __init__(self, clock: Clock, seconds: float) -> None:
        self._clock = clock
        self.seconds = seconds
        self._spent = 0.0
        self._entered = 0.0
        self._paused = 0.0
        """Garbage collection time inside the search being timed, on `clock`."""
        self._collecting: float | None = None
        """When the collection under way started, on `clock`."""
        self._outer: Budget | None = None
        """The budget this thread was timing when this one started (normally none)."""
        self._depth = 0
        self.passed = False
        self.found: dict[Hashable, Option | None] = {}
        """The searches' answers so far, by their question: one evaluation asks the
        same one more than once (a trigger, its offer, the comparison)."""
        self.weighed: dict[Hashable, tuple[dict[_Rung, int], dict[_Rung, Decimal | None]]] = {}
        """What the searches found of each plan for one account, by its seats and usage,
        whatever else their questions ask: its price for the seats, and the bound on
        its cost with no add-on kept (`None`: it cannot cover)."""

    def __enter__(self) -> Budget:
        """A search starts (searches may nest; the outermost one is timed)."""
        if not self._depth:
            self._entered = self._clock()
            self._paused = 0.0
            self._outer = _TIMING.budget
            _TIMING.budget = self  # from here on, collections in this thread pause it
        self._depth += 1
        return self

    def __exit__(self, *_: object) -> None:
        self._depth -= 1
        if not self._depth:
            self._spent += self._clock() - self._entered - self._paused
            _TIMING.budget, self._outer = self._outer, None

    def out(self) -> bool:
        """Whether the time is up (asks the clock until it is, then remembers)."""
        if self.passed:
            return True
        running = self._clock() - self._entered - self._paused if self._depth else 0.0
        self.passed = self._spent + running >= self.seconds
        return self.passed


class _Timing(threading.local):
    """The budget whose search runs in this thread, if any: where a garbage collection
    that this thread runs is taken off."""

    budget: Budget | None = None


_TIMING = _Timing()


def _pause_for_collection(phase: str, info: Mapping[str, int]) -> None:
    """A `gc.callbacks` entry: a collection starts or stops in the calling thread, so
    the budgets this thread is timing (the innermost, and any it interrupted) pause for
    it, each on its own clock. Nothing to do, and a single look-up, when no search runs."""
    budget = _TIMING.budget
    while budget is not None:
        if phase == "start":
            budget._collecting = budget._clock()
        elif budget._collecting is not None:
            budget._paused += budget._clock() - budget._collecting
            budget._collecting = None
        budget = budget._outer


gc.callbacks.append(_pause_for_collection)


_BUDGET: contextvars.ContextVar[Budget | None] = contextvars.ContextVar(
    "nudge_sdk_search_budget", default=None
)


@attrs.frozen(kw_only=True)
class Need:
    """What an option must provide."""

    usage: Mapping[str, Decimal] = attrs.field(factory=dict)
    """The level each metric must be covered to (usage, or its projection if higher)."""
    features: frozenset[str] = frozenset()
    grow: Mapping[str, Decimal] = attrs.field(factory=dict)
    """Metrics whose limit must end above these values (more room than today)."""
    lowest_plan: str = ""
    """If set, plans below this one on the ladder are not considered (an upsell never
    moves a customer down)."""
    held: Mapping[str, int] = attrs.field(factory=dict)
    """Add-ons the account holds, and how many units: every option keeps them (`kept`)."""
    have: Mapping[str, Limit] = attrs.field(factory=dict)
    """The account's limit today on each metric its add-ons grant (plan plus grants)."""
    plan: str = ""
    """The account's plan: held add-ons stay on it even if it no longer sells them."""
    least: int = 0
    """Plans on which what the account keeps costs less than this, in minor units per
    interval, are left out (an upsell never lowers the bill)."""


def _frozen(need: Need, usage: Hashable, holds: bool, retired: bool) -> Hashable:
    """`need` as a key, with its `usage` as a key already: its mappings as sorted
    items. The account's plan counts only if
    it `holds` add-ons (they stay on it) or the plan is `retired` (only its accounts
    see it), its limits (`Need.have`) only if it `holds` add-ons: otherwise the search
    never reads them."""
    return (
        usage,
        need.features,
        tuple(sorted(need.grow.items())) if need.grow else (),
        need.lowest_plan,
        tuple(sorted(need.held.items())) if holds else (),
        tuple(sorted(need.have.items(), key=_first)) if holds else (),
        need.plan if holds or retired else "",
        need.least,
    )


def _first(item: tuple[str, Limit]) -> str:
    return item[0]


_UNASKED = object()
"""What `Budget.found` holds for a question not asked yet."""
_NONE_WANTED: frozenset[str] = frozenset()


def holding(
    catalog: Catalog,
    need: Need,
    plan_id: str,
    addons: Mapping[str, int],
    *,
    least: int = 0,
    plan_features: bool = True,
) -> Need:
    """`need`, for an account on `plan_id` holding `addons`: the features it has through
    its add-ons (and its plan's, with `plan_features`; a down-sell may give those up)
    are required, and its add-ons kept (see `kept`)."""
    plan = catalog.plans[plan_id]
    features = set(plan.features if plan_features else ())
    have: dict[str, Limit] = {}
    held = {addon_id: quantity for addon_id, quantity in addons.items() if quantity > 0}
    for addon_id, quantity in held.items():
        addon = catalog.addons[addon_id]
        features |= addon.features
        for metric, amount in addon.grants.items():
            limit = have.get(metric, plan.limits.get(metric, _ZERO))
            have[metric] = limit if limit is UNLIMITED else limit + amount * quantity
    return Need(  # built whole: `attrs.evolve` costs twice as much, on every request
        usage=need.usage,
        features=need.features | features,
        grow=need.grow,
        lowest_plan=need.lowest_plan,
        held=held,
        have=have,
        plan=plan_id,
        least=least,
    )


def includes(plan: Plan, addon: AddOn, have: Mapping[str, Limit]) -> bool:
    """Whether `plan` alone gives what `addon` gives the account: its features, and at
    least the account's limit today (`have`) on every metric it grants."""
    if not addon.features <= plan.features:
        return False
    for metric, amount in addon.grants.items():
        limit = plan.limits.get(metric, _ZERO)
        if amount <= 0 or limit is UNLIMITED:
            continue
        now = have.get(metric, UNLIMITED)
        if now is UNLIMITED or limit < now:
            return False
    return True


def kept(catalog: Catalog, plan: Plan, need: Need) -> dict[str, int] | None:
    """The add-on units an option on `plan` must hold: every held add-on, but on another
    plan than the account's those the plan includes are dropped; `None` if a held
    add-on is neither included nor sold with the plan."""
    floors = {}
    for addon_id, quantity in need.held.items():
        if plan.id != need.plan:
            if includes(plan, catalog.addons[addon_id], need.have):
                continue
            if not catalog.sells(addon_id, plan.id):
                return None
        floors[addon_id] = quantity
    return floors


@attrs.frozen(kw_only=True)
class Option:
    """A plan, its interval and seats, and add-on quantities, with what they cost."""

    plan: str
    interval: Interval
    seats: int
    addons: Mapping[str, int]
    recurring: int
    """Plan and add-ons, minor units per interval."""
    overage: Decimal
    """What soft limits would bill for the need, in minor units (exact)."""

    @property
    def cost(self) -> Decimal:
        """Recurring price plus overage."""
        return self.recurring + self.overage


def cost_of(
    catalog: Catalog,
    plan: Plan,
    interval: Interval,
    seats: int,
    addons: Mapping[str, int],
    need: Need,
) -> Option | None:
    """The option of exactly this plan and these add-ons, or `None` if it does not cover."""
    price = plan.price(interval)
    if price is None:
        return None
    metrics = need.usage.keys() | need.grow
    amount = price.amount(seats)
    return _cost(catalog, plan, amount, interval, seats, addons, need, metrics, keeping=False)


def _cost(
    catalog: Catalog,
    plan: Plan,
    amount: int,
    interval: Interval,
    seats: int,
    addons: Mapping[str, int],
    need: Need,
    metrics: Iterable[str],
    *,
    keeping: bool,
) -> Option | None:
    """`cost_of`, with the plan's price for the seats (`amount`, minor units per
    interval) and the metrics the need names worked out by the caller; `keeping` if the
    caller knows `addons` hold at least the units the option must keep (`kept`), so
    they need no check."""
    if need.held and not keeping:
        floors = kept(catalog, plan, need)
        if floors is None or any(addons.get(a, 0) < n for a, n in floors.items()):
            return None
    recurring = amount
    features: frozenset[str] = plan.features
    grants: dict[str, Decimal] = {}
    bought: dict[str, int] = {}
    for addon_id, quantity in addons.items():
        if not quantity:
            continue
        addon = catalog.addons[addon_id]
        # What the account holds stays on its own plan, as its bill today counts it.
        grandfathered = plan.id == need.plan and quantity <= need.held.get(addon_id, 0)
        if not grandfathered and not catalog.sells(addon_id, plan.id):
            return None
        unit = addon.prices.get(interval)
        if unit is None:
            if not grandfathered:
                return None
            unit = 0
        bought[addon_id] = quantity
        recurring += unit * quantity
        if addon.features:
            features |= addon.features
        for metric, granted in addon.grants.items():
            grants[metric] = grants.get(metric, _ZERO) + granted * quantity
    if not need.features <= features:
        return None
    overage = _ZERO
    for metric in metrics:
        base = plan.limits.get(metric, _ZERO)
        if base is UNLIMITED:
            continue
        limit = base + grants[metric] if metric in grants else base
        floor_ = need.grow.get(metric)
        if floor_ is not None and limit <= floor_:
            return None
        short = need.usage.get(metric, _ZERO) - limit
        if short > 0:
            rate = plan.overage.get(metric)
            if rate is None:
                return None
            overage += short * rate
    return Option(
        plan=plan.id,
        interval=interval,
        seats=seats,
        addons=bought,
        recurring=recurring,
        overage=overage,
    )


@attrs.frozen
class _Pack:
    """An add-on as the search sees it inside one group of metrics."""

    id: str
    unit: int
    """Price of one unit, minor units per interval."""
    grants: tuple[tuple[int, Decimal], ...]
    """(position of the metric in the group, amount one unit grants)."""


Group = tuple[tuple[str, ...], tuple[_Pack, ...]]
"""Metrics linked by add-ons that grant more than one of them, and those add-ons."""


def _granting(
    catalog: Catalog, interval: Interval, plan_id: str, short: tuple[str, ...]
) -> tuple[AddOn, ...]:
    """The add-ons sold with the plan by `interval` that grant one of the `short` metrics."""
    return tuple(
        addon
        for addon in catalog.addons.values()
        if interval in addon.prices
        and catalog.sells(addon.id, plan_id)
        and any(addon.grants.get(m, _ZERO) > 0 for m in short)
    )


def _groups(addons: tuple[AddOn, ...], interval: Interval, short: tuple[str, ...]) -> list[Group]:
    """The short metrics split into groups no add-on links, each with those of `addons`
    (sold with a plan by `interval`, `_granting`) that grant its metrics, best value
    first.

    Metrics in different groups can be covered independently; an add-on granting two
    metrics joins them, so their quantities are searched together.
    """
    wanted = set(short)
    owner = {metric: metric for metric in short}

    def root(metric: str) -> str:
        while owner[metric] != metric:
            metric = owner[metric]
        return metric

    for addon in addons:
        linked = [m for m, amount in addon.grants.items() if m in wanted and amount > 0]
        for metric in linked[1:]:
            owner[root(metric)] = root(linked[0])
    groups = []
    for head in dict.fromkeys(root(metric) for metric in short):
        metrics = tuple(metric for metric in short if root(metric) == head)
        position = {metric: index for index, metric in enumerate(metrics)}
        packs = []
        for addon in addons:
            grants = tuple(
                (position[m], amount)
                for m, amount in addon.grants.items()
                if m in position and amount > 0
            )
            if grants:
                value = Fraction(addon.prices[interval]) / sum(
                    (Fraction(a) for _, a in grants), Fraction(0)
                )
                packs.append((value, _Pack(addon.id, addon.prices[interval], grants)))
        packs.sort(key=lambda pack: (pack[0], pack[1].id))
        groups.append((metrics, tuple(pack for _, pack in packs)))
    return groups


def _group_choice(
    plan: Plan, group: Group, need: Need, budget: Budget, start: Mapping[str, Decimal]
) -> dict[str, int] | None:
    """The cheapest add-on quantities covering a group of metrics on one plan, from the
    limits `start` (empty when overage is cheapest), or `None` if nothing can (or the
    budget ran out first).

    A branch and bound over the group's add-ons, best value first: every add-on but the
    last tries each quantity from the one covering every metric it grants down to none,
    cut off as soon as a lower bound cannot beat the best so far. The last needs only the
    quantities where its cost can turn: the cost is convex in its quantity (a price per
    unit plus overage that falls to zero), so the best is where one of its metrics just
    gets covered (rounded down or up) or a floor is just passed.

    The lower bound at an add-on is what is spent plus, for the metric that needs it
    most, its shortfall at the cheapest rate still available (a later add-on's price per
    unit granted, or the overage rate); one add-on may serve several metrics, so the
    bound takes the largest, not the sum. With one metric still short, and an add-on no
    dearer per unit than what follows, it only grows as the quantity falls, so the walk
    stops at the first quantity it cuts off.
    """
    metrics, packs = group
    usage = [need.usage.get(metric, _ZERO) for metric in metrics]
    floors = [need.grow.get(metric) for metric in metrics]
    rates = [plan.overage.get(metric) for metric in metrics]
    # cheapest[i][m]: the best rate for metric m from add-on i on (None: nothing covers it).
    cheapest: list[list[Fraction | None]] = [[] for _ in range(len(packs) + 1)]
    cheapest[len(packs)] = [None if rate is None else Fraction(rate) for rate in rates]
    for index in range(len(packs) - 1, -1, -1):
        row = list(cheapest[index + 1])
        for at, grant in packs[index].grants:
            rate = Fraction(packs[index].unit) / Fraction(grant)
            known = row[at]
            row[at] = rate if known is None else min(known, rate)
        cheapest[index] = row
    # With one metric, an add-on no dearer per unit than everything after it makes the
    # bound grow as its quantity falls (while short): the walk may stop at the first cut.
    steady = [
        len(metrics) == 1
        and (later := cheapest[index + 1][0]) is not None
        and Fraction(pack.unit) / Fraction(pack.grants[0][1]) <= later
        for index, pack in enumerate(packs)
    ]

    def bound(index: int, limits: list[Decimal], spent: int) -> Fraction | None:
        """The least any completion from add-on `index` on can cost; `None`: it cannot cover."""
        most = Fraction(0)
        for at, limit in enumerate(limits):
            short = usage[at] - limit
            if short > 0:
                rate = cheapest[index][at]
                if rate is None:
                    return None
                most = max(most, Fraction(short) * rate)
        return spent + most

    def rest(limits: list[Decimal]) -> Decimal | None:
        """What is still owed at these limits: overage, or `None` if they do not cover."""
        owed = _ZERO
        for index, limit in enumerate(limits):
            floor_ = floors[index]
            if floor_ is not None and limit <= floor_:
                return None
            if usage[index] > limit:
                rate = rates[index]
                if rate is None:
                    return None
                owed += (usage[index] - limit) * rate
        return owed

    best: list[tuple[Decimal, dict[str, int]]] = []
    steps = 0

    def late() -> bool:
        """Whether the budget is spent, asking its clock every `_CLOCK_EVERY` steps (a
        step costs a few microseconds, a clock read a fraction of one)."""
        nonlocal steps
        steps += 1
        return budget.passed or (steps % _CLOCK_EVERY == 0 and budget.out())

    def walk(index: int, limits: list[Decimal], spent: int, chosen: dict[str, int]) -> None:
        if (best and spent >= best[0][0]) or late():
            return
        owed = rest(limits)
        if owed is not None and (not best or spent + owed < best[0][0]):
            best[:] = [(spent + owed, chosen)]
        if index == len(packs):
            return
        pack = packs[index]
        turns: set[int] = set()
        for at, grant in pack.grants:
            turns.update(_units(usage[at] - limits[at], grant))
            floor_ = floors[at]
            if floor_ is not None:
                turns.add(_units(floor_ - limits[at], grant)[0] + 1)
        last = index == len(packs) - 1
        quantities: Iterable[int] = (
            sorted(q for q in turns if q > 0) if last else range(max(turns), 0, -1)
        )
        for quantity in quantities:  # lazily: a quantity may be in the billions
            if late():
                return  # a cut-off `continue` below may repeat a long way
            cost = spent + pack.unit * quantity
            if best and cost >= best[0][0]:
                if last:
                    break  # ascending: only dearer from here
                continue
            more = list(limits)
            for at, grant in pack.grants:
                more[at] += grant * quantity
            if not last:
                least = bound(index + 1, more, cost)
                if least is None or (best and least >= best[0][0]):
                    if len(metrics) == 1 and (
                        least is None or (steady[index] and more[0] <= usage[0])
                    ):
                        break  # descending and short on one metric: no better below
                    continue
            walk(index + 1, more, cost, {**chosen, pack.id: quantity})
            if budget.passed:
                return
        if not last:
            walk(index + 1, limits, spent, chosen)  # none of this one

    walk(0, [start[metric] for metric in metrics], 0, {})
    return best[0][1] if best else None


_CLOCK_EVERY = 32
"""How many steps of a branch and bound run between two reads of the budget's clock."""


def _units(amount: Decimal, grant: Decimal) -> tuple[int, int]:
    """How many units of `grant` fit in `amount`, rounded down and up (exactly)."""
    whole, rest = divmod(amount, grant)  # truncates toward zero
    down = int(whole) - (1 if rest < 0 else 0)
    return down, down + (1 if rest else 0)


class _Searching:
    """`Recommender.searching`: a plain context manager, as it runs on every evaluation."""

    __slots__ = ("_budget", "_token")

    def __init__(self, budget: Budget) -> None:
        self._budget = budget

    def __enter__(self) -> Budget:
        self._token = _BUDGET.set(self._budget)
        return self._budget

    def __exit__(self, *exc: object) -> None:
        _BUDGET.reset(self._token)


class _Rung:
    """A plan sold by one interval, as the search reads it: found once per recommender
    rather than looked up in the catalog on every request, with the search's memos for
    it (bounded by the catalog: its metrics, features and add-ons)."""

    __slots__ = ("covers", "groups", "index", "plan", "price", "rates", "tables")

    def __init__(self, index: int, plan: Plan, price: Price) -> None:
        self.index = index
        """The plan's place on the ladder."""
        self.plan = plan
        self.price = price
        """The plan's price by the interval."""
        self.rates: dict[str, Decimal | None] = {}
        """`Recommender.rate`, by metric."""
        self.groups: dict[tuple[str, ...], list[Group]] = {}
        """`Recommender.groups`, by the short metrics."""
        self.covers: dict[frozenset[str], list[tuple[str, ...]]] = {}
        """`Recommender.covers`, by the features wanted."""
        self.tables: dict[str, PackTable] = {}
        """`Recommender.table`, by the one-metric group's metric."""


_NO_COVER: list[tuple[str, ...]] = [()]
"""The add-on sets that have no features: the empty one (shared, never changed)."""
_NOTHING: Mapping[str, int] = MappingProxyType({})


class _Contexts(threading.local):
    """This thread's copies of `_EXACT` and `_BOUNDING` (a context collects flags: one
    per thread), swapped in and out: cheaper than `decimal.localcontext`'s copy."""

    def __init__(self) -> None:
        self.exact = _EXACT.copy()
        self.bounding = _BOUNDING.copy()


_CONTEXTS = _Contexts()


class Recommender:
    """Right-sizing against one catalog, with its add-on tables built once."""

    def __init__(
        self, catalog: Catalog, *, clock: Clock = time.thread_time, deadline: float = DEADLINE
    ) -> None:
        self.catalog = catalog
        self.clock = clock
        self.deadline = deadline
        self._ladder = list(catalog.plans.values())
        self._rung = {plan_id: index for index, plan_id in enumerate(catalog.plans)}
        self._retired = frozenset(plan.id for plan in self._ladder if plan.retired)
        self._sold: dict[Interval, tuple[_Rung, ...]] = {}
        self._grouped: dict[tuple[Interval, tuple[str, ...], tuple[str, ...]], list[Group]] = {}
        self._tables: dict[tuple[Interval, tuple[_Pack, ...]], PackTable] = {}
        self._pairs: dict[tuple[Interval, tuple[_Pack, ...]], PairTable] = {}

    def rungs(self, interval: Interval) -> tuple[_Rung, ...]:
        """The plans sold by `interval`, in ladder order (memoized: intervals are a few
        hundred at most, as `Interval` bounds its count)."""
        found = self._sold.get(interval)
        if found is None:
            found = self._sold[interval] = tuple(
                _Rung(index, plan, price)
                for index, plan in enumerate(self._ladder)
                if (price := plan.price(interval)) is not None
            )
        return found

    def groups(self, interval: Interval, rung: _Rung, short: tuple[str, ...]) -> list[Group]:
        """`short` in groups no add-on links, with their add-ons sold with the plan
        (memoized)."""
        found = rung.groups.get(short)
        if found is None:
            # Plans that sell the same add-ons share their groups: a catalog of many
            # plans and many packs would otherwise weigh every pack once per plan.
            addons = _granting(self.catalog, interval, rung.plan.id, short)
            key = (interval, short, tuple(addon.id for addon in addons))
            found = self._grouped.get(key)
            if found is None:
                found = self._grouped[key] = _groups(addons, interval, short)
            rung.groups[short] = found
        return found

    def covers(
        self, interval: Interval, rung: _Rung, features: frozenset[str]
    ) -> list[tuple[str, ...]]:
        """Every smallest set of add-ons sold with the plan by `interval` that has all of
        `features` (no set holds another); ``[()]`` for no features, ``[]`` if none can
        (memoized)."""
        if not features:
            return _NO_COVER
        found = rung.covers.get(features)
        if found is None:
            found = rung.covers[features] = _covers(self.catalog, interval, rung.plan.id, features)
        return found

    def table(self, interval: Interval, rung: _Rung, group: Group) -> PackTable:
        """The table of a one-metric group's packs (memoized by plan and metric: a
        one-metric group holds every pack sold with the plan that grants the metric,
        whatever else is short; shared by every plan that sells the same packs, and
        grown as requests need it)."""
        (metric,), packs = group
        found = rung.tables.get(metric)
        if found is None:
            found = self._tables.get((interval, packs))
            if found is None:
                found = self._tables[interval, packs] = PackTable(
                    [(pack.id, pack.unit, pack.grants[0][1]) for pack in packs]
                )
            rung.tables[metric] = found
        return found

    def _pair_choice(
        self,
        interval: Interval,
        plan: Plan,
        group: Group,
        need: Need,
        limits: Mapping[str, Decimal],
        budget: Budget,
    ) -> tuple[bool, dict[str, int] | None]:
        """A two-metric group's cheapest quantities from its `PairTable`, when the
        question suits one: hard limits, no floor, a need of bounded size. ``(False,
        None)`` when it does not (the branch and bound answers), else ``(True, choice)``."""
        metrics, packs = group
        if (
            len(metrics) != 2
            or any(m in plan.overage or m in need.grow for m in metrics)
            or not packs
        ):
            return False, None
        table = self._pairs.get((interval, packs))
        if table is None:
            grants = [dict(pack.grants) for pack in packs]
            table = self._pairs[interval, packs] = PairTable(
                [
                    (pack.id, pack.unit, got.get(0, _ZERO), got.get(1, _ZERO))
                    for pack, got in zip(packs, grants, strict=True)
                ]
            )
        shorts = [need.usage.get(m, _ZERO) - limits[m] for m in metrics]
        return table.answer(table.steps(shorts[0], 0), table.steps(shorts[1], 1), budget.out)

    def budget(self) -> Budget:
        """A fresh budget of this recommender's deadline, starting now."""
        return Budget(self.clock, self.deadline)

    def searching(self, budget: Budget) -> _Searching:
        """Make every search inside the ``with`` block (in this thread or task) share
        `budget`."""
        return _Searching(budget)

    def current(self) -> Budget | None:
        """The budget of the enclosing `searching` block, if any."""
        return _BUDGET.get()

    def cheapest(
        self,
        interval: Interval,
        seats: int,
        need: Need,
        *,
        plans: Collection[str] | None = None,
    ) -> Option | None:
        """The cheapest option covering `need` (on one of `plans`, if given); ties go to
        fewer add-on units, then the lower plan. Within the budget of the enclosing
        `searching` block, or a fresh one: past it, the best option found so far (or
        `None`).

        Within one budget a question is answered once (`Budget.found`). Its key leaves
        out what cannot change the answer: the account's plan (`Need.plan`) and its
        limits (`Need.have`) when it holds no add-on and the plan is not retired, so
        that a trigger's search serves the offer and the comparison that follow."""
        budget = _BUDGET.get() or self.budget()
        usage = tuple(sorted(need.usage.items()))
        question = (
            interval,
            seats,
            _frozen(need, usage, bool(need.held), need.plan in self._retired),
            None if plans is None else frozenset(plans),
        )
        found = budget.found.get(question, _UNASKED)
        if found is not _UNASKED:
            return cast(Option | None, found)
        host = decimal.getcontext()
        decimal.setcontext(_CONTEXTS.exact)
        try:
            with budget:
                found = self._cheapest(interval, seats, need, budget, plans, usage)
        finally:
            decimal.setcontext(host)
        budget.found[question] = found
        return found

    def _cheapest(
        self,
        interval: Interval,
        seats: int,
        need: Need,
        budget: Budget,
        plans: Collection[str] | None,
        account: Hashable,
    ) -> Option | None:
        """`cheapest`, for the `account`'s usage as a key."""
        start = self._rung[need.lowest_plan] if need.lowest_plan else 0
        usage, held = need.usage, need.held
        metrics = sorted(usage.keys() | need.grow.keys())
        addons = self.catalog.addons
        # Each plan with a lower bound on its cost: its price and the add-ons it must
        # keep, plus what the metric dearest to cover costs at its cheapest rate. Plans
        # are searched cheapest bound first, so the first option found usually rules
        # out the rest without a search. The second part of a bound is worked out only
        # for a plan whose price alone does not rule it out (a catalog may sell fifty):
        # the queue holds prices until then, never above the bounds they stand for, so
        # plans come out in the order of their bounds all the same. What does not
        # depend on the question, only on the account, is shared by the evaluation's
        # searches (`Budget.weighed`).
        weighed = budget.weighed.get((seats, account))
        if weighed is None:
            weighed = budget.weighed[seats, account] = ({}, {})
        amounts, bounds = weighed
        queue: list[tuple[Decimal | int, int, _Rung, Mapping[str, int], int, bool]] = []
        for rung in self.rungs(interval):
            plan = rung.plan
            if rung.index < start or (plans is not None and plan.id not in plans):
                continue
            if plan.retired and plan.id != need.plan:
                continue  # no longer sold: only the accounts on it stay there
            floors = kept(self.catalog, plan, need) if held else _NOTHING
            if floors is None:
                continue  # it would drop what the account holds
            amount = amounts.get(rung)
            if amount is None:
                amount = amounts[rung] = rung.price.amount(seats)
            base = amount
            if floors:
                base += sum(addons[a].prices.get(interval, 0) * n for a, n in floors.items())
            if base < need.least:
                continue  # it would lower the bill
            if floors or rung not in bounds:
                queue.append((base, rung.index, rung, floors, amount, False))
            elif (known := bounds[rung]) is not None:  # else it cannot cover
                queue.append((known, rung.index, rung, floors, amount, True))
        heapq.heapify(queue)
        best: Option | None = None
        best_key: tuple[Decimal, int, int] | None = None  # cost, units, rung
        while queue:
            bound, index, rung, floors, amount, whole = heapq.heappop(queue)
            if best_key is not None and bound > best_key[0]:
                break  # neither this plan nor any after it can be cheaper
            if not whole:
                full = self._bound(interval, rung, usage, floors, bound)
                if not floors:
                    bounds[rung] = full
                if full is not None:  # else some metric cannot be covered on it
                    heapq.heappush(queue, (full, index, rung, floors, amount, True))
                continue
            if budget.out():
                break
            features = rung.plan.features
            if floors:
                features = features.union(*(addons[a].features for a in floors))
            wanted = need.features - features if need.features else _NONE_WANTED
            for cover in self.covers(interval, rung, wanted):
                fixed = (
                    {**floors, **{a: max(floors.get(a, 0), 1) for a in cover}} if cover else floors
                )
                option = self._on_plan(rung, amount, interval, seats, need, budget, metrics, fixed)
                if option is None:
                    continue
                key = (option.cost, sum(option.addons.values()), index)
                if best_key is None or key < best_key:
                    best, best_key = option, key
        return best

    def _bound(
        self,
        interval: Interval,
        rung: _Rung,
        usage: Mapping[str, Decimal],
        floors: Mapping[str, int],
        base: Decimal | int,
    ) -> Decimal | None:
        """`base` plus `_least_extra`, rounded down (in the `_BOUNDING` context)."""
        exact = decimal.getcontext()
        decimal.setcontext(_CONTEXTS.bounding)
        try:
            extra = self._least_extra(interval, rung, usage, floors)
            return None if extra is None else base + extra
        finally:
            decimal.setcontext(exact)

    def _least_extra(
        self,
        interval: Interval,
        rung: _Rung,
        usage: Mapping[str, Decimal],
        floors: Mapping[str, int],
    ) -> Decimal | None:
        """At least what covering `usage` costs on the rung's plan beyond its price and
        the `floors` add-ons: the largest of each short metric's shortfall at the
        cheapest rate any add-on or overage offers for it (the largest, not the sum,
        since one add-on may grant several), rounded down; `None` if a short metric has
        no rate at all. In the `_BOUNDING` context."""
        most = _ZERO
        limits, rates = rung.plan.limits, rung.rates
        for metric, used in usage.items():
            limit = limits.get(metric, _ZERO)
            if limit is UNLIMITED:
                continue
            if floors:
                for addon_id, quantity in floors.items():
                    limit += self.catalog.addons[addon_id].grants.get(metric, _ZERO) * quantity
            if used <= limit:
                continue
            if metric in rates:
                rate = rates[metric]
            else:
                rate = rates[metric] = self._rate(interval, rung, metric)
            if rate is None:
                return None
            extra = (used - limit) * rate
            if extra > most:
                most = extra
        return most

    def _rate(self, interval: Interval, rung: _Rung, metric: str) -> Decimal | None:
        """The cheapest price of one unit of `metric` on the rung's plan, rounded down:
        its best-value add-on or its overage rate (in the `_BOUNDING` context)."""
        rates = []
        if metric in rung.plan.overage:
            rates.append(rung.plan.overage[metric])
        for _, packs in self.groups(interval, rung, (metric,)):
            if packs:  # best value first; in a one-metric group each grants just it
                rates.append(Decimal(packs[0].unit) / packs[0].grants[0][1])
        return min(rates, default=None)

    def _on_plan(
        self,
        rung: _Rung,
        amount: int,
        interval: Interval,
        seats: int,
        need: Need,
        budget: Budget,
        metrics: list[str],
        fixed: Mapping[str, int],
    ) -> Option | None:
        """The cheapest option on the rung's plan (`amount` for the seats) holding at
        least the `fixed` add-on units."""
        plan, usage, grow = rung.plan, need.usage, need.grow
        addons = self.catalog.addons
        limits: dict[str, Decimal] = {}
        short = []  # the metrics not covered yet; add-ons cannot help the unlimited ones
        for metric in metrics:
            limit = plan.limits.get(metric, _ZERO)
            if limit is UNLIMITED:
                continue
            if fixed:
                for addon_id, quantity in fixed.items():
                    limit += addons[addon_id].grants.get(metric, _ZERO) * quantity
            limits[metric] = limit
            if usage.get(metric, _ZERO) > limit or (metric in grow and limit <= grow[metric]):
                short.append(metric)
        chosen = dict(fixed)
        for group in self.groups(interval, rung, tuple(short)) if short else ():
            (metric, *linked), packs = group
            if not packs:
                continue  # nothing to buy: what stays short is overage, or uncovered
            if not linked:  # the common case, in polynomial time
                start, floor = limits[metric], grow.get(metric)
                choice = self.table(interval, rung, group).choose(
                    usage.get(metric, _ZERO) - start,
                    None if floor is None else floor - start,
                    plan.overage.get(metric),
                    budget.out,
                )
            else:
                answered, choice = self._pair_choice(interval, plan, group, need, limits, budget)
                if not answered:
                    choice = _group_choice(plan, group, need, budget, limits)
            for addon_id, quantity in (choice or {}).items():
                chosen[addon_id] = chosen.get(addon_id, 0) + quantity
        # `chosen` holds at least the `fixed` units, and those at least what is kept.
        return _cost(
            self.catalog, plan, amount, interval, seats, chosen, need, metrics, keeping=True
        )


def _covers(
    catalog: Catalog, interval: Interval, plan_id: str, features: frozenset[str]
) -> list[tuple[str, ...]]:
    """`Recommender.covers`, computed: sets of growing size, each kept if it has every
    feature and holds no smaller one kept before."""
    if not features:
        return [()]
    candidates = [
        addon
        for addon in catalog.addons.values()
        if interval in addon.prices
        and addon.features & features
        and catalog.sells(addon.id, plan_id)
    ]
    found: list[tuple[str, ...]] = []
    for size in range(1, len(features) + 1):
        for combo in itertools.combinations(candidates, size):
            ids = tuple(addon.id for addon in combo)
            if features <= frozenset().union(*(addon.features for addon in combo)) and not any(
                set(smaller) <= set(ids) for smaller in found
            ):
                found.append(ids)
    return found


def cheapest(catalog: Catalog, interval: Interval, seats: int, need: Need) -> Option | None:
    """The cheapest option covering `need` (see `Recommender.cheapest`)."""
    return Recommender(catalog).cheapest(interval, seats, need)
