"""Where the project's files are: the repository root, the demo area and the real public data.

The real NHS series and per-area figures are public data gathered outside the project. They are never copied into
the repository: tests, benchmarks and the app read them in place from ``BCF_REALDATA_DIR`` (default
``../shared/realdata`` beside the checkout). ``docs/data.md`` lists each publication, so a person outside the
project can download the same files and point the setting at them.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
DEMO_DIR = REPO_ROOT / "data" / "demo"
REALDATA_ENV = "BCF_REALDATA_DIR"
DEFAULT_REALDATA_DIR = REPO_ROOT.parent / "shared" / "realdata"


def realdata_dir() -> Path:
    """The folder of real public NHS data (``BCF_REALDATA_DIR``, default ``../shared/realdata``)."""
    return Path(os.environ.get(REALDATA_ENV) or DEFAULT_REALDATA_DIR).expanduser()


AREAS_ENV = "BCF_AREAS_DIR"
DEFAULT_AREAS_DIR = REPO_ROOT.parent / "bcf-areas"


def areas_dir() -> Path:
    """Where built areas are written and read (``BCF_AREAS_DIR``, default ``../bcf-areas`` beside the checkout;
    ``python -m models areas build``, docs/areas.md): outside the repository, never committed."""
    return Path(os.environ.get(AREAS_ENV) or DEFAULT_AREAS_DIR).expanduser()


def app_version() -> str:
    """The app's version (``pyproject.toml``), or "unknown" when the file cannot be read."""
    try:
        return tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "unknown"
