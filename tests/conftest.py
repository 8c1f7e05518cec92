"""Test settings: hypothesis profiles, chosen by HYPOTHESIS_PROFILE (or CI=true)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog
from hypothesis import HealthCheck, settings

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
def _fresh_structlog() -> Iterator[None]:
    """The CLI configures structlog (it is an application); undo that after each test."""
    yield
    structlog.reset_defaults()
