"""The `nudge` command is one program with one rule for exit codes, and it cannot be
broken: hostile files and arguments end in a documented exit code and one line, never a
traceback, a hang or a terminal escape on stdout.

The fuzz tests are fast by default; ``NUDGE_FUZZ_LONG=1`` runs them long.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nudge_sdk import Evaluator
from nudge_sdk.cli import _commands, main

ROOT = Path(__file__).resolve().parent.parent
PLANS = str(ROOT / "examples" / "plans.yaml")
ACCOUNT_PATH = ROOT / "examples" / "accounts" / "storage_full.json"
ACCOUNT: dict[str, Any] = json.loads(ACCOUNT_PATH.read_text())
USAGE = str(ROOT / "examples" / "accounts" / "storage_full.usage.json")
NOW = "2025-06-16T00:00:00Z"
QUOTE = ["--from", "starter", "--to", "team", "--interval", "month"]
QUOTE += ["--period-start", "2025-06-01T00:00:00Z", "--at", NOW]
PLAN_NAMES = "free, starter, team, business"

LONG = os.environ.get("NUDGE_FUZZ_LONG") == "1"
FUZZ = settings(
    max_examples=2000 if LONG else 40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
SECONDS = 10.0
"""The most one run of the command may take, whatever it is given."""
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def run(*args: str, stdin: str | bytes | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


def account(**changes: Any) -> str:
    """The example account as inline JSON, with `changes`."""
    return json.dumps(ACCOUNT | changes)


@pytest.fixture
def files(tmp_path: Path) -> dict[str, str]:
    """Hostile files, by name."""
    contents: dict[str, bytes] = {
        "binary.json": b"\xff\xfe{}",
        "empty.json": b"",
        "digits.json": b'{"storage_gb": ' + b"7" * 5000 + b"}",
        "deep.json": b"[" * 100_000 + b"]" * 100_000,
        "shallow_enough.json": b'{"a": ' + b"[" * 32 + b"]" * 32 + b"}",
        "latin1.yaml": "currency: USD\nplans: {a: {name: Caf\xe9}}\n".encode("latin-1"),
    }
    for name, data in contents.items():
        (tmp_path / name).write_bytes(data)
    return {name: str(tmp_path / name) for name in contents} | {
        "missing": str(tmp_path / "missing.json"),
        "dir": str(tmp_path),
    }


def evaluate_args(**changes: str) -> list[str]:
    options = {"--account": str(ACCOUNT_PATH), "--usage": USAGE, "--now": NOW} | changes
    return ["evaluate", PLANS, *(part for item in options.items() for part in item)]


# -- one rule for exit codes ------------------------------------------------------------

ERRORS = [  # (id, argv with {file} placeholders, exit code, stderr lines)
    (
        "unknown plan",
        evaluate_args(**{"--account": account(plan="gold")}),
        2,
        [f"nudge: error: unknown plan 'gold'; the catalog has: {PLAN_NAMES}"],
    ),
    (
        "compare unknown plan",
        ["compare", *evaluate_args(**{"--account": account(plan="gold")})[1:]],
        2,
        [f"nudge: error: unknown plan 'gold'; the catalog has: {PLAN_NAMES}"],
    ),
    (
        "other currency",
        evaluate_args(**{"--account": account(currency="EUR")}),
        2,
        ["nudge: error: account currency 'EUR' is not one the catalog sells in (USD)"],
    ),
    (
        "interval not sold",
        evaluate_args(**{"--account": account(interval="week")}),
        2,
        ["nudge: error: plan 'starter' is not sold by the week"],
    ),
    (
        "unknown zone",
        evaluate_args(**{"--account": account(zone="Mars/Olympus")}),
        2,
        ["nudge: error: zone: 'Mars/Olympus' is not an IANA time zone"],
    ),
    (
        "signup in year 1",
        evaluate_args(**{"--account": account(signup="0001-01-01T00:00:00Z")}),
        2,
        [
            "nudge: error: signup: 0001-01-01T00:00:00+00:00 is outside the instants the SDK "
            "computes with (1000-01-01 to 9000-01-01)"
        ],
    ),
    (
        "a date without a time",
        evaluate_args(**{"--now": "2025-06-16"}),
        2,
        ["nudge: error: --now: 2025-06-16 has no time zone; add one, e.g. 2025-06-16T00:00:00Z"],
    ),
    (
        "a time without a zone",
        evaluate_args(**{"--now": "2025-06-16T10:30"}),
        2,
        [
            "nudge: error: --now: 2025-06-16T10:30 has no time zone; add one, e.g. "
            "2025-06-16T10:30:00Z"
        ],
    ),
    (
        "a date with a zone but no time",
        evaluate_args(**{"--now": "2025-06-16Z"}),
        2,
        [
            "nudge: error: --now: 2025-06-16Z has a time zone but no time; add one, e.g. "
            "2025-06-16T00:00:00Z"
        ],
    ),
    (
        "a date with an offset but no time",
        evaluate_args(**{"--now": "2025-06-16+02:00"}),
        2,
        [
            "nudge: error: --now: 2025-06-16+02:00 has a time zone but no time; add one, e.g. "
            "2025-06-16T00:00:00+02:00"
        ],
    ),
    (
        "no UTC equivalent",
        evaluate_args(**{"--now": "0001-01-01T00:00:00+01:00"}),
        2,
        [
            "nudge: error: --now: 0001-01-01T00:00:00+01:00 has no UTC equivalent "
            "(too near the ends of the calendar)"
        ],
    ),
    (
        "year 9999",
        evaluate_args(**{"--now": "9999-12-31T23:59:59Z"}),
        2,
        [
            "nudge: error: --now: 9999-12-31T23:59:59+00:00 is outside the instants the SDK "
            "computes with (1000-01-01 to 9000-01-01)"
        ],
    ),
    (
        "missing account",
        evaluate_args(**{"--account": "{missing}"}),
        2,
        ["nudge: error: --account: cannot read {missing}: No such file or directory"],
    ),
    (
        "account is a folder",
        evaluate_args(**{"--account": "{dir}"}),
        2,
        ["nudge: error: --account: cannot read {dir}: Is a directory"],
    ),
    (
        "not UTF-8",
        evaluate_args(**{"--account": "{binary.json}"}),
        2,
        ["nudge: error: --account: {binary.json} is not UTF-8 text: byte 0xff at offset 0"],
    ),
    (
        "empty",
        evaluate_args(**{"--usage": "{empty.json}"}),
        2,
        ["nudge: error: --usage: {empty.json} is empty; expected a JSON object"],
    ),
    (
        "5000 digits",
        evaluate_args(**{"--usage": "{digits.json}"}),
        2,
        ["nudge: error: --usage: {digits.json}: a number of 5000 digits; at most 40 are read"],
    ),
    (
        "100k deep",
        evaluate_args(**{"--usage": "{deep.json}"}),
        2,
        ["nudge: error: --usage: {deep.json} is nested more than 32 deep"],
    ),
    (
        "33 deep",
        evaluate_args(**{"--usage": "{shallow_enough.json}"}),
        2,
        ["nudge: error: --usage: {shallow_enough.json} is nested more than 32 deep"],
    ),
    (
        "endless device",
        evaluate_args(**{"--usage": "/dev/zero"}),
        2,
        ["nudge: error: --usage: /dev/zero is larger than 1048576 bytes, the most it may have"],
    ),
    (
        "random device",
        evaluate_args(**{"--account": "/dev/urandom"}),
        2,
        [
            "nudge: error: --account: /dev/urandom is larger than 1048576 bytes, "
            "the most it may have"
        ],
    ),
    (
        "inline JSON, malformed",
        evaluate_args(**{"--usage": '{"storage_gb": }'}),
        2,
        ["nudge: error: --usage: (inline JSON):1:16: Expecting value"],
    ),
    (
        "usage not an object",
        evaluate_args(**{"--usage": "-"}),
        2,
        [
            "nudge: error: --usage: expected a JSON object of metric to number, "
            "got a list of 2 items"
        ],
    ),
    (
        "stdin twice",
        evaluate_args(**{"--usage": "-", "--account": "-"}),
        2,
        ["nudge: error: --account and --usage cannot both be read from stdin (-)"],
    ),
    (
        "stdin twice: catalog and account",
        ["evaluate", "-", "--account", "-", "--usage", "{}", "--now", NOW],
        2,
        ["nudge: error: PLANS and --account cannot both be read from stdin (-)"],
    ),
    (
        "stdin twice: diff",
        ["diff", "-", "-"],
        2,
        ["nudge: error: OLD and NEW cannot both be read from stdin (-)"],
    ),
    (
        "serve a missing catalog",
        ["serve", "{missing}", "--store", "memory://", "--insecure-no-auth"],
        2,
        ["nudge: error: PLANS: cannot read {missing}: No such file or directory"],
    ),
    (
        "serve from stdin",
        ["serve", "-", "--store", "memory://", "--insecure-no-auth"],
        2,
        ["nudge: error: PLANS: serve reloads the catalog from its file; it cannot be stdin (-)"],
    ),
    (
        "serve a catalog with errors",
        ["serve", "{latin1.yaml}", "--store", "memory://", "--insecure-no-auth"],
        1,
        [
            "{latin1.yaml}: (top): is not UTF-8 text: byte 0xe9 at offset 35",
            "1 error(s) in {latin1.yaml}",
        ],
    ),
    (
        "missing catalog",
        ["check", "{missing}"],
        2,
        ["nudge: error: PLANS: cannot read {missing}: No such file or directory"],
    ),
    (
        "endless catalog",
        ["check", "/dev/zero"],
        1,
        [
            "/dev/zero: (top): is larger than 4194304 bytes, the most a catalog may have",
            "1 error(s) in /dev/zero",
        ],
    ),
    (
        "catalog not UTF-8",
        ["check", "{latin1.yaml}"],
        1,
        [
            "{latin1.yaml}: (top): is not UTF-8 text: byte 0xe9 at offset 35",
            "1 error(s) in {latin1.yaml}",
        ],
    ),
    (
        "unknown locale",
        ["quote", PLANS, *QUOTE, "--locale", "xx_YY"],
        2,
        ["nudge: error: --locale: 'xx_YY' is not a locale Babel knows (e.g. en_US, de_DE, fa_IR)"],
    ),
    (
        "malformed locale",
        ["quote", PLANS, *QUOTE, "--locale", "\x1b[31m"],
        2,
        [
            r"nudge: error: --locale: '\x1b[31m' is not a locale Babel knows "
            "(e.g. en_US, de_DE, fa_IR)"
        ],
    ),
    (
        "zone that is a folder",
        ["quote", PLANS, *QUOTE, "--zone", "America"],
        2,
        ["nudge: error: --zone: 'America' is not an IANA time zone"],
    ),
]


@pytest.mark.parametrize(
    ("argv", "code", "lines"), [c[1:] for c in ERRORS], ids=[c[0] for c in ERRORS]
)
def test_errors_exit_with_their_code_and_say_what(
    files: dict[str, str], argv: list[str], code: int, lines: list[str]
) -> None:
    """Each kind of bad input exits with its documented code, prints exactly these lines
    on stderr and nothing on stdout."""

    def filled(text: str) -> str:
        for name, path in files.items():
            text = text.replace("{" + name + "}", path)
        return text

    got, out, err = run(*(filled(arg) for arg in argv), stdin="[1, 2]")
    assert (code, "", [filled(line) for line in lines]) == (got, out, err.splitlines())


WARNINGS = [  # (id, argv, stderr lines): usable, so exit 0, with a warning per problem
    (
        "bad usage values",
        evaluate_args(**{"--usage": '{"storage_gb": -1, "bogus": 3}'}),
        [
            "nudge: warning: usage storage_gb: -1 must not be negative; its nudges are skipped",
            "nudge: warning: usage unknown metric 'bogus'; its nudges are skipped",
        ],
    ),
    (
        "malformed locale",
        evaluate_args(**{"--account": account(locale="no locale!")}),
        [
            "nudge: warning: locale: not a well-formed locale id (BCP 47 or POSIX, at most 35 "
            "characters); using en"
        ],
    ),
    (
        "names the catalog lacks",
        [*evaluate_args(), "--feature", "sso2", "--placement", "popup", "--event", "x"],
        [
            "nudge: warning: --feature: the catalog has no 'sso2'; it has: audit_log, "
            "priority_support, sso",
            "nudge: warning: --placement: the catalog has no 'popup'; it has: banner, inline, "
            "modal",
            "nudge: warning: --event: the catalog has no 'x'; it has: first_shared_folder",
        ],
    ),
]


@pytest.mark.parametrize(("argv", "lines"), [c[1:] for c in WARNINGS], ids=[c[0] for c in WARNINGS])
@pytest.mark.parametrize("as_json", [False, True])
def test_degraded_but_usable_exits_0_with_warnings(
    argv: list[str], lines: list[str], as_json: bool
) -> None:
    """A problem that costs part of the result is a warning line; the output is printed
    and the exit code is 0."""
    code, out, err = run(*argv, *(["--json"] if as_json else []))
    assert (0, lines) == (code, err.splitlines())
    assert out.startswith("{" if as_json else "acct_42: ")


@pytest.mark.parametrize(
    "now", ["2025-06-16", "2025-06-16T10:30", "2025-06-16Z", "2025-06-16-05:00"]
)
def test_the_suggested_instant_works(now: str) -> None:
    """What the error suggests for a date or time without a time zone, or a date with a
    zone but no time, is accepted."""
    _, _, err = run(*evaluate_args(**{"--now": now}))
    suggestion = err.split("e.g. ")[1].strip()
    assert (0, "") == run(*evaluate_args(**{"--now": suggestion}))[::2]


def test_a_bug_is_one_line_and_exit_3(monkeypatch: pytest.MonkeyPatch) -> None:
    """An unexpected exception is one `nudge: internal error:` line and exit code 3."""

    def broken(*_: object) -> str:
        raise MemoryError

    monkeypatch.setattr(_commands, "_summary", broken)
    code, out, err = run("check", PLANS)
    assert (3, "") == (code, out)
    assert [
        "nudge: internal error: MemoryError; please report it with the command line"
    ] == err.splitlines()


def test_a_bug_inside_the_evaluator_is_exit_3(monkeypatch: pytest.MonkeyPatch) -> None:
    """A bug the evaluator turned into an ``internal error`` problem is not a warning:
    the command exits 3 and prints no result."""

    def broken(*_: object, **__: object) -> object:
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(Evaluator, "_evaluate", broken)
    code, out, err = run(*evaluate_args(), "--json")
    assert (3, "") == (code, out)
    assert [
        "nudge: internal error: ZeroDivisionError('boom'); please report it with the command line"
    ] == err.splitlines()


# -- where input comes from -------------------------------------------------------------


def test_stdin_and_inline_json() -> None:
    """`--usage -` reads stdin and `--account {...}` is the JSON itself: the same
    evaluation as from the files."""
    _, expected, _ = run(*evaluate_args(), "--json")
    usage = Path(USAGE).read_text()
    code, out, err = run(
        *evaluate_args(**{"--account": account(), "--usage": "-"}), "--json", stdin=usage
    )
    assert (0, "", expected) == (code, err, out)


@pytest.fixture
def fifo(tmp_path: Path) -> str:
    path = tmp_path / "fifo"
    os.mkfifo(path)
    return str(path)


def test_a_fifo_without_a_writer_does_not_hang(fifo: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A FIFO nobody writes to is refused after `READ_SECONDS`, not waited on forever."""
    monkeypatch.setattr(_commands, "READ_SECONDS", 0.2)
    started = time.monotonic()
    code, out, err = run(*evaluate_args(**{"--usage": fifo}))
    assert (2, "") == (code, out)
    assert [
        f"nudge: error: --usage: {fifo} is not a regular file and did not end within 0.2 s"
    ] == err.splitlines()
    assert time.monotonic() - started < SECONDS


