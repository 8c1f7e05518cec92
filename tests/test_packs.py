"""The one-metric pack table: exact against a plain dynamic programme over every step
total, for many near-equal packs and needs far past where the table stops."""

from __future__ import annotations

import itertools
import sys
import threading
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nudge_sdk.evaluation._packs import PackTable, PairTable

Packs = list[tuple[str, int, Decimal]]


def never() -> bool:
    return False


def reference(
    packs: Packs, rate: Decimal | None, short: Decimal, floor: Decimal | None
) -> tuple[Decimal, int] | None:
    """The least (cost, units) over every exact amount up to the need plus the largest
    pack: a dense table over amounts, with no reduction and no candidate pruning."""
    grants = [grant for _, _, grant in packs]
    step = Decimal("0.5") if any(g % 1 for g in grants) else Decimal(1)
    steps = [int(g / step) for g in grants]
    top = max(0, int(short / step) + 1, 0 if floor is None else int(floor / step) + 1)
    top += max(steps)
    table: list[tuple[int, int] | None] = [(0, 0)] + [None] * top
    for y in range(1, top + 1):
        options = [
            (before[0] + price, before[1] + 1)
            for (_, price, _), w in zip(packs, steps, strict=True)
            if w <= y and (before := table[y - w]) is not None
        ]
        table[y] = min(options, default=None)
    best = None
    for y, entry in enumerate(table):
        if entry is None:
            continue
        amount = y * step
        if floor is not None and amount <= floor:
            continue
        cost = Decimal(entry[0])
        if amount < short:
            if rate is None:
                continue
            cost += rate * (short - amount)
        if best is None or (cost, entry[1]) < best:
            best = (cost, entry[1])
    return best


def priced(
    packs: Packs, rate: Decimal | None, short: Decimal, chosen: dict[str, int]
) -> tuple[Decimal, int]:
    by_id = {pack_id: (price, grant) for pack_id, price, grant in packs}
    amount = sum((by_id[p][1] * n for p, n in chosen.items()), Decimal(0))
    cost = Decimal(sum(by_id[p][0] * n for p, n in chosen.items()))
    if amount < short:
        assert rate is not None
        cost += rate * (short - amount)
    return cost, sum(chosen.values())


@st.composite
def near_equal_packs(draw: st.DrawFn) -> Packs:
    """1-20 packs around one size and one price per unit, as a catalog that keeps adding
    packs ends up with; grants whole or in halves."""
    size = draw(st.integers(2, 12))
    count = draw(st.integers(1, 20))
    half = draw(st.booleans())
    packs = []
    for index in range(count):
        grant = Decimal(size + draw(st.integers(0, 6))) / (2 if half else 1)
        price = int(grant * draw(st.integers(90, 110)))
        packs.append((f"p{index}", max(1, price), grant))
    return packs


@given(
    near_equal_packs(),
    st.one_of(st.none(), st.integers(50, 130).map(Decimal), st.just(Decimal("99.75"))),
    st.integers(0, 400).map(Decimal) | st.decimals(0, 400, places=3),
    st.one_of(st.none(), st.integers(-3, 120).map(Decimal)),
)
def test_the_table_matches_a_plain_dynamic_programme(
    packs: Packs, rate: Decimal | None, short: Decimal, floor: Decimal | None
) -> None:
    """The cheapest cost, then the fewest units, exactly; `None` just when nothing does."""
    table = PackTable(packs)
    found = table.choose(short, floor, rate, never)
    expected = reference(packs, rate, short, floor)
    assert (found is None) == (expected is None)
    if found is not None:
        assert expected == priced(packs, rate, short, found)
        grant = sum((g * found[p] for p, _, g in packs if p in found), Decimal(0))
        assert floor is None or grant > floor


@pytest.mark.parametrize("rate", [None, Decimal(40), Decimal(200)])
def test_needs_far_past_the_table_reduce_to_best_value_packs(rate: Decimal | None) -> None:
    """Past ``(w_b - 1) * w_max`` steps every extra need is met by the best-value pack,
    so a need a thousand times larger costs the same table plus whole best packs."""
    packs: Packs = [("a", 700, Decimal(7)), ("b", 1100, Decimal(11)), ("c", 1290, Decimal(13))]
    table = PackTable(packs)
    for short in (Decimal(150), Decimal(151), Decimal(997)):
        found = table.choose(short, None, rate, never)
        assert found is not None
        assert reference(packs, rate, short, None) == priced(packs, rate, short, found)
    huge = Decimal(10) ** 12 + 5
    chosen = table.choose(huge, None, rate, never)
    assert chosen is not None
    steps_filled = len(table._cost)
    assert steps_filled < 200  # the table stopped near (w_b - 1) * w_max = 156
    if rate is None or rate * 13 > 1290:  # buying beats overage
        assert chosen["c"] > 10**10
    else:
        assert chosen == {}


