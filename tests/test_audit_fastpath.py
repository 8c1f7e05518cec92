"""Audit of the compiled decision path (`Evaluator._plainly`, `nudge_sdk.evaluation._thresholds`)
and of the decimal-context and error promises that came with it (dc19120).

Each test is a minimal case found by the audit; all fail on the committed code up to
e6ca2e8:

- the probes were compiled in the host's decimal context at construction, so a host
  context harmless to the general path broke construction or made `triggered`
  disagree with the general path;
- every entry point read ``account.currency`` (`Evaluator.priced`) before its guard, so
  an account object whose attribute read raises escaped as that exception;
- `compare` checked and cleaned the usage in the host's decimal context;
- `_plainly` compared a placement with ``==`` where `_gate` uses ``!=``;
- (general path) a float subclass such as ``numpy.float64`` stayed a float in `Usage`
  and the threshold arithmetic failed; inside a ``{"value", "per_day"}`` reading,
  `exact_float` reads the subclass's own ``repr``.
"""

from __future__ import annotations

import contextlib
import decimal
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import Any
from unittest import mock

import pytest

from nudge_sdk import Account, Evaluator, Interval, NudgeError, Period, Unit, parse_catalog

NOW = datetime(2025, 6, 16, 12, tzinfo=UTC)
JUNE = Period(datetime(2025, 6, 1, tzinfo=UTC), datetime(2025, 7, 1, tzinfo=UTC))
CATALOG = """\
currency: USD
metrics: {gb: {kind: gauge}}
plans: {a: {prices: {month: 10}, limits: {gb: 1000000}}}
nudges:
  full:
    when: {usage: {metric: gb, levels: [80]}}
    offer: none
    placement: banner
    messages: {en: {title: t, body: b}}
  left:
    when: {usage: {metric: gb, levels: [10], measure: remaining}}
    offer: none
    placement: modal
    messages: {en: {title: t, body: b}}
"""


def _account(**fields: Any) -> Account:
    return Account(
        id="x",
        plan="a",
        interval=Interval(Unit.MONTH),
        period=JUNE,
        signup=NOW - timedelta(days=9),
        **fields,
    )


def _outcome(run: Callable[[], Any]) -> object:
    """What a call gives: its answer, or the `NudgeError` it raises (type and text)."""
    try:
        return run()
    except NudgeError as error:
        return type(error), str(error)


def _general(evaluator: Evaluator, account: object, usage: object) -> object:
    with mock.patch.object(Evaluator, "_plainly", return_value=None):
        return _outcome(lambda: evaluator.triggered(account, usage, now=NOW))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "host",
    [
        # Twelve digits: enough for everything the constructor did before the probes
        # (it builds fine before dc19120); `_bracket` quantizes a bracket such as
        # 799999.9999999993 to nine places, 15 digits, in this context: InvalidOperation.
        decimal.Context(prec=12),
        # A small exponent range with Python's default traps: level * limit (8e7)
        # overflows in `_probe`'s `localcontext(prec=60)`, a copy of this context.
        decimal.Context(Emax=5),
        # The same, untrapped and rounding down: 8e7 becomes 9.99...e5, the reach 9999.99...,
        # and the probe fires from there while the general path needs 800000.
        decimal.Context(Emax=5, rounding=decimal.ROUND_DOWN, traps=[]),
    ],
    ids=["prec12", "emax5", "emax5-round-down-untrapped"],
)
def test_the_probes_do_not_depend_on_the_hosts_decimal_context(host: decimal.Context) -> None:
    """An evaluator built while the host's decimal context is in force (a web app that
    sets its context at start-up, before building the evaluator) decides as the general
    path. `Probes.of` computes reaches in ``decimal.localcontext(prec=60)``, which copies
    the host's Emax, rounding and traps (`_thresholds.py`, `_probe`), and `_bracket` calls
    `exact_float`, whose `quantize` runs in the host's precision; the general path runs in
    `_EXACT`, so the two can disagree, or construction raises where it did not."""
    catalog = parse_catalog(CATALOG)
    with decimal.localcontext(host):
        evaluator = Evaluator(catalog, deadline=60.0)  # raised decimal.* for the first two
    account = _account()
    for value in (100000.0, 799999.5, 800000, 999990.0):
        usage = {"gb": value}
        fast = _outcome(partial(evaluator.triggered, account, usage, now=NOW))
        assert fast == _general(evaluator, account, usage), usage