def test_a_fifo_whose_writer_never_writes_does_not_hang(
    fifo: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A writer that holds the FIFO open and writes nothing is refused in time too."""
    monkeypatch.setattr(_commands, "READ_SECONDS", 0.2)
    writer = os.open(fifo, os.O_RDWR)  # a writer that never writes
    try:
        code, _, err = run("check", fifo)
    finally:
        os.close(writer)
    assert (
        2,
        f"nudge: error: PLANS: {fifo} is not a regular file and did not end within 0.2 s\n",
    ) == (
        code,
        err,
    )


def test_a_fifo_that_ends_is_read(fifo: str) -> None:
    """A pipe that ends in time is read like a file (``--usage <(jq ...)`` works)."""

    def write() -> None:
        with open(fifo, "w") as pipe:
            pipe.write(Path(USAGE).read_text())

    writer = threading.Thread(target=write)
    writer.start()
    code, out, _ = run(*evaluate_args(**{"--usage": fifo}))
    writer.join()
    assert (0, True) == (code, out.startswith("acct_42: 2 nudge(s)"))


# -- terminal control ---------------------------------------------------------------------

HOSTILE = "acct\x1b[2J\x1b]0;pwned\x07\x9b31m\r\x00_42"


@pytest.mark.parametrize(
    "extra", [[], ["--explain"], ["--compare"]], ids=["evaluate", "explain", "compare"]
)
def test_text_output_strips_terminal_control(extra: list[str]) -> None:
    """An account id carrying escape sequences and control characters reaches the
    terminal without them; the JSON keeps it exactly, escaped."""
    code, out, err = run(*evaluate_args(**{"--account": account(id=HOSTILE)}), *extra)
    assert (0, "", None) == (code, err, CONTROL.search(out))
    assert out.startswith("acct31m_42: 2 nudge(s)\n")
    code, out, _ = run(*evaluate_args(**{"--account": account(id=HOSTILE)}), "--json")
    assert (0, None, HOSTILE) == (code, CONTROL.search(out), json.loads(out)["account"])


def test_catalog_text_strips_terminal_control(tmp_path: Path) -> None:
    """Names in the catalog do not reach the terminal as control (check's summary)."""
    plans = tmp_path / "plans.yaml"
    plans.write_text('currency: USD\nplans:\n  a: {name: "A\\e[31m\\x9bred"}\n')
    code, out, _ = run("check", str(plans))
    assert (0, None) == (code, CONTROL.search(out))
    assert "  plan a (Ared): free\n" in out


def test_state_and_event_text_strip_terminal_control(tmp_path: Path) -> None:
    """`state show` and `nudge event` print the account id without its escapes."""
    url = f"sqlite:///{tmp_path / 'state.db'}"
    argv = evaluate_args(**{"--account": account(id=HOSTILE)})
    _, out, _ = run(*argv, "--state", url, "--json")
    nudge = json.loads(out)["nudges"][0]["id"]
    code, out, _ = run("state", "show", url, HOSTILE)
    assert (0, None, True) == (code, CONTROL.search(out), out.startswith("acct31m_42: version"))
    at = "2025-06-16T01:00:00Z"
    argv = ["event", url, nudge, "dismissed", "--plans", PLANS, "--account", HOSTILE, "--at", at]
    assert (0, f"acct31m_42: dismissed {nudge}\n", "") == run(*argv)


def test_terminal_text_keeps_text() -> None:
    """Newlines, tabs and every printable character (right-to-left text, marks) stay."""
    text = "a\tb\n\u0645\u0628\u0644\u063a \u200f\u0665\u066b\u0660\u0660 $ \u2014 \u2713"
    assert text == _commands.terminal_text(text)


# -- fuzzing ------------------------------------------------------------------------------

_TEXT = st.text(st.characters(codec="utf-8"), max_size=40)
_CONTROLS = st.text(st.sampled_from("\x1b[]0;\x07\x9b\r\x00\x7fm31Jz"), max_size=12)
_HOSTILE_TEXT = st.one_of(
    _TEXT, _CONTROLS, st.builds("".join, st.lists(st.one_of(_TEXT, _CONTROLS), max_size=3))
)
_INSTANTS = st.one_of(
    st.just(NOW),
    _HOSTILE_TEXT,
    st.sampled_from(
        [
            "2025-06-16",
            "0001-01-01T00:00:00+01:00",
            "0001-01-01T00:00:00Z",
            "9999-12-31T23:59:59-01:00",
            "9999-12-31T23:59:59Z",
            "2025-02-30T00:00:00Z",
            "1" * 5000,
        ]
    ),
    st.datetimes().map(lambda d: d.isoformat()),
)
_JSON_LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**60), max_value=10**60),
    st.floats(allow_nan=True, allow_infinity=True),
    _HOSTILE_TEXT,
    _INSTANTS,
)
_JSON = st.recursive(
    _JSON_LEAVES,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(_HOSTILE_TEXT, inner, max_size=4)
    ),
    max_leaves=12,
)
_FIELDS = st.sampled_from([*ACCOUNT, "period", "addons", "grants", "signals", "attributes", "x"])
_ACCOUNTS = st.builds(
    lambda changes: json.dumps(ACCOUNT | changes, allow_nan=True),
    st.dictionaries(_FIELDS, _JSON, max_size=3),
)
_METRICS = st.sampled_from(["storage_gb", "seats", "ai_credits", "bogus"])
_USAGES = st.builds(
    lambda usage: json.dumps(usage, allow_nan=True),
    st.dictionaries(st.one_of(_METRICS, _HOSTILE_TEXT), _JSON, max_size=4),
)
_CONTENT = st.one_of(
    st.binary(max_size=200),
    _JSON.map(lambda value: json.dumps(value, allow_nan=True)).map(str.encode),
    st.sampled_from([b"[" * 5000, b"7" * 5000, b"\xef\xbb\xbf{}", b"{" * 3 + b"\xff"]),
)


