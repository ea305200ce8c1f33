"""Charts as PNG pictures for the workbooks: Plotly figures drawn by kaleido in a headless Chromium.

Rendering is bounded (``RENDER_TIMEOUT_S`` for all of a workbook's charts, at most two browsers at once) and never
fatal: without a browser, or when drawing fails, the workbook says plainly that its charts were not included.
The browser is the system ``chromium`` (or ``BROWSER_PATH``); pictures are ``PNG_WIDTH`` × ``PNG_HEIGHT`` CSS pixels
at ``PNG_SCALE``.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from models.core.xlsx import png_size

PNG_WIDTH, PNG_HEIGHT, PNG_SCALE = 1200, 640, 1.5  # CSS pixels (the figures' fonts are sized for this), then ×1.5
log = logging.getLogger(__name__)
RENDER_TIMEOUT_S = 30.0  # for all of a workbook's charts, browser start included (≈ 3 s for four charts)


_RENDER_SLOTS = threading.BoundedSemaphore(2)  # at most two browsers at once (≈ 200 MB each)


@dataclass
class ChartImages:
    """Charts rendered for a workbook: ``pngs`` by title, and ``problem`` saying why some or all are missing."""

    pngs: dict[str, bytes] = field(default_factory=dict)
    problem: str = ""
    seconds: float = 0.0




def browser_path() -> str | None:
    """The Chromium (or Chrome) kaleido will drive: $BROWSER_PATH, $BCF_CHROMIUM, else choreographer's search.

    choreographer looks for ``chromium``, ``chromium-browser``, ``google-chrome`` … on the PATH
    and in the usual install folders (and a copy fetched by ``kaleido_get_chrome``).
    """
    for var in ("BROWSER_PATH", "BCF_CHROMIUM"):
        if (p := os.environ.get(var)) and os.path.isfile(p):
            return p
    try:
        from choreographer.browsers.chromium import Chromium
    except ImportError:
        return None
    try:
        found = Chromium.find_browser(skip_local=False)
    except Exception:  # noqa: BLE001 - a broken lookup is the same as no browser
        return None
    return found if found and os.path.isfile(found) else None


def _plain_reason(err: BaseException) -> str:
    name = type(err).__name__
    if isinstance(err, TimeoutError | asyncio.TimeoutError):
        return "drawing them took too long"
    if "ChromeNotFound" in name:
        return "no Chromium browser was found on this computer to draw them"
    if "Browser" in name or "Channel" in name:
        return "the Chromium browser that draws them failed to start or stopped"
    return "drawing them failed unexpectedly (the details are in the server log)"


def _for_print(fig: Any) -> Any:  # noqa: ANN401 - a plotly Figure (or its dict)
    """A copy of the figure for a picture: the title kept clear of the picture's left edge."""
    try:
        import plotly.graph_objects as go

        out = go.Figure(fig)
        out.update_layout(title_pad_l=16)
        return out
    except Exception:  # noqa: BLE001 - draw it as it is
        return fig


def render_pngs(figures: Mapping[str, Any], *, timeout: float = RENDER_TIMEOUT_S) -> ChartImages:
    """Plotly figures as PNG bytes, with one browser start for all of them, in at most ``timeout`` seconds.

    Never raises: without kaleido or a browser, on a failure or when time runs out, the
    result says why in plain words (``problem``) and holds whatever was drawn by then.
    """
    start = time.monotonic()
    if not figures:
        return ChartImages()
    try:
        import kaleido
    except ImportError:
        return ChartImages(problem="the chart renderer (the kaleido package) is not installed")
    path = browser_path()
    if path is None:
        return ChartImages(problem="no Chromium browser was found on this computer to draw them")
    if not _RENDER_SLOTS.acquire(timeout=timeout):
        return ChartImages(problem="the chart renderer was busy with other exports; try again in a moment")
    pngs: dict[str, bytes] = {}
    errors: list[BaseException] = []
    left = max(1.0, timeout - (time.monotonic() - start))

    async def draw() -> None:
        opts = {"format": "png", "width": PNG_WIDTH, "height": PNG_HEIGHT, "scale": PNG_SCALE}
        async with kaleido.Kaleido(n=1, timeout=left, mathjax=False, path=path) as k:  # no MathJax: nothing fetched
            for title, fig in figures.items():
                pngs[title] = await k.calc_fig(_for_print(fig), opts=opts)

    def work() -> None:  # a thread of its own: its own event loop, whatever the caller runs in
        try:
            asyncio.run(asyncio.wait_for(draw(), left))
        except BaseException as err:  # noqa: BLE001 - reported in plain words, never a traceback
            errors.append(err)
        finally:
            _RENDER_SLOTS.release()

    thread = threading.Thread(target=work, name="board-charts", daemon=True)
    thread.start()
    thread.join(left + 5.0)  # the browser gets a few seconds to close after a timeout
    seconds = time.monotonic() - start
    drawn = {t: pngs[t] for t in figures if t in pngs and png_size(pngs[t])[0]}
    if thread.is_alive():
        problem = f"drawing them took longer than {timeout:.0f} seconds"
    elif errors:
        problem = _plain_reason(errors[0])
        log.warning("board workbook charts not drawn: %r", errors[0], exc_info=errors[0])
    elif len(drawn) < len(figures):
        problem = "some charts came back empty"
    else:
        problem = ""
    if problem and drawn:
        missing = [t for t in figures if t not in drawn]
        problem = f"{len(missing)} of {len(figures)} charts are missing ({'; '.join(missing)}): {problem}"
    return ChartImages(drawn, problem, seconds)
