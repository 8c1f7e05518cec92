"""`to_json_bytes` and `dumps`: orjson's bytes are exactly the standard library's, on any
JSON value and on every payload the fuzzed request path produces."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson  # noqa: F401 - installed, so the fast path is the one under test
from hypothesis import given
from hypothesis import strategies as st

from nudge_sdk import Account, StateSnapshot, account_from_json, to_json
from nudge_sdk.payloads._json import dumps, to_json_bytes
from tests.test_fuzz_requests import EVALUATOR, requests

ACCOUNTS = Path(__file__).resolve().parent.parent / "examples" / "accounts"


def stdlib(value: Any) -> bytes:
    """The standard library's bytes, as documented: UTF-8, or, for a document holding
    text UTF-8 cannot encode (a lone surrogate a host passed along), every non-ASCII
    character escaped."""
    try:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(value, separators=(",", ":")).encode("ascii")


def test_a_lone_surrogate_is_escaped_not_raised() -> None:
    """A payload carrying a lone surrogate is still valid JSON that reads back the same."""
    value: dict[str, Any] = {"feature": "\ud800", "name": "é"}
    assert b'{"feature":"\\ud800","name":"\\u00e9"}' == dumps(value)
    assert value == json.loads(dumps(value))


text = st.text(st.characters(exclude_categories=["Cs"]))  # any text but lone surrogates
values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**80), 2**80) | text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
    max_leaves=20,
)


@given(values)
def test_dumps_writes_the_standard_librarys_bytes(value: Any) -> None:
    """Control characters, U+2028, emoji, integers past 64 bits (the standard library
    writes those): the same bytes either way."""
    assert stdlib(value) == dumps(value)


@given(requests())
def test_every_fuzzed_payload_is_the_same_bytes(
    request: tuple[Account, Any, datetime, StateSnapshot | None],
) -> None:
    account, usage, now, state = request
    result = EVALUATOR.evaluate(account, usage, now=now, state=state, explain=True, compare=True)
    assert stdlib(to_json(result)) == to_json_bytes(result)


def test_the_example_accounts_payloads_are_the_same_bytes() -> None:
    for path in sorted(ACCOUNTS.glob("*.json")):
        if path.name.endswith(".usage.json"):
            continue
        account = account_from_json(json.loads(path.read_text()))
        usage = json.loads(path.with_name(path.stem + ".usage.json").read_text())
        now = datetime.fromisoformat("2025-06-16T00:00:00+00:00")
        result = EVALUATOR.evaluate(account, usage, now=now, explain=True, compare=True)
        assert stdlib(to_json(result)) == to_json_bytes(result), path.name
