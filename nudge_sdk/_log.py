"""The SDK's events: records of the standard-library logger ``nudge_sdk``.

A library never configures logging. Every event first asks the standard logger whether
anyone listens at its level (a cached check in `logging`); when nobody does, nothing
else happens. With nothing configured, Python prints only WARNING and above (to stderr).
The hot path asks `debugging()` before it even gathers a debug event's fields.

An event that is on reaches the host one of two ways, chosen per event:

- The host set structlog's processors up (`structlog.configure`, or its test capture):
  the event goes through the host's structlog pipeline, as the host's own events do,
  so hosts using structlog's standard-library integration (``wrap_for_formatter`` and
  ``ProcessorFormatter``) keep the structured fields.
- Otherwise (structlog left alone, or ending in its console renderer, which would put
  colour codes and a second time stamp inside a log record): a plain record. Its
  message is ``event key=value ...`` (values with spaces or unusual characters are
  quoted as JSON strings); the event name and the fields are also attributes of the
  record (``record.event``, ``record.account``...), so JSON formatters and structlog's
  ``ExtraAdder`` see them; a field whose name a log record already uses gets a trailing
  underscore (``process_``). An exception goes as the record's ``exc_info``: the host's
  formatter draws the traceback, never local variables.
"""

from __future__ import annotations

import json
import logging
import sys
import traceback
from collections.abc import Mapping
from typing import Final

import structlog

__all__ = ["STDLIB", "Events", "debugging", "log", "message"]

STDLIB = logging.getLogger("nudge_sdk")
"""The standard logger every event goes through."""

_RESERVED: Final = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}
"""Names `Logger.makeRecord` refuses in ``extra`` (or that a formatter overwrites)."""

_STRUCTLOG: Final = structlog.wrap_logger(STDLIB, wrapper_class=structlog.stdlib.BoundLogger)
"""Bound lazily: the host's structlog configuration, made after import, still applies."""


def debugging() -> bool:
    """Whether anyone listens to debug events (a cached level check in `logging`)."""
    return STDLIB.isEnabledFor(logging.DEBUG)


class Events:
    """The SDK's logger: ``log.warning("nudge.store.unavailable", store=..., reason=...)``.

    Each method checks the level before anything else, and never raises: a value whose
    `str` fails is written as ``<unprintable TYPE>``.
    """

    __slots__ = ()

    def debug(self, event: str, **fields: object) -> None:
        """A debug event (decisions, catalog loads)."""
        if STDLIB.isEnabledFor(logging.DEBUG):
            _emit(logging.DEBUG, event, fields, exc_info=False)

    def info(self, event: str, **fields: object) -> None:
        """An info event (a store back, a catalog reloaded)."""
        if STDLIB.isEnabledFor(logging.INFO):
            _emit(logging.INFO, event, fields, exc_info=False)

    def warning(self, event: str, **fields: object) -> None:
        """A warning: a result was degraded, a store was unavailable."""
        if STDLIB.isEnabledFor(logging.WARNING):
            _emit(logging.WARNING, event, fields, exc_info=False)

    def error(self, event: str, **fields: object) -> None:
        """An error the SDK recovered from."""
        if STDLIB.isEnabledFor(logging.ERROR):
            _emit(logging.ERROR, event, fields, exc_info=False)

    def exception(self, event: str, **fields: object) -> None:
        """An error with the exception being handled, as the record's ``exc_info``."""
        if STDLIB.isEnabledFor(logging.ERROR):
            _emit(logging.ERROR, event, fields, exc_info=True)


log: Final = Events()
"""The logger the SDK's modules import."""


def _emit(level: int, event: str, fields: dict[str, object], *, exc_info: bool) -> None:
    try:
        if _host_pipeline():
            _STRUCTLOG.log(level, event, **({"exc_info": True} if exc_info else {}), **fields)
            return
        template, args = message(event, fields)
        extra = {"event": event} | {_attribute(key): value for key, value in fields.items()}
        # stacklevel 3: the record names the SDK's line that logged, not this module.
        STDLIB.log(level, template, *args, exc_info=exc_info, extra=extra, stacklevel=3)
    except Exception:  # a log call never breaks its caller; say so as `Handler.handleError` does
        if logging.raiseExceptions:
            sys.stderr.write(f"--- nudge_sdk: logging {event!r} failed ---\n")
            traceback.print_exc(file=sys.stderr)


def _host_pipeline() -> bool:
    """Whether the host set structlog's processors up to render events itself."""
    if not structlog.is_configured():
        return False
    processors = structlog.get_config()["processors"]
    return not (processors and isinstance(processors[-1], structlog.dev.ConsoleRenderer))


def message(event: str, fields: Mapping[str, object]) -> tuple[str, tuple[str, ...]]:
    """The plain record's ``msg`` template and ``args``: ``event key=%s ...`` and the
    values, each quoted when it has spaces or unusual characters.

    The template holds no values, so tools that group records by ``msg`` group by event.

    >>> message("nudge.test", {"account": "a1", "problem": "no plan", "n": 2})
    ('nudge.test account=%s problem=%s n=%s', ('a1', '"no plan"', '2'))
    """
    template = event + "".join(f" {key}=%s" for key in fields)
    return template, tuple(_value(value) for value in fields.values())


def _value(value: object) -> str:
    try:
        text = value if isinstance(value, str) else str(value)
    except Exception:
        return f"<unprintable {type(value).__name__}>"
    if text and text.isprintable() and not any(c in text for c in ' "=\\'):
        return text
    # Printable text stays readable; anything else (newlines, lone surrogates) is escaped.
    return json.dumps(text, ensure_ascii=not text.isprintable())


def _attribute(key: str) -> str:
    return f"{key}_" if key in _RESERVED or key == "event" else key
