"""The `nudge` command: check a catalog, print its schema, quote a plan change,
evaluate an account's nudges, compare plans.

Exit codes: 0 success; 1 the catalog has errors (all printed, one per line);
2 the command's own input is wrong (one line saying what).
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from datetime import datetime, tzinfo
from functools import wraps
from typing import Any, ParamSpec, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs
import click

from nudge_sdk._errors import InvalidCatalog, InvalidInput, NudgeError
from nudge_sdk._evaluator import Evaluator
from nudge_sdk._nudges import Nudges
from nudge_sdk.billing._money import Money, Rounding
from nudge_sdk.billing._periods import Cycle, Interval, Period, parse_instant
from nudge_sdk.billing._proration import Item, Quote, Quoter
from nudge_sdk.catalog._catalog import (
    UNLIMITED,
    Catalog,
    DowngradeTiming,
    Granularity,
    IntervalChange,
    ProrationPolicy,
)
from nudge_sdk.catalog._loader import load_catalog
from nudge_sdk.evaluation._account import Account, account_from_json
from nudge_sdk.payloads._json import instant, to_json
from nudge_sdk.payloads._payloads import Comparison, Evaluation
from nudge_sdk.payloads._schema import schema_text
from nudge_sdk.stores import open_store

P = ParamSpec("P")
R = TypeVar("R")


def _reporting(command: Callable[P, R]) -> Callable[P, R]:
    """Turn SDK errors into their lines on stderr and their exit code."""

    @wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except InvalidCatalog as error:
            for issue in error.issues:
                click.echo(issue.render(error.source), err=True)
            click.echo(f"{len(error.issues)} error(s) in {error.source}", err=True)
            sys.exit(error.exit_code)
        except NudgeError as error:
            click.echo(f"nudge: error: {error}", err=True)
            sys.exit(error.exit_code)

    return run


def _when(option: str, text: str) -> datetime:
    try:
        return parse_instant(text)
    except ValueError as error:
        raise InvalidInput(f"{option}: {error}") from None


def _zone(text: str) -> tzinfo:
    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"--zone: {text!r} is not an IANA time zone") from None


def _choice(cls: type[Any]) -> click.Choice[str]:
    return click.Choice([member.value for member in cls])


@click.group()
@click.version_option(package_name="nudge-sdk")
@click.option("-v", "--verbose", is_flag=True, help="Log the SDK's events to stderr.")
def main(verbose: bool) -> None:
    """In-app upgrade prompts: check catalogs, quote plan changes."""
    # The command is an application, so it, unlike the library, configures logging:
    # events go to stderr, keeping stdout for the output (JSON must stay parseable).
    handler = logging.StreamHandler(sys.stderr)
    sdk = logging.getLogger("nudge_sdk")
    sdk.handlers[:] = [handler]
    sdk.setLevel(logging.DEBUG if verbose else logging.WARNING)
    sdk.propagate = False


@main.command()
@click.argument("plans", type=click.Path(dir_okay=False))
@_reporting
def check(plans: str) -> None:
    """Check PLANS (a catalog YAML) and summarize it; list every error if any."""
    catalog = load_catalog(plans)
    click.echo(_summary(catalog))


@main.command()
@click.argument("which", type=click.Choice(["catalog", "payload"]), default="catalog")
def schema(which: str) -> None:
    """Print the JSON Schema of the catalog YAML (or of the payloads)."""
    click.echo(schema_text(which), nl=False)


@main.command()
@click.argument("plans", type=click.Path(dir_okay=False))
@click.option("--from", "from_plan", required=True, help="The current plan.")
@click.option("--to", "to_plan", required=True, help="The plan to change to.")
@click.option("--interval", required=True, help="The current billing interval (month, year, ...).")
@click.option("--to-interval", help="The new billing interval; the current one by default.")
@click.option("--period-start", required=True, help="Start of the invoiced period (ISO 8601).")
@click.option("--period-end", help="End of the period; one interval after the start by default.")
@click.option("--at", "at_text", required=True, help="When the change happens (ISO 8601).")
@click.option("--seats", default=1, show_default=True, type=click.IntRange(min=0))
@click.option("--to-seats", type=click.IntRange(min=0), help="New seats; --seats by default.")
@click.option("--zone", default="UTC", show_default=True, help="The account's IANA time zone.")
@click.option("--granularity", type=_choice(Granularity), help="Override the catalog's policy.")
@click.option("--rounding", type=_choice(Rounding), help="Override the catalog's policy.")
@click.option("--interval-change", type=_choice(IntervalChange), help="Override the policy.")
@click.option("--downgrade", type=_choice(DowngradeTiming), help="Override the policy.")
@click.option("--locale", default="en_US", show_default=True, help="For the table's money.")
@click.option("--json", "as_json", is_flag=True, help="Print the quote as JSON.")
@_reporting
def quote(plans: str, **options: Any) -> None:
    """Quote changing plan, seats or interval at --at inside the current period."""
    at = _when("--at", options["at_text"])
    zone = _zone(options["zone"])
    interval = Interval.parse(options["interval"])
    start = _when("--period-start", options["period_start"])
    end = (
        _when("--period-end", options["period_end"])
        if options["period_end"]
        else Cycle(start, interval, zone).boundary(1)
    )
    old = Item.plan(options["from_plan"], interval, seats=options["seats"])
    new = Item.plan(
        options["to_plan"],
        options["to_interval"] or interval,
        seats=options["seats"] if options["to_seats"] is None else options["to_seats"],
    )
    catalog = load_catalog(plans)
    catalog.plan(old.id), catalog.plan(new.id)  # unknown plans: one clear line, exit 2
    policy = _policy(catalog.proration, options)
    result = Quoter(catalog, policy).quote(old, new, period=Period(start, end), at=at, zone=zone)
    if options["as_json"]:
        click.echo(json.dumps(to_json(result), indent=2, ensure_ascii=False))
    else:
        click.echo(_table(result, options["locale"]))


def _read_json(option: str, path: str) -> Any:
    try:
        with open(path, encoding="utf-8") as file:
            return json.load(file)
    except OSError as error:
        raise InvalidInput(f"{option}: cannot read {path}: {error.strerror}") from None
    except json.JSONDecodeError as error:
        raise InvalidInput(f"{option}: {path}:{error.lineno}:{error.colno}: {error.msg}") from None


def _inputs(
    plans: str, account: str, usage: str, now: str
) -> tuple[Evaluator, Account, Any, datetime]:
    """Read and check everything `evaluate` and `compare` take, before doing anything."""
    when = _when("--now", now)
    data = _read_json("--usage", usage)
    if not isinstance(data, dict):
        raise InvalidInput(f"--usage: expected a JSON object of metric to number, got {data!r}")
    customer = account_from_json(_read_json("--account", account))
    return Evaluator(load_catalog(plans)), customer, data, when


def _printed(payload: Any) -> str:
    return json.dumps(to_json(payload), indent=2, ensure_ascii=False)


@main.command()
@click.argument("plans", type=click.Path(dir_okay=False))
@click.option("--account", "account_path", required=True, help="The account, as JSON.")
@click.option("--usage", "usage_path", required=True, help="Usage, as a JSON object.")
@click.option("--now", "now_text", required=True, help="The evaluation instant (ISO 8601).")
@click.option("--placement", help="Only nudges for this placement.")
@click.option("--feature", help="A feature the customer just reached for.")
@click.option("--event", "events", multiple=True, help="A host event (milestones).")
@click.option("--explain", is_flag=True, help="Say for every rule why it did or did not fire.")
@click.option("--compare", "with_comparison", is_flag=True, help="Add the plan comparison.")
@click.option("--json", "as_json", is_flag=True, help="Print the evaluation as JSON.")
@click.option(
    "--state",
    "state_url",
    help="A state store URL (sqlite:///nudge-state.db, redis://..., postgresql://...): "
    "read the account's history before deciding and record what is shown.",
)
@_reporting
def evaluate(
    plans: str,
    account_path: str,
    usage_path: str,
    now_text: str,
    placement: str | None,
    feature: str | None,
    events: tuple[str, ...],
    explain: bool,
    with_comparison: bool,
    as_json: bool,
    state_url: str | None,
) -> None:
    """Evaluate an account's usage against PLANS and print the nudges to show.

    With --state, the account's history (cooldowns, caps, dismissals...) is read from the
    store and what is shown is recorded there, so a second run holds nudges back.
    """
    evaluator, account, usage, now = _inputs(plans, account_path, usage_path, now_text)
    options: dict[str, Any] = {
        "now": now,
        "placement": placement,
        "explain": explain,
        "feature": feature,
        "events": events,
        "compare": with_comparison,
    }
    if state_url is None:
        result = evaluator.evaluate(account, usage, **options)
    else:
        # The store's own timeout is for request paths; a command may wait longer.
        with Nudges(evaluator, open_store(state_url, timeout=5.0), timeout=5.0) as nudges:
            result = nudges.evaluate(account, usage, **options)
    click.echo(_printed(result) if as_json else _evaluation_text(result))


@main.command()
@click.argument("plans", type=click.Path(dir_okay=False))
@click.option("--account", "account_path", required=True, help="The account, as JSON.")
@click.option("--usage", "usage_path", required=True, help="Usage, as a JSON object.")
@click.option("--now", "now_text", required=True, help="The evaluation instant (ISO 8601).")
@click.option("--json", "as_json", is_flag=True, help="Print the comparison as JSON.")
@_reporting
def compare(plans: str, account_path: str, usage_path: str, now_text: str, as_json: bool) -> None:
    """Compare the account's plan with the recommended one and their neighbours."""
    evaluator, account, usage, now = _inputs(plans, account_path, usage_path, now_text)
    result = evaluator.compare(account, usage, now=now)
    click.echo(_printed(result) if as_json else _comparison_text(result))


