"""Billing: exact money, billing intervals and periods, and proration quotes.

The bottom layer. It imports nothing else of the SDK but the exception tree; the
catalog reaches it through `PriceBook`, a protocol the catalog satisfies.
"""
