"""The payload builders' caches (a rule's message per locale, add-on lines and items,
comparison columns and cells, the JSON of shared cells) change nothing: a warm
evaluator answers byte for byte as builders that have never seen a request do."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hypothesis import given

from nudge_sdk import Account, Evaluator, StateSnapshot, to_json, to_json_bytes
from nudge_sdk.payloads._compare import Comparer
from nudge_sdk.payloads._json import dumps
from nudge_sdk.payloads._nudges import NudgeBuilder
from tests.test_fuzz_requests import EVALUATORS, requests


def cold(evaluator: Evaluator) -> None:
    """Give `evaluator` (and its evaluators per currency) payload builders with empty
    caches."""
    for one in (evaluator, *evaluator._in_currency.values()):
        one._nudges = NudgeBuilder(one.catalog, one.quoter, one.recommender)
        one._comparer = Comparer(one.catalog, one.quoter)


def answer(evaluator: Evaluator, request: tuple[Account, Any, datetime, Any]) -> bytes:
    account, usage, now, state = request
    result = evaluator.evaluate(account, usage, now=now, state=state, explain=True, compare=True)
    assert dumps(to_json(result)) == to_json_bytes(result)  # shared cells' JSON included
    return to_json_bytes(result)


@given(requests(), requests())
def test_a_warm_evaluator_answers_as_a_cold_one(
    first: tuple[Account, Any, datetime, StateSnapshot | None],
    second: tuple[Account, Any, datetime, StateSnapshot | None],
) -> None:
    """After another request warmed its caches (and after this one did), an evaluator
    answers each request as one that starts from nothing, under every policy."""
    for evaluator in EVALUATORS:
        cold(evaluator)
        expected = answer(evaluator, second)
        cold(evaluator)
        answer(evaluator, first)
        assert expected == answer(evaluator, second)
        assert expected == answer(evaluator, second)
