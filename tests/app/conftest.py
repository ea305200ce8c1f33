"""AppTest fixtures.

Streamlit treats a project with a ``pages/`` folder as a v1 multipage app until
the entry point calls ``st.navigation`` (which clears
``PagesManager.uses_pages_directory`` for the rest of the server process); the
real server therefore runs ``app.py`` on every rerun after its first (and
``pages.ui.state.ensure_frame`` handles a first request to a page URL). AppTest,
however, resets that flag before every run, so each interaction would first run
the page alone and rerun, losing a button click. This fixture keeps the flag as
the real server has it.
"""

from __future__ import annotations

import pytest
from streamlit.runtime.pages_manager import PagesManager


@pytest.fixture(autouse=True)
def _navigation_as_in_server(monkeypatch: pytest.MonkeyPatch) -> None:
    original = PagesManager.__init__

    def init(self, *args, **kwargs) -> None:  # noqa: ANN001, ANN002, ANN003
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)
