"""Finding levels (达标 / 关注 / 整改 / 无数据) from config/settings.toml [findings]."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from etl.config import settings

PASS, WATCH, FIX, NO_DATA = "达标", "关注", "整改", "无数据"
LEVELS = (PASS, WATCH, FIX, NO_DATA)
# Rates are quotients of whole numbers; the tolerance only absorbs float rounding.
_TOLERANCE = 1e-9


def thresholds() -> tuple[float, float]:
    findings = settings().get("findings", {})
    return float(findings.get("pass_rate", 1.0)), float(findings.get("watch_rate", 0.95))


def finding_levels(rates: pd.Series, denominators: pd.Series) -> pd.Series:
    pass_rate, watch_rate = thresholds()
    rates = pd.to_numeric(rates, errors="coerce").astype(float)
    no_data = (pd.to_numeric(denominators).fillna(0) <= 0) | rates.isna()
    levels = np.select(
        [no_data, rates >= pass_rate - _TOLERANCE, rates >= watch_rate - _TOLERANCE],
        [NO_DATA, PASS, WATCH],
        default=FIX,
    )
    return pd.Series(levels, index=rates.index, dtype=object)


def finding_level(rate: float | None, denominator: float | None) -> str:
    if rate is None or denominator is None or denominator <= 0 or math.isnan(rate):
        return NO_DATA
    return finding_levels(pd.Series([rate]), pd.Series([denominator])).iloc[0]
