"""The evaluator: an account and its usage in, ranked and localized nudges out.

`Evaluator(catalog)` compiles the catalog once: rules are indexed by the plans their
audience admits and sorted by priority, so a rule that cannot apply to the account's
plan costs nothing. `evaluate` is a pure function of the catalog, the account, its
usage, a state snapshot and `now`; bad input degrades to fewer (or no) nudges, with the
problems listed in the result and logged.

What each entry point may raise, whatever it is given:

- `evaluate` and `compare` never raise. Input they cannot use makes the result
  `degraded`, with the reasons in `problems` (at most `MAX_PROBLEMS` of them, then
  ``and N more``); anything else would be a bug, reported as ``internal error: ...``
  and logged with its traceback.
- `entitlements`, `triggered` and `may` raise only `NudgeError`: `InvalidInput` (or a
  subclass) naming the field for input they cannot use, and a bare `NudgeError`
  ``internal error: ...`` for a bug.

Input is checked before it costs anything in proportion to its size: usage must be a
mapping of at most `MAX_USAGE_KEYS` entries, an account at most `MAX_SIGNALS` signals
(see `nudge_sdk.evaluation._account`), instants must lie from `FIRST_INSTANT` to
`LAST_INSTANT`, and a state snapshot must hold aware instants and finite levels. A
malformed locale is not refused: the figures fall back to the catalog's default locale
and the result says so.

A catalog sold in several currencies is evaluated in the account's: the evaluator
compiles one evaluator per currency, over `Catalog.in_currency`, and each entry point
hands the account to the one of its `currency` (the catalog's own when empty). An
account in a currency the catalog does not sell is unusable input, as any other.

The one clock: the evaluator is pure and takes `now` as input, except for the deadline
of its offer searches (right-sizing can be asked about absurd quantities). A deadline
is about the work a search does, so it reads `clock` (`time.thread_time`, the CPU time
of the calling thread, unless one is injected at construction, as tests do). Time the
thread spends in Python's garbage collector while a search runs is not counted: a
`gc.callbacks` hook reads the same clock as each collection starts and stops, so a
collection triggered by other work in the host's process cannot use up the deadline.
Past `deadline`, a search keeps the best option it found so far, or none: the rule's reason
is ``search_deadline`` and the result has a problem.
"""

from __future__ import annotations

import contextlib
import decimal
import functools
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Concatenate, ParamSpec, TypeVar, cast

import attrs

from nudge_sdk._errors import InvalidInput, NudgeError
from nudge_sdk._log import debugging
from nudge_sdk._log import log as _log
from nudge_sdk.billing._money import Money
from nudge_sdk.billing._periods import FIRST_INSTANT, LAST_INSTANT, aware, in_range
from nudge_sdk.billing._proration import Quoter
from nudge_sdk.catalog._catalog import Catalog, Plan, ProrationPolicy
from nudge_sdk.catalog._rules import Audience, Rule, Severity, UsageThreshold
from nudge_sdk.evaluation._account import (
    MAX_SEATS,
    MAX_SIGNALS,
    MAX_USAGE,
    MAX_USAGE_KEYS,
    Account,
    brief,
    check_account,
    check_members,
    check_sizes,
    clean_usage,
    unicode_text,
)
from nudge_sdk.evaluation._entitlements import Access, Entitlement, entitlements, feature_access
from nudge_sdk.evaluation._exact import EXACT, thread_context
from nudge_sdk.evaluation._guardrails import Guardrails
from nudge_sdk.evaluation._recommend import DEADLINE, Budget, Option, Recommender
from nudge_sdk.evaluation._state import RuleHistory, StateSnapshot
from nudge_sdk.evaluation._thresholds import Probes, needed_metric
from nudge_sdk.evaluation._triggers import Context, Hit, Miss, check, reaches
from nudge_sdk.payloads._compare import Comparer
from nudge_sdk.payloads._messages import (
    MAX_LOCALE,
    bcp47,
    fallback_chain,
    locale_text,
    recognised,
    well_formed,
)
from nudge_sdk.payloads._nudges import NudgeBuilder
from nudge_sdk.payloads._payloads import (
    Comparison,
    Decision,
    DecisionReason,
    Evaluation,
    Impression,
    Nudge,
)

__all__ = [
    "FIRST_INSTANT",
    "LAST_INSTANT",
    "MAX_PROBLEMS",
    "MAX_SIGNALS",
    "MAX_STATE_ITEMS",
    "MAX_USAGE_KEYS",
    "Evaluator",
]

_T = TypeVar("_T")
_P = ParamSpec("_P")
_SEVERITY = {Severity.CRITICAL: 0, Severity.WARNING: 1, Severity.INFO: 2}
MAX_PROBLEMS = 10
"""The most problems a result lists (and a log event names); the rest are counted."""
_NO_STATE = StateSnapshot()
"""The snapshot of an account with no past (immutable, so shared)."""
MAX_STATE_ITEMS = 10_000
"""The most rule histories, impressions or events a state snapshot may hold (a store
keeps far fewer); more is refused as one problem."""


