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
    from models.inputs.areas import MAX_UPLOAD_BYTES

    assert config["server"]["maxUploadSize"] * 1024 * 1024 == MAX_UPLOAD_BYTES


def test_server_settings_that_keep_a_workshop_responsive() -> None:
    """No full garbage collection after every script run (it held the GIL for ~30% of a loaded
    server's time), one BLAS thread (small matrices; BLAS threads spun against other sessions),
    and the charts' slim template as Plotly's default (no template validation per chart)."""
    import tomllib

    import plotly.io as pio
    from threadpoolctl import threadpool_info

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["runner"]["postScriptGC"] is False
    import pages.ui.session  # noqa: F401 - sets the server's thread limits on import

    blas = [lib for lib in threadpool_info() if lib.get("user_api") == "blas"]
    assert blas and all(lib["num_threads"] == 1 for lib in blas)
    import plotly.graph_objects as go
    import streamlit  # noqa: F401 - sets Streamlit's own Plotly default when first imported

    from models.charts import TEMPLATE_NAME, base_layout

    pio.templates.default = "streamlit"  # as an import after the charts' would
    fig = base_layout(go.Figure(), "t", "y")  # laid out with ours all the same ...
    assert fig.layout.template.layout.plot_bgcolor == "white"
    assert fig.layout.template.layout.colorway[0] == "#0072B2"
    assert pio.templates.default == TEMPLATE_NAME  # ... and ours is the default again for the next figures
    assert go.Figure().layout.template.layout.colorway[0] == "#0072B2"