@pytest.mark.parametrize("short", [Decimal(150), Decimal("1234.5"), Decimal("5000.25")])
def test_a_fine_pack_beside_round_ones_needs_a_short_table(short: Decimal) -> None:
    """0.5 GB, 100 GB and 1 TB packs: the 1 TB pack never beats ten 100 GB ones, so the
    table stops at 199 half-steps instead of the 398,000 the count bound alone allows,
    and stays exact."""
    packs: Packs = [("half", 5, Decimal("0.5")), ("hundred", 800, Decimal(100))]
    packs.append(("tb", 9000, Decimal(1000)))
    table = PackTable(packs)
    found = table.choose(short, None, None, never)
    assert found is not None
    assert reference(packs, None, short, None) == priced(packs, None, short, found)
    assert len(table._cost) < 600


def test_twenty_near_equal_packs_at_nine_hundred_units_are_exact() -> None:
    """The catalog that hung the branch and bound: 20 packs of 50-69 at nearly one price
    per unit, 800 units short, found exactly (compared with the plain programme)."""
    packs: Packs = [(f"p{g}", g * 100 - (g % 3), Decimal(g)) for g in range(50, 70)]
    table = PackTable(packs)
    found = table.choose(Decimal(800), None, None, never)
    assert found is not None
    assert reference(packs, None, Decimal(800), None) == priced(packs, None, Decimal(800), found)


def test_a_deadline_stops_the_table_and_the_next_call_goes_on() -> None:
    """`out()` is asked while the table grows: it stops with `None`, keeps what it built,
    and a later call with time left finishes it."""
    packs: Packs = [("a", 301, Decimal(3)), ("b", 1000, Decimal(1000))]
    table = PackTable(packs)
    calls = itertools.count()
    assert table.choose(Decimal(5000), None, None, lambda: next(calls) >= 1) is None
    built = len(table._cost)
    assert 0 < built < 3000
    assert table.choose(Decimal(5000), None, None, never) == {"b": 5}