class _Boom:
    """A host object (not an `Account`) whose ``currency`` cannot be read."""

    @property
    def currency(self) -> str:
        raise RuntimeError("no currency here")


class _AttrDict(dict[str, Any]):
    """A dict read by attribute, as hosts sometimes pass instead of an `Account`:
    a missing attribute raises `KeyError`, not `AttributeError`."""

    def __getattr__(self, name: str) -> Any:
        return self[name]


@pytest.mark.parametrize("account", [_Boom(), _AttrDict(id="x")], ids=["property", "attrdict"])
def test_an_unreadable_account_is_invalid_input_not_an_escape(account: object) -> None:
    """`triggered` raises only `NudgeError` and `evaluate` never raises, whatever they are
    given. `Evaluator.priced` reads ``getattr(account, "currency", "")``, which lets every
    exception but `AttributeError` through, and it runs before any guard: in `triggered`
    as an argument to `_only_nudge_errors` (`_evaluator.py`, `triggered`), in the other
    entry points inside `_in_its_currency`'s wrapper, before the method's try."""
    evaluator = Evaluator(parse_catalog(CATALOG), deadline=60.0)
    with pytest.raises(NudgeError, match="account: expected an Account"):
        evaluator.triggered(account, {"gb": 1}, now=NOW)  # type: ignore[arg-type]
    result = evaluator.evaluate(account, {"gb": 1}, now=NOW)  # type: ignore[arg-type]
    assert result.degraded


def test_an_unreadable_currency_is_invalid_input_not_an_escape() -> None:
    """The same through a real `Account` (its fields are not validated at construction)
    in a catalog sold in several currencies, where `priced` calls ``currency.upper()``."""

    class Code(str):
        def upper(self) -> str:
            raise RuntimeError("no upper case here")

    evaluator = Evaluator(
        parse_catalog(
            CATALOG.replace("currency: USD\n", "currency: USD\ncurrencies: [EUR]\n").replace(
                "prices: {month: 10},",
                "prices: {month: 10}, currency_options: {EUR: {prices: {month: 9}}},",
            )
        ),
        deadline=60.0,
    )
    account = _account(currency=Code("eur"))
    with contextlib.suppress(NudgeError):  # an answer, or a NudgeError: nothing else
        evaluator.triggered(account, {"gb": 1}, now=NOW)
    evaluator.evaluate(account, {"gb": 1}, now=NOW)  # never raises


def test_compare_is_unmoved_by_the_hosts_decimal_context() -> None:
    """The changelog says the entry points compute in the SDK's own decimal context, and
    `evaluate(compare=True)` does; `compare` runs `_check` and `context` (so
    `clean_usage`, whose `_places` quantizes a `Decimal` usage to nine places) in the
    host's, and a host with few digits gets an ``internal error`` comparison."""
    evaluator = Evaluator(parse_catalog(CATALOG), deadline=60.0)
    account = _account()
    usage = {"gb": Decimal("800000.0000000001")}
    expected = evaluator.compare(account, usage, now=NOW)
    host = decimal.Context(prec=3, rounding=decimal.ROUND_DOWN, traps=[decimal.Inexact])
    with decimal.localcontext(host):
        got = evaluator.compare(account, usage, now=NOW)
    assert not expected.degraded
    assert got == expected


class _Float(float):
    """A float subclass, as ``numpy.float64`` is."""


