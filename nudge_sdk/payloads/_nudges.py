"""Building a nudge payload for a rule that fired: the offer, its prices and what
switching costs today, the customer's figures, and the localized text."""

from __future__ import annotations

import decimal
import functools
import hashlib
from datetime import timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

import attrs

from nudge_sdk.billing._money import Money, round_minor
from nudge_sdk.billing._periods import Interval
from nudge_sdk.billing._proration import Discount, Item, Quoter
from nudge_sdk.catalog._catalog import Catalog
from nudge_sdk.catalog._rules import (
    BreakEven,
    CancelIntent,
    Ending,
    FeatureLocked,
    FixedOffer,
    Message,
    Milestone,
    NudgeKind,
    Rule,
    TrialExtension,
    UsageThreshold,
)
from nudge_sdk.evaluation._account import Account
from nudge_sdk.evaluation._entitlements import Entitlement
from nudge_sdk.evaluation._recommend import (
    Need,
    Option,
    Recommender,
    cost_of,
    holding,
)
from nudge_sdk.evaluation._triggers import Context, Hit, Miss
from nudge_sdk.payloads._messages import LocaleText, bcp47, fallback_chain, locale_text
from nudge_sdk.payloads._numbers import _WHOLE, _WHOLE_DIGITS
from nudge_sdk.payloads._payloads import (
    AddonLine,
    Amount,
    CallToAction,
    CtaAction,
    MetricFigures,
    Nudge,
    Offer,
    OfferKind,
    Reason,
    ReasonCode,
)

__all__ = ["NudgeBuilder"]

_CACHE = 4096

_TRIGGER_CODES: dict[type, ReasonCode] = {
    UsageThreshold: "usage_threshold",
    BreakEven: "break_even",
    FeatureLocked: "feature_locked",
    Ending: "ending",
    TrialExtension: "trial_extension",
    CancelIntent: "cancel_intent",
    Milestone: "milestone",
}
_CTA: dict[NudgeKind, CtaAction] = {
    NudgeKind.UPGRADE: "upgrade",
    NudgeKind.ADDON: "add_addon",
    NudgeKind.BREAK_EVEN: "switch_plan",
    NudgeKind.FEATURE_LOCKED: "upgrade",
    NudgeKind.RENEWAL: "renew",
    NudgeKind.TRIAL_ENDING: "upgrade",
    NudgeKind.TRIAL_EXTENSION: "extend_trial",
    NudgeKind.RETENTION: "switch_plan",
    NudgeKind.MILESTONE: "upgrade",
}


