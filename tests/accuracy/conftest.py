"""The accuracy tests read the real NHS series where they are, through one setting.

The series are public NHS England data kept outside the repository: ``BCF_REALDATA_DIR``, default
``../shared/realdata`` beside the checkout (:func:`models.core.paths.realdata_dir`; docs/data.md lists the files and
their source). Without them a test that needs them fails at once with a message naming the setting and the files,
not a traceback; it is never skipped (CI has the folder).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from models.core.paths import realdata_dir
from tests.conftest import ROOT


def load_benchmark() -> ModuleType:
    """``benchmarks/forecast_accuracy.py`` as a module (the benchmarks folder is not a package)."""
    if "forecast_accuracy" in sys.modules:
        return sys.modules["forecast_accuracy"]
    spec = importlib.util.spec_from_file_location("forecast_accuracy", ROOT / "benchmarks" / "forecast_accuracy.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules["forecast_accuracy"] = mod
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="session")
def fa() -> ModuleType:
    """The forecast-accuracy benchmark module."""
    return load_benchmark()


@pytest.fixture(scope="session")
def realdata(fa: ModuleType) -> Path:
    """The real-data folder; fails plainly (setting, folder, files) when it lacks the series."""
    data = realdata_dir()
    message = fa.missing_data_message(data)
    if message:
        pytest.fail(message, pytrace=False)
    return data