def _in_its_currency(
    method: Callable[Concatenate[Evaluator, Account, _P], _T],
) -> Callable[Concatenate[Evaluator, Account, _P], _T]:
    """Run an entry point on the evaluator of the account's currency."""

    def run(self: Evaluator, account: Account, /, *args: _P.args, **kwargs: _P.kwargs) -> _T:
        return method(self.priced(account), account, *args, **kwargs)

    functools.update_wrapper(run, method)
    return run


@attrs.frozen
class _Indexed:
    """Rules for anywhere, and rules for some countries by each of those (upper case)."""

    anywhere: tuple[Rule, ...]
    by_country: Mapping[str, tuple[Rule, ...]]

    @classmethod
    def of(cls, rules: Iterable[Rule]) -> _Indexed:
        anywhere: list[Rule] = []
        by_country: dict[str, list[Rule]] = {}
        for rule in rules:
            for country in rule.audience.countries:
                by_country.setdefault(country, []).append(rule)
            if not rule.audience.countries:
                anywhere.append(rule)
        return cls(tuple(anywhere), {c: tuple(rs) for c, rs in by_country.items()})

    def where(self, country: str) -> tuple[Rule, ...]:
        """The rules that may apply to an account in `country`."""
        local = self.by_country.get(country)
        return self.anywhere + local if local else self.anywhere


def _plan_admits(audience: Audience, plan: str) -> bool:
    return (not audience.plans or plan in audience.plans) and plan not in audience.not_plans


