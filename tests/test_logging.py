"""The library's logging: silent and nearly free until the host turns it on."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import structlog
from structlog.testing import capture_logs

import nudge_sdk._log
from nudge_sdk import Evaluator, account_from_json, load_catalog
from nudge_sdk._log import debugging, log, message

ACCOUNTS = Path(__file__).resolve().parent.parent / "examples" / "accounts"

SCRIPT = """
import json
from datetime import datetime, UTC
from nudge_sdk import Evaluator, account_from_json, load_catalog
evaluator = Evaluator(load_catalog("examples/plans.yaml"))
account = account_from_json(json.load(open("examples/accounts/storage_full.json")))
usage = json.load(open("examples/accounts/storage_full.usage.json"))
for _ in range(3):
    evaluator.evaluate(account, usage, now=datetime(2025, 6, 16, tzinfo=UTC), explain=True)
"""


def test_an_unconfigured_host_sees_nothing() -> None:
    """With logging left alone, evaluating prints nothing to stdout or stderr."""
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True, timeout=60
    )
    assert ("", "") == (done.stdout, done.stderr)


def test_debug_events_wait_for_the_level() -> None:
    """Debug events are off until the standard logger `nudge_sdk` allows them."""
    sdk = logging.getLogger("nudge_sdk")
    before = sdk.level
    try:
        sdk.setLevel(logging.WARNING)
        assert not debugging()
        sdk.setLevel(logging.DEBUG)
        assert debugging()
    finally:
        sdk.setLevel(before)


def test_warnings_reach_a_plain_logging_host(caplog: pytest.LogCaptureFixture) -> None:
    """A host using plain `logging` receives the SDK's warnings on logger `nudge_sdk`."""
    with caplog.at_level(logging.WARNING, logger="nudge_sdk"):
        log.warning("nudge.test", account="a1")
    assert ["nudge_sdk"] == [record.name for record in caplog.records]
    assert "nudge.test" in caplog.records[0].getMessage()


def test_structlog_hosts_keep_the_fields() -> None:
    """Under structlog's configuration (here its test capture) the fields stay structured."""
    with capture_logs() as logs:
        log.warning("nudge.test", account="a1")
    assert [{"event": "nudge.test", "account": "a1", "log_level": "warning"}] == logs


class _Unprintable:
    def __str__(self) -> str:
        raise RuntimeError("no text")


@pytest.fixture
def host_stream() -> Iterator[Callable[[logging.Formatter], io.StringIO]]:
    """The `nudge_sdk` logger at DEBUG with a handler writing to a string, with the
    formatter a test gives, as a host would set it up; undone afterwards."""
    sdk = logging.getLogger("nudge_sdk")
    saved = (sdk.level, list(sdk.handlers), sdk.propagate)

    def attach(formatter: logging.Formatter) -> io.StringIO:
        stream = io.StringIO()
        handler = logging.StreamHandler(stream)
        handler.setFormatter(formatter)
        sdk.handlers[:] = [handler]
        sdk.setLevel(logging.DEBUG)
        sdk.propagate = False
        return stream

    yield attach
    sdk.handlers[:], sdk.propagate = saved[1], saved[2]
    sdk.setLevel(saved[0])


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({}, "nudge.test"),
        (
            {"account": "a1", "seats": 3, "shown": False},
            "nudge.test account=a1 seats=3 shown=False",
        ),
        ({"problem": "no plan"}, 'nudge.test problem="no plan"'),
        ({"detail": ""}, 'nudge.test detail=""'),
        ({"detail": 'say "hi"'}, 'nudge.test detail="say \\"hi\\""'),
        ({"detail": "a=b"}, 'nudge.test detail="a=b"'),
        ({"detail": "two\nlines"}, 'nudge.test detail="two\\nlines"'),
        ({"detail": "\x1b[31mred"}, 'nudge.test detail="\\u001b[31mred"'),
        ({"detail": "lone \ud800"}, 'nudge.test detail="lone \\ud800"'),
        ({"detail": "Größe über"}, 'nudge.test detail="Größe über"'),
        ({"pause": 2.5, "value": None}, "nudge.test pause=2.5 value=None"),
        ({"host": _Unprintable()}, "nudge.test host=<unprintable _Unprintable>"),
    ],
)
def test_a_plain_message_is_event_then_key_value(fields: dict[str, object], expected: str) -> None:
    """The plain record's message: the event, then key=value, values quoted (as JSON
    strings) when empty or holding spaces, quotes, '=', backslashes or unprintables."""
    template, args = message("nudge.test", fields)
    assert expected == template % args


