"""The library's logging: silent and nearly free until the host turns it on."""

from __future__ import annotations

import logging
import subprocess
import sys

import pytest
from structlog.testing import capture_logs

from nudge_sdk._log import debugging

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
    from nudge_sdk._log import log

    with caplog.at_level(logging.WARNING, logger="nudge_sdk"):
        log.warning("nudge.test", account="a1")
    assert ["nudge_sdk"] == [record.name for record in caplog.records]
    assert "nudge.test" in caplog.records[0].getMessage()


def test_structlog_hosts_keep_the_fields() -> None:
    """Under structlog's configuration (here its test capture) the fields stay structured."""
    from nudge_sdk._log import log

    with capture_logs() as logs:
        log.warning("nudge.test", account="a1")
    assert [{"event": "nudge.test", "account": "a1", "log_level": "warning"}] == logs
