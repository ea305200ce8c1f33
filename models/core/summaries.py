"""The one summariser: mean and P-quantiles of Monte Carlo draws, by period.

Every table of draws the app shows (monthly and yearly projections, placements, winter KPIs, money, partner
positions) is summarised here, so a P10 means the same everywhere: ``numpy.quantile`` with its default (linear)
interpolation over the draws axis.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

QUANTILES = (0.025, 0.10, 0.50, 0.90, 0.975)


QUANTILE_COLUMNS = ("p025", "p10", "p50", "p90", "p975")

#: The P10 / P50 / P90 the money tables report.
P10_P50_P90 = (0.10, 0.50, 0.90)


def quantiles(x: np.ndarray, qs: Sequence[float] | float = P10_P50_P90, axis: int | None = 0) -> np.ndarray:
    """P-quantiles of draws along ``axis`` (default the first: draws × …), NumPy's default (linear) method.

    Returns shape ``(len(qs), …)`` for a sequence of quantiles, the reduced shape for a single one.
    """
    q = list(qs) if isinstance(qs, Sequence) else qs
    return np.quantile(np.asarray(x, dtype=float), q, axis=axis)


def summarise(
    named: tuple[tuple[str, str, np.ndarray], ...], periods: pd.Index, period_col: str = "month"
) -> pd.DataFrame:
    """Mean and quantiles of several (n_draws, n_periods) arrays in one NumPy call (slider hot path).

    Returns columns metric, series, ``period_col``, mean, p025, p10, p50, p90, p975.
    """
    stack = np.stack([paths for _, _, paths in named])  # (k, n_draws, n_periods)
    q = quantiles(stack, QUANTILES, axis=1)  # (5, k, n_periods)
    k, n = stack.shape[0], stack.shape[2]
    columns = {
        "metric": np.repeat([m for m, _, _ in named], n),
        "series": np.repeat([s for _, s, _ in named], n),
        period_col: np.tile(np.asarray(periods), k),
        "mean": stack.mean(axis=1).ravel(),
    }
    columns.update({col: values.ravel() for col, values in zip(QUANTILE_COLUMNS, q, strict=True)})
    return pd.DataFrame(columns)  # one frame (a column at a time costs a block insert each)
