"""The `nudge` command: check a catalog, print its schema, quote a plan change,
evaluate an account's nudges, compare plans.

One rule for exit codes, the same in every command:

- 0: done. A problem that cost only part of the result (a usage value dropped, a
  malformed locale, a name the catalog does not know) is one ``nudge: warning: ...``
  line on stderr each.
- 1: the catalog was read and has errors: every one is printed as
  ``FILE:LINE:COLUMN: path: message``, then a count.
- 2: the command's own input is wrong, one ``nudge: error: ...`` line says what, and
  nothing is printed on stdout: an option or argument, a file that cannot be read (a
  catalog too), an account or usage file that is not the JSON expected, or an account
  the evaluator cannot use at all (unknown plan, interval not sold, another currency).
- 3: a bug in nudge: one ``nudge: internal error: ...`` line, never a traceback.
- 130: interrupted (Ctrl-C).

Every file is read with a byte limit (`MAX_CATALOG_BYTES` for a catalog,
`MAX_INPUT_BYTES` for account and usage JSON), in chunks, so a device or a pipe that
never ends costs no more than the limit, and a file that is not a regular one must end
within `READ_SECONDS`. Text output (not JSON, whose strings escape them) has terminal
control characters removed: the account's and the catalog's strings are not trusted to
move the cursor or retitle the terminal.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, tzinfo
from functools import wraps
from typing import IO, Any, NoReturn, ParamSpec, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs
import click
from babel import Locale, UnknownLocaleError

from nudge_sdk._errors import CatalogIssue, InvalidCatalog, InvalidInput, NudgeError
from nudge_sdk._evaluator import Evaluator
from nudge_sdk._nudges import Nudges
from nudge_sdk.billing._money import Money, Rounding
from nudge_sdk.billing._periods import Cycle, Interval, Period, in_range, parse_instant
from nudge_sdk.billing._proration import Item, Quote, Quoter
from nudge_sdk.catalog._catalog import (
    UNLIMITED,
    Catalog,
    DowngradeTiming,
    Granularity,
    IntervalChange,
    ProrationPolicy,
)
from nudge_sdk.catalog._loader import MAX_CATALOG_BYTES, TooLarge, parse_catalog, read_limited
from nudge_sdk.catalog._rules import Milestone, choices
from nudge_sdk.catalog._spec import brief
from nudge_sdk.evaluation._account import MAX_SEATS, Account, account_from_json
from nudge_sdk.payloads._json import instant, to_json
from nudge_sdk.payloads._messages import well_formed
from nudge_sdk.payloads._payloads import Comparison, Evaluation
from nudge_sdk.payloads._schema import schema_text
from nudge_sdk.stores import open_store

P = ParamSpec("P")
R = TypeVar("R")

MAX_INPUT_BYTES = 1024 * 1024
"""The largest account or usage JSON the command reads (1 MiB); more is refused."""
MAX_JSON_DEPTH = 32
"""The deepest nesting of lists and objects an account or usage JSON may have."""
MAX_NUMBER_DIGITS = 40
"""The most digits a whole number in account or usage JSON may have."""
READ_SECONDS = 5.0
"""How long the command waits for a file that is not a regular file (a pipe, a
device) to end; a regular file is only limited in size."""

INTERNAL = 3
"""The exit code of a bug: the one exit code no `NudgeError` has."""
INTERRUPTED = 130
"""The exit code after Ctrl-C (128 + SIGINT, as shells do), not click's 1, which is the
catalog's."""

# -- failing in one line -----------------------------------------------------------


class _Group(click.Group):
    """The `nudge` group: whatever a command raises ends as one line on stderr and an
    exit code (see the module docstring), never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.Abort):
            raise  # click's own: usage errors exit 2, --help and --version 0
        except NudgeError as error:
            _fail(error)
        except KeyboardInterrupt:
            _complain("nudge: interrupted")
            sys.exit(INTERRUPTED)
        except Exception as error:  # a bug: one line, exit 3 (and MemoryError, RecursionError)
            text = str(error)
            _internal(
                f"{type(error).__name__}: {brief(text)[1:-1]}" if text else type(error).__name__
            )


def _fail(error: NudgeError) -> NoReturn:
    """Print `error` as the command's last word and exit with its code."""
    if isinstance(error, InvalidCatalog):
        for issue in error.issues:
            _complain(issue.render(error.source))
        _complain(f"{len(error.issues)} error(s) in {error.source}")
        sys.exit(error.exit_code)
    cause = error.__cause__
    if type(error) is NudgeError and cause is not None and not isinstance(cause, NudgeError):
        _internal(str(error).removeprefix("internal error: "))  # a bug the SDK wrapped
    _complain(f"nudge: error: {error}")
    sys.exit(error.exit_code)


