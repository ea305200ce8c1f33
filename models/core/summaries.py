"""The one summariser: mean and P-quantiles of Monte Carlo draws, by period.

Every table of draws the app shows (monthly and yearly projections, placements, winter KPIs, money, partner
positions) is summarised here, so a P10 means the same everywhere: ``numpy.quantile`` with its default (linear)
interpolation over the draws axis.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

QUANTILES = (0.025, 0.10, 0.50, 0.90, 0.975)


QUANTILE_COLUMNS = ("p025", "p10", "p50", "p90", "p975")


def summarise(
    named: tuple[tuple[str, str, np.ndarray], ...], periods: pd.Index, period_col: str = "month"
) -> pd.DataFrame:
    """Mean and quantiles of several (n_draws, n_periods) arrays in one NumPy call (slider hot path).

    Returns columns metric, series, ``period_col``, mean, p025, p10, p50, p90, p975.
    """
    stack = np.stack([paths for _, _, paths in named])  # (k, n_draws, n_periods)
    q = np.quantile(stack, QUANTILES, axis=1)  # (5, k, n_periods)
    k, n = stack.shape[0], stack.shape[2]
    columns = {
        "metric": np.repeat([m for m, _, _ in named], n),
        "series": np.repeat([s for _, s, _ in named], n),
        period_col: np.tile(np.asarray(periods), k),
        "mean": stack.mean(axis=1).ravel(),
    }
    columns.update({col: values.ravel() for col, values in zip(QUANTILE_COLUMNS, q, strict=True)})
    return pd.DataFrame(columns)  # one frame (a column at a time costs a block insert each)
