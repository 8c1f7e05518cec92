"""Payloads: the typed results and their JSON, nudge and comparison building, localized
messages and number formats, and the JSON Schemas.

May import `billing`, `catalog` and `evaluation`. Pure.
"""
