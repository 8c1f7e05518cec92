"""What the offer search keeps between questions gives the answers a fresh search gives:
its answers within one evaluation, its plans by interval, its decimal context."""

from __future__ import annotations

import decimal
import math
from decimal import Decimal

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nudge_sdk import Catalog, Currency, Interval, Plan, Price, Unit
from nudge_sdk.evaluation._recommend import (
    Need,
    Option,
    Recommender,
    _granting,
    _groups,
    holding,
)
from tests.test_recommend import METRICS, MONTH, accounts_needs, holding_catalogs

Ask = tuple[int, Need, tuple[str, ...] | None]


@st.composite
def questions(draw: st.DrawFn) -> tuple[Recommender, list[Ask]]:
    """A catalog (plans retired or not, add-ons held, sold with some plans, granting
    features) and what one evaluation may ask about it: needs holding add-ons or not,
    for one account (its seats and usage) or several, the same usage for another plan
    of the account, some on a few plans only."""
    catalog = draw(holding_catalogs())
    one_account = draw(st.booleans())
    seats = draw(st.integers(1, 4))
    asks: list[Ask] = []
    for _ in range(draw(st.integers(1, 5))):
        _, _, need = draw(accounts_needs(catalog))
        if one_account and asks:  # as an evaluation asks: its trigger, offers, comparison
            need = attrs.evolve(need, usage=asks[0][1].usage)
        else:
            seats = draw(st.integers(1, 4))
        if draw(st.booleans()):  # a trigger's need: nothing held, maybe no plan
            need = attrs.evolve(
                need, held={}, have={}, plan=draw(st.sampled_from(["", *catalog.plans]))
            )
        plans = draw(
            st.one_of(st.none(), st.lists(st.sampled_from(list(catalog.plans)), max_size=3))
        )
        asks.append((seats, need, None if plans is None else tuple(plans)))
    return Recommender(catalog, deadline=math.inf), asks


@given(questions())
def test_one_evaluations_answers_are_each_questions_own(
    asked: tuple[Recommender, list[Ask]],
) -> None:
    """Questions asked in one budget, whose answers it keeps (under a key that leaves
    out the account's plan when nothing held or retired depends on it), get what each
    gets from a recommender that never saw the others."""
    recommender, asks = asked
    with recommender.searching(recommender.budget()):
        together = [
            recommender.cheapest(MONTH, seats, need, plans=plans) for seats, need, plans in asks
        ]
    alone = [
        Recommender(recommender.catalog, deadline=math.inf).cheapest(
            MONTH, seats, need, plans=plans
        )
        for seats, need, plans in asks
    ]
    assert _exactly(alone) == _exactly(together)


def _exactly(options: list[Option | None]) -> list[object]:
    """The options with their decimals as written, not only as compared."""
    return [None if o is None else (o, str(o.overage)) for o in options]


@given(holding_catalogs(), st.sampled_from([MONTH, Interval(Unit.YEAR), Interval(Unit.WEEK, 3)]))
def test_the_plans_by_interval_are_the_catalogs(catalog: Catalog, interval: Interval) -> None:
    """The plans a recommender keeps for an interval are those the catalog sells by it,
    in ladder order, at the catalog's price, asked twice or once."""
    recommender = Recommender(catalog, deadline=math.inf)
    expected = [
        (index, plan.id, plan.price(interval))
        for index, plan in enumerate(catalog.plans.values())
        if plan.price(interval) is not None
    ]
    for _ in range(2):
        assert expected == [(r.index, r.plan.id, r.price) for r in recommender.rungs(interval)]


@given(questions(), st.sampled_from([decimal.ROUND_DOWN, decimal.ROUND_CEILING]), st.integers(1, 6))
def test_a_search_computes_in_its_own_decimal_context(
    asked: tuple[Recommender, list[Ask]], rounding: str, precision: int
) -> None:
    """A caller's decimal context (few digits, another rounding, `Inexact` trapped) does
    not reach the search, and the search leaves it as it was."""
    recommender, asks = asked
    plain = [recommender.cheapest(MONTH, seats, need, plans=plans) for seats, need, plans in asks]
    with decimal.localcontext(prec=precision, rounding=rounding) as odd:
        odd.traps[decimal.Inexact] = True
        fresh = Recommender(recommender.catalog, deadline=math.inf)
        found = [fresh.cheapest(MONTH, seats, need, plans=plans) for seats, need, plans in asks]
        assert decimal.getcontext() is odd
        assert (precision, rounding, True) == (odd.prec, odd.rounding, odd.traps[decimal.Inexact])
    assert _exactly(plain) == _exactly(found)


def test_a_magnitude_past_the_precision_still_fails_loudly() -> None:
    """The search's own context traps `Inexact`, as before: a usage whose overage needs
    more than `PRECISION` digits raises instead of rounding."""
    plan = Plan(
        id="p",
        name="P",
        prices={MONTH: Price(base=100)},
        limits={"m0": Decimal(0)},
        overage={"m0": Decimal("0.123456789")},
    )
    recommender = Recommender(Catalog(currency=Currency.of("USD"), plans={"p": plan}))
    with pytest.raises(decimal.Inexact):
        recommender.cheapest(MONTH, 1, Need(usage={"m0": Decimal("1." + "3" * 58)}))


@given(holding_catalogs(), st.lists(st.lists(st.sampled_from(METRICS), min_size=1, unique=True)))
def test_plans_selling_the_same_addons_share_their_groups(
    catalog: Catalog, asked: list[list[str]]
) -> None:
    """Each plan's groups of short metrics, shared with every plan that sells the same
    add-ons, are what the plan's own add-ons give, whichever plan asked first."""
    recommender = Recommender(catalog, deadline=math.inf)
    for short in map(tuple, asked):
        for rung in recommender.rungs(MONTH):
            own = _groups(_granting(catalog, MONTH, rung.plan.id, short), MONTH, short)
            assert own == recommender.groups(MONTH, rung, short)


@given(st.data())
def test_holding_changes_only_what_the_account_holds(data: st.DataObject) -> None:
    """`holding` (which builds its `Need` field by field) gives the need with only the
    account's features, add-ons, limits, plan and floor changed, as `attrs.evolve`."""
    catalog = data.draw(holding_catalogs())
    plan, addons, need = data.draw(accounts_needs(catalog))
    least = data.draw(st.integers(0, 5000))
    again = holding(catalog, need, plan, addons, least=least, plan_features=False)
    expected = attrs.evolve(
        need, features=again.features, held=again.held, have=again.have, plan=plan, least=least
    )
    assert expected == again
    assert need.features <= again.features