class NudgeBuilder:
    """Turns fired rules into payloads, against one catalog."""

    def __init__(self, catalog: Catalog, quoter: Quoter, recommender: Recommender) -> None:
        self.catalog = catalog
        self.quoter = quoter
        self.recommender = recommender
        # What depends only on the rule and the locale, on the catalog's items, or on
        # the offer's plan, interval and seats: built once, kept in bounded caches.
        self._voices = functools.lru_cache(maxsize=_CACHE)(self._catalog_voice)
        self._addon_line = functools.lru_cache(maxsize=_CACHE)(self._addon_line_of)
        self._plan_item = functools.lru_cache(maxsize=_CACHE)(_plan_item)
        self._addon_item = functools.lru_cache(maxsize=_CACHE)(_addon_item)
        self._fit = functools.lru_cache(maxsize=_CACHE)(_fit)

    def build(self, rule: Rule, hit: Hit, ctx: Context) -> Nudge | Miss:
        """The payload for a rule that fired; a `Miss` if no offer fits."""
        offer_option, capped = self._option(rule, hit, ctx)
        if isinstance(offer_option, Miss):
            return offer_option
        account = ctx.account
        chain = fallback_chain(account.locale, self.catalog.default_locale)
        voice = self._voices(rule.id, chain)
        if voice is None or voice.rule is not rule:  # not the catalog's rule of its id
            voice = self._voice(rule, chain)
        text = voice.text
        percent = rule.discount.for_tenure(ctx.tenure) if rule.discount else 0
        offer = self._offer(rule, hit, ctx, offer_option, Fraction(percent), text)
        if offer_option is not None and isinstance(rule.trigger, BreakEven):
            hit = attrs.evolve(hit, saving=ctx.current.cost - offer_option.cost)
        kind = rule.kind
        if kind is NudgeKind.UPGRADE and offer and offer.kind == "addon":
            kind = NudgeKind.ADDON
        figures = self._figures(ctx.entitlements[hit.metric], hit, text) if hit.metric else None
        values, counts = self._values(rule, hit, ctx, offer, figures, text, percent, voice.locale)
        title, body, label = text.render(voice.message, values, counts)
        digest = hashlib.blake2b(
            f"{account.id}|{rule.id}|{hit.level}|{ctx.period.start}".encode(),
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
            lang=voice.lang,
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
                billing_id=offer.billing_id if offer else None,
                currency=offer.currency if offer else None,
            ),
            expires_at=rule.ends,
            reasons=self._reasons(rule, hit, offer, self._included(account, offer_option), capped),
        )

    def _catalog_voice(self, rule_id: str, chain: tuple[str, ...]) -> _Voice | None:
        """`_voice` of the catalog's rule of this id; `None` if it has none."""
        rule = self.catalog.rules.get(rule_id)
        return None if rule is None else self._voice(rule, chain)

    def _voice(self, rule: Rule, chain: tuple[str, ...]) -> _Voice:
        """The message `rule` shows an account whose locale falls back through `chain`,
        and the texts it is formatted with."""
        locale = next(loc for loc in chain if loc in rule.messages)
        text = locale_text(chain[0])
        return _Voice(
            rule=rule,
            locale=locale,
            message=rule.messages[locale],
            text=text,
            lang=bcp47(text.locale),
        )

    def _included(self, account: Account, option: Option | None) -> str:
        """What the offer says of the add-ons it drops because its plan includes them."""
        if option is None or option.plan == account.plan:
            return ""
        dropped = [a for a in account.addons if account.addons[a] and a not in option.addons]
        if not dropped:
            return ""
        return f"; {option.plan} includes {', '.join(dropped)}, which the account holds"

    def _reasons(
        self, rule: Rule, hit: Hit, offer: Offer | None, includes: str, capped: str
    ) -> tuple[Reason, ...]:
        """Why this nudge, in machine-readable codes: the trigger, then the offer."""
        reasons = [Reason(_TRIGGER_CODES[type(rule.trigger)], hit.detail)]
        if capped:
            reasons.append(Reason("addon_share_cap", capped))
        if offer is not None and rule.offer in ("recommend", "downsell"):
            reasons.append(self._fit(offer.plan, bool(offer.addons), includes))
        if offer is not None and offer.discount_percent:
            reasons.append(Reason("discount", f"{offer.discount_percent}% off"))
        return tuple(reasons)

    def _option(self, rule: Rule, hit: Hit, ctx: Context) -> tuple[Option | Miss | None, str]:
        """The option the nudge offers; `None` for no offer, `Miss` if none fits. With
        it, why a plan is offered instead of add-ons that passed the rule's share of the
        bill ("" if not)."""
        account = ctx.account
        if isinstance(rule.trigger, TrialExtension) or rule.offer == "none":
            return None, ""
        need = holding(
            self.catalog,
            ctx.need(grow=hit.grow, features=hit.features, upsell=hit.upsell),
            account.plan,
            account.addons,
            least=ctx.current.recurring if hit.upsell else 0,  # an upsell never lowers the bill
            plan_features=rule.offer != "downsell",  # a down-sell is a smaller plan
        )
        if rule.offer == "recommend":
            option = self.recommender.cheapest(account.interval, account.seats, need)
        elif rule.offer == "downsell":
            option = self.recommender.cheapest(account.interval, account.seats, need)
            if option is not None and option.cost >= ctx.current.cost:
                return Miss("no_cheaper_fit", "no cheaper option covers the usage"), ""
        else:
            option = self._fixed(rule.offer, need, ctx)
        if option is None:
            return Miss("no_fitting_offer", "no option covers the usage and keeps what it has"), ""
        capped = ""
        over = self._over_share(rule, option, ctx)
        if over:  # a recommend rule falls back on another plan; a fixed offer has none
            instead = None
            if rule.offer == "recommend":
                others = [plan for plan in self.catalog.plans if plan != account.plan]
                instead = self.recommender.cheapest(
                    account.interval, account.seats, need, plans=others
                )
            if instead is None:
                return Miss("addon_share_cap", f"{over}; no plan fits instead"), ""
            option, capped = instead, f"{over}; {instead.plan} is offered instead"
        if isinstance(rule.trigger, BreakEven) and option.cost >= ctx.current.cost:
            return Miss("no_saving", "no option keeping what the account has is cheaper"), ""
        return option, capped

    def _over_share(self, rule: Rule, option: Option, ctx: Context) -> str:
        """Why `option` passes the rule's cap on what add-ons may add to the bill (before
        any discount; a bill of nothing has no share to spare), or "" if it does not."""
        cap, account = rule.max_addon_share, ctx.account
        if cap is None or (option.plan, option.seats) != (account.plan, account.seats):
            return ""
        added, bill = option.recurring - ctx.current.recurring, ctx.current.recurring
        if added <= 0 or (bill > 0 and Fraction(added, bill) <= cap):
            return ""
        share = f"{_percent(Fraction(added, bill))}%" if bill > 0 else "all"
        return (
            f"the add-ons would add {share} of the bill, above the rule's cap of {_percent(cap)}%"
        )

    def _fixed(self, offer: FixedOffer, need: Need, ctx: Context) -> Option | None:
        account = ctx.account
        if offer.plan:  # the rule names the plan; add-ons keep what the account has
            return self.recommender.cheapest(
                account.interval,
                account.seats,
                attrs.evolve(need, lowest_plan=""),
                plans=(offer.plan,),
            )
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
            return text.amount(minor, currency)

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
                billing_id=None,
                currency=currency.code,
            )
        if option is None:
            return None
        discount = Discount(percent_off=percent) if percent else None
        changes = self._items(account, option, discount)
        recurring = (
            round_minor(
                sum((self.quoter.recurring(new) for _, new in changes if new), Fraction(0))
                + self._unchanged(account, option),
                self.quoter.policy.rounding,
            )
            if discount
            else option.recurring  # the same sum, undiscounted: the option's own price
        )
        due = ctx.due_now(self.quoter, changes)
        addon_lines = tuple(
            self._addon_line(a, n, account.interval, text) for a, n in option.addons.items()
        )
        changed_addons = option.addons != dict(account.addons)
        kind: OfferKind = (
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
            billing_id=self.catalog.plans[option.plan].billing_ids.get(account.interval),
            currency=currency.code,
        )

    def _addon_line_of(
        self, addon: str, quantity: int, interval: Interval, text: LocaleText
    ) -> AddonLine:
        """An add-on's line in an offer (lines are immutable, so they are shared)."""
        item = self.catalog.addons[addon]
        return AddonLine(
            addon=addon,
            name=item.name,
            quantity=quantity,
            # One held, no longer sold by this interval, is billed elsewhere: 0 here, as
            # the bill today counts it.
            price=text.amount(item.prices.get(interval, 0) * quantity, self.catalog.currency),
            billing_id=item.billing_ids.get(interval),
        )

    def _items(
        self, account: Account, option: Option, discount: Discount | None
    ) -> list[tuple[Item | None, Item | None]]:
        """The subscription items that change, old and new; the rule's discount applies to
        what the offer changes, never to what the customer keeps."""
        interval = account.interval
        changes: list[tuple[Item | None, Item | None]] = []
        plan_item, addon_item = self._plan_item, self._addon_item
        if option.plan != account.plan or option.seats != account.seats:
            changes.append(
                (
                    plan_item(account.plan, interval, account.seats, None),
                    plan_item(option.plan, interval, option.seats, discount),
                )
            )
        for addon in account.addons.keys() | option.addons.keys():
            held, wanted = account.addons.get(addon, 0), option.addons.get(addon, 0)
            if held != wanted and interval in self.catalog.addons[addon].prices:
                old = addon_item(addon, interval, held, None) if held else None
                new = addon_item(addon, interval, wanted, discount) if wanted else None
                changes.append((old, new))
        return changes

    def _unchanged(self, account: Account, option: Option) -> Fraction:
        """The recurring amount of items the offer keeps as they are."""
        total = Fraction(0)
        interval = account.interval
        if option.plan == account.plan and option.seats == account.seats:
            total += self.quoter.recurring(Item.plan(account.plan, interval, seats=account.seats))
        for addon, quantity in option.addons.items():
            if account.addons.get(addon, 0) == quantity and interval in (
                self.catalog.addons[addon].prices
            ):
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
        """The placeholders' values, formatted, and the numbers plurals are chosen by:
        those the message names (the rest would render nowhere), where formatting costs."""
        wants = rule.messages[locale].names
        account = ctx.account
        values: dict[str, Any] = {
            "account": account.id,
            "current_plan": self.catalog.plans[account.plan].name,
            "interval": self.catalog.interval_name(
                account.interval, (locale, self.catalog.default_locale)
            ),
        }
        counts: dict[str, Decimal] = {}
        if figures is not None and hit.metric:
            ent = ctx.entitlements[hit.metric]
            values |= {
                "metric": figures.name,
                "unit": figures.unit,
                "used": figures.formatted_used,
                "limit": figures.formatted_limit or "",
                "percent": figures.formatted_percent or "",
            }
            if "remaining" in wants:
                values["remaining"] = "" if ent.remaining is None else text.number(ent.remaining)
            if "level" in wants:
                values["level"] = "" if hit.level is None else text.number(hit.level)
            if "run_out_date" in wants and ent.run_out_at:
                values["run_out_date"] = text.date(ent.run_out_at, ctx.zone)
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
        if hit.saving and "saving" in wants:
            values["saving"] = text.money(Money(round_minor(hit.saving), self.catalog.currency))
        if percent and "discount" in wants:
            values["discount"] = text.percent(Fraction(percent) / 100)
        trigger_feature = getattr(rule.trigger, "feature", "")
        if trigger_feature:
            values["feature"] = self.catalog.features[trigger_feature].name
        if hit.days is not None:
            if "days" in wants:
                values["days"] = text.number(Decimal(hit.days))
            counts["days"] = Decimal(hit.days)
        if hit.date is not None and "date" in wants:
            values["date"] = text.date(hit.date, ctx.zone)
        if offer is not None and offer.trial_end is not None and "extended_until" in wants:
            values["extended_until"] = text.date(offer.trial_end, ctx.zone)
        if rule.ends is not None and "expires" in wants:
            values["expires"] = text.date(rule.ends, ctx.zone)
        return values, counts


