"""The in-memory store: one process's dictionary, for tests and single-process tools.

It keeps snapshot values as they are (they are immutable), under a lock, with the same
compare-and-set as every other backend; expiry is applied by `prune`.
"""

from __future__ import annotations

import threading
from datetime import datetime

import attrs

from nudge_sdk.evaluation._state import StateSnapshot
from nudge_sdk.stores._base import Store

__all__ = ["MemoryStore"]


class MemoryStore(Store):
    """Snapshots in a dictionary of this process (``memory://``)."""

    name = "memory://"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._states: dict[str, tuple[StateSnapshot, datetime]] = {}

    def load(self, account: str) -> StateSnapshot:
        """The account's snapshot and its version; an empty one if none."""
        self.round_trips += 1
        found = self._states.get(account)
        return StateSnapshot() if found is None else found[0]

    def save(self, account: str, state: StateSnapshot, *, expires: datetime) -> bool:
        """Compare-and-set on the version, under the lock."""
        self.round_trips += 1
        with self._lock:
            found = self._states.get(account)
            if (found[0].version if found else 0) != state.version:
                return False
            if found is not None:  # a write never shortens the state's life
                expires = max(expires, found[1])
            self._states[account] = (attrs.evolve(state, version=state.version + 1), expires)
            return True

    def prune(self, now: datetime) -> int:
        """Forget accounts whose state expired before `now`."""
        with self._lock:
            expired = [account for account, (_, ends) in self._states.items() if ends < now]
            for account in expired:
                del self._states[account]
        return len(expired)

    def accounts(self) -> list[str]:
        """The accounts it holds state for."""
        return sorted(self._states)