def _fuzz_run(argv: list[str], files: dict[str, bytes]) -> None:
    """Run the command on `argv` with `files` in a fresh folder (``@name`` in an argument
    is the file's path); only the documented outcomes may happen."""
    with tempfile.TemporaryDirectory() as folder:
        for name, data in files.items():
            Path(folder, name).write_bytes(data)
        args = [arg.replace("@", folder + os.sep) if arg.startswith("@") else arg for arg in argv]
        started = time.monotonic()
        code, out, err = run(*args)
    assert code in (0, 1, 2), err
    assert "Traceback" not in err
    assert CONTROL.search(out) is None, out
    assert time.monotonic() - started < SECONDS


@FUZZ
@given(
    account_text=st.one_of(_ACCOUNTS, _HOSTILE_TEXT.map(lambda t: "{" + t)),
    usage=st.one_of(_USAGES, st.just("@usage.json")),
    usage_file=_CONTENT,
    now=_INSTANTS,
    extra=st.lists(
        st.one_of(
            st.tuples(st.sampled_from(["--feature", "--placement", "--event"]), _HOSTILE_TEXT),
            st.tuples(st.sampled_from(["--json", "--explain", "--compare"])),
        ),
        max_size=3,
    ),
    command=st.sampled_from(["evaluate", "compare"]),
)
def test_fuzz_evaluate_and_compare(
    account_text: str,
    usage: str,
    usage_file: bytes,
    now: str,
    extra: list[tuple[str, ...]],
    command: str,
) -> None:
    """`evaluate` and `compare` on hostile accounts, usage, instants and names."""
    options = [part for item in extra for part in item]
    if command == "compare":
        options = [part for part in options if part == "--json"]
    argv = [command, PLANS, "--account", account_text, "--usage", usage, "--now", now, *options]
    _fuzz_run(argv, {"usage.json": usage_file})