def test_a_plain_logging_host_gets_the_message_and_the_fields(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A plain-`logging` host gets `event key=value`; the event and the fields are also
    attributes of the record, and a field a record already has gets a trailing '_'."""
    with caplog.at_level(logging.DEBUG, logger="nudge_sdk"):
        log.debug("nudge.test", account="a1", problem="no plan", process=7)
    [record] = caplog.records
    assert 'nudge.test account=a1 problem="no plan" process=7' == record.getMessage()
    assert ("nudge.test", "a1", "no plan", 7) == (
        record.event,  # type: ignore[attr-defined]
        record.account,  # type: ignore[attr-defined]
        record.problem,  # type: ignore[attr-defined]
        record.process_,  # type: ignore[attr-defined]
    )
    assert (os.getpid(), "test_logging.py", logging.DEBUG) == (
        record.process,
        record.filename,
        record.levelno,
    )


def test_a_log_file_gets_plain_lines(
    host_stream: Callable[[logging.Formatter], io.StringIO], example_path: Path
) -> None:
    """A host's `basicConfig`-style format gets one plain line per event: no colour
    codes, no second time stamp or level (structlog's console renderer stays out)."""
    stream = host_stream(logging.Formatter(logging.BASIC_FORMAT))
    load_catalog(example_path)
    expected = f"DEBUG:nudge_sdk:catalog.loaded source={example_path} plans=4\n"
    assert expected == stream.getvalue()


def test_structlog_configured_without_processors_still_gives_plain_lines(
    host_stream: Callable[[logging.Formatter], io.StringIO],
) -> None:
    """A host that configured structlog but kept its default processors (which end in the
    console renderer) gets plain lines too."""
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    stream = host_stream(logging.Formatter(logging.BASIC_FORMAT))
    log.warning("nudge.test", account="a1")
    assert "WARNING:nudge_sdk:nudge.test account=a1\n" == stream.getvalue()


def test_an_unconfigured_host_reads_a_plain_warning() -> None:
    """With logging left alone, a warning reaches stderr as one plain line, nothing else."""
    script = SCRIPT.replace('"examples/accounts/storage_full.json"', "").replace(
        "json.load(open())",
        '{**json.load(open("examples/accounts/storage_full.json")), "plan": "nope"}',
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    line = (
        "nudge.degraded account=acct_42 problem=\"unknown plan 'nope'; "
        'the catalog has: free, starter, team, business"\n'
    )
    assert ("", line * 3) == (done.stdout, done.stderr)


def _json_formatter(*, configure_structlog: bool) -> logging.Formatter:
    """structlog's stdlib integration rendering JSON; with or without `structlog.configure`
    (without it, the SDK's records are foreign and `ExtraAdder` lifts their fields)."""
    shared: list[Any] = [structlog.stdlib.add_log_level]
    if configure_structlog:
        structlog.configure(
            processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
            logger_factory=structlog.stdlib.LoggerFactory(),
        )
    return structlog.stdlib.ProcessorFormatter(
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(sort_keys=True),
        ],
        foreign_pre_chain=[*shared, structlog.stdlib.ExtraAdder()],
    )


@pytest.mark.parametrize("configure_structlog", [True, False])
def test_processor_formatter_hosts_keep_the_fields(
    host_stream: Callable[[logging.Formatter], io.StringIO], configure_structlog: bool
) -> None:
    """A host rendering with structlog's `ProcessorFormatter` gets the event and its
    fields as structured values, whether or not it configured structlog itself."""
    stream = host_stream(_json_formatter(configure_structlog=configure_structlog))
    log.info("nudge.test", account="a1", seats=3, shown=True)
    expected = {"event": "nudge.test", "account": "a1", "seats": 3, "shown": True}
    assert expected | {"level": "info"} == json.loads(stream.getvalue())


class _Hostile(dict[str, int]):
    """A host mapping that must not be read: drawing locals would call `items()`."""

    touched = 0

    def items(self) -> Any:
        _Hostile.touched += 1
        raise RuntimeError("a local was drawn")

    def __repr__(self) -> str:
        _Hostile.touched += 1
        raise RuntimeError("a local was drawn")


@pytest.mark.parametrize("configure_structlog", [False, True])
def test_an_exception_goes_as_exc_info_without_locals(
    host_stream: Callable[[logging.Formatter], io.StringIO], configure_structlog: bool
) -> None:
    """`log.exception` hands the traceback over as `exc_info`; nothing draws local
    variables (rich is installed, yet no host object in a frame is read)."""
    pytest.importorskip("rich")
    if configure_structlog:
        stream = host_stream(_json_formatter(configure_structlog=True))
    else:
        stream = host_stream(logging.Formatter(logging.BASIC_FORMAT))
    hostile = _Hostile(a=1)
    try:
        raise ZeroDivisionError(len(hostile))
    except ZeroDivisionError:
        log.exception("nudge.failed", account="a1")
    text = stream.getvalue()
    assert (0, True) == (_Hostile.touched, "ZeroDivisionError: 1" in text)
    assert "Traceback (most recent call last)" in text
    assert "hostile" not in text.replace("raise ZeroDivisionError(len(hostile))", "")


def test_a_log_call_never_raises(host_stream: Callable[[logging.Formatter], io.StringIO]) -> None:
    """A host processor that fails does not break the SDK's caller."""

    def broken(*_: object) -> Any:
        raise RuntimeError("the host's processor")

    structlog.configure(processors=[broken])
    host_stream(logging.Formatter(logging.BASIC_FORMAT))
    log.error("nudge.test", account=_Unprintable())


def test_events_that_are_off_are_not_built(
    monkeypatch: pytest.MonkeyPatch, example_path: Path
) -> None:
    """With the SDK's events off, evaluating calls neither structlog nor `logging` to
    build an event: the level check is all it costs."""

    def forbidden(*_: object, **__: object) -> Any:
        raise AssertionError("an event was built while off")

    sdk = logging.getLogger("nudge_sdk")
    monkeypatch.setattr(sdk, "level", logging.CRITICAL)
    sdk.manager._clear_cache()  # type: ignore[attr-defined]
    monkeypatch.setattr(nudge_sdk._log, "_emit", forbidden)
    monkeypatch.setattr(nudge_sdk._log, "message", forbidden)
    monkeypatch.setattr(logging.Logger, "makeRecord", forbidden)
    monkeypatch.setattr(structlog.stdlib.BoundLogger, "_proxy_to_logger", forbidden)
    evaluator = Evaluator(load_catalog(example_path))
    account = account_from_json(json.loads((ACCOUNTS / "storage_full.json").read_text()))
    usage = json.loads((ACCOUNTS / "storage_full.usage.json").read_text())
    result = evaluator.evaluate(account, usage, now=datetime(2025, 6, 16, tzinfo=UTC))
    assert result.nudges
    for method in (log.debug, log.info, log.warning, log.error, log.exception):
        method("nudge.test", account="a1")
    monkeypatch.undo()
    sdk.manager._clear_cache()  # type: ignore[attr-defined]
