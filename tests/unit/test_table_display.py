"""Unit: pages.ui.tables turns a model table into grid cells without "None", "nan" or "£-"."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from pages.ui.tables import BLANK, number_formatter, shown_name, table_for_display
from pages.ui.widgets import money_delta, signed_delta

GBP = st.column_config.NumberColumn("Net cost", format="£%,.0f")


def test_negative_money_reads_minus_pound_and_stays_right_aligned() -> None:
    df, config = table_for_display(pd.DataFrame({"net": [-27236.4, 1200.0], "n": [1, 2]}), {"net": GBP})
    shown = shown_name("net")
    assert list(df.columns) == [shown, "n", "net"]  # the text where the number was; the number kept, hidden
    assert list(df[shown]) == ["−£27,236", "£1,200"] and list(df["net"]) == [-27236.4, 1200.0]
    assert config[shown]["label"] == "Net cost" and config[shown]["alignment"] == "right" and config["net"] is None
    _, unlabelled = table_for_display(
        pd.DataFrame({"P10 (£)": [-1.0]}), {"P10 (£)": {"type_config": {"format": "£%d"}}}
    )
    assert unlabelled[shown_name("P10 (£)")]["label"] == "P10 (£)"  # the header the reader saw before


def test_money_that_streamlit_shows_right_stays_a_sortable_number() -> None:
    data = pd.DataFrame({"spend": [0.0, 1200.0]})
    df, config = table_for_display(data, {"spend": GBP})
    assert df["spend"].dtype == float and config["spend"]["type_config"]["format"] == "£%,.0f"


def test_money_changes_carry_a_sign_and_zero_reads_pound_nought() -> None:
    df, _ = table_for_display(pd.DataFrame({"d": [1200.0, -1200.0, 0.2]}), {"d": GBP}, changes=("d",))
    assert list(df[shown_name("d")]) == ["+£1,200", "−£1,200", "£0"]


def test_empty_cells_read_a_dash_and_the_help_says_why() -> None:
    data = pd.DataFrame({"name": ["a", None], "days": [3.0, np.nan], "pct": [0.25, np.nan]})
    config = {
        "days": st.column_config.NumberColumn("Days", format="%,.0f", help="Winter days."),
        "pct": st.column_config.NumberColumn("Share", format="percent"),
    }
    df, out = table_for_display(data, config, blank_help={"days": "not a discharge scheme"})
    days, pct = shown_name("days"), shown_name("pct")
    assert list(df["name"]) == ["a", BLANK] and list(df[days]) == ["3", BLANK] and list(df[pct]) == ["25%", BLANK]
    assert number_formatter("percent")(0.473) == "47.3%"
    assert out[days]["help"] == "Winter days. – : not a discharge scheme."
    assert data["days"].isna().sum() == 1  # the model's frame is not changed


def test_printf_formats_as_streamlit_shows_them() -> None:
    assert number_formatter("%,.0f")(12345.6) == "12,346"
    assert number_formatter("%+.1f%%")(2.25) == "+2.2%"  # banker's rounding aside, one decimal and a literal %
    assert number_formatter("%d")(2025.0) == "2025"
    assert number_formatter("£%,.0f")(-5.0) == "−£5"


def test_a_zero_change_has_no_delta_and_units_glue_on() -> None:
    assert signed_delta(0.04, ".1f", "on 2024-25", unit="%") is None
    assert signed_delta(2.6, ".1f", "on 2024-25", unit="%") == "+2.6% on 2024-25"
    assert signed_delta(-3, ",") == "-3"


def test_a_money_delta_is_uk_style_and_none_for_no_change() -> None:
    assert money_delta(-3_400_000.0) == "−£3.4m" and money_delta(250_000.0, "vs today") == "+£250k vs today"
    assert money_delta(0.3) is None and money_delta(float("nan")) is None