class Evaluator:
    """Evaluates accounts against one compiled catalog; build it once, share it."""

    def __init__(
        self,
        catalog: Catalog,
        *,
        policy: ProrationPolicy | None = None,
        deadline: timedelta | float = DEADLINE,
        clock: Callable[[], float] = time.thread_time,
    ) -> None:
        """`deadline` bounds the offer searches of one evaluation (a `timedelta`, or
        seconds); `clock` is what measures it, in seconds (see the module docstring)."""
        seconds = deadline.total_seconds() if isinstance(deadline, timedelta) else deadline
        if isinstance(seconds, bool) or not isinstance(seconds, int | float) or not seconds > 0:
            raise InvalidInput(f"deadline: {deadline!r} must be a positive duration")
        self.catalog = catalog
        self.deadline = float(seconds)
        self._in_currency = {
            code: Evaluator(view, policy=policy, deadline=deadline, clock=clock)
            for code, view in catalog.views.items()
        }
        # The formatters of every locale the catalog writes in, built now rather than on
        # a first request in each (Babel's patterns take a while to load).
        named = {catalog.default_locale, *catalog.interval_names, *catalog.comparison_messages}
        for rule in catalog.rules.values():
            named.update(rule.messages)
        for locale in sorted(named):
            locale_text(locale).money(Money(0, catalog.currency))
        self.quoter = Quoter(catalog, policy)
        self.recommender = Recommender(catalog, clock=clock, deadline=self.deadline)
        self._silencing = frozenset(catalog.signals)
        self._nudges = NudgeBuilder(catalog, self.quoter, self.recommender)
        self._comparer = Comparer(catalog, self.quoter)
        self.guardrails = Guardrails(catalog)
        ranked = sorted(
            catalog.rules.values(), key=lambda r: (-r.priority, _SEVERITY[r.severity], r.id)
        )
        self._rank = {rule.id: index for index, rule in enumerate(ranked)}
        # Rules whose audience says more than which plans: only these need the check.
        self._targeted = {
            rule.id
            for rule in ranked
            if attrs.evolve(rule.audience, plans=frozenset(), not_plans=frozenset()) != Audience()
        }
        self._rules = {
            plan: tuple(rule for rule in ranked if _plan_admits(rule.audience, plan))
            for plan in catalog.plans
        }
        # Rules that need a metric's usage are indexed by it, and rules for some countries
        # by those, so an account's evaluation only looks at the rules of its plan that
        # can apply to what it reported, where it is.
        self._general: dict[str, _Indexed] = {}
        self._by_metric: dict[str, dict[str, _Indexed]] = {}
        for plan, rules in self._rules.items():
            self._general[plan] = _Indexed.of(r for r in rules if not needed_metric(r))
            by_metric: dict[str, list[Rule]] = {}
            for rule in rules:
                if metric := needed_metric(rule):
                    by_metric.setdefault(metric, []).append(rule)
            self._by_metric[plan] = {m: _Indexed.of(rs) for m, rs in by_metric.items()}
        # The plain thresholds of each plan as number comparisons, for `triggered`.
        targeted = frozenset(self._targeted)
        self._probes = {
            plan: Probes.of(catalog, catalog.plans[plan], rules, targeted)
            for plan, rules in self._rules.items()
        }

    # -- public ---------------------------------------------------------------------

    def priced(self, account: object) -> Evaluator:
        """The evaluator of the currency `account` pays in: this one for the catalog's
        own currency (or none given, or one it does not sell, which `context` refuses),
        the one of `Catalog.in_currency` for another."""
        if not self._in_currency or not isinstance(account, Account):
            return self  # an object that is no account is refused by the entry point
        code = account.currency
        if isinstance(code, str) and code:  # str.upper: a subclass's own is not called
            return self._in_currency.get(str.upper(code), self)
        return self

    @_in_its_currency
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
        state: StateSnapshot | None = None,
        compare: bool = False,
    ) -> Evaluation:
        """The nudges to show `account` now, best first, at most the catalog's cap per
        placement (only `placement`'s if given).

        `feature` is a feature the customer just reached for (feature-locked nudges),
        `events` host events for milestones, `state` the account's snapshot from the
        state store. With `explain`, the result says for every rule why it did or did
        not produce a nudge. With `compare`, it also carries the plan comparison (as
        `compare` would give it), computed from the same checked input. Never raises:
        problems are in `problems`, `degraded` is set.
        """
        try:
            with (
                decimal.localcontext(EXACT),  # overage money stays exact
                self.recommender.searching(self.recommender.budget()),
            ):
                return self._evaluate(
                    account,
                    usage,
                    now,
                    placement,
                    explain,
                    feature,
                    _events(events),
                    state,
                    compare,
                )
        except NudgeError as error:
            return self._degraded(account, now, error, compare)
        except Exception as error:  # the host's request must not fail because of the SDK
            _log_bug(account)
            return self._degraded(account, now, error, compare)

    @_in_its_currency
    def entitlements(
        self, account: Account, usage: Mapping[str, object], *, now: datetime
    ) -> dict[str, Entitlement]:
        """Every metric's limit, usage, remaining and utilization for `account`.

        Raises only `NudgeError` (`InvalidInput` naming the field for unusable input)."""

        def run() -> dict[str, Entitlement]:
            checked, plain = self._check(account, usage, now, None)
            self._sold(account)
            clean, trends, _ = clean_usage(plain, self.catalog.metrics)
            self.catalog.plan(account.plan)
            for addon in account.addons:
                self.catalog.addon(addon)
            ents = entitlements(self.catalog, account, clean, checked, account.tz(), trends)
            return dict(ents)

        return _only_nudge_errors(account, run)

    @_in_its_currency
    def compare(
        self, account: Account, usage: Mapping[str, object], *, now: datetime
    ) -> Comparison:
        """Three plans side by side for `account`: current, recommended, neighbours.

        Never raises: on bad input the comparison has no columns and says why.
        """
        try:
            with (
                decimal.localcontext(EXACT),
                self.recommender.searching(self.recommender.budget()),
            ):
                checked, usage = self._check(account, usage, now, None)
                ctx, problems = self.context(account, usage, checked)
                return self._compare(ctx, problems)
        except Exception as error:  # the host's request must not fail because of the SDK
            return self._failed_comparison(account, error)

    def _compare(self, ctx: Context, problems: list[str]) -> Comparison:
        """The comparison for a checked context; degraded, not raised, on failure."""
        try:
            text = locale_text(self._locale(ctx.account))
            with decimal.localcontext(EXACT):
                result = self._comparer.compare(ctx, text)
            problems = [*problems, *self._late_problems()]
            if problems:
                result = attrs.evolve(result, degraded=True, problems=_bounded(problems))
            return result
        except Exception as error:  # the host's request must not fail because of the SDK
            return self._failed_comparison(ctx.account, error)

    def _late_problems(self) -> list[str]:
        """What the searches ran into (their deadline), once they are done."""
        budget = self.recommender.current()
        if budget is None or not budget.passed:
            return []
        return [_deadline_problem(budget)]

    def _failed_comparison(self, account: object, error: Exception) -> Comparison:
        problem = _problem(error)
        _report(error, account, problem)
        return self._empty_comparison(account, problem)

    def _empty_comparison(self, account: object, problem: str) -> Comparison:
        return Comparison(
            account=_account_id(account),
            currency=self.catalog.currency.code,
            interval="",
            locale=self.catalog.default_locale,
            lang=bcp47(self.catalog.default_locale),
            direction="ltr",
            recommended=None,
            columns=(),
            degraded=True,
            problems=(problem,),
        )

    def _locale(self, account: Account) -> str:
        """The locale figures are formatted in: the account's, if Babel knows it."""
        return fallback_chain(account.locale, self.catalog.default_locale)[0]

    @_in_its_currency
    def may(self, account: Account, feature: str) -> Access:
        """Whether `account` may use `feature` now, with the reason, and if not, the
        cheapest plan and add-on that have it. Raises only `NudgeError`."""

        def run() -> Access:
            if not isinstance(account, Account):
                raise InvalidInput(f"account: expected an Account, got {type(account).__name__}")
            if not isinstance(feature, str):
                raise InvalidInput(f"feature: expected text, got {type(feature).__name__}")
            check_account(account)
            check_sizes({}, account)
            check_members(account)
            self._sold(account)
            return feature_access(self.catalog, account, feature)

        return _only_nudge_errors(account, run)

    def _sold(self, account: Account) -> None:
        """`InvalidInput` unless the account pays in a currency this evaluator prices
        (empty: the catalog's own)."""
        code = account.currency
        if not isinstance(code, str):
            raise InvalidInput(f"currency: expected text, got {type(code).__name__}")
        if code and str.upper(code) != self.catalog.currency.code:
            raise InvalidInput(
                f"account currency {brief(code)} is not one the catalog sells "
                f"in ({', '.join(self.catalog.sold_in)})"
            )

    # -- one evaluation -------------------------------------------------------------

    def _evaluate(
        self,
        account: Account,
        usage: Mapping[str, object],
        now: datetime,
        placement: str | None,
        explain: bool,
        feature: str | None,
        events: frozenset[str],
        state: StateSnapshot | None,
        compare: bool,
    ) -> Evaluation:
        now, usage = self._check(account, usage, now, state)
        _check_options(placement, feature)
        ctx, problems = self.context(account, usage, now, feature, events, state)
        decisions: list[Decision] = []

        logging_decisions = debugging()
        telling = explain or logging_decisions

        def decide(rule: Rule, shown: bool, outcome: Hit | Miss) -> None:
            if not telling:  # nobody listens: do not even format the detail
                return
            reason: DecisionReason = (  # every Miss code is listed: tests/test_contract.py
                cast(DecisionReason, outcome.reason) if isinstance(outcome, Miss) else "shown"
            )
            detail = outcome.detail
            if logging_decisions:
                _log.debug(
                    "nudge.decision",
                    account=account.id,
                    rule=rule.id,
                    shown=shown,
                    reason=reason,
                    detail=detail,
                )
            if explain:
                until = outcome.until if isinstance(outcome, Miss) else None
                decisions.append(
                    Decision(
                        rule=rule.id,
                        shown=shown,
                        reason=reason,
                        detail=detail,
                        next_eligible_at=until,
                    )
                )

        if explain:
            for rule in self.catalog.rules.values():
                if not _plan_admits(rule.audience, account.plan):
                    decide(rule, False, Miss("audience_plan", f"not for plan {account.plan}"))
        candidates = []
        cleared = []
        for rule in self._applicable(account, ctx.usage, explain):
            trigger = rule.trigger
            if (
                not telling
                and type(trigger) is UsageThreshold
                and not reaches(trigger, ctx)
                and ctx.state.history(rule.id).last_level is None
            ):
                continue  # quiet whatever holds it, nothing to clear, nobody asks why
            outcome = self._decide(rule, ctx, placement)
            if isinstance(outcome, Miss):
                decide(rule, False, outcome)
                if (
                    outcome.reason == "threshold_not_reached"
                    and ctx.state.history(rule.id).last_level is not None
                ):
                    cleared.append(rule.id)
            else:
                candidates.append((rule, outcome))
        nudges: list[Nudge] = []
        shown: dict[str, int] = {}
        tally = self.guardrails.tally(ctx.state, now, ctx.zone)
        for rule, hit in candidates:
            if shown.get(rule.placement, 0) >= self.catalog.placements.get(rule.placement, 1):
                decide(rule, False, Miss("capped_by_placement", f"{rule.placement} is full"))
                continue
            if tally and (capped := tally.blocked(rule.placement)):
                decide(rule, False, capped)
                continue
            nudge = self._nudges.build(rule, hit, ctx)
            if isinstance(nudge, Miss):
                budget = self.recommender.current()
                if budget is not None and budget.passed:
                    nudge = Miss("search_deadline", _deadline_problem(budget))
                decide(rule, False, nudge)
                continue
            shown[rule.placement] = shown.get(rule.placement, 0) + 1
            if tally:
                tally.add(rule.placement)
            nudges.append(nudge)
            decide(rule, True, hit)
        hits = {rule.id: hit for rule, hit in candidates}
        impressions = tuple(
            Impression(
                rule=n.rule,
                nudge=n.id,
                at=now,
                level=None if (level := hits[n.rule].level) is None else str(level),
                placement=n.placement,
                window=_window(hits[n.rule], ctx),
            )
            for n in nudges
        )
        comparison = self._compare(ctx, problems) if compare else None
        problems = [*problems, *self._late_problems()]
        return Evaluation(
            account=account.id,
            evaluated_at=now,
            nudges=tuple(nudges),
            degraded=bool(problems),
            problems=_bounded(problems),
            decisions=tuple(decisions),
            impressions=impressions,
            cleared=tuple(cleared),
            comparison=comparison,
        )

    def triggered(
        self,
        account: Account,
        usage: Mapping[str, object],
        *,
        now: datetime,
        placement: str | None = None,
        feature: str | None = None,
        events: Iterable[str] = (),
        state: StateSnapshot | None = None,
    ) -> tuple[str, ...]:
        """The ids of the rules whose moment has come, best first, without building
        payloads: the decision path alone, for hosts that only ask "is there anything?".

        Unlike `evaluate` it raises, but only `NudgeError`: `InvalidInput` naming the
        field for unusable input.
        """
        # Not `_in_its_currency`: this path is a few microseconds, and a wrapper that
        # forwards keywords is a tenth of that.
        return _only_nudge_errors(
            account, self.priced(account)._triggered, account, usage, now, placement, feature,
            events, state,
        )  # fmt: skip

    def _triggered(
        self,
        account: Account,
        usage: Mapping[str, object],
        now: datetime,
        placement: str | None,
        feature: str | None,
        events: Iterable[str],
        state: StateSnapshot | None,
    ) -> tuple[str, ...]:
        checked, plain = self._check(account, usage, now, state)
        if placement is not None or feature is not None:
            _check_options(placement, feature)
        if state is None and feature is None and type(events) is tuple and not events:
            decided = self._plainly(account, plain, checked, placement)
            if decided is not None:
                return decided
        ctx, _ = self.context(account, plain, checked, feature, _events(events), state)
        decide = self._decide
        return tuple(
            rule.id
            for rule in self._applicable(account, ctx.usage, explain=False)
            if (type(rule.trigger) is not UsageThreshold or reaches(rule.trigger, ctx))
            and type(decide(rule, ctx, placement)) is Hit
        )

    def _plainly(
        self, account: Account, usage: Mapping[str, object], now: datetime, placement: str | None
    ) -> tuple[str, ...] | None:
        """`triggered`'s answer from the plan's compiled probes (see `_thresholds`), for
        checked input with no state, feature or events; `None` when the account needs
        the general path: anything `context` would refuse or log, add-ons or grants
        (they move limits), a silencing signal, or a rule of the plan that is no plain
        threshold and could apply. The general path gives the same answer, only slower
        (tests hold the two equal)."""
        probes = self._probes.get(account.plan)
        if (
            probes is None
            or not _bare(account)
            or not probes.cover(usage)
            or (account.locale and not recognised(account.locale))
            or not self._silencing.isdisjoint(account.signals)
            or self.catalog.plans[account.plan].price(account.interval) is None
        ):
            return None
        self._sold(account)
        account.tz()  # refused as `context` would
        if not usage.keys() <= self.catalog.metrics.keys():
            return None  # `clean_usage` would drop a metric, with a warning
        for value in usage.values():
            if not (type(value) in _PLAIN_NUMBERS and 0 <= value <= MAX_USAGE):  # type: ignore[operator]
                return None  # ... or a value
        if account.tenure_days(now) < self.catalog.quiet_days_after_signup:
            return ()
        fired: list[str] = []
        for probe in probes.probes:
            value = usage.get(probe.metric)
            if value is None or (placement is not None and probe.placement != placement):
                continue  # the placement compared as `_gate` compares it
            if (probe.always or probe.running(now)) and probe.fires(value):  # type: ignore[arg-type]
                fired.append(probe.rule)
        return tuple(fired)

    def _check(
        self, account: Account, usage: object, now: datetime, state: StateSnapshot | None
    ) -> tuple[datetime, Mapping[str, object]]:
        """`now` in UTC and the usage as a plain dict, once the input's shape is known to
        be usable: `InvalidInput` naming the first field that is not (before anything
        costs in proportion to it).

        A host object that raises when read (a mapping whose ``items`` fails) is unusable
        input too; the usage is copied once, here, so that nothing after reads the
        host's mapping through methods it may override."""
        if not isinstance(account, Account):
            raise InvalidInput(f"account: expected an Account, got {type(account).__name__}")
        checked = now if _utc(now) else in_range("now", now)
        try:
            plain = self._checked(account, usage, state)
        except NudgeError:
            raise
        except Exception as error:  # only host objects are read here
            raise InvalidInput(
                f"account or usage: reading it raised {type(error).__name__}"
            ) from None
        return checked, plain

    def _checked(
        self, account: Account, usage: object, state: StateSnapshot | None
    ) -> Mapping[str, object]:
        check_account(account)
        check_sizes(usage, account)
        if not _bare(account):
            check_members(account)
        assert type(usage) is dict or isinstance(usage, Mapping)  # check_sizes said so
        plain: Mapping[str, object] = usage if type(usage) is dict else dict(usage)
        period = account.period
        instants = (
            account.signup,
            account.anchor,
            account.trial_end,
            account.licence_end,
            period.start,
            period.end,
        )
        for name, value in zip(_INSTANTS, instants, strict=True):
            if value is not None and not (  # inline `_utc`: the usual case, at once
                type(value) is datetime
                and value.tzinfo is UTC
                and FIRST_INSTANT <= value <= LAST_INSTANT
            ):
                in_range(name, value)
        if not _bare(account):
            _check_grants_and_addons(account)
        if state is not None:
            _check_state(state)
        return plain

    def _applicable(
        self, account: Account, usage: Mapping[str, object], explain: bool
    ) -> Iterable[Rule]:
        """The rules of the account's plan that can fire given the metrics reported and
        its country (all when explaining, so every rule gets its reason), best first."""
        if explain:
            return self._rules[account.plan]
        country = account.country.upper()
        by_metric = self._by_metric[account.plan]
        chosen = list(self._general[account.plan].where(country))
        for metric in usage:
            if indexed := by_metric.get(metric):
                chosen += indexed.where(country)
        return sorted(chosen, key=lambda rule: self._rank[rule.id])

    def _decide(self, rule: Rule, ctx: Context, placement: str | None) -> Hit | Miss:
        """Whether one rule fires: its gates, its trigger, then the state snapshot."""
        outcome: Hit | Miss = self._gate(rule, ctx, placement) or check(rule, ctx)
        if isinstance(outcome, Hit):
            history = ctx.state.history(rule.id)
            if not history and not ctx.state.shown:
                return outcome  # nothing in the past can hold it back
            held = self.guardrails.hold(
                rule, outcome.level, _window(outcome, ctx), history, ctx.state.shown, ctx.now
            )
            return held or outcome
        return outcome

    @_in_its_currency
    def context(
        self,
        account: Account,
        usage: Mapping[str, object],
        now: datetime,
        feature: str | None = None,
        events: frozenset[str] = frozenset(),
        state: StateSnapshot | None = None,
    ) -> tuple[Context, list[str]]:
        """Check the account against the catalog and gather what rules look at (the
        input must have passed `_check`)."""
        plan = self.catalog.plan(account.plan)
        if plan.price(account.interval) is None:
            raise InvalidInput(f"plan {plan.id!r} is not sold by the {account.interval}")
        self._sold(account)
        for addon in account.addons:
            self.catalog.addon(addon)
        zone = account.tz()
        clean, trends, dropped = clean_usage(usage, self.catalog.metrics)
        problems = [f"usage {reason}; its nudges are skipped" for _, reason in dropped]
        if dropped:  # one event, however many: a host can send thousands of bad keys
            _log.warning(
                "nudge.bad_usage",
                account=account.id,
                metrics=[metric for metric, _ in dropped[:MAX_PROBLEMS]],
                reasons=[reason for _, reason in dropped[:MAX_PROBLEMS]],
                dropped=len(dropped),
            )
        if account.locale and not recognised(account.locale):
            problem = (
                f"locale: not a well-formed locale id (BCP 47 or POSIX, at most {MAX_LOCALE} "
                f"characters); using {self.catalog.default_locale}"
                if not well_formed(account.locale)
                else f"locale: {brief(account.locale)} is no language Babel knows; "
                f"using {self.catalog.default_locale}"
            )
            problems.append(problem)
            _log.warning("nudge.bad_locale", account=account.id, locale=brief(account.locale))
        ents = entitlements(self.catalog, account, clean, now, zone, trends)
        return Context(
            catalog=self.catalog,
            account=account,
            usage=clean,
            entitlements=ents,
            current_of=lambda: self._current(account, plan, ents, clean),
            recommender=self.recommender,
            now=now,
            zone=zone,
            feature=feature,
            events=events,
            state=state or _NO_STATE,
            signals=tuple(sorted(account.signals & self._silencing)),
        ), problems

    def _current(
        self,
        account: Account,
        plan: Plan,
        ents: Mapping[str, Entitlement],
        ctx_usage: Mapping[str, Decimal],
    ) -> Option:
        price = plan.price(account.interval)
        assert price is not None
        recurring = price.amount(account.seats) + sum(
            (self.catalog.addons[a].prices.get(account.interval, 0) * n)
            for a, n in account.addons.items()
        )
        overage = sum(  # only soft limits bill overage, and only on what was used
            (
                (e := ents[metric]).overage_cost(max(e.used, e.projected), e.limit)
                for metric in plan.overage
                if metric in ctx_usage
            ),
            Decimal(0),
        )
        return Option(
            plan=plan.id,
            interval=account.interval,
            seats=account.seats,
            addons=dict(account.addons),
            recurring=recurring,
            overage=overage,
        )

    def _gate(self, rule: Rule, ctx: Context, placement: str | None) -> Miss | None:
        """Why the rule may not fire at all now, before looking at its trigger."""
        account, now = ctx.account, ctx.now
        if placement is not None and rule.placement != placement:
            return Miss("other_placement", f"placement {rule.placement}, asked for {placement}")
        for signal in ctx.signals:  # only those the catalog knows, found once
            silenced = self.catalog.signals[signal]
            if "all" in silenced or rule.id in silenced:
                return Miss("silenced_by_signal", f"signal {signal}")
        tenure = ctx.tenure
        if tenure < self.catalog.quiet_days_after_signup:
            return Miss("quiet_period", f"signed up {tenure} day(s) ago")
        if (rule.starts and now < rule.starts) or (rule.ends and now >= rule.ends):
            return Miss("outside_schedule", "the offer is not running now")
        if rule.id in self._targeted:
            return _audience(rule.audience, account, now, tenure)
        return None

    def _degraded(
        self, account: object, now: object, error: Exception, compare: bool
    ) -> Evaluation:
        problem = _problem(error)
        account_id = _account_id(account)
        _report(error, account, problem)
        try:  # `now` as the result can state it, if it can
            when = aware("now", now) if isinstance(now, datetime) else None
        except NudgeError:
            when = None
        return Evaluation(
            account=account_id,
            evaluated_at=when,
            nudges=(),
            degraded=True,
            problems=(problem,),
            decisions=(),
            impressions=(),
            comparison=self._empty_comparison(account, problem) if compare else None,
        )


