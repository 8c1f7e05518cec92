"""The evaluator: an account and its usage in, ranked and localized nudges out.

`Evaluator(catalog)` compiles the catalog once: rules are indexed by the plans their
audience admits and sorted by priority, so a rule that cannot apply to the account's
plan costs nothing. `evaluate` is a pure function of the catalog, the account, its
usage, a state snapshot and `now`; it never raises into the host: bad input degrades
to fewer (or no) nudges, with the problems listed in the result and logged.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

import attrs
import structlog

from nudge_sdk._account import Account, clean_usage
from nudge_sdk._catalog import Catalog, Plan, ProrationPolicy
from nudge_sdk._compare import compare
from nudge_sdk._entitlements import Access, Entitlement, entitlements, feature_access
from nudge_sdk._errors import InvalidInput, NudgeError
from nudge_sdk._messages import LocaleText, fallback_chain, locale_text
from nudge_sdk._money import Money, round_minor
from nudge_sdk._payloads import (
    AddonLine,
    Amount,
    CallToAction,
    Comparison,
    Decision,
    Evaluation,
    Impression,
    MetricFigures,
    Nudge,
    Offer,
    Reason,
)
from nudge_sdk._periods import aware
from nudge_sdk._proration import Discount, Item, Quoter
from nudge_sdk._recommend import Need, Option, Recommender, cost_of
from nudge_sdk._rules import (
    Audience,
    BreakEven,
    CancelIntent,
    Ending,
    FeatureLocked,
    FixedOffer,
    Milestone,
    NudgeKind,
    Rule,
    Severity,
    TrialExtension,
    UsageThreshold,
)
from nudge_sdk._state import RuleHistory, StateSnapshot
from nudge_sdk._triggers import Context, Hit, Miss, check

__all__ = ["Evaluator"]

_log = structlog.get_logger("nudge_sdk")
_SEVERITY = {Severity.CRITICAL: 0, Severity.WARNING: 1, Severity.INFO: 2}
_TRIGGER_CODES = {
    UsageThreshold: "usage_threshold",
    BreakEven: "break_even",
    FeatureLocked: "feature_locked",
    Ending: "ending",
    TrialExtension: "trial_extension",
    CancelIntent: "cancel_intent",
    Milestone: "milestone",
}
_CTA = {
    NudgeKind.UPGRADE: "upgrade",
    NudgeKind.ADDON: "add_addon",
    NudgeKind.BREAK_EVEN: "switch_plan",
    NudgeKind.FEATURE_LOCKED: "upgrade",
    NudgeKind.RENEWAL: "renew",
    NudgeKind.TRIAL_EXTENSION: "extend_trial",
    NudgeKind.RETENTION: "switch_plan",
    NudgeKind.MILESTONE: "upgrade",
}


def _metric_of(rule: Rule) -> str:
    """The metric a rule cannot fire without, if any."""
    trigger = rule.trigger
    if isinstance(trigger, UsageThreshold):
        return trigger.metric
    if isinstance(trigger, Milestone):
        return trigger.metric
    return ""


def _plan_admits(audience: Audience, plan: str) -> bool:
    return (not audience.plans or plan in audience.plans) and plan not in audience.not_plans


class Evaluator:
    """Evaluates accounts against one compiled catalog; build it once, share it."""

    def __init__(self, catalog: Catalog, *, policy: ProrationPolicy | None = None) -> None:
        self.catalog = catalog
        self.quoter = Quoter(catalog, policy)
        self.recommender = Recommender(catalog)
        ranked = sorted(
            catalog.rules.values(), key=lambda r: (-r.priority, _SEVERITY[r.severity], r.id)
        )
        self._rank = {rule.id: index for index, rule in enumerate(ranked)}
        self._rules = {
            plan: tuple(rule for rule in ranked if _plan_admits(rule.audience, plan))
            for plan in catalog.plans
        }
        # Rules that need a metric's usage are indexed by it, so an account's evaluation
        # only looks at the rules of its plan that can apply to what it reported.
        self._general: dict[str, tuple[Rule, ...]] = {}
        self._by_metric: dict[str, dict[str, tuple[Rule, ...]]] = {}
        for plan, rules in self._rules.items():
            self._general[plan] = tuple(r for r in rules if not _metric_of(r))
            by_metric: dict[str, list[Rule]] = {}
            for rule in rules:
                if metric := _metric_of(rule):
                    by_metric.setdefault(metric, []).append(rule)
            self._by_metric[plan] = {m: tuple(rs) for m, rs in by_metric.items()}

    # -- public ---------------------------------------------------------------------

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
    ) -> Evaluation:
        """The nudges to show `account` now, best first, at most the catalog's cap per
        placement (only `placement`'s if given).

        `feature` is a feature the customer just reached for (feature-locked nudges),
        `events` host events for milestones, `state` the account's snapshot from the
        state store. With `explain`, the result says for every rule why it did or did
        not produce a nudge. Never raises: problems are in `problems`, `degraded` is set.
        """
        try:
            return self._evaluate(
                account, usage, now, placement, explain, feature, frozenset(events), state
            )
        except NudgeError as error:
            return self._degraded(account, now, str(error))
        except Exception as error:  # the host's request must not fail because of the SDK
            _log.exception("nudge.failed", account=getattr(account, "id", None))
            return self._degraded(account, now, f"internal error: {error!r}")

    def entitlements(
        self, account: Account, usage: Mapping[str, object], *, now: datetime
    ) -> dict[str, Entitlement]:
        """Every metric's limit, usage, remaining and utilization for `account`."""
        now = aware("now", now)
        clean, _ = clean_usage(usage, self.catalog.metrics)
        return dict(entitlements(self.catalog, account, clean, now, account.tz()))

    def compare(
        self, account: Account, usage: Mapping[str, object], *, now: datetime
    ) -> Comparison:
        """Three plans side by side for `account`: current, recommended, neighbours.

        Never raises: on bad input the comparison has no columns and says why.
        """
        try:
            now = aware("now", now)
            ctx, problems = self.context(account, usage, now)
            text = locale_text(self._locale(account), ctx.zone)
            result = compare(self.quoter, ctx, text)
            return attrs.evolve(result, degraded=bool(problems), problems=tuple(problems))
        except Exception as error:  # the host's request must not fail because of the SDK
            problem = str(error) if isinstance(error, NudgeError) else f"internal error: {error!r}"
            _log.warning("nudge.degraded", account=getattr(account, "id", ""), problem=problem)
            return Comparison(
                account=str(getattr(account, "id", "")),
                currency=self.catalog.currency.code,
                interval="",
                locale=self.catalog.default_locale,
                direction="ltr",
                recommended=None,
                columns=(),
                degraded=True,
                problems=(problem,),
            )

    def _locale(self, account: Account) -> str:
        """The locale figures are formatted in: the account's, if Babel knows it."""
        return fallback_chain(account.locale, self.catalog.default_locale)[0]

    def may(self, account: Account, feature: str) -> Access:
        """Whether `account` may use `feature` now, with the reason, and if not, the
        cheapest plan and add-on that have it."""
        return feature_access(self.catalog, account, feature)

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
    ) -> Evaluation:
        now = aware("now", now)
        ctx, problems = self.context(account, usage, now, feature, events, state)
        decisions: list[Decision] = []

        log = _log.bind()  # resolve the lazy proxy once, not once per decision
        enabled = getattr(log, "is_enabled_for", None)
        telling = explain or enabled is None or enabled(logging.DEBUG)

        def decide(rule: Rule, shown: bool, outcome: Hit | Miss) -> None:
            if not telling:  # nobody listens: do not even format the detail
                return
            reason = "shown" if shown else outcome.reason  # type: ignore[union-attr]
            detail = outcome.detail
            log.debug(
                "nudge.decision",
                account=account.id,
                rule=rule.id,
                shown=shown,
                reason=reason,
                detail=detail,
            )
            if explain:
                decisions.append(Decision(rule=rule.id, shown=shown, reason=reason, detail=detail))

        if explain:
            for rule in self.catalog.rules.values():
                if not _plan_admits(rule.audience, account.plan):
                    decide(rule, False, Miss("audience_plan", f"not for plan {account.plan}"))
        candidates = []
        cleared = []
        for rule in self._applicable(account.plan, ctx.usage, explain):
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
        for rule, hit in candidates:
            if shown.get(rule.placement, 0) >= self.catalog.placements.get(rule.placement, 1):
                decide(rule, False, Miss("capped_by_placement", f"{rule.placement} is full"))
                continue
            nudge = self._nudge(rule, hit, ctx)
            if isinstance(nudge, Miss):
                decide(rule, False, nudge)
                continue
            shown[rule.placement] = shown.get(rule.placement, 0) + 1
            nudges.append(nudge)
            decide(rule, True, hit)
        levels = {rule.id: hit.level for rule, hit in candidates}
        impressions = tuple(
            Impression(rule=n.rule, nudge=n.id, at=now, level=_text(levels[n.rule])) for n in nudges
        )
        return Evaluation(
            account=account.id,
            evaluated_at=now,
            nudges=tuple(nudges),
            degraded=bool(problems),
            problems=tuple(problems),
            decisions=tuple(decisions),
            impressions=impressions,
            cleared=tuple(cleared),
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

        Unlike `evaluate` it raises `NudgeError` on unusable input.
        """
        now = aware("now", now)
        ctx, _ = self.context(account, usage, now, feature, frozenset(events), state)
        return tuple(
            rule.id
            for rule in self._applicable(account.plan, ctx.usage, explain=False)
            if isinstance(self._decide(rule, ctx, placement), Hit)
        )

    def _applicable(self, plan: str, usage: Mapping[str, object], explain: bool) -> Iterable[Rule]:
        """The plan's rules that can fire given the metrics reported (all when explaining,
        so every rule gets its reason), best first."""
        if explain:
            return self._rules[plan]
        by_metric = self._by_metric[plan]
        chosen = list(self._general[plan])
        for metric in usage:
            chosen += by_metric.get(metric, ())
        return sorted(chosen, key=lambda rule: self._rank[rule.id])

    def _decide(self, rule: Rule, ctx: Context, placement: str | None) -> Hit | Miss:
        """Whether one rule fires: its gates, its trigger, then the state snapshot."""
        outcome: Hit | Miss = self._gate(rule, ctx, placement) or check(rule, ctx)
        if isinstance(outcome, Hit):
            history = ctx.state.history(rule.id)
            return _frequency(rule, outcome, history, ctx.now) or outcome
        return outcome

    def context(
        self,
        account: Account,
        usage: Mapping[str, object],
        now: datetime,
        feature: str | None = None,
        events: frozenset[str] = frozenset(),
        state: StateSnapshot | None = None,
    ) -> tuple[Context, list[str]]:
        """Check the account against the catalog and gather what rules look at."""
        plan = self.catalog.plan(account.plan)
        if plan.price(account.interval) is None:
            raise InvalidInput(f"plan {plan.id!r} is not sold by the {account.interval}")
        if account.currency and account.currency.upper() != self.catalog.currency.code:
            raise InvalidInput(
                f"account currency {account.currency} is not the catalog's "
                f"{self.catalog.currency.code}"
            )
        for addon in account.addons:
            self.catalog.addon(addon)
        zone = account.tz()
        clean, dropped = clean_usage(usage, self.catalog.metrics)
        problems = [f"usage {reason}; its nudges are skipped" for _, reason in dropped]
        for metric, reason in dropped:
            _log.warning("nudge.bad_usage", account=account.id, metric=metric, reason=reason)
        ents = entitlements(self.catalog, account, clean, now, zone)
        return Context(
            catalog=self.catalog,
            account=account,
            usage=clean,
            entitlements=ents,
            current_of=lambda: self._current(account, plan, ents),
            recommender=self.recommender,
            now=now,
            zone=zone,
            feature=feature,
            events=events,
            state=state or StateSnapshot(),
        ), problems

    def _current(self, account: Account, plan: Plan, ents: Mapping[str, Entitlement]) -> Option:
        price = plan.price(account.interval)
        assert price is not None
        recurring = price.amount(account.seats) + sum(
            (self.catalog.addons[a].prices.get(account.interval, 0) * n)
            for a, n in account.addons.items()
        )
        overage = sum(  # only soft limits bill overage
            (
                (e := ents[metric]).overage_cost(max(e.used, e.projected), e.limit)
                for metric in plan.overage
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
        for signal in account.signals:
            silenced = self.catalog.signals.get(signal)
            if silenced and ("all" in silenced or rule.id in silenced):
                return Miss("silenced_by_signal", f"signal {signal}")
        tenure = ctx.tenure
        if tenure < self.catalog.quiet_days_after_signup:
            return Miss("quiet_period", f"signed up {tenure} day(s) ago")
        if (rule.starts and now < rule.starts) or (rule.ends and now >= rule.ends):
            return Miss("outside_schedule", "the offer is not running now")
        return _audience(rule.audience, account, now, tenure)

    # -- building a nudge ---------------------------------------------------------------

    def _nudge(self, rule: Rule, hit: Hit, ctx: Context) -> Nudge | Miss:
        offer_option = self._option(rule, hit, ctx)
        if isinstance(offer_option, Miss):
            return offer_option
        account = ctx.account
        chain = fallback_chain(account.locale, self.catalog.default_locale)
        locale = next(loc for loc in chain if loc in rule.messages)
        text = locale_text(chain[0], ctx.zone)
        percent = rule.discount.for_tenure(account.tenure_days(ctx.now)) if rule.discount else 0
        offer = self._offer(rule, hit, ctx, offer_option, Fraction(percent), text)
        kind = rule.kind
        if kind is NudgeKind.UPGRADE and offer and offer.kind == "addon":
            kind = NudgeKind.ADDON
        figures = self._figures(ctx.entitlements[hit.metric], hit, text) if hit.metric else None
        values, counts = self._values(rule, hit, ctx, offer, figures, text, percent, locale)
        title, body, label = text.render(rule.messages[locale], values, counts)
        digest = hashlib.blake2b(
            f"{account.id}|{rule.id}|{hit.level}|{ctx.account.period.start}".encode(),
            digest_size=10,
        ).hexdigest()
        return Nudge(
            id=digest,
            kind=kind.value,
            rule=rule.id,
            placement=rule.placement,
            severity=rule.severity.value,
            priority=rule.priority,
            locale=text.locale,
            direction=text.direction,
            title=title,
            body=body,
            metric=figures,
            offer=offer,
            cta=CallToAction(
                action=_CTA[kind] if offer else "none",
                label=label,
                plan=offer.plan if offer else None,
                interval=offer.interval if offer else None,
                addons=offer.addons if offer else (),
                due_now=offer.due_now if offer else None,
            ),
            expires_at=rule.ends,
            reasons=self._reasons(rule, hit, ctx, offer),
        )

    def _reasons(
        self, rule: Rule, hit: Hit, ctx: Context, offer: Offer | None
    ) -> tuple[Reason, ...]:
        """Why this nudge, in machine-readable codes: the trigger, then the offer."""
        reasons = [Reason(_TRIGGER_CODES[type(rule.trigger)], hit.detail)]
        if offer is not None and rule.offer in ("recommend", "downsell"):
            extra = " with add-ons" if offer.addons else ""
            reasons.append(
                Reason(
                    "cheapest_fit",
                    f"{offer.plan}{extra} is the cheapest option covering current and "
                    "projected usage",
                )
            )
        if offer is not None and offer.discount_percent:
            reasons.append(Reason("discount", f"{offer.discount_percent}% off"))
        return tuple(reasons)

    def _option(self, rule: Rule, hit: Hit, ctx: Context) -> Option | Miss | None:
        """The option the nudge offers; `None` for no offer, `Miss` if none fits."""
        account = ctx.account
        if isinstance(rule.trigger, TrialExtension) or rule.offer == "none":
            return None
        need = ctx.need(grow=hit.grow, features=hit.features, upsell=hit.upsell)
        if rule.offer == "recommend":
            option = self.recommender.cheapest(account.interval, account.seats, need)
        elif rule.offer == "downsell":
            option = self.recommender.cheapest(account.interval, account.seats, need)
            assert ctx.current is not None
            if option is not None and option.cost >= ctx.current.cost:
                return Miss("no_cheaper_fit", "no cheaper option covers the usage")
        else:
            option = self._fixed(rule.offer, need, ctx)
        if option is None:
            return Miss("no_fitting_offer", "no option covers the usage")
        return option

    def _fixed(self, offer: FixedOffer, need: Need, ctx: Context) -> Option | None:
        account = ctx.account
        if offer.plan:
            plan = self.catalog.plans[offer.plan]
            return cost_of(self.catalog, plan, account.interval, account.seats, {}, need)
        plan = self.catalog.plans[account.plan]
        held = dict(account.addons)
        for quantity in [offer.quantity] if offer.quantity else range(1, 101):
            addons = {**held, offer.addon: held.get(offer.addon, 0) + quantity}
            option = cost_of(self.catalog, plan, account.interval, account.seats, addons, need)
            if option is not None:
                return option
        return None

    def _offer(
        self,
        rule: Rule,
        hit: Hit,
        ctx: Context,
        option: Option | None,
        percent: Fraction,
        text: LocaleText,
    ) -> Offer | None:
        if option is None and not isinstance(rule.trigger, TrialExtension):
            return None
        account, currency = ctx.account, self.catalog.currency
        current = ctx.current

        def amount(minor: int) -> Amount:
            money = Money(minor, currency)
            return Amount(minor=minor, amount=str(money), formatted=text.money(money))

        interval = str(account.interval)
        if isinstance(rule.trigger, TrialExtension):
            assert account.trial_end is not None
            assert hit.days is not None
            zero = amount(0)
            return Offer(
                kind="trial_extension",
                plan=account.plan,
                plan_name=self.catalog.plans[account.plan].name,
                interval=interval,
                seats=account.seats,
                addons=(),
                recurring=amount(current.recurring),
                current_recurring=amount(current.recurring),
                difference=zero,
                due_now=zero,
                overage=None,
                share_of_bill=None,
                discount_percent=None,
                extension_days=hit.days,
                trial_end=account.trial_end + timedelta(days=hit.days),
            )
        if option is None:
            return None
        discount = Discount(percent_off=percent) if percent else None
        changes = self._items(account, option, discount)
        recurring = round_minor(
            sum((self.quoter.recurring(new) for _, new in changes if new), Fraction(0))
            + self._unchanged(account, option),
            self.quoter.policy.rounding,
        )
        due = ctx.due_now(self.quoter, changes)
        addon_lines = tuple(
            AddonLine(
                addon=a,
                name=self.catalog.addons[a].name,
                quantity=n,
                price=amount(self.catalog.addons[a].prices[account.interval] * n),
            )
            for a, n in option.addons.items()
        )
        changed_addons = option.addons != dict(account.addons)
        kind = (
            ("plan_with_addons" if changed_addons else "plan")
            if option.plan != account.plan or option.seats != account.seats
            else ("addon" if changed_addons else "plan")
        )
        added = recurring - current.recurring
        share = (
            _ratio(Fraction(added, current.recurring))
            if kind == "addon" and current.recurring
            else None
        )
        return Offer(
            kind=kind,
            plan=option.plan,
            plan_name=self.catalog.plans[option.plan].name,
            interval=interval,
            seats=option.seats,
            addons=addon_lines,
            recurring=amount(recurring),
            current_recurring=amount(current.recurring),
            difference=amount(added),
            due_now=amount(due),
            overage=amount(round_minor(current.overage)) if current.overage else None,
            share_of_bill=share,
            discount_percent=str(percent) if percent else None,
            extension_days=None,
            trial_end=None,
        )

    def _items(
        self, account: Account, option: Option, discount: Discount | None
    ) -> list[tuple[Item | None, Item | None]]:
        """The subscription items that change, old and new."""
        interval = account.interval
        changes: list[tuple[Item | None, Item | None]] = []
        if option.plan != account.plan or option.seats != account.seats or discount:
            changes.append(
                (
                    Item.plan(account.plan, interval, seats=account.seats),
                    Item.plan(option.plan, interval, seats=option.seats, discount=discount),
                )
            )
        for addon in account.addons.keys() | option.addons.keys():
            held, wanted = account.addons.get(addon, 0), option.addons.get(addon, 0)
            if held != wanted:
                old = Item.addon(addon, interval, quantity=held) if held else None
                new = (
                    Item.addon(addon, interval, quantity=wanted, discount=discount)
                    if wanted
                    else None
                )
                changes.append((old, new))
        return changes

    def _unchanged(self, account: Account, option: Option) -> Fraction:
        """The recurring amount of items the offer keeps as they are."""
        total = Fraction(0)
        interval = account.interval
        if option.plan == account.plan and option.seats == account.seats:
            total += self.quoter.recurring(Item.plan(account.plan, interval, seats=account.seats))
        for addon, quantity in option.addons.items():
            if account.addons.get(addon, 0) == quantity:
                total += self.quoter.recurring(Item.addon(addon, interval, quantity=quantity))
        return total

    def _figures(self, ent: Entitlement, hit: Hit, text: LocaleText) -> MetricFigures:
        metric = self.catalog.metrics[ent.metric]
        utilization = ent.utilization
        return MetricFigures(
            metric=ent.metric,
            name=metric.name,
            unit=metric.unit,
            used=str(ent.used),
            limit=None if ent.limit is None else str(ent.limit),
            remaining=None if ent.remaining is None else str(ent.remaining),
            utilization=None if utilization is None else _ratio(utilization),
            projected=str(ent.projected),
            level=None if hit.level is None else str(hit.level),
            run_out_at=ent.run_out_at,
            resets_at=ent.resets_at,
            formatted_used=text.number(ent.used),
            formatted_limit=None if ent.limit is None else text.number(ent.limit),
            formatted_percent=None if utilization is None else text.percent(utilization),
        )

    def _values(
        self,
        rule: Rule,
        hit: Hit,
        ctx: Context,
        offer: Offer | None,
        figures: MetricFigures | None,
        text: LocaleText,
        percent: Fraction | int,
        locale: str,
    ) -> tuple[dict[str, str], dict[str, Decimal]]:
        """The placeholders' values, formatted, and the numbers plurals are chosen by."""
        account = ctx.account
        values: dict[str, Any] = {
            "account": account.id,
            "current_plan": self.catalog.plans[account.plan].name,
            "interval": self._interval_name(account, locale),
        }
        counts: dict[str, Decimal] = {}
        if figures is not None and hit.metric:
            ent = ctx.entitlements[hit.metric]
            values |= {
                "metric": figures.name,
                "unit": figures.unit,
                "used": figures.formatted_used,
                "limit": figures.formatted_limit or "",
                "remaining": "" if ent.remaining is None else text.number(ent.remaining),
                "percent": figures.formatted_percent or "",
                "level": "" if hit.level is None else text.number(hit.level),
                "run_out_date": text.date(ent.run_out_at) if ent.run_out_at else "",
            }
            counts |= {
                "used": ent.used,
                "limit": ent.limit or Decimal(0),
                "remaining": ent.remaining or Decimal(0),
            }
        if offer is not None:
            values |= {
                "plan": offer.plan_name or "",
                "price": offer.recurring.formatted,
                "current_price": offer.current_recurring.formatted,
                "difference": offer.difference.formatted,
                "due_now": offer.due_now.formatted,
                "overage": offer.overage.formatted if offer.overage else "",
            }
            if offer.addons:
                first = offer.addons[0]
                values |= {"addon": first.name, "quantity": str(first.quantity)}
                counts["quantity"] = Decimal(first.quantity)
        if hit.saving:
            values["saving"] = text.money(Money(round_minor(hit.saving), self.catalog.currency))
        if percent:
            values["discount"] = text.percent(Fraction(percent) / 100)
        trigger_feature = getattr(rule.trigger, "feature", "")
        if trigger_feature:
            values["feature"] = self.catalog.features[trigger_feature].name
        if hit.days is not None:
            values["days"] = text.number(Decimal(hit.days))
            counts["days"] = Decimal(hit.days)
        if hit.date is not None:
            values["date"] = text.date(hit.date)
        if rule.ends is not None:
            values["expires"] = text.date(rule.ends)
        return values, counts

    def _interval_name(self, account: Account, locale: str) -> str:
        """The catalog's word for the account's interval in the message's locale."""
        for key in (locale, self.catalog.default_locale):
            name = self.catalog.interval_names.get(key, {}).get(account.interval)
            if name:
                return name
        return str(account.interval)

    def _degraded(self, account: object, now: object, problem: str) -> Evaluation:
        account_id = str(getattr(account, "id", ""))
        _log.warning("nudge.degraded", account=account_id, problem=problem)
        when = now if isinstance(now, datetime) and now.tzinfo is not None else None
        return Evaluation(
            account=account_id,
            evaluated_at=when,
            nudges=(),
            degraded=True,
            problems=(problem,),
            decisions=(),
            impressions=(),
        )


