"""The `nudge` command: check a catalog, evaluate an account, quote a change, print the
schemas, and look after a state store. An edge: it reads files and the clock.
"""

from nudge_sdk.cli import _diff as _diff  # registers `diff`
from nudge_sdk.cli import _preview as _preview  # registers `preview`
from nudge_sdk.cli import _serve as _serve  # registers `serve`
from nudge_sdk.cli import _state  # noqa: F401 - registers `state` and `event`
from nudge_sdk.cli._commands import main

__all__ = ["main"]
