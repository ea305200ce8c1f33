"""Tables on the pages: empty cells read "–", money reads in UK style (−£27,236, +£1,200), whatever the data.

Streamlit's grid draws a missing value as a grey "None" whatever the column's format, and its printf formats put
the sign after a prefix ("£%,.0f" shows "£-27,236"); it has no pound preset (1.67: dollar, euro, yen, accounting …).
So :func:`show_table` keeps a number column as it is (sortable by value, formatted by Streamlit) when Streamlit's
own format shows every cell of it correctly, and otherwise shows it as a text column formatted here, aligned right:
money through :func:`models.core.units.fmt_gbp_full` (the one money formatter), other numbers by the column's
own printf format, an empty cell as :data:`BLANK`. The numbers stay in the frame, hidden, under the column's own
name (what the page shows is still the model's number for anyone reading the frame); the text column sorts as
text, and the table's row order is the model's. Model numbers are never changed: only what the grid is handed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from typing import Any

import pandas as pd
import streamlit as st

from models.core.units import fmt_gbp_full

#: What an empty cell shows (an en dash, as fmt_gbp shows a missing amount); say what it means in the column help.
BLANK = "–"
#: Suffix of the name of a column shown as text (the number column keeps its own name, hidden)
SHOWN_SUFFIX = " (as shown)"
#: printf number formats as Streamlit's NumberColumn takes them: prefix, %, optional + and thousands comma,
#: optional precision, d/i/f, suffix ("%%" is a literal %)
_PRINTF = re.compile(r"^(?P<pre>[^%]*)%(?P<plus>\+?)(?P<comma>,?)(?:\.(?P<prec>\d+))?(?P<kind>[dif])(?P<post>.*)$")


def _is_money(fmt: object) -> bool:
    return isinstance(fmt, str) and fmt.startswith("£")


def number_formatter(fmt: object) -> Callable[[float], str]:
    """Python text for one cell as Streamlit's NumberColumn ``format`` would show it (money in UK style).

    Parameters
    ----------
    fmt : str or None
        The column's format: a printf format ("%,.0f", "%+.1f%%", "£%,.0f"), "percent", or None.

    Returns
    -------
    callable
        float -> str. A "£" format gives whole pounds with the sign before the £ (−£27,236), never "£-27,236".
    """
    if _is_money(fmt):
        return fmt_gbp_full
    if fmt == "percent":  # as Streamlit's preset: at most one decimal, none when it is 0 (47.3%, 47%)
        return lambda v: f"{v * 100:.1f}".removesuffix(".0") + "%"
    m = _PRINTF.match(fmt) if isinstance(fmt, str) else None
    if not m:
        return lambda v: f"{v:,.0f}" if float(v).is_integer() else f"{v:,.2f}"
    spec = f"{m['plus']}{m['comma']}.{m['prec'] if m['kind'] == 'f' and m['prec'] else 0}f"
    pre, post = m["pre"].replace("%%", "%"), m["post"].replace("%%", "%")
    return lambda v: f"{pre}{v:{spec}}{post}"


def _as_text(values: pd.Series, fmt: Callable[[float], str]) -> pd.Series:
    return pd.Series([BLANK if pd.isna(v) else fmt(float(v)) for v in values], index=values.index, dtype=object)


def _has_empty(values: pd.Series) -> bool:
    return any(pd.isna(v) for v in values)


def _config_of(entry: object) -> dict[str, Any]:
    return dict(entry) if isinstance(entry, Mapping) else ({"label": entry} if isinstance(entry, str) else {})


def _text_column(entry: object, name: str) -> dict[str, Any]:
    """The column's config as a right-aligned text column, keeping its label (else its name), help, width, pinning."""
    cfg = _config_of(entry)
    keep = {k: cfg.get(k) for k in ("help", "width", "pinned")}
    return st.column_config.TextColumn(cfg.get("label") or name, **keep, alignment="right")


def _needs_text(values: pd.Series, fmt: object, signed: bool) -> bool:
    """Whether Streamlit's own format would misshow this column: an empty cell, or money with a sign."""
    if signed or _has_empty(values):
        return True
    return _is_money(fmt) and any(round(float(v)) < 0 for v in values)


def table_for_display(
    data: pd.DataFrame,
    column_config: Mapping[str, Any] | None = None,
    *,
    changes: Collection[str] = (),
    blank_help: Mapping[str, str] | None = None,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The frame and column config to hand st.dataframe: no "None"/"nan" cell, money as −£27,236 / +£1,200.

    Parameters
    ----------
    data : DataFrame
        The table as the pipeline gives it (not modified).
    column_config : mapping, optional
        st.dataframe's column config; a "£…" format marks a money column (whole £).
    changes : collection of str
        Money columns that are changes: shown signed, +£1,200 / −£1,200, and £0 for none.
    blank_help : mapping of str to str, optional
        What an empty cell means, per column ("not a discharge scheme"); added to the column's help.

    Returns
    -------
    (DataFrame, dict)
        The display frame and its column config. A column Streamlit can show right stays as it is (a number
        column sorts by value). Any other is shown by a text column named :func:`shown_name` in its place, and
        the numbers stay in the frame under their own name, hidden, so a test or a reader of the frame gets the
        model's numbers (NaN where the page shows "–").
    """
    columns: dict[str, pd.Series] = {}
    hidden: dict[str, pd.Series] = {}
    config: dict[str, Any] = dict(column_config or {})
    for col in data.columns:
        key, values = str(col), data[col]
        fmt = (_config_of(config.get(key)).get("type_config") or {}).get("format")
        shown = values
        if pd.api.types.is_bool_dtype(values):
            pass
        elif pd.api.types.is_numeric_dtype(values):
            signed = key in changes
            if _needs_text(values, fmt, signed):
                money = (lambda v: fmt_gbp_full(v, signed=True)) if signed else number_formatter(fmt)
                shown = _as_text(values, money)
                # the text in a column of its own, where the number was; the number stays, hidden, under its own
                # name: what the page shows can still be read (and checked) as the model's number
                columns[shown_name(key)] = shown
                config[shown_name(key)] = _text_column(config.get(key), key)
                hidden[key], config[key] = values, None
                key = shown_name(key)
        elif _has_empty(values):
            shown = values.astype(object).where(values.notna(), BLANK)
        if key not in columns:
            columns[key] = shown
        if blank_help and str(col) in blank_help and any(v == BLANK for v in shown):
            cfg = _config_of(config.get(key, key))
            cfg["help"] = " ".join(filter(None, [cfg.get("help"), f"{BLANK} : {blank_help[str(col)]}."]))
            config[key] = cfg
    return pd.DataFrame({**columns, **hidden}, index=data.index), config


def shown_name(column: str) -> str:
    """The name of the text column that shows ``column`` (whose numbers stay in the frame, hidden)."""
    return f"{column}{SHOWN_SUFFIX}"


def show_table(
    data: pd.DataFrame,
    column_config: Mapping[str, Any] | None = None,
    *,
    changes: Collection[str] = (),
    blank_help: Mapping[str, str] | None = None,
    where: Any = st,
    **kwargs: Any,
) -> Any:
    """st.dataframe (on ``where``, a container or st) of :func:`table_for_display`'s frame; other kwargs as given."""
    df, config = table_for_display(data, column_config, changes=changes, blank_help=blank_help)
    return where.dataframe(df, column_config=config, **kwargs)