def _evaluation_text(result: Evaluation) -> str:
    lines = [f"{result.account}: {len(result.nudges)} nudge(s)"]
    lines += [f"  ! {problem}" for problem in result.problems]
    for nudge in result.nudges:
        lines.append(f"[{nudge.placement}] {nudge.severity} {nudge.kind} ({nudge.rule})")
        lines.append(f"  {nudge.title}")
        lines.append(f"  {nudge.body}")
        if nudge.cta.label:
            lines.append(f"  -> {nudge.cta.label}")
        if nudge.offer and nudge.offer.plan:
            addons = "".join(f" + {a.addon} x{a.quantity}" for a in nudge.offer.addons)
            lines.append(
                f"     offer: {nudge.offer.plan}{addons}, {nudge.offer.recurring.formatted} per "
                f"{nudge.offer.interval}, {nudge.offer.due_now.formatted} due now"
            )
    if result.decisions:
        lines.append("why:")
        width = max(len(d.rule) for d in result.decisions)
        for decision in result.decisions:
            verdict = "shown" if decision.shown else decision.reason
            line = f"  {decision.rule:<{width}}  {verdict}: {decision.detail}"
            if decision.next_eligible_at is not None:
                line += f" (next eligible {instant(decision.next_eligible_at)})"
            lines.append(line)
    if result.comparison is not None:
        lines.append(_comparison_text(result.comparison))
    return "\n".join(lines)


