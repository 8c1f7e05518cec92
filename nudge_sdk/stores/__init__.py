"""State stores: where each account's `StateSnapshot` lives between requests. An edge
layer (it does I/O); it imports the layers below and nothing above.

``open_store(url)`` builds one from a URL:

========================================  ==============================================
``memory://``                             this process only (tests)
``sqlite:///nudge-state.db``              a file, relative to the working directory
``sqlite:////var/lib/app/nudge.db``       a file, absolute path; the embedded default
``redis://host:6379/0``                   Redis (``pip install 'nudge-sdk[redis]'``)
``postgresql://user@host/db``             PostgreSQL (``pip install 'nudge-sdk[postgres]'``)
========================================  ==============================================

Every backend implements the two primitives of `Store` (load, compare-and-set save) and
passes the same contract suite; what a change *does* is decided once, in
`nudge_sdk.evaluation._guardrails`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from nudge_sdk._errors import InvalidStoreURL, MissingExtra
from nudge_sdk.stores._base import ATTEMPTS, DEFAULT_TIMEOUT, Store, redact
from nudge_sdk.stores._memory import MemoryStore

if TYPE_CHECKING:
    from nudge_sdk.stores._postgres import PostgresStore
    from nudge_sdk.stores._redis import RedisStore
    from nudge_sdk.stores._sqlite import SQLiteStore

__all__ = [
    "ATTEMPTS",
    "DEFAULT_TIMEOUT",
    "MemoryStore",
    "PostgresStore",
    "RedisStore",
    "SQLiteStore",
    "Store",
    "open_store",
    "redact",
]

_SCHEMES = {
    "memory": "memory",
    "sqlite": "sqlite",
    "redis": "redis",
    "rediss": "redis",
    "postgres": "postgres",
    "postgresql": "postgres",
}


def open_store(url: str, *, timeout: float = DEFAULT_TIMEOUT) -> Store:
    """The store a URL names (see the module docstring), each call bounded by `timeout`
    seconds. Raises `InvalidStoreURL` for an unknown form and `MissingExtra` when the
    backend's client library is not installed."""
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    kind = _SCHEMES.get(scheme)
    if kind is None:
        known = ", ".join(f"{s}://" for s in _SCHEMES)
        raise InvalidStoreURL(redact(url), f"unknown scheme; expected one of: {known}")
    if not timeout > 0:
        raise InvalidStoreURL(redact(url), f"timeout {timeout!r} must be a positive number")
    if kind == "memory":
        return MemoryStore()
    if kind == "sqlite":
        from nudge_sdk.stores._sqlite import SQLiteStore

        return SQLiteStore.from_url(url, timeout=timeout)
    if kind == "redis":
        return _backend("redis", "RedisStore").from_url(url, timeout=timeout)
    return _backend("postgres", "PostgresStore").from_url(url, timeout=timeout)


def _backend(extra: str, name: str) -> type[RedisStore] | type[PostgresStore]:
    """A backend class whose client library comes with an extra."""
    try:
        if extra == "redis":
            from nudge_sdk.stores._redis import RedisStore

            return RedisStore
        from nudge_sdk.stores._postgres import PostgresStore

        return PostgresStore
    except ImportError as error:
        if isinstance(error, MissingExtra):
            raise
        raise MissingExtra(f"the {name}", extra) from error


def __getattr__(name: str) -> object:
    """The backends, imported on first use so a missing extra costs nothing until then."""
    if name == "SQLiteStore":
        from nudge_sdk.stores._sqlite import SQLiteStore

        return SQLiteStore
    if name in ("RedisStore", "PostgresStore"):
        return _backend("redis" if name == "RedisStore" else "postgres", name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
