"""NHS financial years (April–March): the one place that says which year a month belongs to.

Every sum of months into financial years (the demand projection, the money, the finance's activity, the scheme
page's averages) and every conversion of a year's figure into months goes through the functions here.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

FIRST_MONTH = 4  # April


def fy_start(dates: pd.DatetimeIndex | pd.Timestamp) -> np.ndarray | int:
    """Start year of the financial year of each date: March 2025 → 2024, April 2025 → 2025."""
    if isinstance(dates, pd.Timestamp):
        return dates.year if dates.month >= FIRST_MONTH else dates.year - 1
    idx = pd.DatetimeIndex(dates)
    return np.where(idx.month >= FIRST_MONTH, idx.year, idx.year - 1)


def fy_label(start_year: int) -> str:
    """Label of the financial year starting in ``start_year``: 2021 → ``"2021-22"``."""
    return f"{int(start_year)}-{(int(start_year) + 1) % 100:02d}"


def fy_date(start_year: int, month: int, day: int) -> dt.date:
    """The date of ``day``/``month`` inside the financial year starting in April ``start_year``.

    1 December in 2025-26 is 1 December 2025; 1 March is 1 March 2026. 29 February becomes the 28th in a year
    without it (a recurring day-of-year, e.g. escalation beds opening).
    """
    year = int(start_year) if month >= FIRST_MONTH else int(start_year) + 1
    if month == 2 and day > 28:
        day = 28
    return dt.date(year, month, day)


def fy_bounds(start_year: int) -> tuple[dt.date, dt.date]:
    """First and last day (1 April, 31 March) of the financial year starting in ``start_year``."""
    return dt.date(int(start_year), FIRST_MONTH, 1), dt.date(int(start_year) + 1, FIRST_MONTH - 1, 31)


def complete_fy_totals(monthly: pd.Series) -> pd.Series:
    """Sum a monthly series (DatetimeIndex) into financial years, keeping only years with 12 months.

    Returns a float Series indexed by financial-year start year (int).
    """
    grouped = pd.Series(monthly.to_numpy(dtype=float)).groupby(fy_start(monthly.index))
    sums, counts = grouped.sum(), grouped.size()
    return sums[counts == 12].astype(float)


def fy_matrix(months: pd.DatetimeIndex) -> tuple[np.ndarray, np.ndarray]:
    """Which financial year each month falls in, as a (n_months, n_years) 0/1 matrix, and the years' start years.

    ``paths @ matrix`` sums (…, n_months) monthly values into every financial year the months touch (part years
    included; :func:`fy_layout` keeps complete years only).
    """
    fy = np.asarray(fy_start(months))
    years = np.unique(fy)
    return (fy[:, None] == years[None, :]).astype(float), years


def fy_layout(months: pd.DatetimeIndex) -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
    """The complete financial years of ``months``: their labels, each month's index into them (-1: a part year)
    and their start years."""
    fy = np.asarray(fy_start(months))
    years, counts = np.unique(fy, return_counts=True)
    complete = years[counts == 12]
    month_fy = np.full(len(months), -1, dtype=int)
    for j, y in enumerate(complete):
        month_fy[fy == y] = j
    return tuple(fy_label(int(y)) for y in complete), month_fy, complete


def sum_by_fy(monthly: np.ndarray, month_fy: np.ndarray, n_fy: int) -> np.ndarray:
    """Sum months (last axis) into the complete financial years of :func:`fy_layout` (shape (…, n_fy))."""
    m = (month_fy[:, None] == np.arange(n_fy)[None, :]).astype(float)
    return monthly @ m


def month_columns(fy_years: np.ndarray, months: pd.DatetimeIndex) -> np.ndarray:
    """Index into ``fy_years`` (sorted start years, one per column of a yearly array) of each month's year."""
    return np.searchsorted(np.asarray(fy_years), np.asarray(fy_start(months)))


def annual_to_monthly(annual: np.ndarray, fy_years: np.ndarray, months: pd.DatetimeIndex) -> np.ndarray:
    """A twelfth of each financial year's figure in each of its months: (…, n_years) → (…, n_months).

    ``fy_years`` are the start years of ``annual``'s columns (sorted); every month's year must be among them.
    """
    return annual[..., month_columns(fy_years, months)] / 12.0
