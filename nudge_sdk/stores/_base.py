"""The state store interface: two primitives every backend implements, the compound
operations built on them, and the async flavour of each.

A store keeps one `StateSnapshot` per account under a version number. The primitives:

- `load(account)`: the snapshot, with its `version` (0 and empty if none), in one round
  trip;
- `save(account, state, expires=...)`: write `state` as version ``state.version + 1``
  only if the stored version is still ``state.version`` (compare-and-set), in one round
  trip; `False` when another writer got there first.

Everything else (`change`: apply a pure change to the freshest snapshot, retrying on a
lost race) is a default built on those two, which a backend may override when its
engine can do better. The rules of what a change does live in
`nudge_sdk.evaluation._guardrails`, so every backend applies the same ones.

Backends bound every call: a timeout on each round trip (their own client's), and a
bounded number of attempts in `change`. They raise `StoreUnavailable` when the engine
fails, never a client library's exception.
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TypeVar
from urllib.parse import urlsplit, urlunsplit

import attrs

from nudge_sdk._errors import StoreContended, StoreUnavailable
from nudge_sdk._log import log as _log
from nudge_sdk.evaluation._state import StateSnapshot
from nudge_sdk.stores._codec import CorruptState, decode

__all__ = ["ATTEMPTS", "DEFAULT_TIMEOUT", "Change", "Store", "bounded", "redact"]

T = TypeVar("T")
Change = Callable[[StateSnapshot], tuple[StateSnapshot, T]]
"""A pure change: the freshest snapshot in, the snapshot to write and a result out.
Returning the same snapshot object means nothing to write."""

ATTEMPTS = 8
"""How often `change` tries before giving up on a contended account."""
_DECODED = 1024
"""Documents kept decoded per store (a few KB each)."""
DEFAULT_TIMEOUT = 0.25
"""Seconds a store call may take before it counts as failed."""


class Store(abc.ABC):
    """Where accounts' snapshots live. Subclasses implement `load` and `save`; the
    async methods default to running the sync ones in a worker thread."""

    name: str = "store"
    """What logs and errors call this store (a URL without its password)."""
    round_trips: int = 0
    """Calls made to the engine so far (a load or a save is one), for tests and
    benchmarks."""

    # -- primitives -------------------------------------------------------------------

    @abc.abstractmethod
    def load(self, account: str) -> StateSnapshot:
        """The account's snapshot and its version; an empty one (version 0) if none."""

    @abc.abstractmethod
    def save(self, account: str, state: StateSnapshot, *, expires: datetime) -> bool:
        """Write `state` as version ``state.version + 1`` if the stored version is still
        ``state.version``; keep it until `expires` at least. `False` if another writer
        changed the account since `state` was loaded."""

    # -- compound operations ----------------------------------------------------------

    def change(
        self,
        account: str,
        change: Change[T],
        *,
        expires: datetime,
        state: StateSnapshot | None = None,
    ) -> T:
        """Apply `change` to the account's freshest snapshot atomically and return its
        result. `state`, if given, is a snapshot already loaded (saving the first read);
        a lost race reloads and applies `change` again, at most `ATTEMPTS` times."""
        for _ in range(ATTEMPTS):
            base = state if state is not None else self.load(account)
            state = None
            new, result = change(base)
            if new is base or self.save(account, _at_version(new, base), expires=expires):
                return result
        raise StoreContended(self.name, f"account {account!r} changed {ATTEMPTS} times in a row")

    def init(self) -> None:  # noqa: B027 - a default, not an omission
        """Create or migrate what the store needs (tables); idempotent. Stores that need
        nothing do nothing."""

    def prune(self, now: datetime) -> int:
        """Forget accounts whose state expired before `now`; how many. Stores whose
        engine expires keys itself (Redis) return 0."""
        return 0

    def ping(self) -> None:
        """Raise `StoreUnavailable` unless the engine answers."""
        self.load("\x00ping")

    def close(self) -> None:  # noqa: B027 - a default, not an omission
        """Release connections."""

    # -- async flavour ----------------------------------------------------------------

    async def aload(self, account: str) -> StateSnapshot:
        """`load`, for asyncio hosts."""
        return await asyncio.to_thread(self.load, account)

    async def asave(self, account: str, state: StateSnapshot, *, expires: datetime) -> bool:
        """`save`, for asyncio hosts."""
        return await asyncio.to_thread(self.save, account, state, expires=expires)

    async def achange(
        self,
        account: str,
        change: Change[T],
        *,
        expires: datetime,
        state: StateSnapshot | None = None,
    ) -> T:
        """`change`, for asyncio hosts."""
        for _ in range(ATTEMPTS):
            base = state if state is not None else await self.aload(account)
            state = None
            new, result = change(base)
            if new is base or await self.asave(account, _at_version(new, base), expires=expires):
                return result
        raise StoreContended(self.name, f"account {account!r} changed {ATTEMPTS} times in a row")

    async def aping(self) -> None:
        """`ping`, for asyncio hosts."""
        await self.aload("\x00ping")

    async def aclose(self) -> None:
        """`close`, for asyncio hosts."""
        await asyncio.to_thread(self.close)

    # -- for backends -----------------------------------------------------------------

    def _decode(self, account: str, data: bytes | str, version: int) -> StateSnapshot:
        """A stored document as a snapshot; bad parts are skipped and logged, and a
        document that is not one at all reads as empty (the next write replaces it).

        The last documents read are kept decoded: an account read again unchanged (the
        same version and bytes, as on most page loads) costs a comparison, not a parse.
        """
        decoded = self.__dict__.setdefault("_decoded", {})
        known = decoded.get(account)
        if known is not None and known[0] == version and known[1] == data:
            return known[2]  # type: ignore[no-any-return]
        try:
            state, problems = decode(data, version)
        except (CorruptState, TypeError) as error:  # TypeError: not text or bytes at all
            _log.warning(
                "nudge.store.corrupt", store=self.name, account=account, problem=str(error)
            )
            return StateSnapshot(version=version)
        for problem in problems:
            _log.warning("nudge.store.bad_row", store=self.name, account=account, problem=problem)
        if len(decoded) >= _DECODED:
            with contextlib.suppress(RuntimeError, KeyError, StopIteration):
                del decoded[next(iter(decoded))]  # the oldest: another thread may race us
        decoded[account] = (version, data, state)
        return state

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"


def _at_version(new: StateSnapshot, base: StateSnapshot) -> StateSnapshot:
    """`new`, carrying the version it was derived from (what `save` compares)."""
    if new.version == base.version:
        return new
    return attrs.evolve(new, version=base.version)


async def bounded(call: Awaitable[T], timeout: float, store: str) -> T:
    """Await `call` for at most `timeout` seconds; `StoreUnavailable` after."""
    try:
        return await asyncio.wait_for(call, timeout)
    except TimeoutError:
        raise StoreUnavailable(store, f"no answer within {timeout:g}s") from None


def redact(url: str) -> str:
    """`url` without its password, in the user part or (redis-py reads it there too)
    the query."""
    parts = urlsplit(url)
    if parts.password is None and "password=" not in parts.query:
        return url
    netloc = parts.netloc
    if parts.password is not None:
        netloc = netloc.replace(f":{parts.password}@", ":***@", 1)
    query = "&".join(
        "password=***" if item.startswith("password=") else item for item in parts.query.split("&")
    )
    return urlunsplit(parts._replace(netloc=netloc, query=query))
