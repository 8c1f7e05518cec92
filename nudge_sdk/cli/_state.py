"""``nudge state`` (init, show, prune) and ``nudge event``: look after a state store
from the shell. Store errors are one line on stderr and exit code 2; text output has
terminal control characters removed, as every command's (`terminal_text`)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import click

from nudge_sdk._errors import InvalidInput
from nudge_sdk._nudges import Nudges
from nudge_sdk.cli._commands import _catalog, _reporting, _say, _warn_unknown, _when, main
from nudge_sdk.evaluation._state import EVENT_KINDS, EventKind, StateSnapshot
from nudge_sdk.payloads._json import instant
from nudge_sdk.stores import Store, open_store

__all__ = ["event", "state"]

_TIMEOUT = 5.0
"""Seconds a command waits for the store (a request path would wait far less)."""


def _store(url: str) -> Store:
    return open_store(url, timeout=_TIMEOUT)


@main.group()
def state() -> None:
    """Look after a state store: create its tables, show an account, prune.

    \b
    Example:
      nudge state show sqlite:///nudge-state.db acct_42
    """


@state.command("init")
@click.argument("url")
@_reporting
def init(url: str) -> None:
    """Create (or bring up to date) the tables the store at URL needs; idempotent.

    \b
    Example:
      nudge state init sqlite:///nudge-state.db
    """
    store = _store(url)
    try:
        store.init()
    finally:
        store.close()
    _say(f"{store.name}: ready")


@state.command("show")
@click.argument("url")
@click.argument("account")
@click.option("--json", "as_json", is_flag=True, help="Print the history as JSON.")
@_reporting
def show(url: str, account: str, as_json: bool) -> None:
    """Print what the store at URL remembers of ACCOUNT.

    \b
    Example:
      nudge state show sqlite:///nudge-state.db acct_42 --json
    """
    store = _store(url)
    try:
        snapshot = store.load(account)
    finally:
        store.close()
    if as_json:  # ASCII: the strings' control characters are escaped
        click.echo(json.dumps(_history(snapshot), indent=2))
    else:
        _say(_text(account, snapshot))


@state.command("prune")
@click.argument("url")
@click.option("--now", "now_text", help="Forget what expired before this instant; now by default.")
@_reporting
def prune(url: str, now_text: str | None) -> None:
    """Forget accounts whose state has expired (SQL stores; Redis expires keys itself).

    \b
    Example:
      nudge state prune sqlite:///nudge-state.db --now 2025-07-01T00:00:00Z
    """
    now = _when("--now", now_text) if now_text else datetime.now(UTC)
    store = _store(url)
    try:
        count = store.prune(now)
    finally:
        store.close()
    _say(f"{store.name}: {count} account(s) forgotten")


@main.command()
@click.argument("url")
@click.argument("nudge")
@click.argument("kind", type=click.Choice(EVENT_KINDS))
@click.option("--plans", required=True, type=click.Path(dir_okay=False), help="The catalog YAML.")
@click.option("--account", required=True, help="The account the nudge was shown to.")
@click.option("--at", "at_text", required=True, help="When it happened (ISO 8601).")
@click.option("--until", "until_text", help="When a snooze ends (ISO 8601).")
@click.option("--event-id", help="Makes the report idempotent; --at by default.")
@click.option("--plan", help="What was bought (converted).")
@click.option("--addon", help="The add-on bought (converted).")
@click.option("--amount-minor", type=int, help="What was paid, in minor units (converted).")
@_reporting
def event(
    url: str,
    nudge: str,
    kind: EventKind,
    plans: str,
    account: str,
    at_text: str,
    until_text: str | None,
    **details: Any,
) -> None:
    """Record that the customer acted on NUDGE (shown, clicked, dismissed, snoozed,
    converted) in the store at URL.

    NUDGE is a nudge id from `nudge evaluate --json` (`nudges[].id`).

    \b
    Example:
      nudge event sqlite:///nudge-state.db NUDGE_ID dismissed \\
        --plans examples/plans.yaml --account acct_42 --at 2025-06-16T01:00:00Z
    """
    at = _when("--at", at_text)
    until = _when("--until", until_text) if until_text else None
    catalog = _catalog(plans, "--plans")
    # Recorded all the same (the store keeps what the host saw), but a name the catalog
    # lacks is most likely a typo the host wants to hear about.
    _warn_unknown("--plan", [details["plan"]] if details["plan"] else [], set(catalog.plans))
    _warn_unknown("--addon", [details["addon"]] if details["addon"] else [], set(catalog.addons))
    with Nudges(catalog, _store(url), timeout=_TIMEOUT) as nudges:
        reported = nudges.report(account, nudge, kind, at=at, until=until, **details)
    if not reported.recorded:
        raise InvalidInput(f"not recorded: {reported.problem}")
    _say(f"{account}: {kind} {nudge}" + (" (already recorded)" if reported.duplicate else ""))


def _history(snapshot: StateSnapshot) -> dict[str, Any]:
    """The snapshot as plain JSON."""

    def moment(value: datetime | None) -> str | None:
        return None if value is None else instant(value)

    return {
        "version": snapshot.version,
        "rules": {
            rule: {
                "last_shown": moment(h.last_shown),
                "dismissed": h.dismissed,
                "dismissed_until": moment(h.dismissed_until),
                "snoozed_until": moment(h.snoozed_until),
                "last_level": None if h.last_level is None else str(h.last_level),
                "level_window": moment(h.level_window),
            }
            for rule, h in snapshot.rules.items()
        },
        "shown": [
            {"rule": s.rule, "nudge": s.nudge, "placement": s.placement, "at": instant(s.at)}
            for s in snapshot.shown
        ],
        "events": [
            {
                "nudge": e.nudge,
                "rule": e.rule,
                "kind": e.kind,
                "at": instant(e.at),
                "event_id": e.event_id,
                "until": moment(e.until),
                "plan": e.plan,
                "addon": e.addon,
                "amount_minor": e.amount_minor,
            }
            for e in snapshot.events
        ],
        "trial_extensions": dict(snapshot.claims),
    }


def _text(account: str, snapshot: StateSnapshot) -> str:
    """The snapshot for a terminal: one line per rule, impression and event."""
    if not snapshot.version:
        return f"{account}: nothing remembered"
    lines = [f"{account}: version {snapshot.version}"]
    for rule, h in _history(snapshot)["rules"].items():
        facts = [f"{key} {value}" for key, value in h.items() if value not in (None, False)]
        lines.append(f"  rule {rule}: {', '.join(facts) or 'nothing held'}")
    lines += [
        f"  shown {s.at.isoformat()} {s.rule} ({s.nudge}, {s.placement})" for s in snapshot.shown
    ]
    lines += [f"  event {instant(e.at)} {e.kind} {e.nudge}" for e in snapshot.events]
    lines += [f"  trial extension {key}: {days} day(s)" for key, days in snapshot.claims.items()]
    return "\n".join(lines)