def _problem(error: Exception) -> str:
    """What went wrong, for `problems`: our own errors say it; others are bugs."""
    return str(error) if isinstance(error, NudgeError) else f"internal error: {error!r}"


def _audience(audience: Audience, account: Account, now: datetime, tenure: int) -> Miss | None:
    if audience.trial is not None and audience.trial != account.in_trial(now):
        return Miss("audience_trial", "for trial accounts" if audience.trial else "for paying")
    if audience.min_tenure_days is not None and tenure < audience.min_tenure_days:
        return Miss("audience_tenure", f"tenure {tenure} < {audience.min_tenure_days} days")
    if audience.max_tenure_days is not None and tenure > audience.max_tenure_days:
        return Miss("audience_tenure", f"tenure {tenure} > {audience.max_tenure_days} days")
    if audience.locales and not set(fallback_chain(account.locale, "")) & audience.locales:
        return Miss("audience_locale", f"locale {well_formed(account.locale) or 'malformed'}")
    if audience.countries and account.country.upper() not in audience.countries:
        country = account.country or "unknown"
        return Miss("audience_country", f"country {country if len(country) <= 8 else '?'}")
    for key, allowed in audience.attributes.items():
        if account.attributes.get(key) not in allowed:
            return Miss("audience_attribute", f"{key} is {brief(account.attributes.get(key))}")
    return None


