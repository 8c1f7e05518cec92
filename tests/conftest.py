"""Test settings: hypothesis profiles, chosen by HYPOTHESIS_PROFILE (or CI=true)."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import structlog
from hypothesis import HealthCheck, settings

from nudge_sdk import Evaluator, to_json
from nudge_sdk.payloads._schema import schema_text

settings.register_profile("dev", max_examples=60, deadline=None)
settings.register_profile(
    "ci",
    max_examples=1000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") == "true" else "dev")
)

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def example_path() -> Path:
    """The example catalog shipped in examples/."""
    return ROOT / "examples" / "plans.yaml"


@pytest.fixture(autouse=True)
def _fresh_logging() -> Iterator[None]:
    """The CLI configures logging (it is an application: the `nudge_sdk` logger's level,
    handlers and propagation, and structlog); undo that after each test, so a test run
    in-process after a CLI test still sees the SDK's events."""
    sdk = logging.getLogger("nudge_sdk")
    saved = (sdk.level, sdk.handlers[:], sdk.propagate)
    yield
    structlog.reset_defaults()
    sdk.setLevel(saved[0])
    sdk.handlers[:] = saved[1]
    sdk.propagate = saved[2]


@pytest.fixture(autouse=True)
def _payloads_follow_their_schema(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every evaluation and comparison any test produces must validate against the
    payload schema checked into the package."""
    validator = jsonschema.Draft202012Validator(json.loads(schema_text("payload")))
    evaluate, compare = Evaluator.evaluate, Evaluator.compare

    def checked(method: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: Any, **kwargs: Any) -> Any:
            result = method(*args, **kwargs)
            validator.validate(to_json(result))
            return result

        return run

    monkeypatch.setattr(Evaluator, "evaluate", checked(evaluate))
    monkeypatch.setattr(Evaluator, "compare", checked(compare))


@pytest.fixture
def debug_logging() -> Iterator[None]:
    """Turn the SDK's debug events on, as a host would (the standard logger's level)."""
    sdk = logging.getLogger("nudge_sdk")
    before = sdk.level
    sdk.setLevel(logging.DEBUG)
    yield
    sdk.setLevel(before)