def _internal(what: str) -> NoReturn:
    _complain(f"nudge: internal error: {what}; please report it with the command line")
    sys.exit(INTERNAL)


def _warn(problem: str) -> None:
    _complain(f"nudge: warning: {problem}")


def _complain(line: str) -> None:
    """One line on stderr: whatever the value quoted in it holds, it stays one line."""
    click.echo(terminal_text(line).replace("\n", " "), err=True)


def _reporting(command: Callable[P, R]) -> Callable[P, R]:
    """Turn SDK errors into their lines on stderr and their exit code (the group does
    it too; this keeps a command right when it is invoked on its own)."""

    @wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except NudgeError as error:
            _fail(error)

    return run


# -- terminal text ------------------------------------------------------------------

_CONTROLS = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]?"  # CSI: colours, cursor moves, erasures
    r"|\x1b[\]PX^_][^\x07\x1b\n]*(?:\x07|\x1b\\)?"  # OSC, DCS...: titles, hyperlinks
    r"|\x1b[ -~]?"  # the other escapes
    r"|[\x00-\x08\x0b-\x1f\x7f-\x9f]"  # C0 but tab and newline, DEL, C1
    r"|[\u202a-\u202e\u2066-\u2069]"  # bidi embeddings, overrides and isolates
)
_JSON_C1 = re.compile(r"[\x7f-\x9f]")


def terminal_text(text: str) -> str:
    """`text` without terminal control: escape sequences, C0/C1 control characters and
    the bidirectional overrides that reorder what a terminal shows (U+202A-E,
    U+2066-9) are removed; newline, tab and the direction marks Arabic figures carry
    (U+200F) are kept.

    >>> terminal_text("acct\\x1b[2J\\x1b]0;pwned\\x07_42\\r")
    'acct_42'
    >>> terminal_text("acct_\\u202e24")
    'acct_24'
    """
    return _CONTROLS.sub("", text)


def _say(text: str) -> None:
    click.echo(terminal_text(text))


def _json_text(value: Any) -> str:
    """Indented JSON; the C1 controls and DEL that `json` leaves raw are escaped too, so
    a terminal shows the document, not what its strings would do to it."""
    text = json.dumps(value, indent=2, ensure_ascii=False)
    return _JSON_C1.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _printed(payload: Any) -> str:
    return _json_text(to_json(payload))


# -- reading input ------------------------------------------------------------------


class _TooBig(Exception):
    """The file holds more than the limit it is read with."""


def _read(name: str, path: str, limit: int) -> bytes:
    """At most `limit` bytes of the file at `path` (``-``: stdin); `_TooBig` past that;
    `InvalidInput` naming `name` if it cannot be read, or is not a regular file and does
    not end within `READ_SECONDS`."""
    if path == "-":
        return _take(sys.stdin.buffer, limit)
    try:  # read_limited opens without blocking: a FIFO with no writer must not hang us
        return read_limited(path, limit, READ_SECONDS)
    except TooLarge:
        raise _TooBig from None
    except TimeoutError:
        raise InvalidInput(
            f"{name}: {path} is not a regular file and did not end within {READ_SECONDS:g} s"
        ) from None
    except (OSError, ValueError) as error:
        raise InvalidInput(f"{name}: cannot read {path}: {_reason(error)}") from None