def _window(hit: Hit, ctx: Context) -> datetime | None:
    """When the usage window of the hit's level ends: a counter's next reset."""
    if hit.level is None or hit.metric is None:
        return None
    return ctx.entitlements[hit.metric].resets_at


def _bare(account: Account) -> bool:
    """Whether the account carries no signals, add-ons, attributes or grants, in the
    builtin types whose emptiness cannot lie (a host mapping may say it is empty and
    still iterate items: that one is looked at)."""
    return (
        type(account.signals) in _EMPTY_SETS
        and not account.signals
        and type(account.addons) is dict
        and not account.addons
        and type(account.attributes) is dict
        and not account.attributes
        and type(account.grants) is tuple
        and not account.grants
    )


_EMPTY_SETS = (frozenset, set)


def _check_grants_and_addons(account: Account) -> None:
    """`InvalidInput` for a grant's expiry out of range or an add-on quantity that is no
    whole number from 0 to `MAX_SEATS` (most accounts have neither)."""
    for index, grant in enumerate(account.grants):
        if grant.expires is not None:
            _instant(f"grants[{index}].expires", grant.expires)
    for addon, quantity in account.addons.items():
        if isinstance(quantity, bool) or not isinstance(quantity, int):
            raise InvalidInput(f"addons: {brief(addon)}: expected a whole number")
        if not 0 <= quantity <= MAX_SEATS:
            raise InvalidInput(
                f"addons: {brief(addon)}: {brief(quantity)} must be from 0 to {MAX_SEATS}"
            )


