"""App (AppTest): every table on every page hands the grid cells that read right on a projector.

Streamlit's grid is a canvas: what a cell shows is not in the page's HTML, so the browser test cannot read it.
What the grid draws is decided by the frame and column config a page passes, which AppTest sees:

- a missing value in any column is drawn as a grey "None" whatever its format, so no column may hold one
  (the page shows "–" instead, with the reason in the column's help);
- no text cell reads "None", "nan", "NaN" or "<NA>";
- a printf money format ("£%,.0f") draws −27,236 as "£-27,236", so a column with such a format may hold no
  negative amount, and no text cell (and no metric) shows "£-": money reads −£27,236.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

from pages.ui.tables import SHOWN_SUFFIX, shown_name
from tests.app import test_uk_conventions
from tests.conftest import APP_PAGES

#: the shared fixture (every page rendered once in one session), not a second run of every page
rendered = test_uk_conventions.rendered

EMPTY_WORD = re.compile(r"^\s*(None|nan|NaN|NaT|<NA>|null)\s*$")


@pytest.fixture(scope="module")
def tables(rendered: dict[str, dict]) -> dict[str, dict]:
    """Each page's tables as handed to the grid (frame, column config, kind) and its metrics' label and value
    (every page opened once in one session: the fixture of tests/app/test_uk_conventions.py)."""
    return {
        page: {"tables": r["tables"], "metrics": [f"{label} {value}" for label, value in r["metrics"]]}
        for page, r in rendered.items()
    }


def _format(config: dict, col: object) -> str | None:
    cfg = config.get(str(col))
    return ((cfg.get("type_config") or {}).get("format") if isinstance(cfg, dict) else None) or None


def table_problems(df: pd.DataFrame, config: dict, where: str) -> list[str]:
    """What the grid would show wrongly for this frame and config (empty list: nothing)."""
    problems = []
    for col in df.columns:
        values = df[col]
        if (config.get(str(col)) or {}).get("hidden"):
            continue  # kept for readers of the frame, not drawn
        label = (config.get(str(col)) or {}).get("label") or str(col)
        if SHOWN_SUFFIX in label:
            problems.append(f"{where}: column {col!r} is headed {label!r}, not as the page named it")
        if values.isna().any():
            problems.append(f"{where}: column {col!r} has {int(values.isna().sum())} empty cell(s), drawn 'None'")
        fmt = _format(config, col)
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            if fmt and fmt.startswith("£") and (values.round() < 0).any():
                problems.append(f"{where}: column {col!r} draws a negative amount as '£-' (format {fmt!r})")
            continue
        for v in values.dropna().astype(str):
            if EMPTY_WORD.match(v) or "£-" in v:
                problems.append(f"{where}: column {col!r} shows {v!r}")
                break
    return problems


@pytest.mark.parametrize("page", APP_PAGES)
def test_no_empty_word_and_no_pound_minus_in_any_table(tables: dict, page: str) -> None:
    problems = []
    for k, (df, config, kind) in enumerate(tables[page]["tables"]):
        problems += table_problems(df, config, f"{page} {kind} {k}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("page", APP_PAGES)
def test_no_pound_minus_or_empty_word_in_metrics(tables: dict, page: str) -> None:
    for text in tables[page]["metrics"]:
        assert "£-" not in text, f"{page}: {text!r}"
        assert not re.search(r"\b(None|nan|NaN)\b", text), f"{page}: {text!r}"


def test_the_pages_tables_that_had_empty_cells_are_covered(tables: dict) -> None:
    """The tables that showed "None" (Winter options, Schemes results) and "£-" (Finance) are still found here."""
    winter_days, cost = shown_name("winter_delayed_days_avoided"), shown_name("cost_per_bed_day_freed")
    schemes = [df for df, _, _ in tables["pages/schemes.py"]["tables"] if winter_days in df.columns]
    assert schemes and (schemes[0][winter_days] == "–").any()  # activity schemes: no winter
    winter = [df for df, _, _ in tables["pages/winter.py"]["tables"] if cost in df.columns]
    assert winter and (winter[0][cost] == "–").any()  # the scenario row: no cost per day
    p10 = shown_name("P10 (£)")
    finance = [df for df, _, _ in tables["pages/finance.py"]["tables"] if p10 in df.columns]
    assert finance and any(str(v).startswith("−£") for df in finance for v in df[p10])  # a loss, UK style
    assert all(pd.api.types.is_float_dtype(df["P10 (£)"]) for df in finance)  # the numbers kept, hidden
