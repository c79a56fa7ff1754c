"""A quarter's figures with their change on the previous quarter, for figures read as of a chosen date.

`api.trend` gives the change for figures as of each quarter's end. When the current
quarter is read as of an earlier day, the dashboard and the pack put its `report`
next to last quarter's (as of its end) with this one rule.
"""
from __future__ import annotations

import pandas as pd

ROW_KEY = ["grain", "indicator", "group"]


def with_change(current: pd.DataFrame, previous: pd.DataFrame) -> pd.DataFrame:
    """`current` plus `previous_rate` and `change` (rate minus previous_rate) matched on grain, indicator and group.

    Both are `api.report` frames; a row without a match in `previous` gets NaN for both.
    """
    before = previous[[*ROW_KEY, "rate"]].rename(columns={"rate": "previous_rate"})
    merged = current.merge(before, on=ROW_KEY, how="left")
    return merged.assign(change=merged["rate"] - merged["previous_rate"])
