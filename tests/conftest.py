"""Shared fixtures. Tests are organised by kind, one folder each (unit, property, app, browser, accuracy);
the folder sets the marker so `pytest -m unit` etc. select a kind."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests draw the same examples on every machine (CI included): a failure is reproducible and
# CI never meets an example the developer's run did not. Tests still set their own example counts.
settings.register_profile("bcf", derandomize=True, database=None, print_blob=True)
settings.load_profile("bcf")

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

KINDS = ("unit", "property", "app", "browser", "accuracy")
# Every page in the app's navigation, in its order (read from app.py, so a new page is tested too).
APP_PAGES = tuple(re.findall(r'st\.Page\("(pages/[a-z_]+\.py)"', (ROOT / "app.py").read_text()))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        parts = Path(str(item.fspath)).relative_to(ROOT / "tests").parts
        kind = parts[0] if parts and parts[0] in KINDS else None
        if kind is None:
            raise pytest.UsageError(f"{item.nodeid}: tests live in tests/<kind>/ with kind in {KINDS}")
        item.add_marker(getattr(pytest.mark, kind))
        if kind == "browser":  # one server per worker: keep browser tests together
            item.add_marker(pytest.mark.xdist_group("browser"))


@pytest.fixture(scope="session")
def demo_area():
    from models.inputs.areas import load_area

    area, problems = load_area()
    assert area is not None, problems
    return area


@pytest.fixture(scope="session")
def base_scenario(demo_area):
    from models.scenario import baseline

    return baseline(demo_area)


# --- real areas (issue 21): built once per session from the public files, read in place, into a temporary folder
REAL_AREAS = {"london": "E09000015", "county": "E10000011", "unitary": "E06000017"}  # Harrow, East Sussex, Rutland


@pytest.fixture(scope="session")
def source() -> Path:
    """The public area files (``BCF_REALDATA_DIR/areas``); CI has them, so a missing folder fails, never skips."""
    from models.inputs.builder.build import default_source_dir

    folder = default_source_dir()
    if not (folder / "drd_utla_monthly.csv").is_file():
        pytest.fail(f"the public area files are not in {folder}: set BCF_REALDATA_DIR (docs/areas.md)")
    return folder


@pytest.fixture(scope="session")
def full_build(source: Path, tmp_path_factory: pytest.TempPathFactory):
    """All 153 areas built (the builder's report and the folder)."""
    from models.inputs.builder.build import build_all

    out = tmp_path_factory.mktemp("areas")
    return build_all(source, out), out
