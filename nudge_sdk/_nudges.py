"""The host's entry point: the evaluator and a state store together.

`Nudges` reads the account's snapshot (one round trip), lets the pure `Evaluator` decide,
and commits what it showed (one atomic round trip) with the caps checked again on the
freshest state, so servers evaluating the same account at the same moment never
together exceed a cap. The frontend's events (`report`) and trial-extension claims go
through the same store.

Nothing here raises into the host's request because the store failed: a store call is
bounded by its timeout, a `Breaker` stops calling a failing store for a while and probes
it in the background, and meanwhile `evaluate` answers at once, flagged ``degraded``
with the problem ``store_unavailable: ...``, showing no nudge it could not cap
(``on_store_failure="quiet"``, the default) or every nudge it found (``"uncapped"``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta, tzinfo
from decimal import Decimal
from typing import Any, Literal, TypeVar, cast

import attrs

from nudge_sdk._errors import InvalidEvent, StoreContended, StoreUnavailable
from nudge_sdk._evaluator import Evaluator
from nudge_sdk._log import log as _log
from nudge_sdk.billing._money import MAX_MONEY_DIGITS
from nudge_sdk.billing._periods import in_range
from nudge_sdk.catalog._catalog import Catalog
from nudge_sdk.catalog._rules import MAX_WINDOW, TrialExtension
from nudge_sdk.evaluation._account import Account, unicode_text
from nudge_sdk.evaluation._guardrails import Claim, Pending
from nudge_sdk.evaluation._state import EVENT_KINDS, EventKind, NudgeEvent, Shown, StateSnapshot
from nudge_sdk.evaluation._triggers import Miss
from nudge_sdk.payloads._payloads import Decision, DecisionReason, Evaluation
from nudge_sdk.stores import DEFAULT_TIMEOUT, Store, open_store
from nudge_sdk.stores._base import bounded

__all__ = ["Breaker", "Nudges", "Reported"]

_MAX_ID = 512
"""The longest account, nudge or event id a report may carry."""
_MAX_AMOUNT = 10**MAX_MONEY_DIGITS
"""A converted amount is below this many minor units, in magnitude (as `Money.parse`
reads): every store can write it, and JSON carries it."""

OnStoreFailure = Literal["quiet", "uncapped"]
T = TypeVar("T")


@attrs.frozen(kw_only=True)
class Reported:
    """What became of an event the frontend reported."""

    recorded: bool
    """Whether the store now holds it (also true for a duplicate)."""
    duplicate: bool = False
    """The same event (nudge, kind, event id) was reported before; nothing changed."""
    problem: str = ""
    """Why it was not recorded (``store_unavailable: ...``)."""


class Breaker:
    """Stops calling a failing store for a while.

    After `failures` failures in a row it opens: calls are refused at once, and a
    background thread probes the store every `pause` seconds until it answers, then
    closes again. Thread-safe; one per `Nudges`.
    """

    def __init__(self, *, failures: int = 3, pause: float = 5.0) -> None:
        if failures < 1 or not pause > 0:
            raise ValueError("a breaker needs failures >= 1 and a positive pause")
        self.failures = failures
        self.pause = pause
        self._lock = threading.Lock()
        self._count = 0
        self._open = threading.Event()
        self._stop = threading.Event()

    @property
    def open(self) -> bool:
        """Whether calls are being refused."""
        return self._open.is_set()

    def allows(self) -> bool:
        """Whether to call the store now."""
        return not self._open.is_set()

    def succeeded(self) -> None:
        """A call answered."""
        self._count = 0

    def failed(self, probe: Callable[[], object]) -> None:
        """A call failed; open after too many in a row, probing with `probe`."""
        with self._lock:
            self._count += 1
            if self._count < self.failures or self._open.is_set():
                return
            self._open.set()
        _log.warning("nudge.store.breaker_open", failures=self._count, pause=self.pause)
        threading.Thread(target=self._probe, args=(probe,), daemon=True).start()

    def close(self) -> None:
        """Stop probing (the owner is shutting down)."""
        self._stop.set()

    def _probe(self, probe: Callable[[], object]) -> None:
        while not self._stop.wait(self.pause):
            try:
                probe()
            except Exception:  # still down: try again after the pause
                continue
            with self._lock:
                self._count = 0
                self._open.clear()
            _log.info("nudge.store.breaker_closed")
            return


class Nudges:
    """Evaluate accounts against a catalog and remember what they were shown.

    Build one at start-up and share it::

        nudges = Nudges(load_catalog("plans.yaml"), store="sqlite:///nudge-state.db")
        result = nudges.evaluate(account, usage, now=now, placement="banner")
        nudges.report(account.id, result.nudges[0].id, "dismissed", at=now)

    `store` is a `Store` or a URL (``memory://``, ``sqlite:///file.db``,
    ``redis://host:6379/0``, ``postgresql://user@host/db``). `timeout` bounds each store
    call, in seconds; `keep_for` is how long an account's state outlives its last write
    (at least the longest window a rule looks back over).
    """

    def __init__(
        self,
        catalog: Catalog | Evaluator,
        store: Store | str = "memory://",
        *,
        timeout: float = DEFAULT_TIMEOUT,
        on_store_failure: OnStoreFailure = "quiet",
        keep_for: timedelta = MAX_WINDOW,
        breaker: Breaker | None = None,
    ) -> None:
        self.evaluator = catalog if isinstance(catalog, Evaluator) else Evaluator(catalog)
        self.catalog = self.evaluator.catalog
        self.store = open_store(store, timeout=timeout) if isinstance(store, str) else store
        self.timeout = timeout
        if on_store_failure not in ("quiet", "uncapped"):
            raise ValueError(f"on_store_failure: {on_store_failure!r}; expected quiet or uncapped")
        self.on_store_failure = on_store_failure
        self.guardrails = self.evaluator.guardrails
        if keep_for < self.guardrails.retention:
            raise ValueError(
                f"keep_for {keep_for} is shorter than the {self.guardrails.retention} "
                "the catalog's caps look back over"
            )
        self.keep_for = keep_for
        self.breaker = breaker or Breaker()

    # -- evaluating -------------------------------------------------------------------

    def evaluate(
        self,
        account: Account,
        usage: Mapping[str, object],
        *,
        now: datetime,
        placement: str | None = None,
        explain: bool = False,
        feature: str | None = None,
        events: Iterable[str] = (),
        compare: bool = False,
    ) -> Evaluation:
        """`Evaluator.evaluate` with the account's state read from the store and what it
        shows recorded there. Never raises; at most one read and one write."""
        options = _options(now, placement, explain, feature, events, compare)
        if not _storable(account, now):  # the evaluator says what is wrong; no store call
            return self.evaluator.evaluate(account, usage, **options)
        state, problem = self._guarded(lambda: self.store.load(account.id))
        result = self.evaluator.evaluate(account, usage, state=state or StateSnapshot(), **options)
        if state is None or not (result.impressions or result.cleared):
            return self._settled(result, state, problem)
        change = self._recording(result, now, account)
        refused, problem = self._guarded(
            lambda: self.store.change(account.id, change, expires=now + self.keep_for, state=state)
        )
        return self._without_store(result, problem) if refused is None else _drop(result, refused)

    async def aevaluate(
        self,
        account: Account,
        usage: Mapping[str, object],
        *,
        now: datetime,
        placement: str | None = None,
        explain: bool = False,
        feature: str | None = None,
        events: Iterable[str] = (),
        compare: bool = False,
    ) -> Evaluation:
        """`evaluate`, for asyncio hosts: the store calls are awaited, each bounded."""
        options = _options(now, placement, explain, feature, events, compare)
        if not _storable(account, now):
            return self.evaluator.evaluate(account, usage, **options)
        name = self.store.name
        state: StateSnapshot | None = None
        problem = "store_unavailable: the breaker is open"
        if self.breaker.allows():
            try:
                state = await bounded(self.store.aload(account.id), self.timeout, name)
                self.breaker.succeeded()
            except Exception as error:
                problem = self._failed(error)
        result = self.evaluator.evaluate(account, usage, state=state or StateSnapshot(), **options)
        if state is None or not (result.impressions or result.cleared):
            return self._settled(result, state, problem)
        change = self._recording(result, now, account)
        try:
            write = self.store.achange(account.id, change, expires=now + self.keep_for, state=state)
            refused = await bounded(write, 2 * self.timeout, name)  # a write may retry once
            self.breaker.succeeded()
        except Exception as error:
            return self._without_store(result, self._failed(error))
        return _drop(result, refused)

    def _settled(self, result: Evaluation, state: StateSnapshot | None, problem: str) -> Evaluation:
        """A result with nothing to record: as it is, or flagged if the read failed."""
        return result if state is not None else self._without_store(result, problem)

    # -- what the frontend reports ----------------------------------------------------

    def report(
        self,
        account: str,
        nudge: str,
        kind: EventKind,
        *,
        at: datetime,
        event_id: str | None = None,
        until: datetime | None = None,
        plan: str | None = None,
        addon: str | None = None,
        amount_minor: int | None = None,
    ) -> Reported:
        """Record what the customer did with a nudge: ``shown``, ``clicked``,
        ``dismissed``, ``snoozed`` (with `until`, cut to the rule's ``max_snooze``) or
        ``converted`` (with what was bought and its amount in minor units).

        Idempotent by (nudge, kind, `event_id`); without an `event_id` the event's time
        stands in for it, so a retried report changes nothing. Raises `InvalidEvent` for
        a nudge this account was not shown and other bad input; a store that fails is
        logged and reported in the result, never raised. A conversion to a plan or
        add-on the catalog does not know is recorded (the billing system may sell more)
        and logged as ``nudge.event.unknown_item``.
        """
        event = self._event(account, nudge, kind, at, event_id, until, plan, addon, amount_minor)
        catalog = self.evaluator.catalog
        for name, value, known in (("plan", plan, catalog.plans), ("addon", addon, catalog.addons)):
            if value is not None and value not in known:  # kept: billing may sell more
                _log.warning(
                    "nudge.event.unknown_item", account=account, nudge=nudge, **{name: value}
                )

        def apply(state: StateSnapshot) -> tuple[StateSnapshot, bool]:
            changed = self.guardrails.report(account, state, event)
            return changed, changed is state

        duplicate, problem = self._guarded(
            lambda: self.store.change(account, apply, expires=event.at + self.keep_for)
        )
        if duplicate is None:
            return Reported(recorded=False, problem=problem)
        return Reported(recorded=True, duplicate=duplicate)

    def claim_trial_extension(
        self, account: str, nudge: str, *, at: datetime, key: str | None = None
    ) -> Claim:
        """Claim the trial extension a nudge offered, exactly once per `key` (the nudge
        id by default) and at most the rule's ``max`` per account. A claim repeated with
        the same key grants nothing new: it comes back `duplicate`, with the days of the
        first, so a host that retries after a crash extends the trial to the same end.

        Raises `InvalidEvent` for a nudge that is not a trial extension shown to this
        account; a store that fails gives a refused claim saying so.
        """
        self._event(account, nudge, "clicked", at, key, None, None, None, None)

        def apply(state: StateSnapshot) -> tuple[StateSnapshot, Claim]:
            shown = state.nudge(nudge)
            rule = self.catalog.rules.get(shown.rule) if shown else None
            if rule is None or not isinstance(rule.trigger, TrialExtension):
                raise InvalidEvent(account, nudge, "claim", "not a trial extension it was shown")
            trigger = rule.trigger
            return self.guardrails.claim(state, key or nudge, trigger.days, trigger.max)

        claim, problem = self._guarded(
            lambda: self.store.change(account, apply, expires=at + self.keep_for)
        )
        return claim if claim is not None else Claim(granted=False, days=0, reason=problem)

    def history(self, account: str) -> StateSnapshot:
        """What the store remembers of `account`; raises `StoreUnavailable`."""
        return self.store.load(account)

    def close(self) -> None:
        """Stop the breaker's probing and release the store's connections."""
        self.breaker.close()
        self.store.close()

    async def aclose(self) -> None:
        """`close`, for asyncio hosts."""
        self.breaker.close()
        await self.store.aclose()

    def __enter__(self) -> Nudges:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- inside -----------------------------------------------------------------------

    def _guarded(self, call: Callable[[], T]) -> tuple[T | None, str]:
        """`call()` unless the breaker is open; `None` and the problem if it fails."""
        if not self.breaker.allows():
            return None, "store_unavailable: the breaker is open"
        try:
            value = call()
        except InvalidEvent:
            raise
        except Exception as error:
            return None, self._failed(error)
        self.breaker.succeeded()
        return value, ""

    def _failed(self, error: Exception) -> str:
        """Log a store failure, count it for the breaker, and say it as a problem."""
        if isinstance(error, InvalidEvent):
            raise error
        if isinstance(error, StoreUnavailable):
            reason = error.reason
        elif isinstance(error, TimeoutError):
            reason = f"no answer within {self.timeout:g}s"
        else:  # a bug in a backend must not take the request down either
            _log.exception("nudge.store.failed", store=self.store.name)
            reason = f"internal error: {error!r}"
        _log.warning("nudge.store.unavailable", store=self.store.name, reason=reason)
        if not isinstance(error, StoreContended):  # one busy account, not a failing store
            self.breaker.failed(self.store.ping)
        return f"store_unavailable: {reason}"

    def _recording(
        self, result: Evaluation, now: datetime, account: Account
    ) -> Callable[[StateSnapshot], tuple[StateSnapshot, Mapping[str, Miss]]]:
        """The change that records what `result` showed, checked again on commit."""
        pending = [
            Pending(
                shown=Shown(rule=i.rule, nudge=i.nudge, placement=i.placement, at=i.at),
                level=None if i.level is None else Decimal(i.level),
                window=i.window,
            )
            for i in result.impressions
        ]
        zone: tzinfo = account.tz()
        cleared = result.cleared

        def record(state: StateSnapshot) -> tuple[StateSnapshot, Mapping[str, Miss]]:
            return self.guardrails.record(state, pending, cleared, now, zone)

        return record

    def _without_store(self, result: Evaluation, problem: str) -> Evaluation:
        """`result` when the store could not be used: flagged, and quiet unless the host
        chose to show nudges it cannot cap."""
        problems = (*result.problems, problem)
        if self.on_store_failure == "uncapped":
            return attrs.evolve(result, degraded=True, problems=problems)
        decisions = tuple(
            attrs.evolve(
                d,
                shown=False,
                reason="store_unavailable",
                detail=problem.removeprefix("store_unavailable: "),
            )
            if d.shown
            else d
            for d in result.decisions
        )
        return attrs.evolve(
            result,
            nudges=(),
            impressions=(),
            cleared=(),
            degraded=True,
            problems=problems,
            decisions=decisions,
        )

    def _event(
        self,
        account: str,
        nudge: str,
        kind: str,
        at: datetime,
        event_id: str | None,
        until: datetime | None,
        plan: str | None,
        addon: str | None,
        amount_minor: int | None,
    ) -> NudgeEvent:
        """The event, checked before any store sees it: ids are short valid Unicode text
        (a lone surrogate is valid JSON from a frontend, but no store can encode it, and
        a store failure would count against every account's breaker), times aware, the
        kind known, the amount within `MAX_MONEY_DIGITS` digits."""
        texts = (
            ("account", account),
            ("nudge", nudge),
            ("event_id", event_id),
            ("plan", plan),
            ("addon", addon),
        )
        shown_kind = kind if isinstance(kind, str) else f"<{type(kind).__name__}>"
        for name, value in texts:
            if value is None and name in ("event_id", "plan", "addon"):
                continue
            if not isinstance(value, str) or not value or len(value) > _MAX_ID:
                raise InvalidEvent(
                    _shown(account),
                    _shown(nudge),
                    shown_kind,
                    f"{name} must be text of 1 to {_MAX_ID} characters",
                )
            if not unicode_text(value):
                raise InvalidEvent(
                    _shown(account),
                    _shown(nudge),
                    shown_kind,
                    f"{name} must be valid Unicode text (it has a lone surrogate)",
                )
        if not isinstance(kind, str) or kind not in EVENT_KINDS:
            known = ", ".join(EVENT_KINDS)
            raise InvalidEvent(account, nudge, shown_kind, f"expected one of: {known}")
        at = in_range("at", at)  # `at + keep_for` must not overflow
        if until is not None:
            until = in_range("until", until)
        if amount_minor is not None and (
            not isinstance(amount_minor, int)
            or isinstance(amount_minor, bool)
            or not -_MAX_AMOUNT < amount_minor < _MAX_AMOUNT
        ):
            raise InvalidEvent(
                account,
                nudge,
                kind,
                f"amount_minor must be whole minor units of at most {MAX_MONEY_DIGITS} digits",
            )
        return NudgeEvent(
            nudge=nudge,
            rule="",
            kind=kind,
            at=at,
            event_id=event_id if event_id is not None else at.isoformat(),
            until=until,
            plan=plan,
            addon=addon,
            amount_minor=amount_minor,
        )


def _storable(account: object, now: object) -> bool:
    """Whether a store may be asked about `account` at `now`: anything else is the
    evaluator's to refuse, without a store call that would fail and count against the
    breaker."""
    return isinstance(account, Account) and isinstance(now, datetime) and unicode_text(account.id)


def _shown(value: object) -> str:
    """An id as an `InvalidEvent` may carry it: text, cut to `_MAX_ID` characters."""
    return value[:_MAX_ID] if isinstance(value, str) else f"<{type(value).__name__}>"


def _options(
    now: datetime,
    placement: str | None,
    explain: bool,
    feature: str | None,
    events: Iterable[str],
    compare: bool,
) -> dict[str, Any]:
    """The evaluator's keyword arguments, passed through as the host gave them."""
    return {
        "now": now,
        "placement": placement,
        "explain": explain,
        "feature": feature,
        "events": events,
        "compare": compare,
    }


def _drop(result: Evaluation, refused: Mapping[str, Miss]) -> Evaluation:
    """`result` without the nudges the commit refused, each decision saying why."""
    if not refused:
        return result

    def decision(d: Decision) -> Decision:
        miss = refused.get(next((n.id for n in result.nudges if n.rule == d.rule), ""))
        if not d.shown or miss is None:
            return d
        return attrs.evolve(
            d,
            shown=False,
            reason=cast(DecisionReason, miss.reason),  # listed: tests/test_contract.py
            detail=f"{miss.detail} (another evaluation was recorded first)",
            next_eligible_at=miss.until,
        )

    return attrs.evolve(
        result,
        nudges=tuple(n for n in result.nudges if n.id not in refused),
        impressions=tuple(i for i in result.impressions if i.nudge not in refused),
        decisions=tuple(decision(d) for d in result.decisions),
    )
