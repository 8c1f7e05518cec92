"""The catalog file being served, kept current while the sidecar runs.

`LiveCatalog.current` is one immutable `Served` value: the `Nudges` built from the file
(evaluator and store together), the file's version, and the pricing views made so far.
A reload builds a whole new `Served` (a new `Nudges` sharing the same store and breaker)
away from the event loop and then replaces the reference in one assignment, so a request
sees the old catalog or the new one, never a mix. A file that does not load is refused
and logged, and the old catalog keeps serving.
"""

from __future__ import annotations

import hashlib
import os
import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

import attrs

from nudge_sdk._errors import CatalogIssue, InvalidCatalog
from nudge_sdk._log import log as _log
from nudge_sdk._nudges import Breaker, Nudges
from nudge_sdk.catalog._catalog import Catalog
from nudge_sdk.catalog._loader import parse_catalog, read_catalog_bytes
from nudge_sdk.payloads._json import to_json
from nudge_sdk.server._pricing import catalog_view
from nudge_sdk.stores import DEFAULT_TIMEOUT, Store

__all__ = ["LiveCatalog", "Served"]

_VIEWS = 64
"""Pricing views kept per catalog version (one per locale and currency asked for)."""

Stamp = tuple[int, int, int]
"""What says a file changed without reading it: modification time, size, inode."""


@attrs.frozen(kw_only=True, eq=False)
class Served:
    """One version of the catalog, ready to serve."""

    nudges: Nudges
    version: str
    """The first 16 hex digits of the SHA-256 of the file's text."""
    views: dict[tuple[str, str], dict[str, Any]] = attrs.field(factory=dict)
    """Pricing views by locale and currency, as JSON, made when first asked for."""

    @property
    def catalog(self) -> Catalog:
        return self.nudges.catalog

    def view(self, locale: str, currency: str = "") -> dict[str, Any]:
        """The pricing view for `locale`, priced in `currency` (the catalog's when empty),
        as JSON (kept for the next request). `UnknownItem` for a currency the catalog
        does not sell in."""
        key = (locale, currency.upper())
        found = self.views.get(key)
        if found is None:
            catalog = self.catalog.in_currency(currency) if currency else self.catalog
            found = to_json(catalog_view(catalog, self.version, locale))
            if len(self.views) < _VIEWS:
                self.views[key] = found
        return found


class LiveCatalog:
    """The catalog at `path` served with `store`; `reload` picks up a changed file.

    Raises `InvalidCatalog` at construction if the file does not load: a sidecar must not
    start without a catalog.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        store: Store,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        keep_for: timedelta | None = None,
    ) -> None:
        self.path = Path(path)
        self.store = store
        self.timeout = timeout
        self.keep_for = keep_for
        self.breaker = Breaker()
        self._lock = threading.Lock()
        self._stamp = _stamp(self.path)
        self.current = self._load()

    def reload(self, *, force: bool = False) -> bool:
        """Load the file again if it changed since it was last read (or if `force`).
        True when a new catalog now serves; a file that does not load is logged
        (``nudge.server.catalog_refused``) and the old catalog stays. Blocking: run it
        in a worker thread."""
        with self._lock:  # one reload at a time: the poller and SIGHUP may race
            try:
                stamp = _stamp(self.path)
            except OSError as error:
                _log.error("nudge.server.catalog_refused", path=str(self.path), problem=str(error))
                return False
            if stamp == self._stamp and not force:
                return False
            self._stamp = stamp
            try:
                served = self._load()
            except InvalidCatalog as error:
                _log.error(
                    "nudge.server.catalog_refused",
                    path=str(self.path),
                    problem=str(error),
                    version=self.current.version,
                )
                return False
            if served.version == self.current.version:
                return False
            before, self.current = self.current.version, served
        _log.warning(
            "nudge.server.catalog_reloaded",
            path=str(self.path),
            version=served.version,
            replaced=before,
        )
        return True

    def _load(self) -> Served:
        """A `Served` from the file as it is now; `InvalidCatalog` if it does not load."""
        source = str(self.path)
        data = read_catalog_bytes(self.path)  # bounded: st_size is not trusted
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise InvalidCatalog(source, [_issue(f"cannot read the file: {error}")]) from None
        catalog = parse_catalog(text, source=source)
        options: dict[str, Any] = {"timeout": self.timeout, "breaker": self.breaker}
        if self.keep_for is not None:
            options["keep_for"] = self.keep_for
        try:
            nudges = Nudges(catalog, self.store, **options)
        except ValueError as error:  # keep_for shorter than the new catalog's windows
            raise InvalidCatalog(source, [_issue(str(error))]) from None
        return Served(nudges=nudges, version=hashlib.sha256(data).hexdigest()[:16])


def _stamp(path: Path) -> Stamp:
    status = path.stat()
    return status.st_mtime_ns, status.st_size, status.st_ino


def _issue(message: str) -> CatalogIssue:
    return CatalogIssue("", message)
