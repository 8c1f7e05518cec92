"""`kill -9` in the middle of trial-extension claims, on every shared store: the claim
being written is either fully there or not at all, never twice, and the snapshot left
behind decodes cleanly."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from structlog.testing import capture_logs

from nudge_sdk import catalog_from_dict
from nudge_sdk.evaluation._guardrails import Claim, Guardrails
from nudge_sdk.stores import open_store
from tests.store_backends import POSTGRES_URL, REDIS_URL, fresh_store

ROOT = Path(__file__).resolve().parent.parent
CLAIMER = """
import sys
from datetime import UTC, datetime, timedelta
from nudge_sdk import catalog_from_dict
from nudge_sdk.evaluation._guardrails import Guardrails
from nudge_sdk.stores import open_store

store = open_store(sys.argv[1], timeout=5.0)
account = sys.argv[2]
guardrails = Guardrails(catalog_from_dict({"currency": "USD", "plans": {"free": {}}}))
expires = datetime.now(UTC) + timedelta(days=1)
index = 0
while True:
    store.change(account, lambda s: guardrails.claim(s, f"k{index}", 7, 10**9), expires=expires)
    if index == 0:
        print("ready", flush=True)
    index += 1
"""


@pytest.mark.parametrize("delay", [0.0, 0.05, 0.3])
@pytest.mark.parametrize("backend", ["sqlite", "redis", "postgres"])
def test_kill_9_mid_claim_leaves_whole_changes(backend: str, delay: float, tmp_path: Path) -> None:
    """The snapshot's count matches its claims (a prefix of those made, each once), and
    a claim made again is a duplicate that grants nothing new."""
    with fresh_store(backend, tmp_path):  # fails under CI, skips elsewhere, if unreachable
        pass
    url = {
        "sqlite": f"sqlite:///{tmp_path / 'claims.db'}",
        "redis": REDIS_URL,
        "postgres": POSTGRES_URL,
    }[backend]
    account = f"kill-{uuid.uuid4().hex}"
    store = open_store(url, timeout=5.0)
    store.init()
    with subprocess.Popen(
        [sys.executable, "-c", CLAIMER, url, account], stdout=subprocess.PIPE, cwd=ROOT
    ) as child:
        assert child.stdout is not None
        assert b"ready\n" == child.stdout.readline()
        time.sleep(delay)
        child.send_signal(signal.SIGKILL)
        assert -signal.SIGKILL == child.wait()
    with capture_logs() as logs:
        final = store.load(account)
    assert [] == logs
    made = len(final.claims)
    assert made >= 1
    assert {f"k{index}": 7 for index in range(made)} == final.claims
    assert (made, made) == (final.trial_extensions_claimed, final.version)
    guardrails = Guardrails(catalog_from_dict({"currency": "USD", "plans": {"free": {}}}))
    again = store.change(
        account,
        lambda s: guardrails.claim(s, "k0", 7, 10**9),
        expires=datetime.now(UTC) + timedelta(days=1),
    )
    assert Claim(granted=True, days=7, duplicate=True) == again
    assert made == store.load(account).trial_extensions_claimed
    store.close()
