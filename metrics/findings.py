"""Finding levels (达标 / 关注 / 整改 / 无数据) from the [findings] settings."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from core.settings import setting

PASS, WATCH, FIX, NO_DATA = "达标", "关注", "整改", "无数据"
LEVELS = (PASS, WATCH, FIX, NO_DATA)
# Rates are quotients of whole numbers; the tolerance only absorbs float rounding.
_TOLERANCE = 1e-9


def thresholds() -> tuple[float, float]:
    return float(setting("findings.pass_rate")), float(setting("findings.watch_rate"))


def level_codes(rates: np.ndarray, denominators: np.ndarray) -> np.ndarray:
    """Positions in LEVELS (0 达标, 1 关注, 2 整改, 3 无数据) for arrays of rates and denominators."""
    pass_rate, watch_rate = thresholds()
    rates = np.asarray(rates, dtype=float)
    no_data = (np.nan_to_num(np.asarray(denominators, dtype=float)) <= 0) | np.isnan(rates)
    with np.errstate(invalid="ignore"):
        return np.select([no_data, rates >= pass_rate - _TOLERANCE, rates >= watch_rate - _TOLERANCE],
                         [3, 0, 1], default=2)


def finding_levels(rates: pd.Series, denominators: pd.Series) -> pd.Series:
    codes = level_codes(pd.to_numeric(rates, errors="coerce"), pd.to_numeric(denominators, errors="coerce"))
    return pd.Series(np.array(LEVELS, dtype=object)[codes], index=rates.index, dtype=object)


def finding_level(rate: float | None, denominator: float | None) -> str:
    if rate is None or denominator is None or denominator <= 0 or math.isnan(rate):
        return NO_DATA
    return finding_levels(pd.Series([rate]), pd.Series([denominator])).iloc[0]
