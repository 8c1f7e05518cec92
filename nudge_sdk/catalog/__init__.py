"""The catalog: the typed model of plans, limits, prices, add-ons and nudge rules, its
YAML loader with located errors, and its JSON Schema's source.

May import `billing`. Nothing here reads a clock or a socket; the loader reads a file
only when asked to.
"""