def test_a_float_subclass_reads_as_the_float_it_is() -> None:
    """Pre-existing (before dc19120), on the general path the fast path defers to:
    `clean_usage` takes any ``isinstance(value, float)`` as a float, but
    `Usage.__getitem__` makes only ``type(value) is float`` exact, so a subclass reaches
    `reaches`/`_usage` as a float: ``limit - value`` raises `TypeError` (an ``internal
    error``) and ``value * 100`` rounds in binary. The same number as a plain float
    decides cleanly."""
    evaluator = Evaluator(parse_catalog(CATALOG), deadline=60.0)
    account = _account()
    plain = evaluator.triggered(account, {"gb": 999995.0}, now=NOW)
    assert plain == ("full", "left")
    assert evaluator.triggered(account, {"gb": _Float(999995.0)}, now=NOW) == plain
    result = evaluator.evaluate(account, {"gb": _Float(999995.0)}, now=NOW)
    assert not result.degraded, result.problems


class _Placement(str):
    """Text whose ``==`` says "never" but whose ``!=`` (inherited from `str`) compares
    the characters: a host object, legal Python, and `str` as `_check_options` asks."""

    def __eq__(self, other: object) -> bool:
        return False

    __hash__ = str.__hash__


def test_a_placement_is_compared_as_the_general_path_compares_it() -> None:
    """Low severity (a hostile host object): `_plainly` keeps a probe when
    ``probe.placement == placement``, `_gate` drops a rule when ``rule.placement !=
    placement``; for a `str` subclass that overrides ``__eq__`` alone the two disagree
    (the subclass's reflected ``__eq__`` wins in the first, `str.__ne__` in the second)."""
    evaluator = Evaluator(parse_catalog(CATALOG), deadline=60.0)
    account = _account()
    usage = {"gb": 900000}
    placement = _Placement("banner")
    fast = _outcome(partial(evaluator.triggered, account, usage, now=NOW, placement=placement))
    with mock.patch.object(Evaluator, "_plainly", return_value=None):
        general = _outcome(
            partial(evaluator.triggered, account, usage, now=NOW, placement=placement)
        )
    assert fast == general


class _Float64(float):
    """A float subclass with its own ``repr``, as numpy 2's ``float64``
    (``np.float64(95.0)``)."""

    def __repr__(self) -> str:
        return f"np.float64({float(self)!r})"


@pytest.mark.parametrize(
    "reading",
    [{"value": _Float64(95.0), "per_day": 1}, {"value": 95.0, "per_day": _Float64(1.0)}],
    ids=["value", "per_day"],
)
def test_a_float_subclass_in_a_reading_is_its_number(reading: dict[str, object]) -> None:
    """A reading with a trend takes the general path; `_reading` hands a float subclass to
    `exact_float` (`_number`), which reads ``repr(value)``: the subclass's own text,
    ``Decimal("np.float64(95.0)")``, raises InvalidOperation, an ``internal error``.
    The plain float decides."""
    evaluator = Evaluator(parse_catalog(CATALOG), deadline=60.0)
    account = _account()
    plain = {"gb": {"value": 95.0, "per_day": 1.0}}
    expected = evaluator.triggered(account, plain, now=NOW)
    assert evaluator.triggered(account, {"gb": reading}, now=NOW) == expected
    assert not evaluator.evaluate(account, {"gb": reading}, now=NOW).degraded


class _Liar(Mapping[str, int]):
    """A host mapping that says it is empty and still has an item."""

    def __getitem__(self, key: str) -> int:
        return 1

    def __iter__(self) -> Iterator[str]:
        return iter(["nope"])

    def __len__(self) -> int:
        return 0


def test_a_mapping_that_says_it_is_empty_is_still_looked_at() -> None:
    """Only the builtin types' emptiness is trusted: a host mapping of add-ons whose
    length says 0 but which holds an unknown add-on is refused on both paths."""
    evaluator = Evaluator(parse_catalog(CATALOG), deadline=60.0)
    account = _account(addons=_Liar())
    fast = _outcome(partial(evaluator.triggered, account, {"gb": 900000}, now=NOW))
    assert fast == _general(evaluator, account, {"gb": 900000})
    assert isinstance(fast, tuple)
    assert isinstance(fast[0], type)
    assert issubclass(fast[0], NudgeError)
    assert "nope" in fast[1]