def _take(stream: IO[bytes], limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while chunk := stream.read(min(1 << 16, limit + 1 - size)):
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            raise _TooBig
    return b"".join(chunks)


def _reason(error: Exception) -> str:
    return error.strerror if isinstance(error, OSError) and error.strerror else str(error)


def _stdin_once(*inputs: tuple[str, str]) -> None:
    """`InvalidInput` if two of the named `inputs` (name, path) are stdin: the second
    would read what the first left, nothing, and fail with a misleading message."""
    readers = [name for name, path in inputs if path == "-"]
    if len(readers) > 1:
        raise InvalidInput(f"{readers[0]} and {readers[1]} cannot both be read from stdin (-)")


def _where(path: str) -> str:
    return "<stdin>" if path == "-" else path


def _catalog(path: str, name: str = "PLANS") -> Catalog:
    """The catalog at `path`: `InvalidInput` (exit 2) if the file cannot be read,
    `InvalidCatalog` (exit 1) if what it holds is not a catalog."""
    try:
        data = _read(name, path, MAX_CATALOG_BYTES)
    except _TooBig:
        raise InvalidCatalog(
            _where(path),
            [
                CatalogIssue(
                    "", f"is larger than {MAX_CATALOG_BYTES} bytes, the most a catalog may have"
                )
            ],
        ) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        issue = CatalogIssue("", f"is not UTF-8 text: {_undecodable(error)}")
        raise InvalidCatalog(_where(path), [issue]) from None
    return parse_catalog(text, source=_where(path))


def _undecodable(error: UnicodeDecodeError) -> str:
    return f"byte 0x{error.object[error.start]:02x} at offset {error.start}"


class _LongNumber(Exception):
    def __init__(self, digits: int) -> None:
        self.digits = digits


def _whole(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > MAX_NUMBER_DIGITS:
        raise _LongNumber(digits)
    return int(text)


def _json_input(name: str, path: str) -> Any:
    """The JSON document at `path` (``-``: stdin; text starting with ``{``: the document
    itself), within `MAX_INPUT_BYTES`,
    `MAX_JSON_DEPTH` and `MAX_NUMBER_DIGITS`; `InvalidInput` naming `name`, the file
    and the place otherwise."""
    where = "(inline JSON)" if path.lstrip().startswith("{") else _where(path)
    try:
        if path.lstrip().startswith("{"):
            data = path.encode("utf-8", "surrogateescape")
            if len(data) > MAX_INPUT_BYTES:
                raise _TooBig
        else:
            data = _read(name, path, MAX_INPUT_BYTES)
    except _TooBig:
        raise InvalidInput(
            f"{name}: {where} is larger than {MAX_INPUT_BYTES} bytes, the most it may have"
        ) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidInput(f"{name}: {where} is not UTF-8 text: {_undecodable(error)}") from None
    if not text.strip():
        raise InvalidInput(f"{name}: {where} is empty; expected a JSON object")
    try:
        value = json.loads(text, parse_int=_whole)
    except json.JSONDecodeError as error:
        raise InvalidInput(f"{name}: {where}:{error.lineno}:{error.colno}: {error.msg}") from None
    except _LongNumber as error:
        raise InvalidInput(
            f"{name}: {where}: a number of {error.digits} digits; at most "
            f"{MAX_NUMBER_DIGITS} are read"
        ) from None
    except RecursionError:  # deeper than Python's parser goes
        raise InvalidInput(f"{name}: {where} is nested more than {MAX_JSON_DEPTH} deep") from None
    if _depth(value) > MAX_JSON_DEPTH:
        raise InvalidInput(f"{name}: {where} is nested more than {MAX_JSON_DEPTH} deep")
    return value


def _depth(value: Any) -> int:
    """How deep lists and objects nest in `value`, counted without recursion (and no
    further than one past the limit)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Iterable[Any] = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        if depth > MAX_JSON_DEPTH:
            break
        stack.extend((child, depth + 1) for child in children)
    return deepest


# -- reading options ----------------------------------------------------------------


def _when(option: str, text: str) -> datetime:
    """The instant `text` names; `InvalidInput` naming `option` otherwise, with a
    suggestion that works for a date or time without a time zone."""
    try:
        return parse_instant(text)
    except (ValueError, OverflowError) as error:
        raise InvalidInput(f"{option}: {_not_an_instant(text, error)}") from None


_DATE_AND_ZONE = re.compile(r"(\d{4}-\d\d-\d\d)(Z|[+-]\d\d:?\d\d)", re.I)
"""A date with a zone but no time (``2025-06-16Z``), which ISO 8601 does not allow."""


def _not_an_instant(text: str, error: Exception) -> str:
    dated = _DATE_AND_ZONE.fullmatch(text)
    if dated:
        date, zone = dated.groups()
        example = f"{date}T00:00:00{zone.upper()}"
        return f"{text} has a time zone but no time; add one, e.g. {example}"
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return str(error) if isinstance(error, ValueError) else f"{brief(text)} is not valid"
    if value.tzinfo is None:
        example = value.replace(tzinfo=UTC).isoformat().replace("+00:00", "Z")
        return f"{text} has no time zone; add one, e.g. {example}"
    return f"{text} has no UTC equivalent (too near the ends of the calendar)"


def _zone(text: str) -> tzinfo:
    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a folder, a long name
        raise InvalidInput(f"--zone: {brief(text)} is not an IANA time zone") from None


def _locale(text: str) -> str:
    """The Babel identifier of the locale `text`; `InvalidInput` if Babel has none."""
    key = well_formed(text)
    try:
        if key:
            return str(Locale.parse(key))
    except (ValueError, UnknownLocaleError):
        pass
    raise InvalidInput(
        f"--locale: {brief(text)} is not a locale Babel knows (e.g. en_US, de_DE, fa_IR)"
    )


def _choice(cls: type[Any]) -> click.Choice[str]:
    return click.Choice([member.value for member in cls])


# -- the commands -------------------------------------------------------------------


@click.group(cls=_Group)
@click.version_option(package_name="nudge-sdk")
@click.option("-v", "--verbose", is_flag=True, help="Log the SDK's events (debug) to stderr.")
def main(verbose: bool) -> None:
    """In-app upgrade prompts from a plan catalog: check it, evaluate an account's
    nudges, compare plans, quote a plan change, and look after the state store.

    \b
    Exit codes, the same for every command:
      0  done (problems that cost part of the result: "nudge: warning:" lines)
      1  the catalog has errors, each printed as FILE:LINE:COLUMN: path: message;
         or diff: NEW would strand a sample account (drops its plan or currency)
      2  bad input: an option, an unreadable file, an account or usage the
         evaluator cannot use ("nudge: error:" line, nothing on stdout)
      3  a bug in nudge ("nudge: internal error:" line)
      130  interrupted (Ctrl-C)

    \b
    Example:
      nudge check examples/plans.yaml
    """
    # The command is an application, so it, unlike the library, configures logging:
    # events go to stderr, keeping stdout for the output (JSON must stay parseable).
    # Without -v the command says every problem itself, in one line each, so the SDK's
    # events stay off (its warnings would repeat them; its errors carry tracebacks).
    handler = logging.StreamHandler(sys.stderr)
    sdk = logging.getLogger("nudge_sdk")
    sdk.handlers[:] = [handler]
    sdk.setLevel(logging.DEBUG if verbose else logging.CRITICAL + 1)
    sdk.propagate = False


@main.command()
@click.argument("plans", type=click.Path(dir_okay=False))
@_reporting
def check(plans: str) -> None:
    """Check PLANS (a catalog YAML) and summarize it; list every error if any.

    Exits 0 with a summary, or 1 with every error as FILE:LINE:COLUMN: path: message.

    \b
    Example:
      nudge check examples/plans.yaml
    """
    _say(_summary(_catalog(plans)))


@main.command()
@click.argument("which", type=click.Choice(["catalog", "payload"]), default="catalog")
def schema(which: str) -> None:
    """Print the JSON Schema of the catalog YAML (or of the payloads).

    \b
    Example:
      nudge schema payload > payload.schema.json
    """
    click.echo(schema_text(which), nl=False)


@main.command()
@click.argument("plans", type=click.Path(dir_okay=False))
@click.option("--from", "from_plan", help="The current plan.")
@click.option("--to", "to_plan", help="The plan to change to.")
@click.option("--addon", help="Quote add-on units instead of a plan: the add-on's id.")
@click.option(
    "--quantity",
    default=0,
    show_default=True,
    type=click.IntRange(min=0),
    help="With --addon: the units held now (0: buying it).",
)
@click.option(
    "--to-quantity",
    type=click.IntRange(min=0),
    help="With --addon: the units after the change (0: removing it).",
)
@click.option("--interval", required=True, help="The current billing interval (month, year, ...).")
@click.option("--to-interval", help="The new billing interval; the current one by default.")
@click.option("--period-start", required=True, help="Start of the invoiced period (ISO 8601).")
@click.option("--period-end", help="End of the period; one interval after the start by default.")
@click.option("--at", "at_text", required=True, help="When the change happens (ISO 8601).")
@click.option(
    "--seats",
    default=1,
    show_default=True,
    type=click.IntRange(1, MAX_SEATS),
    help=f"Seats billed on the current plan (1 to {MAX_SEATS}, as an account may have).",
)
@click.option(
    "--to-seats", type=click.IntRange(1, MAX_SEATS), help="New seats; --seats by default."
)
@click.option("--zone", default="UTC", show_default=True, help="The account's IANA time zone.")
@click.option("--granularity", type=_choice(Granularity), help="Override the catalog's policy.")
@click.option("--rounding", type=_choice(Rounding), help="Override the catalog's policy.")
@click.option("--interval-change", type=_choice(IntervalChange), help="Override the policy.")
@click.option("--downgrade", type=_choice(DowngradeTiming), help="Override the policy.")
@click.option("--locale", default="en_US", show_default=True, help="For the table's money.")
@click.option(
    "--currency", default="", help="Price in this currency of the catalog; its own by default."
)
@click.option("--json", "as_json", is_flag=True, help="Print the quote as JSON.")
@_reporting
def quote(plans: str, **options: Any) -> None:
    """Quote changing plan, seats or interval, or buying or removing add-on units, at
    --at inside the current period.

    \b
    Example:
      nudge quote examples/plans.yaml --from starter --to team --interval month \\
        --period-start 2025-06-01T00:00:00Z --at 2025-06-16T00:00:00Z
      nudge quote examples/plans.yaml --addon storage_pack --to-quantity 2 \\
        --interval month --period-start 2025-06-01T00:00:00Z --at 2025-06-16T00:00:00Z
    """
    at = _when("--at", options["at_text"])
    zone = _zone(options["zone"])
    locale = _locale(options["locale"])
    interval = Interval.parse(options["interval"])
    start = _when("--period-start", options["period_start"])
    end = (
        _when("--period-end", options["period_end"])
        if options["period_end"]
        else Cycle(start, interval, zone).boundary(1)
    )
    to_interval = Interval.parse(options["to_interval"]) if options["to_interval"] else interval
    catalog = _catalog(plans)
    if options["currency"]:
        catalog = catalog.in_currency(options["currency"])
    old, new = _quoted(catalog, options, interval, to_interval)
    policy = _policy(catalog.proration, options)
    result = Quoter(catalog, policy).quote(old, new, period=Period(start, end), at=at, zone=zone)
    if options["as_json"]:
        click.echo(_json_text(to_json(result)))
    else:
        _say(_table(result, locale))


def _quoted(
    catalog: Catalog, options: dict[str, Any], interval: Interval, to_interval: Interval
) -> tuple[Item | None, Item | None]:
    """The items `nudge quote` prices: a plan change (--from, --to) or add-on units
    (--addon, --quantity, --to-quantity); `InvalidInput` for a mix or for ids the catalog
    does not define."""
    addon = options["addon"]
    if addon is None:
        if options["from_plan"] is None or options["to_plan"] is None:
            raise InvalidInput("--from and --to are required, unless --addon is given")
        if options["quantity"] or options["to_quantity"] is not None:
            raise InvalidInput("--quantity and --to-quantity go with --addon")
        old = Item.plan(options["from_plan"], interval, seats=options["seats"])
        seats = options["seats"] if options["to_seats"] is None else options["to_seats"]
        new = Item.plan(options["to_plan"], to_interval, seats=seats)
        catalog.plan(old.id), catalog.plan(new.id)  # unknown plans: one clear line, exit 2
        return old, new
    if options["from_plan"] or options["to_plan"] or options["to_seats"] is not None:
        raise InvalidInput("--addon quotes add-on units: leave out --from, --to and --to-seats")
    if addon not in catalog.addons:
        raise InvalidInput(
            f"--addon: unknown add-on {brief(addon)}; the catalog defines: "
            f"{choices(catalog.addons) or 'none'}"
        )
    before = options["quantity"]
    after = before + 1 if options["to_quantity"] is None else options["to_quantity"]
    if before == after:
        raise InvalidInput(f"--to-quantity {after} is what --quantity already holds")
    return (
        Item.addon(addon, interval, quantity=before) if before else None,
        Item.addon(addon, to_interval, quantity=after) if after else None,
    )


def _inputs(
    plans: str, account: str, usage: str, now: str
) -> tuple[Evaluator, Account, dict[str, Any], datetime]:
    """Read and check everything `evaluate` and `compare` take, before doing anything:
    `InvalidInput` if the evaluator could not use the account at all."""
    when = in_range("--now", _when("--now", now))
    _stdin_once(("PLANS", plans), ("--account", account), ("--usage", usage))
    data = _json_input("--usage", usage)
    if not isinstance(data, dict):
        raise InvalidInput(
            f"--usage: expected a JSON object of metric to number, got {brief(data)}"
        )
    customer = account_from_json(_json_input("--account", account))
    evaluator = Evaluator(_catalog(plans))
    # The library degrades an account it cannot use to an empty result (a request must
    # not fail); the command refuses it, as it refuses any other bad input.
    evaluator.entitlements(customer, data, now=when)  # instants, sizes, plan, add-ons, zone
    evaluator.context(customer, data, when)  # the interval and the currency
    return evaluator, customer, data, when


def _warn_unknown(option: str, names: Iterable[str], known: set[str]) -> None:
    """A warning for each of `names` that the catalog does not know: the option was
    taken, but nothing can match it."""
    for name in names:
        if name not in known:
            listed = ", ".join(sorted(known)[:20]) or "none"
            _warn(f"{option}: the catalog has no {brief(name)}; it has: {listed}")


def _warn_problems(*problem_lists: Iterable[str]) -> None:
    """One warning per problem, each once; `INTERNAL` exit if one is a bug."""
    problems = list(dict.fromkeys(p for problems in problem_lists for p in problems))
    for problem in problems:
        if problem.startswith("internal error: "):
            _internal(problem.removeprefix("internal error: "))
    for problem in problems:
        _warn(problem)


@main.command()
@click.argument("plans", type=click.Path(dir_okay=False))
@click.option(
    "--account",
    "account_path",
    required=True,
    help="The account: a JSON file, - for stdin, or the JSON itself ({...}).",
)
@click.option(
    "--usage",
    "usage_path",
    required=True,
    help="Usage, a JSON object of metric to number: a file, - for stdin, or {...}.",
)
@click.option("--now", "now_text", required=True, help="The evaluation instant (ISO 8601).")
@click.option("--placement", help="Only nudges for this placement.")
@click.option("--feature", help="A feature the customer just reached for.")
@click.option("--event", "events", multiple=True, help="A host event (milestones); repeatable.")
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

    \b
    Example:
      nudge evaluate examples/plans.yaml --account examples/accounts/storage_full.json \\
        --usage '{"storage_gb": 92.4}' --now 2025-06-16T00:00:00Z --explain
    """
    evaluator, account, usage, now = _inputs(plans, account_path, usage_path, now_text)
    catalog = evaluator.catalog
    rules = catalog.rules.values()
    _warn_unknown("--feature", [feature] if feature else [], set(catalog.features))
    placements = set(catalog.placements) | {rule.placement for rule in rules}
    _warn_unknown("--placement", [placement] if placement else [], placements)
    milestones = {r.trigger.event for r in rules if isinstance(r.trigger, Milestone)}
    _warn_unknown("--event", dict.fromkeys(events), milestones - {""})
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
    _warn_problems(result.problems, result.comparison.problems if result.comparison else ())
    if as_json:
        click.echo(_printed(result))
    else:
        _say(_evaluation_text(result))


@main.command()
@click.argument("plans", type=click.Path(dir_okay=False))
@click.option(
    "--account",
    "account_path",
    required=True,
    help="The account: a JSON file, - for stdin, or the JSON itself ({...}).",
)
@click.option(
    "--usage",
    "usage_path",
    required=True,
    help="Usage, a JSON object of metric to number: a file, - for stdin, or {...}.",
)
@click.option("--now", "now_text", required=True, help="The evaluation instant (ISO 8601).")
@click.option("--json", "as_json", is_flag=True, help="Print the comparison as JSON.")
@_reporting
def compare(plans: str, account_path: str, usage_path: str, now_text: str, as_json: bool) -> None:
    """Compare the account's plan with the recommended one and their neighbours.

    \b
    Example:
      nudge compare examples/plans.yaml --account examples/accounts/storage_full.json \\
        --usage examples/accounts/storage_full.usage.json --now 2025-06-16T00:00:00Z
    """
    evaluator, account, usage, now = _inputs(plans, account_path, usage_path, now_text)
    result = evaluator.compare(account, usage, now=now)
    _warn_problems(result.problems)
    if as_json:
        click.echo(_printed(result))
    else:
        _say(_comparison_text(result))


def _evaluation_text(result: Evaluation) -> str:
    lines = [f"{result.account}: {len(result.nudges)} nudge(s)"]  # problems: on stderr
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
    if not result.columns:  # degraded: the reasons are the warnings on stderr
        return f"{result.account}: no plans to compare"
    lines = [f"{result.account}: plans per {result.interval} ({result.currency})"]
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
    also = f" (also sold in {', '.join(catalog.sold_in[1:])})" if catalog.currencies else ""
    lines = [
        f"currency {catalog.currency.code}{also}; {len(catalog.metrics)} metrics, "
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


if __name__ == "__main__":  # pragma: no cover - through the package, with every command
    from nudge_sdk.cli import main as nudge

    nudge()
