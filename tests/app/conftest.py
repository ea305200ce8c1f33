"""AppTest fixtures.

Streamlit treats a project with a ``pages/`` folder as a v1 multipage app until
the entry point calls ``st.navigation`` (which clears
``PagesManager.uses_pages_directory`` for the rest of the server process); the
real server therefore runs ``app.py`` on every rerun after its first (and
``pages.ui.state.ensure_frame`` handles a first request to a page URL). AppTest,
however, resets that flag before every run, so each interaction would first run
the page alone and rerun, losing a button click. This fixture keeps the flag as
the real server has it.

The app's background warm-up (``pages.ui.warmup``: every preset's projection, winter, options, bed need and
capacity outcomes, about a minute of CPU) is off here: AppTest runs pages in the test process itself, so the
warm-up would compete with every later test of the worker for the GIL and the two CI cores, and no AppTest
checks its effect (a page computes what it shows on demand, through the same caches). The browser tests'
servers (tests/browser) still run it, as a real server does.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from streamlit.runtime.pages_manager import PagesManager


@pytest.fixture(autouse=True)
def _navigation_as_in_server(monkeypatch: pytest.MonkeyPatch) -> None:
    original = PagesManager.__init__

    def init(self, *args, **kwargs) -> None:  # noqa: ANN001, ANN002, ANN003
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)


@pytest.fixture(scope="module", autouse=True)
def _no_background_warm_up() -> Iterator[None]:
    # Module scope and autouse: set before any module fixture runs the app (autouse fixtures come first in their
    # scope), and undone after the module, so a browser test's server on the same xdist worker, which inherits the
    # environment, keeps its warm-up.
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("BCF_WARM_PRESETS", "0")
        yield