def _comparison_text(result: Comparison) -> str:
    lines = [f"{result.account}: plans per {result.interval} ({result.currency})"]
    lines += [f"  ! {problem}" for problem in result.problems]
    rows = []
    for column in result.columns:
        marks: list[str] = [column.badge] if column.badge else []
        marks = ["current"] * column.current + ["recommended"] * column.recommended + marks
        rows.append(
            (
                column.name,
                column.price.formatted,
                column.difference_text,
                f"due now {column.due_now.formatted}",
                ", ".join(marks),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(4)] if rows else []
    for row, column in zip(rows, result.columns, strict=True):
        cells = [row[0].ljust(widths[0]), row[1].rjust(widths[1])]
        cells += [row[2].ljust(widths[2]), row[3].ljust(widths[3]), row[4]]
        lines.append(("  " + "  ".join(cells)).rstrip())
        gains = [cell.name for cell in column.limits if cell.gain]
        gains += [cell.name for cell in column.features if cell.gain]
        if gains:
            lines.append(f"  {'':<{widths[0]}}  more: {', '.join(gains)}")
    return "\n".join(lines)


def _policy(policy: ProrationPolicy, options: dict[str, Any]) -> ProrationPolicy:
    """The catalog's policy with the command line's overrides."""
    kinds = {
        "granularity": Granularity,
        "rounding": Rounding,
        "interval_change": IntervalChange,
        "downgrade": DowngradeTiming,
    }
    changes = {name: kind(options[name]) for name, kind in kinds.items() if options[name]}
    return attrs.evolve(policy, **changes)  # type: ignore[arg-type]


def _summary(catalog: Catalog) -> str:
    lines = [
        f"currency {catalog.currency.code}; {len(catalog.metrics)} metrics, "
        f"{len(catalog.features)} features, {len(catalog.plans)} plans, "
        f"{len(catalog.addons)} add-ons"
    ]
    for plan in catalog.plans.values():
        prices = ", ".join(
            f"{_price_text(price.base, price.per_seat, catalog)}/{interval}"
            for interval, price in plan.prices.items()
        )
        limits = ", ".join(
            f"{metric} {'unlimited' if limit is UNLIMITED else limit}"
            for metric, limit in plan.limits.items()
        )
        features = ", ".join(sorted(plan.features)) or "-"
        lines.append(f"  plan {plan.id} ({plan.name}): {prices or 'free'}")
        lines.append(f"    limits: {limits or '-'}; features: {features}")
    for addon in catalog.addons.values():
        prices = ", ".join(
            f"{Money(amount, catalog.currency)}/{interval}"
            for interval, amount in addon.prices.items()
        )
        grants = ", ".join(f"+{amount} {metric}" for metric, amount in addon.grants.items())
        lines.append(f"  add-on {addon.id} ({addon.name}): {prices} per unit; {grants or '-'}")
    return "\n".join(lines)


def _price_text(base: int, per_seat: int, catalog: Catalog) -> str:
    parts = [str(Money(base, catalog.currency))] if base or not per_seat else []
    if per_seat:
        parts.append(f"{Money(per_seat, catalog.currency)} per seat")
    return " + ".join(parts)


def _table(result: Quote, locale: str) -> str:
    rows = [
        (
            line.kind.value,
            line.item.id,
            str(line.item.interval),
            f"x{line.item.quantity}",
            f"{instant(line.start)} -> {instant(line.end)}",
            str(line.fraction),
            line.amount.format(locale),
        )
        for line in result.lines
    ]
    rows.append(("total", "", "", "", "", "", result.total.format(locale)))
    widths = [max(len(row[i]) for row in rows) for i in range(7)]
    text = [
        "  ".join(
            cell.rjust(w) if i == 6 else cell.ljust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in rows
    ]
    if not result.lines:
        text.insert(0, "nothing is charged or credited now")
    when = f"effective {instant(result.effective_at)}"
    if result.new_period:
        when += (
            f"; new period {instant(result.new_period.start)} -> {instant(result.new_period.end)}"
        )
    if result.downgrade:
        when += " (downgrade)"
    text.append(when)
    return "\n".join(text)


if __name__ == "__main__":  # pragma: no cover
    main()