@attrs.frozen(kw_only=True)
class _Voice:
    """How a rule speaks to accounts of one locale."""

    rule: Rule
    locale: str
    """The locale of the rule's message: the first of the account's fallbacks it has."""
    message: Message
    text: LocaleText
    """Figures and plurals in the account's own locale (or its first known fallback)."""
    lang: str
    """`text`'s locale as a BCP 47 tag."""


def _plan_item(plan: str, interval: Interval, seats: int, discount: Discount | None) -> Item:
    return Item.plan(plan, interval, seats=seats, discount=discount)


def _addon_item(addon: str, interval: Interval, quantity: int, discount: Discount | None) -> Item:
    return Item.addon(addon, interval, quantity=quantity, discount=discount)


def _fit(plan: str | None, addons: bool, includes: str) -> Reason:
    """The reason an offer of `plan` (with add-ons or not) is made."""
    extra = " with add-ons" if addons else ""
    return Reason(
        "cheapest_fit",
        f"{plan}{extra} is the cheapest option covering current and "
        f"projected usage and keeping what the account has{includes}",
    )


def _percent(value: Fraction) -> str:
    """`value` in percent with at most one place, rounded half to even: ``27.6``."""
    tenths = Decimal(round(value * 1000)) / 10
    return format(tenths.normalize(), "f")


def _ratio(value: Fraction) -> str:
    """Decimal text with at most four places, rounded half to even: ``0.9245``."""
    # `Fraction.__round__`'s half to even, on the product left unreduced (the rounding
    # depends on its value only), then its text from the integer when no precision
    # could round it; `normalize` alone writes 10 as ``1E+1``, fixed point never does.
    numerator, denominator = value.numerator * 10_000, value.denominator
    units, rest = divmod(numerator, denominator)
    if rest * 2 > denominator or (rest * 2 == denominator and units % 2):
        units += 1
    if not -_WHOLE < units < _WHOLE or decimal.getcontext().prec < _WHOLE_DIGITS:
        return format((Decimal(units) / 10_000).normalize(), "f")
    whole, part = divmod(abs(units), 10_000)
    sign = "-" if units < 0 else ""
    fraction = f"{part:04d}".rstrip("0")
    return f"{sign}{whole}.{fraction}" if fraction else f"{sign}{whole}"
