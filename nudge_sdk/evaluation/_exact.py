"""The decimal context the SDK computes in, whatever the host's.

Python's `decimal` arithmetic follows the calling thread's context, which belongs to the
host: a web app may lower its precision, round down, or trap `Inexact`. Nothing the SDK
computes may depend on that. `EXACT` is Python's default context with `PRECISION`
digits; the entry points swap in this thread's copy of it (`thread_context`) and give
the host's back, and what is compiled at construction (the decision path's probes) is
computed in it too. Every rounding that matters names its own mode.
"""

from __future__ import annotations

import decimal
import threading

__all__ = ["EXACT", "PRECISION", "thread_context"]

PRECISION = 60
"""Significant digits for usage-times-price arithmetic: usage is at most 10**15 with
nine decimal places (24 digits), so products with any catalog price stay exact."""

EXACT = decimal.Context(
    prec=PRECISION,
    rounding=decimal.ROUND_HALF_EVEN,
    Emin=-999_999,
    Emax=999_999,
    capitals=1,
    clamp=0,
    flags=[],
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow],
)
"""`PRECISION` digits, Python's default rounding (half to even), exponents and traps."""


class _Copies(threading.local):
    def __init__(self) -> None:
        self.context = EXACT.copy()  # a context collects flags: one per thread


_COPIES = _Copies()


def thread_context() -> decimal.Context:
    """This thread's copy of `EXACT`, to swap in with `decimal.setcontext` (cheaper
    than `decimal.localcontext`, which copies a context on every entry)."""
    return _COPIES.context