def _ratio(value: Fraction) -> str:
    """Decimal text with at most four places, rounded half to even: ``0.9245``."""
    return str((Decimal(round(value * 10_000)) / 10_000).normalize())


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _audience(audience: Audience, account: Account, now: datetime, tenure: int) -> Miss | None:
    if audience.trial is not None and audience.trial != account.in_trial(now):
        return Miss("audience_trial", "for trial accounts" if audience.trial else "for paying")
    if audience.min_tenure_days is not None and tenure < audience.min_tenure_days:
        return Miss("audience_tenure", f"tenure {tenure} < {audience.min_tenure_days} days")
    if audience.max_tenure_days is not None and tenure > audience.max_tenure_days:
        return Miss("audience_tenure", f"tenure {tenure} > {audience.max_tenure_days} days")
    if audience.locales and not set(fallback_chain(account.locale, "")) & audience.locales:
        return Miss("audience_locale", f"locale {account.locale}")
    if audience.countries and account.country.upper() not in audience.countries:
        return Miss("audience_country", f"country {account.country or 'unknown'}")
    for key, allowed in audience.attributes.items():
        if account.attributes.get(key) not in allowed:
            return Miss("audience_attribute", f"{key} is {account.attributes.get(key)!r}")
    return None


def _frequency(rule: Rule, hit: Hit, history: RuleHistory, now: datetime) -> Miss | None:
    """Whether the state snapshot holds the nudge back."""
    frequency = rule.frequency
    if frequency.dismissible and history.dismissed:
        return Miss("dismissed", "the customer asked not to see it again")
    if frequency.snoozable and history.snoozed_until and now < history.snoozed_until:
        return Miss("snoozed", f"snoozed until {history.snoozed_until.isoformat()}")
    if history.last_shown and now < history.last_shown + frequency.cooldown:
        return Miss("cooldown", f"shown {history.last_shown.isoformat()}")
    if frequency.max_per_week and history.shown_last_week >= frequency.max_per_week:
        return Miss("weekly_cap", f"shown {history.shown_last_week} time(s) this week")
    if (
        frequency.once_per_level
        and hit.level is not None
        and history.last_level is not None
        and hit.level <= history.last_level
    ):
        return Miss("level_already_shown", f"level {history.last_level} was already shown")
    return None
