"""NHS financial years (April–March): the one place that says which year a month belongs to."""

from __future__ import annotations

import numpy as np
import pandas as pd


def fy_start(dates: pd.DatetimeIndex | pd.Timestamp) -> np.ndarray | int:
    """Start year of the financial year of each date: March 2025 → 2024, April 2025 → 2025."""
    if isinstance(dates, pd.Timestamp):
        return dates.year if dates.month >= 4 else dates.year - 1
    idx = pd.DatetimeIndex(dates)
    return np.where(idx.month >= 4, idx.year, idx.year - 1)


def fy_label(start_year: int) -> str:
    """Label of the financial year starting in ``start_year``: 2021 → ``"2021-22"``."""
    return f"{int(start_year)}-{(int(start_year) + 1) % 100:02d}"


def complete_fy_totals(monthly: pd.Series) -> pd.Series:
    """Sum a monthly series (DatetimeIndex) into financial years, keeping only years with 12 months.

    Returns a float Series indexed by financial-year start year (int).
    """
    grouped = pd.Series(monthly.to_numpy(dtype=float)).groupby(fy_start(monthly.index))
    sums, counts = grouped.sum(), grouped.size()
    return sums[counts == 12].astype(float)
