"""Download buttons under a page's tables: CSV and Excel, formula-safe, labelled with the area and scenario."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from models.core.xlsx import to_csv_bytes, to_excel_bytes
from pages.ui.state import area, scenario_label


def downloads(frames: dict[str, pd.DataFrame], stem: str, note: str = "") -> None:
    """CSV (first frame) and Excel (all frames) download buttons, formula-safe (hidden when presenting)."""
    if st.session_state.get("presentation"):
        return
    synthetic = area().meta.synthetic
    label = "illustrative demo data" if synthetic else area().meta.name
    about = f"BCF Scenario Lab export: {stem}. Area: {area().meta.name} ({label}). Scenario: {scenario_label()}."
    name = stem + ("_illustrative" if synthetic else "")  # the file name says so too
    c1, c2 = st.columns(2)
    first_name, first = next(iter(frames.items()))
    c1.download_button(
        f"Download {first_name} (CSV)",
        lambda: to_csv_bytes(first),  # built only when clicked: keeps slider reruns fast
        file_name=f"{name}.csv",
        mime="text/csv",
        key=f"csv:{stem}",
        width="stretch",
        on_click="ignore",
    )
    c2.download_button(
        "Download all tables (Excel)",
        lambda: to_excel_bytes(frames, notes=about + ("\n" + note if note else "")),
        file_name=f"{name}.xlsx",
        key=f"xlsx:{stem}",
        width="stretch",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        on_click="ignore",
    )
