"""The cheapest pack quantities for one metric, in time polynomial in the packs and the
units needed: the exact search for the common case of add-ons that each grant one
metric (more storage, more credits), however many near-equal packs a catalog sells.
(`PairTable`, at the end, does the same for two metrics that bundles join, for needs
of bounded size.)

The packs' grants are whole multiples of one step (their greatest common divisor, found
exactly from the decimals), so a quantity of packs is a number of steps ``y`` and the
least cost of exactly ``y`` steps, ``E(y)``, is the unbounded-knapsack table
``E(y) = min over packs (E(y - w) + price)``, kept with the fewest units on a tie. It
is built lazily, as far as requests have needed, and shared by every account on the
plan.

Two facts bound how far it must go. Let ``b`` be the best-value pack (least price per
step; on a tie the largest), ``w_b`` its steps, ``w_o`` the largest other pack's and
``w_max`` the largest pack's.

- An optimal choice holds fewer than ``w_b`` units of the other packs: among any
  ``w_b`` of them some non-empty subset sums to a multiple of ``w_b`` (pigeonhole on
  prefix sums), and as many units of ``b`` give the same steps for no more money and
  no more units. Likewise it holds fewer than ``w_b / gcd(w_i, w_b)`` units of each
  other pack ``i``, as that many sum to a multiple of ``w_b`` on their own (each
  exchange lowers the count of other units, so one optimal choice meets both bounds).
  So past ``N``, the lesser of ``(w_b - 1) * w_o`` and the sum over the other packs of
  ``(w_b / gcd(w_i, w_b) - 1) * w_i``, every optimal choice holds a ``b``:
  ``E(y) = E(y - w_b) + price(b)``, and a target of any size reduces to one below
  ``N`` plus whole ``b`` units. With round grants (10, 50, 100 GB...) ``N`` is small.
- Covering a need of ``t`` steps never takes ``t + w_max`` or more (drop any pack and
  it still covers), so the cheapest cover is the least ``E`` in ``[t, t + w_max)``.

With overage (a soft limit), falling short by ``S - y`` steps costs the overage rate on
it, and the best ``y`` below the need is found the same way: along each residue class
modulo ``w_b`` the cost changes by a constant ``price(b) - rate * w_b`` per ``b`` once
past ``N``, so only the lowest ``w_b`` classes' start (constant not negative) or the
``w_b`` values just under the need (negative) can win.

Every amount is an integer (steps, minor units) except the overage, which is exact
`Decimal`; nothing rounds.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Sequence
from decimal import Decimal
from fractions import Fraction

__all__ = ["MAX_PAIR_WORK", "PackTable", "PairTable"]

_UNIT = 1 << 40
"""Table entries are ``cost * _UNIT + units``: one integer compares by cost, then by
units. A table never holds more than 2**40 units."""
_NONE = -1
_CHUNK = 512
"""Entries computed between two looks at the deadline."""


class PackTable:
    """The cheapest quantities of some packs that grant one metric: each pack's id, its
    price in minor units per interval and the amount it grants. One table serves every
    plan that sells these packs; the plan's overage rate comes with each question."""

    __slots__ = (
        "_best",
        "_cost",
        "_covers",
        "_last",
        "_least",
        "_lock",
        "_n",
        "_step",
        "_walks",
        "_wb",
        "_wmax",
        "ids",
        "steps",
        "units",
    )

    def __init__(self, packs: Sequence[tuple[str, int, Decimal]]) -> None:
        if not packs:
            raise ValueError("a pack table needs at least one pack")
        exponent = max(0, *(-_exponent(grant) for _, _, grant in packs))
        scaled = [int(grant.scaleb(exponent)) for _, _, grant in packs]
        if min(scaled) <= 0:
            raise ValueError("every pack must grant a positive amount")
        common = math.gcd(*scaled)
        self._step = Decimal(common).scaleb(-exponent)
        self.ids = tuple(pack_id for pack_id, _, _ in packs)
        self.units = tuple(price for _, price, _ in packs)
        self.steps = tuple(amount // common for amount in scaled)
        # The best value: least price per step, then the most steps, then the first.
        self._best = min(
            range(len(packs)),
            key=lambda i: (Fraction(self.units[i], self.steps[i]), -self.steps[i], i),
        )
        self._wb = self.steps[self._best]
        self._wmax = max(self.steps)
        others = [w for i, w in enumerate(self.steps) if i != self._best]
        self._n = min(
            (self._wb - 1) * max(others, default=0),
            sum((self._wb // math.gcd(w, self._wb) - 1) * w for w in others),
        )
        self._cost: list[int] = [0]  # E(0): nothing bought
        self._last: list[int] = [_NONE]
        self._covers: dict[int, tuple[int, int, int]] = {}
        self._walks: dict[int, tuple[tuple[int, int], ...]] = {}
        self._least: dict[Decimal, tuple[list[int], list[tuple[Decimal, int]]]] = {}
        self._lock = threading.Lock()

    def choose(
        self,
        short: Decimal,
        floor: Decimal | None,
        rate: Decimal | None,
        out: Callable[[], bool],
    ) -> dict[str, int] | None:
        """The cheapest quantities for a limit `short` below the need (nothing needed if
        not positive) whose sum must end above `floor` if given (both relative to the
        limit before packs), with what stays short billed at the overage `rate` (`None`:
        a hard limit, it must be covered); the cheapest, then the fewest units, then the
        most room. `None` if nothing covers, or `out()` said the time is up first.

        One question at a time: a table is shared by every thread of the host, and
        growing it (or its memos) from two at once would misalign its entries. Python
        runs one thread at a time anyway; a thread that waits here spends no CPU time,
        so its own deadline does not run down."""
        with self._lock:
            return self._choose(short, floor, rate, out)

    def _choose(
        self,
        short: Decimal,
        floor: Decimal | None,
        rate: Decimal | None,
        out: Callable[[], bool],
    ) -> dict[str, int] | None:
        c = 0  # the steps that cover `short`, rounded up
        if short > 0:
            whole, rest = divmod(short, self._step)
            c = int(whole) + (1 if rest else 0)
        a = 0  # the fewest steps that end above `floor`
        if floor is not None and floor >= 0:
            a = int(floor // self._step) + 1
        cover = self._cover(max(a, c), out)
        below = [] if rate is None or a >= c else self._below(a, c, rate, out)
        if cover is None or below is None:
            return None
        best: tuple[Decimal | int, int, int] = cover  # (cost, units, -steps); steps 1: none
        for y in below:
            entry = self._entry(y, out)
            if entry is None:
                return None
            if entry < 0:
                continue  # y steps cannot be made exactly
            cost, units = divmod(entry, _UNIT) if y <= self._n else self._reduced(y, entry)
            assert rate is not None
            mine = (Decimal(cost) + rate * (short - y * self._step), units, -y)
            if best[2] > 0 or mine < best:
                best = mine
        return None if best[2] > 0 else self._quantities(-best[2])

    # -- inside -----------------------------------------------------------------------

    def _cover(self, t: int, out: Callable[[], bool]) -> tuple[int, int, int] | None:
        """The cheapest way to at least `t` steps, as (cost, units, -steps), or steps +1
        if none; `None` if the time ran out while the table grew. Past `N` it is the
        answer one best-value unit lower plus that unit; below, it is memoized."""
        lift = self._lift(t)
        t -= lift * self._wb
        found = self._covers.get(t)
        if found is None:
            found = (0, 0, 1)
            for y in range(t, t + self._wmax):
                entry = self._entry(y, out)
                if entry is None:
                    return None
                if entry >= 0:
                    cost, units = divmod(entry, _UNIT) if y <= self._n else self._reduced(y, entry)
                    if found[2] > 0 or (cost, units, -y) < found:
                        found = (cost, units, -y)
            self._covers[t] = found
        cost, units, steps = found
        if steps > 0 or not lift:
            return found
        return cost + lift * self.units[self._best], units + lift, steps - lift * self._wb

    def _below(self, a: int, c: int, rate: Decimal, out: Callable[[], bool]) -> list[int] | None:
        """The totals short of the need, at least `a`, that can be the cheapest once
        overage at `rate` is added (see the module's note); `None` if the time ran out
        while the table grew."""
        if self.units[self._best] < rate * (self._wb * self._step):  # buying beats overage
            return list(range(max(a, c - self._wb), c))
        # Past N a total is never cheaper than the one a best-value unit below it, so
        # only [a, N] and the totals less than one best-value unit above `a` remain.
        top = min(c, max(a + self._wb, self._n + self._wb + 1))
        head: Sequence[int] = range(a, min(top, self._n + 1))
        if not a and head:
            cheapest = self._least_below(rate, head[-1], out)  # one look-up, not a scan
            if cheapest is None:
                return None
            head = [cheapest] if cheapest >= 0 else []
        return [*head, *range(max(a, self._n + 1), min(top, a + self._wb))]

    def _least_below(self, rate: Decimal, upto: int, out: Callable[[], bool]) -> int | None:
        """The total in ``[0, upto]`` (at most `N`) whose cost plus overage at `rate` is
        least (fewest units on a tie), from a running minimum kept per rate: ``-1`` if
        none can be made, `None` if the time ran out while the table grew."""
        if upto >= len(self._cost) and not self._extend(upto, out):
            return None
        found = self._least.get(rate)
        if found is None:
            found = self._least[rate] = ([], [])
        at, value = found
        per_step = rate * self._step
        for y in range(len(at), upto + 1):
            entry = self._cost[y]
            before = at[-1] if at else -1
            if entry >= 0:
                cost, units = divmod(entry, _UNIT)
                mine = (cost - per_step * y, units)
                if before < 0 or mine < value[-1]:
                    at.append(y)
                    value.append(mine)
                    continue
            at.append(before)
            value.append(value[-1] if value else (Decimal(0), 0))
        return at[upto]

    def _entry(self, y: int, out: Callable[[], bool]) -> int | None:
        """The table entry of ``E(y)`` for ``y`` up to `N`, or of its reduction beyond;
        negative if unreachable; `None` if the time ran out while extending the table."""
        if y > self._n:
            y -= self._lift(y) * self._wb
        if y >= len(self._cost) and not self._extend(y, out):
            return None
        return self._cost[y]

    def _lift(self, y: int) -> int:
        """How many best-value units take `y` steps down to at most `N`."""
        return 0 if y <= self._n else (y - self._n - 1) // self._wb + 1

    def _reduced(self, y: int, entry: int) -> tuple[int, int]:
        """Cost and units of ``E(y)`` past `N`, from its reduction's `entry`."""
        lift = self._lift(y)
        cost, units = divmod(entry, _UNIT)
        return cost + lift * self.units[self._best], units + lift

    def _extend(self, upto: int, out: Callable[[], bool]) -> bool:
        """Fill the table up to `upto` steps; `False` if `out()` said stop first."""
        cost, last = self._cost, self._last
        packs = [
            (i, w, price * _UNIT + 1)
            for i, (w, price) in enumerate(zip(self.steps, self.units, strict=True))
        ]
        for y in range(len(cost), upto + 1):
            if not y % _CHUNK and out():
                return False
            best, pick = -1, _NONE
            for i, w, add in packs:
                if w <= y:
                    before = cost[y - w]
                    if before >= 0 and (best < 0 or before + add < best):
                        best, pick = before + add, i
            cost.append(best)
            last.append(pick)
        return True

    def _quantities(self, y: int) -> dict[str, int]:
        """The pack quantities of ``E(y)``: the table's walk back (memoized), plus the
        best-value units that lifted `y` past `N`."""
        lift = self._lift(y)
        y -= lift * self._wb
        walk = self._walks.get(y)
        if walk is None:
            counts = [0] * len(self.ids)
            at = y
            while at:
                pick = self._last[at]
                counts[pick] += 1
                at -= self.steps[pick]
            walk = self._walks[y] = tuple((i, n) for i, n in enumerate(counts) if n)
        chosen = {self.ids[i]: n for i, n in walk}
        if lift:
            best = self.ids[self._best]
            chosen[best] = chosen.get(best, 0) + lift
        return chosen


def _exponent(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    assert isinstance(exponent, int), "grants are finite"
    return exponent


MAX_PAIR_WORK = 60_000
"""The most cell-by-pack steps a `PairTable` takes in all (a few tens of milliseconds,
once per catalog; its cells are then at most this many): past it the branch and bound
answers instead."""


class PairTable:
    """The cheapest quantities of packs that grant two metrics (storage and seats in one
    bundle), for needs of bounded size: ``F(t, g)``, the least cost (then fewest units)
    of at least ``g`` steps of the first metric and ``t`` of the second, is
    ``min over packs (F(max(0, t - b), max(0, g - a)) + price)`` with ``F(0, 0) = 0``:
    drop any one pack from a cheapest cover and the rest covers what is left. Built
    lazily, row by row of the second metric, as far as questions have needed, and
    shared by every plan that sells these packs. Hard limits only: with overage or a
    floor, the branch and bound answers."""

    __slots__ = ("_last", "_lock", "_rows", "_steps", "grants", "ids", "units")

    def __init__(self, packs: Sequence[tuple[str, int, Decimal, Decimal]]) -> None:
        if not packs:
            raise ValueError("a pair table needs at least one pack")
        self.ids = tuple(pack_id for pack_id, _, _, _ in packs)
        self.units = tuple(price for _, price, _, _ in packs)
        self._steps: list[Decimal] = []
        scaled: list[list[int]] = []
        for grants in ([pack[2] for pack in packs], [pack[3] for pack in packs]):
            exponent = max((0, *(-_exponent(grant) for grant in grants if grant)))
            whole = [int(grant.scaleb(exponent)) for grant in grants]
            if min(whole) < 0 or not any(whole):
                raise ValueError("every metric needs a pack granting it, and none negative")
            common = math.gcd(*whole)
            self._steps.append(Decimal(common).scaleb(-exponent))
            scaled.append([amount // common for amount in whole])
        self.grants = tuple(zip(scaled[0], scaled[1], strict=True))
        if any(a == 0 and b == 0 for a, b in self.grants):
            raise ValueError("every pack must grant one of the metrics")
        self._rows: list[list[int]] = []  # _rows[t][g]: cost * _UNIT + units, or -1
        self._last: list[list[int]] = []
        self._lock = threading.Lock()

    def steps(self, short: Decimal, metric: int) -> int:
        """How many steps of `metric` (0 or 1) cover `short` (0 if nothing is short)."""
        if short <= 0:
            return 0
        whole, rest = divmod(short, self._steps[metric])
        return int(whole) + (1 if rest else 0)

    def fits(self, g: int, t: int) -> bool:
        """Whether the table, grown to answer `g` and `t` steps, stays within
        `MAX_PAIR_WORK` in all: what it holds stays bounded too, whatever is asked."""
        rows = max(t + 1, len(self._rows))
        width = max(g + 1, len(self._rows[0]) if self._rows else 0)
        return rows * width * len(self.units) <= MAX_PAIR_WORK

    def answer(self, g: int, t: int, out: Callable[[], bool]) -> tuple[bool, dict[str, int] | None]:
        """``(False, None)`` if answering would grow the table past `MAX_PAIR_WORK`, else
        ``(True, choose(g, t, out))``: asked and answered as one step, so that two
        threads cannot each grow it within the bound and together past it."""
        with self._lock:
            if not self.fits(g, t):
                return False, None
            return True, self._choose(g, t, out)

    def choose(self, g: int, t: int, out: Callable[[], bool]) -> dict[str, int] | None:
        """The cheapest quantities covering `g` steps of the first metric and `t` of the
        second, however far the table must grow (`answer` keeps it bounded); `None` if
        nothing covers, or `out()` said the time is up while the table grew. One
        question at a time, as `PackTable.choose`."""
        with self._lock:
            return self._choose(g, t, out)

    def _choose(self, g: int, t: int, out: Callable[[], bool]) -> dict[str, int] | None:
        if not self._extend(g, t, out):
            return None
        if self._rows[t][g] < 0:
            return None
        counts = [0] * len(self.ids)
        while t or g:
            pick = self._last[t][g]
            counts[pick] += 1
            a, b = self.grants[pick]
            t, g = max(0, t - b), max(0, g - a)
        return {self.ids[i]: n for i, n in enumerate(counts) if n}

    def _extend(self, g: int, t: int, out: Callable[[], bool]) -> bool:
        """Grow the table to rows ``0..t`` and columns ``0..g``; `False` if `out()` said
        stop first. Rows grow in order, each across every column: a cell needs only rows
        at or above it, at columns at or left of it."""
        width = max(g + 1, len(self._rows[0]) if self._rows else 0)
        packs = [
            (i, a, b, price * _UNIT + 1)
            for i, ((a, b), price) in enumerate(zip(self.grants, self.units, strict=True))
        ]
        done = 0
        for row in range(max(t + 1, len(self._rows))):
            if row == len(self._rows):
                self._rows.append([])
                self._last.append([])
            cells, last = self._rows[row], self._last[row]
            for column in range(len(cells), width):
                done += 1
                if not done % _CHUNK and out():
                    return False
                if not row and not column:
                    cells.append(0)
                    last.append(_NONE)
                    continue
                best, pick = -1, _NONE
                for i, a, b, add in packs:
                    if not (a and column) and not (b and row):
                        continue  # it adds nothing here
                    before = self._rows[row - b if row > b else 0][column - a if column > a else 0]
                    if before >= 0 and (best < 0 or before + add < best):
                        best, pick = before + add, i
                cells.append(best)
                last.append(pick)
        return True
