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


MINUS = "\u2212"  # the typographic minus sign: −£27,236, never "£-27,236"


def fmt_gbp_full(x: float | None, *, signed: bool = False) -> str:
    """Whole pounds in UK style: £27,236, −£27,236 (the minus before the £); ``signed`` adds + to a gain.

    Parameters
    ----------
    x : float or None
        Amount in £ (rounded to the nearest pound).
    signed : bool
        For a change: +£1,200 and −£1,200; zero reads £0 (no sign: nothing changed).

    Returns
    -------
    str
        ``"–"`` for None/NaN.
    """
    if x is None or math.isnan(float(x)):
        return "–"
    x = float(x)
    if math.isinf(x):
        return f"{MINUS if x < 0 else ('+' if signed else '')}£∞"
    whole = round(x)
    if whole == 0:
        return "£0"
    sign = MINUS if whole < 0 else ("+" if signed else "")
    return f"{sign}£{abs(whole):,}"


def fmt_gbp_change(x: float | None) -> str:
    """A change in £, short and signed: +£1.2m, −£250k, £0 for no change (see :func:`fmt_gbp`)."""
    if x is None or math.isnan(float(x)):
        return "–"
    text = fmt_gbp(x)
    if text in ("£0", "−£0"):
        return "£0"
    return text if text.startswith(MINUS) else "+" + text
