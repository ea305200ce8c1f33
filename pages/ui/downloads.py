"""Download buttons under a page's tables: CSV and Excel, formula-safe, labelled with the area and scenario."""

from __future__ import annotations

import functools

import pandas as pd
import streamlit as st

from models import pipeline
from models.core.xlsx import to_csv_bytes, to_excel_bytes
from models.inputs.areas import AreaData
from models.money.riskshare import Finance
from models.report.pack import PackInputs, board_pack
from pages.ui.state import area, scenario_label

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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


def _pack_bytes(
    a: AreaData, res: pipeline.Results, ref: pipeline.Results, fin: Finance, tor: pd.DataFrame, label: str
) -> bytes:
    """The board pack from what the page has already computed (its options are the winter's, simulated on click)."""
    w = res.winter
    options = pipeline.winter_options(res.scenario, w) if w is not None else None
    capacity = pipeline.capacity_attribution(res.scenario, w) if w is not None else None
    return board_pack(PackInputs(res, ref, fin, tor, options, capacity), a, label=label)


def board_pack_button(
    res: pipeline.Results, ref: pipeline.Results, fin: Finance, tor: pd.DataFrame, *, key: str
) -> None:
    """The board pack download (models/report/pack.py), built when clicked (hidden when presenting).

    ``res`` and ``ref``: the scenario's and current funding's results; ``fin`` and ``tor``: the page's finance and
    tornado, so the pack's numbers are the page's.
    """
    if st.session_state.get("presentation"):
        return
    synthetic = area().meta.synthetic
    st.download_button(
        "Board pack (Excel)",
        data=functools.partial(_pack_bytes, area(), res, ref, fin, tor, scenario_label()),
        file_name="bcf_board_pack" + ("_illustrative" if synthetic else "") + ".xlsx",
        mime=XLSX,
        key=key,
        type="primary",
        on_click="ignore",  # built when clicked, never on a rerun; no rerun to race the download
        help="One workbook for a board paper: cover and contents, the metrics against the ambitions, the levers, "
        "results by year, the winter and its options, each partner's risk, the charts, assumptions and sources. "
        "Prints on A4 (charts take a few seconds to draw).",
    )