def _check_options(placement: object, feature: object) -> None:
    """`InvalidInput` unless `placement` and `feature` are text or `None`."""
    for name, value in (("placement", placement), ("feature", feature)):
        if value is not None and not isinstance(value, str):
            raise InvalidInput(f"{name}: expected text or None, got {type(value).__name__}")


def _events(events: Iterable[str]) -> frozenset[str]:
    """The host's events as a set; `InvalidInput` if there are too many or they are not
    text."""
    if isinstance(events, str):
        raise InvalidInput("events: expected a collection of event names, got one text")
    taken: list[str] = []
    for event in events:
        if len(taken) == MAX_SIGNALS:
            raise InvalidInput(f"events: more than the {MAX_SIGNALS} accepted")
        if not isinstance(event, str):
            raise InvalidInput(f"events: expected text, got {type(event).__name__}")
        taken.append(event)
    return frozenset(taken)


_TIMES = ("last_shown", "dismissed_until", "snoozed_until", "level_window")


def _check_state(state: StateSnapshot) -> None:
    """`InvalidInput` naming the first thing in a (hand-built) snapshot the guardrails
    could not compute with: a naive or extreme instant, a level that is not a finite
    number, a negative count, or more than `MAX_STATE_ITEMS` of anything."""
    if not isinstance(state, StateSnapshot):
        raise InvalidInput(f"state: expected a StateSnapshot, got {type(state).__name__}")
    for name, items in (("rules", state.rules), ("shown", state.shown), ("events", state.events)):
        if len(items) > MAX_STATE_ITEMS:
            raise InvalidInput(
                f"state.{name}: {len(items)} entries, more than the {MAX_STATE_ITEMS} accepted"
            )
    _count("state.trial_extensions_claimed", state.trial_extensions_claimed)
    for rule_id, history in state.rules.items():
        where = f"state.rules[{brief(rule_id)}]"
        if not isinstance(history, RuleHistory):
            raise InvalidInput(f"{where}: expected a RuleHistory, got {type(history).__name__}")
        for name in _TIMES:
            value = getattr(history, name)
            if value is not None:
                _instant(f"{where}.{name}", value)
        level = history.last_level
        if level is not None and (
            isinstance(level, bool)
            or not isinstance(level, Decimal | int)
            or not Decimal(level).is_finite()
        ):
            raise InvalidInput(f"{where}.last_level: {brief(level)} is not a finite number")
        _count(f"{where}.shown_last_week", history.shown_last_week)
    for index, shown in enumerate(state.shown):
        _instant(f"state.shown[{index}].at", shown.at)


