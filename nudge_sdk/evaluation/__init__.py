"""Evaluation: accounts and usage, entitlements, rule triggers, right-sizing, and the
state snapshot an evaluation decides against.

May import `billing` and `catalog`. Pure: the clock and the state arrive as arguments.
"""