@pytest.mark.parametrize(
    ("packs", "message"),
    [([], "at least one pack"), ([("a", 1, Decimal(0))], "positive amount")],
)
def test_a_table_needs_packs_that_grant_something(packs: Packs, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        PackTable(packs)


# -- two metrics: the pair table ------------------------------------------------------

Pairs = list[tuple[str, int, Decimal, Decimal]]

pair_packs = st.lists(
    st.tuples(
        st.integers(1, 900),
        st.sampled_from([Decimal(0), Decimal("0.5"), Decimal(1), Decimal(2), Decimal(3)]),
        st.integers(0, 4).map(Decimal),
    ).filter(lambda pack: pack[1] or pack[2]),
    min_size=1,
    max_size=4,
).filter(lambda packs: any(p[1] for p in packs) and any(p[2] for p in packs))


def pair_reference(packs: Pairs, g: Decimal, t: Decimal) -> tuple[int, int] | None:
    """The least (cost, units) over every quantity of every pack up to what could
    matter: enough of each alone to cover both."""
    best = None
    bounds = [
        range(
            1
            + max(
                int(g / a) + 1 if a else 0,
                int(t / b) + 1 if b else 0,
            )
        )
        for _, _, a, b in packs
    ]
    for counts in itertools.product(*bounds):
        room = sum((n * a for n, (_, _, a, _) in zip(counts, packs, strict=True)), Decimal(0))
        seats = sum((n * b for n, (_, _, _, b) in zip(counts, packs, strict=True)), Decimal(0))
        if room >= g and seats >= t:
            mine = (sum(n * p for n, (_, p, _, _) in zip(counts, packs, strict=True)), sum(counts))
            best = mine if best is None or mine < best else best
    return best


@given(
    raw=pair_packs,
    g=st.integers(0, 14).map(lambda n: Decimal(n) / 2),
    t=st.integers(0, 6).map(Decimal),
)
def test_the_pair_table_matches_brute_force(
    raw: list[tuple[int, Decimal, Decimal]], g: Decimal, t: Decimal
) -> None:
    """Two metrics, packs granting one or both (half steps included): the cheapest
    cover, then the fewest units, exactly as trying every quantity finds."""
    packs = [(f"p{i}", price, a, b) for i, (price, a, b) in enumerate(raw)]
    table = PairTable(packs)
    chosen = table.choose(table.steps(g, 0), table.steps(t, 1), never)
    expected = pair_reference(packs, g, t)
    if chosen is None:
        assert expected is None
        return
    by_id = {pack_id: (price, a, b) for pack_id, price, a, b in packs}
    cost = sum(by_id[i][0] * n for i, n in chosen.items())
    assert sum(by_id[i][1] * n for i, n in chosen.items()) >= g
    assert sum(by_id[i][2] * n for i, n in chosen.items()) >= t
    assert expected == (cost, sum(chosen.values()))


def test_a_pair_table_grows_in_both_directions_and_stops_at_the_deadline() -> None:
    """Asked for more room, then more seats, it extends what it has; a deadline that has
    passed stops it growing, and the next question goes on from there."""
    table = PairTable(
        [("bundle", 800, Decimal(60), Decimal(1)), ("seat", 300, Decimal(0), Decimal(1))]
    )
    assert {"bundle": 2} == table.choose(table.steps(Decimal(93), 0), 0, never)
    assert {"bundle": 2, "seat": 1} == table.choose(2, 3, never)
    assert table.choose(5000, 3, lambda: True) is None
    assert {"bundle": 3} == table.choose(table.steps(Decimal(150), 0), 3, never)
    assert not table.fits(10**6, 10)
    # Bounded in all, not per question: wide and then tall would make it wide and tall.
    assert table.fits(1400, 0)
    assert table.choose(1400, 0, never) is not None
    assert table.fits(3, 20)
    assert not table.fits(3, 21)  # 22 rows x 1401 columns x 2 packs is past the bound


@pytest.mark.parametrize(
    ("packs", "message"),
    [
        ([], "a pair table needs at least one pack"),
        ([("a", 1, Decimal(1), Decimal(0))], "every metric needs a pack granting it"),
        ([("a", 1, Decimal(0), Decimal(0)), ("b", 1, Decimal(1), Decimal(1))], "every pack must"),
    ],
)
def test_a_pair_table_needs_packs_for_both_metrics(packs: Pairs, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        PairTable(packs)


def test_tables_shared_by_threads_answer_as_alone() -> None:
    """A host's threads share one evaluator, so one table: questions that grow it at the
    same moment, from eight threads switching every microsecond, get the answers a
    table asked alone gives (unguarded, entries landed out of place and a walk back
    read past the end)."""
    packs: Packs = [(f"p{i}", 800 + 7 * i, Decimal(60 + i)) for i in range(12)]
    pairs: Pairs = [(f"b{i}", 800 + 37 * i, Decimal(60 + i), Decimal(1 + i % 3)) for i in range(20)]
    targets = [Decimal(n) for n in range(37, 20_000, 311)]
    questions = [(g, t) for g in range(0, 480, 37) for t in range(5)]
    alone = PackTable(packs), PairTable(pairs)
    expected = [alone[0].choose(t, None, None, never) for t in targets]
    expected_pairs = [alone[1].choose(g, t, never) for g, t in questions]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        for _ in range(3):
            shared = PackTable(packs), PairTable(pairs)
            got: dict[int, object] = {}
            got_pairs: dict[int, object] = {}

            def ask(
                start: int,
                shared: tuple[PackTable, PairTable] = shared,
                got: dict[int, object] = got,
                got_pairs: dict[int, object] = got_pairs,
            ) -> None:
                for i in range(start, len(targets), 8):
                    got[i] = shared[0].choose(targets[i], None, None, never)
                for i in range(start, len(questions), 8):
                    got_pairs[i] = shared[1].choose(*questions[i], never)

            threads = [threading.Thread(target=ask, args=(start,)) for start in range(8)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            assert expected == [got[i] for i in range(len(targets))]
            assert expected_pairs == [got_pairs[i] for i in range(len(questions))]
    finally:
        sys.setswitchinterval(interval)