def _instant(name: str, value: datetime) -> None:
    if not _utc(value):
        in_range(name, value)


def _utc(value: object) -> bool:
    """Whether `value` is an instant in UTC within range, needing no conversion to be
    checked: what stores hand back, and what most hosts pass (``datetime.now(UTC)``)."""
    return (
        type(value) is datetime and value.tzinfo is UTC and FIRST_INSTANT <= value <= LAST_INSTANT
    )


_PLAIN_NUMBERS = (float, int)
"""The types of usage the decision path's probes read as they are (not `bool`)."""
_INSTANTS = ("signup", "anchor", "trial_end", "licence_end", "period start", "period end")
"""The names of an account's instants, in the order `_checked` reads them."""


def _count(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInput(f"{name}: {brief(value)} must be a whole number >= 0")


def _bounded(problems: list[str]) -> tuple[str, ...]:
    """The first `MAX_PROBLEMS` problems, then how many more there were."""
    if len(problems) <= MAX_PROBLEMS:
        return tuple(problems)
    more = len(problems) - MAX_PROBLEMS
    return (*problems[:MAX_PROBLEMS], f"and {more} more")


def _deadline_problem(budget: Budget) -> str:
    return (
        f"search_deadline: the offer search ran out of its {budget.seconds * 1000:g} ms; "
        "offers are the best found by then"
    )


def _report(error: Exception, account: object, problem: str) -> None:
    with contextlib.suppress(Exception):  # see _log_bug
        _log.warning("nudge.degraded", account=_account_id(account), problem=problem)


def _account_id(account: object) -> str:
    """The id a degraded result and a log event state: the account's if it is valid
    text, else empty (a hostile object's `id` is not even read)."""
    if isinstance(account, Account) and unicode_text(account.id):
        return account.id
    return ""


def _log_bug(account: object) -> None:
    """Log the exception being handled, with its traceback. Drawing a traceback may read
    host objects (a renderer that shows locals calls their methods), which can raise
    again: that must not escape an entry point that promises not to raise."""
    with contextlib.suppress(Exception):
        _log.exception("nudge.failed", account=_account_id(account))


def _only_nudge_errors(
    account: object, run: Callable[_P, _T], *args: _P.args, **kwargs: _P.kwargs
) -> _T:
    """`run(*args, **kwargs)` in the SDK's decimal context, with any exception but a
    `NudgeError` logged and raised as one: for the entry points documented to raise
    only `NudgeError`."""
    host = decimal.getcontext()
    decimal.setcontext(thread_context())  # a swap: cheaper than localcontext's copy
    try:
        return run(*args, **kwargs)
    except NudgeError:
        raise
    except Exception as error:  # a bug; the host was promised NudgeError alone
        _log_bug(account)
        raise NudgeError(_problem(error)) from error
    finally:
        decimal.setcontext(host)
