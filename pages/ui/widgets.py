"""Lever widgets: a widget bound to a scenario field, each change a new validated scenario or a plain refusal."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import streamlit as st
from pydantic import ValidationError

from models.core.units import fmt_gbp_change
from models.scenario import Scenario, evolve, explain
from pages.ui.changes import set_scenario
from pages.ui.state import scenario
from pages.ui.text import safe_text


def signed_delta(x: float | None, fmt: str, suffix: str = "", *, unit: str = "") -> str | None:
    """A metric's delta text, "+12 vs …" / "-12 vs …", or None when it shows as zero (no arrow for no change).

    Parameters
    ----------
    x : float or None
        The change, in the metric's own units (a share for a "%" spec: 0.012 → "+1.2%").
    fmt : str
        A format spec without sign (",.0f", ".1%", ","): the precision decides what counts as no change.
    suffix : str
        Words after the number, after a space ("vs current funding").
    unit : str
        Text glued to the number ("%" for a change already in percentage points: 2.6 → "+2.6%").

    Returns
    -------
    str or None
        The sign is an ASCII "+"/"-" because st.metric points and colours its arrow by the leading character
        (money deltas, shown without an arrow, use :func:`models.core.units.fmt_gbp_change` for −£). A change
        that rounds to zero at this precision is no change and gets no delta: a "+0" wore a red arrow.
    """
    if x is None or not math.isfinite(x):
        return None
    text = f"{abs(x):{fmt}}"
    if not any(ch in "123456789" for ch in text):
        return None
    return ("+" if x > 0 else "-") + text + unit + (f" {suffix}" if suffix else "")


def money_delta(x: float | None, suffix: str = "") -> str | None:
    """A money metric's delta in UK style, +£1.2m / −£250k (see :func:`models.core.units.fmt_gbp_change`), or None
    when it shows as £0 (no change, no delta). For metrics drawn without an arrow (``delta_arrow="off"``): st.metric
    would point an arrow by an ASCII "-" only, and money takes the true minus sign."""
    text = fmt_gbp_change(x)
    if text in ("£0", "–"):
        return None
    return text + (f" {suffix}" if suffix else "")


def _get(obj: Any, path: Sequence[str]) -> Any:
    for name in path:
        obj = getattr(obj, name)
    return obj


def _evolve_path(sc: Scenario, path: Sequence[str], value: Any, also: dict[str, Any] | None = None) -> Scenario:
    if len(path) == 1:
        return evolve(sc, **{path[0]: value}, **(also or {}))
    if len(path) == 2:
        return evolve(sc, **{path[0]: {path[1]: value, **(also or {})}})
    raise ValueError("levers are at most two levels deep")


def bound_widget(
    widget: Callable[..., Any],
    label: str,
    key: str,
    current: Any,
    apply: Callable[[Any], Scenario],
    **kwargs: Any,
) -> Any:
    """A widget that always shows the scenario's value and, when changed, makes a new validated scenario.

    The widget's state is put in line with the scenario before it is drawn, so a change
    made elsewhere (another widget, a preset, a button) shows here, and a refused change
    springs back. ``apply(value)`` returns the new Scenario; a ValidationError becomes a
    plain message (see :func:`show_lever_errors`) and the last valid scenario stays.
    """
    if key not in st.session_state or st.session_state[key] != current:
        st.session_state[key] = current

    def on_change() -> None:
        try:
            set_scenario(apply(st.session_state[key]))
        except ValidationError as err:
            st.session_state.lever_errors = explain(err)

    return widget(label, key=key, on_change=on_change, **kwargs)


def lever(
    widget: Callable[..., Any],
    label: str,
    path: Sequence[str],
    *,
    to_value: Callable[[Any], Any] | None = None,
    also: Callable[[Scenario, Any], dict[str, Any]] | None = None,
    **kwargs: Any,
) -> Any:
    """Render ``widget`` for the scenario field at ``path`` (see :func:`bound_widget`).

    ``display_value`` (kwarg) is what the widget shows when it differs from the field
    (e.g. % for a share); ``to_value`` converts the widget's value back into the
    field's value; ``also(scenario, value)`` returns further changes to the same group
    made with it (e.g. P0 takes the rest of the pathway shares).
    """
    display = kwargs.pop("display_value", _get(scenario(), path))
    key = "lever:" + ".".join(path) + f"#{st.session_state.rev}"

    def apply(raw: Any) -> Scenario:
        value = to_value(raw) if to_value else raw
        now = scenario()
        return _evolve_path(now, path, value, also(now, value) if also else None)

    return bound_widget(widget, label, key, display, apply, **kwargs)


def show_lever_errors() -> None:
    """The last refused lever change, in plain words (the scenario before it is still in use)."""
    for line in st.session_state.get("lever_errors", []):
        st.error(f"Not applied: {safe_text(line)}. The last valid scenario is still in use.")
