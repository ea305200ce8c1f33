"""Unit: financial years (April–March) — the single definition every model uses."""

from __future__ import annotations

import numpy as np
import pandas as pd

from models.core.fy import complete_fy_totals, fy_label, fy_start


def test_fy_start_and_label() -> None:
    months = pd.date_range("2025-03-01", periods=3, freq="MS")
    assert list(fy_start(months)) == [2024, 2025, 2025]
    assert fy_start(pd.Timestamp("2026-03-31")) == 2025
    assert fy_label(1999) == "1999-00" and fy_label(2021) == "2021-22"


def test_complete_years_only() -> None:
    s = pd.Series(np.ones(30), index=pd.date_range("2015-01-01", periods=30, freq="MS"))  # Jan 2015 – Jun 2017
    totals = complete_fy_totals(s)
    assert totals.to_dict() == {2015: 12.0, 2016: 12.0}  # 2014-15 and 2017-18 are part years
