"""Emergency admissions of people aged 65+: the first BCF core metric's numerator (2025-27).

An area may record its 65+ admissions (the optional ``nea_65plus`` column of ``admissions_monthly.csv``); many
cannot. Either way the 65+ series is projected as the all-age projection times the **65+ share** of emergency
admissions, so the two series can never disagree (65+ ≤ all ages, draw by draw) and a slider never refits:

- the share each month comes from the age-band admission rates and the (projected) population: expected 65+
  admissions ÷ expected admissions of all ages (``sum_band rate × population``), interpolated to the month as the
  demand index is (:func:`models.demand.population.monthly_index`);
- with a recorded 65+ series the share is **calibrated**: multiplied by recorded ÷ estimated 65+ admissions over the
  last 12 recorded months (so the projection starts at the area's own level); without one, the share is the
  estimate itself, and every figure built on it is labelled an estimate.

Rates are per 100,000 residents aged 65+ a year, on the mid-year 65+ population of the year the financial year
starts in (June lies in April–March), as for ASCOF 2C. Pure numpy/pandas.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from models.demand.population import monthly_index
from models.inputs.history import older_share_by_year

CALIBRATION_MONTHS = 12  # recorded months the share is calibrated on (the latest year)
PER_100K = 100_000.0


@dataclass(frozen=True)
class OlderShare:
    """The 65+ share of emergency admissions for a run of months.

    Attributes
    ----------
    share : ndarray (n_months,)
        Share of all-age emergency admissions that are of people aged 65+ (fraction, ≤ 1).
    factor : float
        Calibration: recorded ÷ estimated 65+ admissions over the latest recorded year (1.0 when estimated).
    estimated : bool
        True when the area has no recorded 65+ series (the share is the age-band estimate).
    """

    share: np.ndarray
    factor: float
    estimated: bool

    @property
    def note(self) -> str:
        """How the 65+ series was obtained, in plain words."""
        if self.estimated:
            return (
                "Estimate: the area has no recorded 65+ series, so 65+ admissions are all-age admissions × the 65+ "
                "share expected from the age-band admission rates and the population (add a nea_65plus column to "
                "the admissions file to use recorded figures)."
            )
        return (
            f"Recorded 65+ admissions; projected as all-age admissions × the 65+ share, calibrated to the latest "
            f"{CALIBRATION_MONTHS} recorded months (× {self.factor:.3f} on the age-band estimate)."
        )


def _monthly_share(shares: pd.DataFrame, months: pd.DatetimeIndex) -> np.ndarray:
    if (shares["index"] <= 0).any():  # monthly_index needs positive values; no older residents → share 0
        return np.zeros(len(months))
    return np.clip(monthly_index(shares, months), 0.0, 1.0)


def calibration_factor(
    shares: pd.DataFrame, recorded_all: pd.Series, recorded_65: pd.Series | None
) -> tuple[float, bool]:
    """Recorded ÷ estimated 65+ admissions over the latest :data:`CALIBRATION_MONTHS` months, and whether estimated.

    ``recorded_all`` and ``recorded_65`` are monthly counts indexed by month start. Without a recorded 65+ series,
    or when the latest year has no admissions, the factor is 1 and the share stays an estimate.
    """
    if recorded_65 is None or len(recorded_65) == 0:
        return 1.0, True
    last = recorded_all.index[-CALIBRATION_MONTHS:]
    estimated = float((recorded_all.loc[last].to_numpy() * _monthly_share(shares, pd.DatetimeIndex(last))).sum())
    if estimated <= 0:
        return 1.0, True
    return float(recorded_65.loc[last].sum()) / estimated, False


def older_share(
    pop: pd.DataFrame,
    rates: Mapping[str, float],
    months: pd.DatetimeIndex,
    recorded_all: pd.Series,
    recorded_65: pd.Series | None,
) -> OlderShare:
    """The 65+ share of emergency admissions for ``months``, calibrated to a recorded 65+ series when there is one.

    The calibrated share is capped at 1 (65+ admissions never exceed all-age admissions).
    """
    shares = older_share_by_year(pop, rates)
    factor, estimated = calibration_factor(shares, recorded_all, recorded_65)
    share = np.minimum(_monthly_share(shares, months) * factor, 1.0)
    return OlderShare(share=share, factor=factor, estimated=estimated)


def rate_per_100k(count: np.ndarray | float, population_65plus: np.ndarray | float) -> np.ndarray:
    """Admissions a year per 100,000 residents aged 65+ (NaN where the population is 0)."""
    count = np.asarray(count, dtype=float)
    pop = np.asarray(population_65plus, dtype=float)
    return np.divide(count * PER_100K, pop, out=np.full(np.broadcast(count, pop).shape, np.nan), where=pop > 0)
