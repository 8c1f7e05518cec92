"""The reference renderer: ``<nudge-banner>``, ``<nudge-modal>`` and ``<nudge-plan-table>``,
custom elements that render the payload JSON in a browser and report what the customer
did with each nudge.

Its TypeScript sources are in ``src/``; ``npm run build`` (in this folder, with Node)
bundles them into one ES module, ``dist/nudge-elements.js``, which ships inside the
Python package, so serving it needs no Node:

    >>> from nudge_sdk.web import BUNDLE_MEDIA_TYPE, bundle_text
    >>> bundle_text().startswith("// @nudge-sdk/elements")
    True
    >>> BUNDLE_MEDIA_TYPE
    'text/javascript; charset=utf-8'

A page loads it with ``<script type="module" src="/nudge-elements.js"></script>`` and
then ``<nudge-banner endpoint="/nudges/events" payload='{...}'>``. An edge layer's
asset (the sidecar and the preview serve it); it imports nothing from the SDK.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
from importlib.resources import as_file, files
from pathlib import Path

__all__ = ["BUNDLE_MEDIA_TYPE", "BUNDLE_NAME", "bundle_path", "bundle_text"]

BUNDLE_NAME = "nudge-elements.js"
"""The bundle's file name, also the name to serve it under."""

BUNDLE_MEDIA_TYPE = "text/javascript; charset=utf-8"
"""The ``Content-Type`` to serve the bundle with (an ES module must be JavaScript)."""

_files = contextlib.ExitStack()
atexit.register(_files.close)


@functools.cache
def bundle_path() -> Path:
    """The bundle as a file on disk, for a server that sends files.

    Installed packages are files already; from a zip import the bundle is extracted
    once to a temporary file, removed when the interpreter exits.
    """
    return _files.enter_context(as_file(files(__name__).joinpath("dist", BUNDLE_NAME)))


@functools.cache
def bundle_text() -> str:
    """The bundle's JavaScript text (read once)."""
    return files(__name__).joinpath("dist", BUNDLE_NAME).read_text("utf-8")
