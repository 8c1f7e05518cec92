"""What kind of thing a metric measures: a level or a consumption, and when a
consumption starts again from zero. Kept apart so the YAML spec can name them without
importing the catalog model (which imports the rules, which import the spec)."""

from __future__ import annotations

import enum

__all__ = ["MetricKind", "Reset"]


class MetricKind(enum.Enum):
    """Whether usage is a level (storage used) or consumption in a window (credits)."""

    GAUGE = "gauge"
    COUNTER = "counter"


class Reset(enum.Enum):
    """When a counter starts again from zero."""

    BILLING_PERIOD = "billing_period"
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"
    NEVER = "never"
