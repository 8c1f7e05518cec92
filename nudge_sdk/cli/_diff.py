"""``nudge diff``: what a catalog change changes, before it ships. It lists the plans,
prices, limits, features, add-ons and rules that differ, and for a folder of sample
accounts (as ``nudge preview`` reads them) which accounts' nudges would change. A new
catalog that drops a plan some sample account is on, or a currency one pays in, would
strand it (its evaluations would degrade to "unknown plan" or "currency not sold"): that
is reported, with the fix (retire the plan, keep the currency), and the command exits 1.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import attrs
import click

from nudge_sdk._evaluator import Evaluator
from nudge_sdk.billing._periods import in_range
from nudge_sdk.billing._policy import Price
from nudge_sdk.catalog._catalog import UNLIMITED, AddOn, Catalog, Limit, Plan
from nudge_sdk.catalog._rules import Rule
from nudge_sdk.cli._commands import (
    _catalog,
    _json_text,
    _reporting,
    _say,
    _stdin_once,
    _when,
    main,
)
from nudge_sdk.cli._preview import _accounts, _read
from nudge_sdk.payloads._payloads import Evaluation

__all__ = ["catalog_changes", "nudge_changes"]

_RULE_PARTS = tuple(field.name for field in attrs.fields(Rule) if field.name != "id")
"""What `nudge diff` compares of a rule: everything it is made of but its id."""


def catalog_changes(old: Catalog, new: Catalog) -> list[str]:
    """One line per difference between two catalogs, plans first, then add-ons, then
    rules, each in the new catalog's order (removed ones last)."""
    lines: list[str] = []
    same = old.currency == new.currency
    if not same:
        lines.append(f"currency: {old.currency.code} -> {new.currency.code}")
    lines += _entries("plan", old.plans, new.plans, lambda a, b: _plan(a, b, new, same))
    lines += _entries("add-on", old.addons, new.addons, lambda a, b: _addon(a, b, new, same))
    lines += _entries("rule", old.rules, new.rules, _rule)
    lines += _by_currency(old, new)
    return lines


def nudge_changes(old: Evaluation, new: Evaluation) -> list[str]:
    """One line per nudge that appears, disappears or changes between two evaluations
    of one account (by rule: its kind, offer and texts)."""
    before, after = _summaries(old), _summaries(new)
    lines = []
    for rule in [*after, *(r for r in before if r not in after)]:
        if rule not in before:
            lines.append(f"rule {rule}: now shown ({after[rule]['offer']})")
        elif rule not in after:
            lines.append(f"rule {rule}: no longer shown")
        else:
            lines += [
                f"rule {rule}: {key} {before[rule][key]} -> {after[rule][key]}"
                for key in after[rule]
                if before[rule][key] != after[rule][key]
            ]
    if old.degraded != new.degraded or old.problems != new.problems:
        lines.append(f"problems: {list(old.problems)} -> {list(new.problems)}")
    return lines


# -- inside ----------------------------------------------------------------------------


def _entries(
    what: str,
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    compare: Any,
) -> Iterator[str]:
    for key, value in new.items():
        if key not in old:
            yield f"{what} {key}: added"
        elif value != old[key]:
            yield from (f"{what} {key}: {change}" for change in compare(old[key], value))
    for key in old:
        if key not in new:
            yield f"{what} {key}: removed"


def _money(minor: int, catalog: Catalog) -> str:
    return f"{Decimal(minor).scaleb(-catalog.currency.decimals):f}"


def _limit(value: Limit | None) -> str:
    return "none" if value is None else "unlimited" if value is UNLIMITED else f"{value:f}"


def _by_currency(old: Catalog, new: Catalog) -> Iterator[str]:
    """Price changes in each currency both catalogs sell in but the one both are written
    in (above), for the plans and add-ons both have; currencies added or dropped."""
    for code in dict.fromkeys([*new.sold_in, *old.sold_in]):
        if code == old.currency.code == new.currency.code:
            continue
        if code not in old.sold_in or code not in new.sold_in:
            yield f"currency {code}: {'added' if code in new.sold_in else 'removed'}"
            continue
        was, now = old.in_currency(code), new.in_currency(code)
        for key in now.plans.keys() & was.plans.keys():
            for change in _plan_prices(was.plans[key], now.plans[key], now):
                yield f"plan {key} in {code}: {change}"
        for key in now.addons.keys() & was.addons.keys():
            for change in _addon_prices(was.addons[key], now.addons[key], now):
                yield f"add-on {key} in {code}: {change}"


def _plan(old: Plan, new: Plan, catalog: Catalog, same: bool) -> Iterator[str]:
    """What changed in a plan; its prices too if both catalogs are written in the same
    currency (`same`; else `_by_currency` compares them currency by currency)."""
    if old.retired != new.retired:
        yield "retired" if new.retired else "sold again"
    if same:
        yield from _plan_prices(old, new, catalog)
    for metric in dict.fromkeys([*new.limits, *old.limits]):
        was, now = old.limits.get(metric), new.limits.get(metric)
        if was != now:
            yield f"limit {metric}: {_limit(was)} -> {_limit(now)}"
    if old.features != new.features:
        gained, lost = sorted(new.features - old.features), sorted(old.features - new.features)
        yield f"features: +{gained} -{lost}"
    for name in ("name", "description", "popular", "billing_ids"):
        if getattr(old, name) != getattr(new, name):
            yield f"{name} changed"


