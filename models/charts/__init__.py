"""Pure chart builders: each function takes tidy frames and returns a Plotly figure.

Shared look: a colour-blind-safe palette (Okabe–Ito), readable type for a
projector, and an "illustrative" note when the demo data are shown.
"""

from __future__ import annotations

import math
import textwrap

# Imported fully before Plotly: Plotly's validators look pandas up in sys.modules rather than importing it, so on a
# fresh server, where several sessions' first page runs import modules at once, a half-imported pandas from another
# thread raised "partially initialized module 'pandas'" here. An explicit import waits for the other thread's.
import numpy  # noqa: F401, I001 - see above
import pandas  # noqa: F401 - see above
import plotly.graph_objects as go
import plotly.io as pio

from models.core.units import fmt_gbp

# Okabe & Ito (2008) colour-blind-safe palette.
PALETTE = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "vermillion": "#D55E00",
    "sky": "#56B4E9",
    "purple": "#CC79A7",
    "yellow": "#F0E442",
    "grey": "#7F7F7F",
    "black": "#000000",
}
SEQUENCE = [PALETTE[k] for k in ("blue", "orange", "green", "vermillion", "sky", "purple", "grey", "yellow")]
BAND_80 = "rgba(0, 114, 178, 0.30)"
BAND_95 = "rgba(0, 114, 178, 0.15)"


def _template() -> go.layout.Template:
    """Plotly's "plotly_white" look (layout only) with our type, palette, legend and hover.

    Built once: assigning a small template costs about a millisecond a chart, the full
    "plotly_white" (trace defaults for 3-D, maps, polar…) about ten, on every slider move.
    """
    white = pio.templates["plotly_white"].layout.to_plotly_json()
    keep = ("autotypenumbers", "hoverlabel", "paper_bgcolor", "plot_bgcolor", "xaxis", "yaxis", "shapedefaults")
    layout = {k: white[k] for k in keep if k in white}
    layout.update(
        font={"size": 15, "color": "#2a3f5f"},
        colorway=SEQUENCE,
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.04, "x": 0.0},
        hovermode="x unified",
    )
    layout["xaxis"] = {**layout.get("xaxis", {}), "automargin": True}
    layout["yaxis"] = {**layout.get("yaxis", {}), "automargin": True, "rangemode": "tozero"}
    return go.layout.Template(layout=layout)


TEMPLATE = _template()
TEMPLATE_NAME = "bcf"
pio.templates[TEMPLATE_NAME] = TEMPLATE
# The default template is applied to every new figure without re-validating it, which a
# template passed to update_layout is (a few ms a chart, on every slider move). Streamlit
# sets its own default when it is imported, which may be after this module: see _our_default.
pio.templates.default = TEMPLATE_NAME


def _our_default(layout: dict) -> None:
    """Make ours Plotly's default again if an import replaced it (Streamlit's does, once).

    The figure being laid out was created under the other default, so it gets ours explicitly.
    """
    if pio.templates.default != TEMPLATE_NAME:
        pio.templates.default = TEMPLATE_NAME
        layout["template"] = TEMPLATE


def layout_spec(title: str, y_title: str, x_title: str = "", note: str = "") -> dict:
    """The shared layout as a plain dict: title, axis titles, margins and the optional footnote."""
    layout: dict = {
        "title": {"text": title, "x": 0.0, "xanchor": "left", "y": 0.98, "yanchor": "top", "font": {"size": 20}},
        "margin": {"l": 60, "r": 20, "t": 120, "b": 80 if note else 50},
        "yaxis": {"title": {"text": y_title}},
        "xaxis": {"title": {"text": x_title}},
        "annotations": [],
    }
    if note:
        layout["annotations"].append(
            {
                "text": note,
                "xref": "paper",
                "yref": "paper",
                "x": 0,
                "y": -0.18,
                "showarrow": False,
                "font": {"size": 12, "color": PALETTE["grey"]},
                "xanchor": "left",
            }
        )
    _our_default(layout)
    return layout


def figure(traces: list[dict], layout: dict) -> go.Figure:
    """A figure built in one step from trace and layout dicts.

    Plotly validates every incremental ``add_scatter`` / ``update_layout`` call on its own;
    building from dicts validates once (a 10-trace chart: ~5 ms instead of ~30 ms, on every
    slider move of every session).
    """
    return go.Figure(data=traces, layout=layout)


def base_layout(fig: go.Figure, title: str, y_title: str, x_title: str = "", note: str = "") -> go.Figure:
    """Apply the shared layout: title, axis titles, legend on top, optional footnote."""
    layout = layout_spec(title, y_title, x_title, note)
    layout["annotations"] = [*fig.layout.annotations, *layout["annotations"]]
    fig.update_layout(**layout)
    return fig


def money_ticks(lo: float, hi: float, n: int = 6) -> dict:
    """Axis ticks in UK money style (−£2m, £0, £2m) for a £ axis from ``lo`` to ``hi``: Plotly's own prefix
    would write "£−2,000,000". Returns ``tickvals`` and ``ticktext`` for ``update_xaxes`` / ``update_yaxes``.
    """
    span = max(hi - lo, 1.0)
    raw = max(span / max(n - 1, 1), 1.0)  # never finer than £1
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = math.ceil(lo / step) * step  # ticks inside the range only
    vals = [first + k * step for k in range(int(math.floor((hi - first) / step)) + 1)]
    return {"tickvals": vals, "ticktext": [fmt_gbp(0.0 if abs(v) < step / 1e6 else v) for v in vals]}


def wrap_label(text: str, width: int = 30) -> str:
    """A long label on several lines (Plotly's ``<br>``) so that a half-width chart on a 1366 px screen keeps it
    inside its box: category labels, long titles."""
    return "<br>".join(textwrap.wrap(str(text), width)) or str(text)
