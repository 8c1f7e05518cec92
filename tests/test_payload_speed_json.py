"""The payload classes' compiled JSON writers give exactly the dicts cattrs' own
generated hooks give, on every payload the fuzzed request path produces."""

from __future__ import annotations

import json
from datetime import datetime
from fractions import Fraction
from pathlib import Path
from typing import Any

import attrs
import cattrs
from hypothesis import given

from nudge_sdk import Account, StateSnapshot, account_from_json, to_json
from nudge_sdk.billing._periods import Period
from nudge_sdk.billing._proration import Quote, QuoteLine
from nudge_sdk.payloads import _json
from nudge_sdk.payloads._json import dumps, to_json_bytes
from tests.test_fuzz_requests import EVALUATOR, requests

ACCOUNTS = Path(__file__).resolve().parent.parent / "examples" / "accounts"

reference = cattrs.Converter()
reference.register_unstructure_hook(datetime, _json.instant)
reference.register_unstructure_hook(Fraction, str)
reference.register_unstructure_hook(Period, _json._period)
reference.register_unstructure_hook(QuoteLine, _json._line)
reference.register_unstructure_hook(Quote, _json._quote)


def same(expected: Any, actual: Any) -> bool:
    """Equal, with the same container types at every level (a tuple is not a list)."""
    if type(expected) is not type(actual):
        return False
    if isinstance(expected, dict):
        return list(expected) == list(actual) and all(
            same(expected[key], actual[key]) for key in expected
        )
    if isinstance(expected, list):
        return len(expected) == len(actual) and all(map(same, expected, actual))
    return bool(expected == actual)


def test_every_payload_class_has_a_compiled_writer() -> None:
    """Each attrs class of the payload module is written by a compiled function."""
    from nudge_sdk.payloads import _payloads

    classes = {getattr(_payloads, name) for name in _payloads.__all__}
    assert {
        cls for cls in classes if isinstance(cls, type) and hasattr(cls, "__attrs_attrs__")
    } == set(_json._WRITERS)


@given(requests())
def test_fuzzed_payloads_are_written_as_cattrs_writes_them(
    request: tuple[Account, Any, datetime, StateSnapshot | None],
) -> None:
    """Key for key, in order, with the same types, explain and comparison included."""
    account, usage, now, state = request
    result = EVALUATOR.evaluate(account, usage, now=now, state=state, explain=True, compare=True)
    assert same(reference.unstructure(result), to_json(result))


def test_the_example_accounts_payloads_are_written_as_cattrs_writes_them() -> None:
    """The shipped example accounts, with nudges, offers and comparisons."""
    for path in sorted(ACCOUNTS.glob("*.json")):
        if path.name.endswith(".usage.json"):
            continue
        account = account_from_json(json.loads(path.read_text()))
        usage = json.loads(path.with_name(path.stem + ".usage.json").read_text())
        now = datetime.fromisoformat("2025-06-16T00:00:00+00:00")
        result = EVALUATOR.evaluate(account, usage, now=now, explain=True, compare=True)
        assert same(reference.unstructure(result), to_json(result)), path.name
        assert same(reference.unstructure(result.comparison), to_json(result.comparison))


def test_shared_cells_orjson_refuses_fall_back_to_the_standard_library() -> None:
    """A shared cell orjson cannot write (a lone surrogate in a catalog name, an integer
    past 64 bits elsewhere) leaves the whole document to `dumps`, as before."""
    account = account_from_json(json.loads((ACCOUNTS / "storage_full.json").read_text()))
    usage = json.loads((ACCOUNTS / "storage_full.usage.json").read_text())
    now = datetime.fromisoformat("2025-06-16T00:00:00+00:00")
    result = EVALUATOR.evaluate(account, usage, now=now, compare=True)
    assert result.comparison is not None
    column = result.comparison.columns[0]
    odd = attrs.evolve(column.features[0], name="\ud800")
    comparison = attrs.evolve(
        result.comparison,
        columns=(attrs.evolve(column, features=(odd, *column.features[1:])),),
    )
    assert b'"name":"\\ud800"' in to_json_bytes(comparison)
    assert dumps(to_json(comparison)) == to_json_bytes(comparison)
    huge = attrs.evolve(comparison, schema_version=2**70)
    assert dumps(to_json(huge)) == to_json_bytes(huge)
