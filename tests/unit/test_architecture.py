"""Unit: architecture rules — models/ never imports streamlit; no eval or pickle anywhere in the app."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_models_never_import_streamlit() -> None:
    offenders = [p.name for p in (ROOT / "models").rglob("*.py") if "streamlit" in _imports(p)]
    assert offenders == []


def test_no_eval_exec_or_pickle_in_app_code() -> None:
    for folder in ("models", "pages"):
        for path in (ROOT / folder).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            calls = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
            assert not calls & {"eval", "exec"}, path
            assert "pickle" not in _imports(path), path


def test_xsrf_on_and_usage_stats_off() -> None:
    import tomllib

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["enableXsrfProtection"] is True
    assert config["browser"]["gatherUsageStats"] is False
    from models.data import MAX_UPLOAD_BYTES

    assert config["server"]["maxUploadSize"] * 1024 * 1024 == MAX_UPLOAD_BYTES
