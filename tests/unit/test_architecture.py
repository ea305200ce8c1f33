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
    import pages.ui.turns  # noqa: F401 - sets the server's thread limits on import

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


def test_the_import_contracts_hold() -> None:
    """The stage layers, the app above the models, no streamlit in the models, no cycles (.importlinter)."""
    import subprocess
    import sys

    lint = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run(
        [str(lint), "--config", str(ROOT / ".importlinter"), "--no-cache"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "0 broken" in done.stdout


def _module_imports(path: Path) -> list[tuple[str, bool]]:
    """Every `models.*` / `pages.*` module a file imports, with whether the import is inside a function."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = []
    top = {id(n) for n in tree.body}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in ("models", "pages"):
            out.append((node.module, id(node) not in top))
        elif isinstance(node, ast.Import):
            out += [(a.name, id(node) not in top) for a in node.names if a.name.split(".")[0] in ("models", "pages")]
    return out


def test_no_function_level_imports_of_the_app_modules() -> None:
    """An import inside a function is how a cycle hides: models and pages import at the top only."""
    offenders = []
    for folder in ("models", "pages"):
        for path in (ROOT / folder).rglob("*.py"):
            offenders += [f"{path.relative_to(ROOT)}: {m}" for m, inner in _module_imports(path) if inner]
    assert offenders == []


def test_no_import_cycle_between_modules() -> None:
    """An AST walk of models/ and pages/ finds no cycle of module imports (Tarjan's strongly connected parts)."""
    modules = {}
    for folder in ("models", "pages"):
        for path in (ROOT / folder).rglob("*.py"):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            modules[name] = path
    graph = {m: set() for m in modules}
    for m, path in modules.items():
        for target, _inner in _module_imports(path):
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != m and not m.startswith(target + "."):  # a package's own __init__ is no edge
                graph[m].add(target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            part = []
            while True:
                w = stack.pop()
                part.append(w)
                if w == v:
                    break
            if len(part) > 1:
                cycles.append(sorted(part))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    assert cycles == []


MAX_FUNCTION_LINES = 120
LONG_ON_PURPOSE = {("models/flow/_kernel.py", "flow_day_loop")}  # the Numba day loop: one compiled kernel


def test_functions_are_short() -> None:
    """Every function in the app and the models is under ~120 lines (the Numba day loop excepted)."""
    long = []
    for path in [ROOT / "app.py", *(ROOT / "models").rglob("*.py"), *(ROOT / "pages").rglob("*.py")]:
        rel = path.relative_to(ROOT).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and (rel, node.name) not in LONG_ON_PURPOSE:
                lines = node.end_lineno - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    long.append(f"{rel}:{node.lineno} {node.name} ({lines} lines)")
    assert long == []


def test_the_reference_des_lives_beside_the_tests() -> None:
    """The simpy reference simulation is a test instrument (a dev-only dependency), not part of the app."""
    assert not list((ROOT / "models").rglob("des*.py"))
    for path in [ROOT / "app.py", *(ROOT / "models").rglob("*.py"), *(ROOT / "pages").rglob("*.py")]:
        assert "simpy" not in _imports(path), path
