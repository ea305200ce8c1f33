"""Units and money formats: the one place that turns pounds into text and weeks into years.

Pounds stay numbers everywhere in the models and are formatted only at the edge (pages, charts, exports).
"""

from __future__ import annotations

import math

#: Days and weeks in an average year (leap years included): £ a week × WEEKS_A_YEAR = £ a year.
DAYS_A_YEAR = 365.25
WEEKS_A_YEAR = 365.25 / 7.0


def fmt_gbp(x: float | None) -> str:
    """Short £ text for hover labels and captions: £1.2m, £250k, £950, −£3.4m.

    Parameters
    ----------
    x : float or None
        Amount in £.

    Returns
    -------
    str
        ``"–"`` for None/NaN, ``"£∞"`` for infinities.
    """
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    x = float(x)
    if math.isnan(x):
        return "–"
    sign = "−" if x < 0 else ""
    a = abs(x)
    if math.isinf(a):
        return f"{sign}£∞"
    # Decide the unit on the *rounded* value so 999,999 reads £1.0m, not £1000k.
    if round(a / 1e9, 1) >= 1:
        return f"{sign}£{a / 1e9:.1f}bn"
    if round(a / 1e6, 1) >= 1:
        return f"{sign}£{a / 1e6:.1f}m"
    if round(a / 1e3) >= 1 and round(a) >= 1000:
        k = round(a / 1e3)
        if k >= 1000:
            return f"{sign}£1.0m"
        return f"{sign}£{k:.0f}k"
    return f"{sign}£{a:.0f}"


WEEKS_A_YEAR = 365.25 / 7.0


DAYS_A_YEAR = 365.25