@FUZZ
@given(
    catalog=st.one_of(
        _CONTENT,
        st.builds(
            lambda name, plan: (
                f"currency: USD\nplans:\n  {plan}: {{name: {json.dumps(name)}}}\n".encode(
                    "utf-8", "surrogatepass"
                )
            ),
            _HOSTILE_TEXT,
            st.sampled_from(["a", "b-1", "7", "~", "x" * 300]),
        ),
    ),
)
def test_fuzz_check(catalog: bytes) -> None:
    """`check` on hostile catalogs: summary or located errors, nothing else."""
    _fuzz_run(["check", "@plans.yaml"], {"plans.yaml": catalog})


@FUZZ
@given(
    at=_INSTANTS,
    start=_INSTANTS,
    options=st.dictionaries(
        st.sampled_from(
            ["--zone", "--locale", "--interval", "--to-interval", "--seats", "--to", "--period-end"]
        ),
        st.one_of(
            _HOSTILE_TEXT,
            st.sampled_from(["Europe/Berlin", "America", "fa_IR", "xx_YY", "year", "0", "-1"]),
            st.integers(min_value=0, max_value=10**30).map(str),
        ),
        max_size=3,
    ),
    as_json=st.booleans(),
)
def test_fuzz_quote(at: str, start: str, options: dict[str, str], as_json: bool) -> None:
    """`quote` with hostile instants, zones, locales, intervals and seats."""
    argv = ["quote", PLANS, "--from", "starter", "--to", "team", "--interval", "month"]
    argv += ["--period-start", start, "--at", at]
    argv += [part for item in options.items() for part in item]
    _fuzz_run(argv + (["--json"] if as_json else []), {})


def test_ctrl_c_is_one_line_and_exit_130(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C is not a traceback nor click's exit 1 (the catalog's code): exit 130."""

    def interrupted(*_: object) -> str:
        raise KeyboardInterrupt

    monkeypatch.setattr(_commands, "_summary", interrupted)
    assert (130, "", "nudge: interrupted\n") == run("check", PLANS)