def _plan_prices(old: Plan, new: Plan, catalog: Catalog) -> Iterator[str]:
    for interval in dict.fromkeys([*new.prices, *old.prices]):
        before, after = old.prices.get(interval), new.prices.get(interval)
        if before != after:
            yield f"price by {interval}: {_price(before, catalog)} -> {_price(after, catalog)}"
    for metric in dict.fromkeys([*new.overage, *old.overage]):
        if old.overage.get(metric) != new.overage.get(metric):
            yield f"overage {metric} changed"


def _price(price: Price | None, catalog: Catalog) -> str:
    if price is None:
        return "not sold"
    text = _money(price.base, catalog)
    if price.per_seat:
        text += f" + {_money(price.per_seat, catalog)}/seat"
        if price.included_seats:
            text += f" ({price.included_seats} included)"
    return text


def _addon(old: AddOn, new: AddOn, catalog: Catalog, same: bool) -> Iterator[str]:
    if same:
        yield from _addon_prices(old, new, catalog)
    if old.grants != new.grants:
        yield f"grants: {_grants(old.grants)} -> {_grants(new.grants)}"
    for name in ("features", "plans", "min_plan", "name", "description", "billing_ids"):
        if getattr(old, name) != getattr(new, name):
            yield f"{name} changed"


def _addon_prices(old: AddOn, new: AddOn, catalog: Catalog) -> Iterator[str]:
    for interval in dict.fromkeys([*new.prices, *old.prices]):
        before, after = old.prices.get(interval), new.prices.get(interval)
        if before != after:
            shown = [("not sold" if p is None else _money(p, catalog)) for p in (before, after)]
            yield f"price by {interval}: {shown[0]} -> {shown[1]}"


def _grants(grants: Mapping[str, Decimal]) -> str:
    return ", ".join(f"{metric} {amount:f}" for metric, amount in grants.items()) or "none"


def _rule(old: Rule, new: Rule) -> Iterator[str]:
    changed = [part for part in _RULE_PARTS if getattr(old, part) != getattr(new, part)]
    if changed:
        yield f"changed {', '.join(changed)}"


def _summaries(result: Evaluation) -> dict[str, dict[str, str]]:
    summaries = {}
    for nudge in result.nudges:
        offer = nudge.offer
        what = "no offer"
        if offer is not None:
            addons = " + ".join(f"{line.addon} x{line.quantity}" for line in offer.addons)
            what = (
                f"{offer.plan}{' with ' + addons if addons else ''} at {offer.recurring.formatted}"
            )
        summaries[nudge.rule] = {
            "offer": what,
            "kind": nudge.kind,
            "placement": nudge.placement,
            "title": repr(nudge.title),
            "body": repr(nudge.body),
        }
    return summaries


@main.command()
@click.argument("old", type=click.Path(dir_okay=False))
@click.argument("new", type=click.Path(dir_okay=False))
@click.argument("accounts_dir", required=False)
@click.option("--now", "now_text", help="When sample accounts are evaluated (ISO 8601); now.")
@click.option("--json", "as_json", is_flag=True, help="Print the changes as JSON.")
@_reporting
def diff(old: str, new: str, accounts_dir: str | None, now_text: str | None, as_json: bool) -> None:
    """What changes from catalog OLD to NEW: plans, prices, limits, features, add-ons and
    rules, and, for each sample account in ACCOUNTS_DIR (NAME.json with its
    NAME.usage.json beside it), the nudges that would change. Exits 1 if NEW drops a plan
    a sample account is on (retire it instead: retired: true) or a currency one pays in.

    \b
    Example:
      nudge diff old-plans.yaml examples/plans.yaml examples/accounts \\
        --now 2025-06-16T00:00:00Z
    """
    _stdin_once(("OLD", old), ("NEW", new))
    before, after = _catalog(old, "OLD"), _catalog(new, "NEW")
    now = in_range("--now", _when("--now", now_text) if now_text else datetime.now(UTC))
    report: dict[str, Any] = {"catalog": catalog_changes(before, after), "accounts": {}}
    stranded = []
    if accounts_dir is not None:
        evaluators = Evaluator(before), Evaluator(after)
        for account_path, usage_path in _accounts(accounts_dir):
            account, usage = _read(account_path, usage_path)
            if account.plan in before.plans and account.plan not in after.plans:
                stranded.append(
                    f"{account.id} is on {account.plan} (keep the plan with retired: true)"
                )
            paid = (account.currency or before.currency.code).upper()
            pays = (account.currency or after.currency.code).upper()
            if paid in before.sold_in and pays != paid:
                stranded.append(
                    f"{account.id} would pay in {pays}, not {paid} (give it currency: {paid})"
                )
            elif paid in before.sold_in and paid not in after.sold_in:
                stranded.append(f"{account.id} pays in {paid} (keep it in currencies)")
            old_result, new_result = (
                evaluator.evaluate(account, usage, now=now) for evaluator in evaluators
            )
            changes = nudge_changes(old_result, new_result)
            if changes:
                report["accounts"][account.id] = changes
    report["stranded"] = stranded
    if as_json:
        click.echo(_json_text(report))
    else:
        _say(_text(report, accounts_dir is not None))
    if stranded:
        click.echo(
            f"nudge: error: {len(stranded)} sample account(s) NEW would strand: "
            f"{'; '.join(stranded)}",
            err=True,
        )
        raise SystemExit(1)


def _text(report: Mapping[str, Any], with_accounts: bool) -> str:
    lines = [*report["catalog"]] or ["the catalogs define the same plans, add-ons and rules"]
    if with_accounts:
        accounts = report["accounts"]
        lines.append(
            f"{len(accounts)} sample account(s) would see different nudges"
            if accounts
            else "no sample account would see different nudges"
        )
        for account, changes in accounts.items():
            lines += [f"  {account}: {change}" for change in changes]
    return "\n".join(lines)
