"""The sidecar's own answers (errors, health, readiness), and how every answer is
encoded: compact JSON through the standard library, no floats anywhere to format."""

from __future__ import annotations

from typing import Any

import attrs

from nudge_sdk.payloads._json import dumps

__all__ = ["Health", "Problem", "Readiness", "encode"]


@attrs.frozen(kw_only=True)
class Problem:
    """A request the sidecar could not serve, and why."""

    error: str
    """What is wrong, in words."""
    field: str | None
    """The field at fault (``account.signup``, ``usage.storage_gb``), `None` when the
    problem is not one field's."""


@attrs.frozen(kw_only=True)
class Health:
    """The process is up."""

    status: str
    """Always ``ok``."""


@attrs.frozen(kw_only=True)
class Readiness:
    """Whether the sidecar can serve: its catalog is loaded and its store answers."""

    ready: bool
    catalog: str
    """The version of the catalog being served."""
    store: str
    """The store's URL, without its password."""
    problem: str
    """Why it is not ready; empty when it is."""


def encode(value: Any) -> bytes:
    """`value` (dicts, lists, text, integers) as compact UTF-8 JSON (`dumps`: orjson,
    which the ``server`` extra installs, byte for byte what the standard library writes).

    >>> encode({"a": [1, "é"]})
    b'{"a":[1,"\\xc3\\xa9"]}'
    """
    return dumps(value)
