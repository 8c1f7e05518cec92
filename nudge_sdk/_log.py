"""The SDK's logger: structlog over the standard-library logger ``nudge_sdk``.

A library never configures logging. With nothing configured, Python prints only
WARNING and above (to stderr) and a debug event costs one level check: the hot path
asks `debugging()` before it builds any event. A host turns the events on with plain
`logging` (``logging.getLogger("nudge_sdk").setLevel(logging.DEBUG)`` and a handler)
or with structlog's standard-library integration, which keeps the structured fields.
"""

from __future__ import annotations

import logging

import structlog

__all__ = ["STDLIB", "debugging", "log"]

STDLIB = logging.getLogger("nudge_sdk")
"""The standard logger every event goes through."""

log: structlog.stdlib.BoundLogger = structlog.wrap_logger(
    STDLIB, wrapper_class=structlog.stdlib.BoundLogger
)
"""Bound lazily: the host's structlog configuration, made after import, still applies."""


def debugging() -> bool:
    """Whether anyone listens to debug events (a cached level check in `logging`)."""
    return STDLIB.isEnabledFor(logging.DEBUG)
