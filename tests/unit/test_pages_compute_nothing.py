"""Unit: pages compute nothing — every page and page helper only reads, calls the models, formats and renders.

The model numbers a page shows (changes against the reference, growth columns, yearly sums, means and quantiles,
bed conversions, the partners' horizon means …) are computed in ``models/`` (one definition, tested there). This
test parses ``pages/*.py`` and ``pages/ui/*.py`` with :mod:`ast` and fails on array or model arithmetic:

* using NumPy (or SciPy, statsmodels): importing it to call it (an import only for its side effect, such as
  loading BLAS before a thread limit, is allowed);
* calling a reduction or an array method (``.sum``, ``.mean``, ``.quantile``, ``.cumsum``, ``.to_numpy``,
  ``.groupby``, ``.agg``, ``.pivot_table`` …, see :data:`ARRAY_METHODS`), reading ``.values`` of a frame, or the
  builtin ``sum``;
* arithmetic between two data values (``a - b`` where neither is a literal number: a change, a ratio, a total),
  and adding, subtracting, raising to a power or taking a remainder with a literal number (``x - 1``: a growth
  rate; ``year + 1``).

Formatting stays allowed: f-strings and string concatenation, ``round``/``abs`` and comparisons, scaling by a
literal number or an UPPER_CASE module constant (``x * 100`` for a percentage, ``v / 1e6`` for £m), list and set
displays (``[w] * n``, ``[a] + [b]``, ``{a} - {b}``), counts of rows or widgets (``len(rows) - 200``), slice bounds
(``name[: limit - 1]``), counters (``rev += 1``), ``|`` of dicts, and building display tables by selecting, renaming, merging or filtering
columns and rows.
"""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

FORBIDDEN_MODULES = {"numpy", "scipy", "statsmodels"}
ARRAY_METHODS = frozenset(
    {
        "sum", "mean", "median", "std", "var", "quantile", "percentile", "nanquantile", "nanmean", "prod",
        "cumsum", "cumprod", "cummax", "cummin", "min", "max", "idxmin", "idxmax", "argmin", "argmax", "any", "all",
        "to_numpy", "groupby", "agg", "aggregate", "pivot", "pivot_table", "resample", "rolling", "expanding", "ewm",
        "diff", "pct_change", "value_counts", "nunique", "describe", "dot", "corr", "cov", "clip",
    }
)
SCALING = (ast.Mult, ast.Div)  # by a literal number or a constant: unit conversion for display or input
OFFSETS = (ast.Add, ast.Sub, ast.Pow, ast.Mod, ast.FloorDiv, ast.MatMult)


def _is_number(node: ast.expr) -> bool:
    """A literal number (``100``, ``-1e6``) or an UPPER_CASE module constant (``BUDGET_STEP_GBP``)."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        return _is_number(node.operand)
    if isinstance(node, ast.Constant):
        return isinstance(node.value, int | float) and not isinstance(node.value, bool)
    return isinstance(node, ast.Name) and node.id.isupper()


def _is_text(node: ast.expr) -> bool:
    """A string expression: a literal, an f-string, a choice between them or a concatenation with one."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.IfExp):
        return _is_text(node.body) or _is_text(node.orelse)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _is_text(node.left) or _is_text(node.right)
    return False


def _is_sequence(node: ast.expr) -> bool:
    """A list, tuple or set display (concatenated, repeated or differenced: widgets and labels, not numbers)."""
    return isinstance(node, ast.List | ast.Tuple | ast.ListComp | ast.Set | ast.SetComp)


def _is_count(node: ast.expr) -> bool:
    """``len(...)``: how many rows, partners or widgets a page lays out."""
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "len"


def _arithmetic(op: ast.operator, left: ast.expr, right: ast.expr) -> str | None:
    """Why ``left op right`` is model arithmetic, or None when it is formatting."""
    if not isinstance(op, SCALING + OFFSETS):
        return None  # | & ^ << >>: dict merges and masks
    if isinstance(op, ast.Add) and (_is_text(left) or _is_text(right)):
        return None
    if isinstance(op, ast.Mod) and _is_text(left):
        return None  # "%s" % value
    if isinstance(op, ast.Mult | ast.Add | ast.Sub) and (_is_sequence(left) or _is_sequence(right)):
        return None  # [w] * n, [a] + [b], {a} - {b}
    numbers = _is_number(left) + _is_number(right)
    if isinstance(op, ast.Add | ast.Sub) and numbers == 1 and (_is_count(left) or _is_count(right)):
        return None  # len(rows) - 200 more, len(partners) + 1 columns
    if numbers == 2:
        return None  # constant folding
    if isinstance(op, SCALING) and numbers == 1:
        return None
    what = type(op).__name__
    return f"arithmetic ({what}) on model values" if numbers == 0 else f"offset ({what}) of a model value"


def violations(source: str) -> list[tuple[int, str]]:
    """(line, reason) for every piece of model arithmetic in a page's source (see the module docstring)."""
    out: list[tuple[int, str]] = []
    tree = ast.parse(source)
    called = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}  # dict.values() is not a frame's
    # slice bounds (name[: limit - 1]) cut text for display
    in_slice = {id(n) for s in ast.walk(tree) if isinstance(s, ast.Slice) for n in ast.walk(s)}
    used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):  # loading a library for its side effect (BLAS thread limits) is not using it
            out += [
                (node.lineno, f"imports {a.name}")
                for a in node.names
                if a.name.split(".")[0] in FORBIDDEN_MODULES and (a.asname or a.name.split(".")[0]) in used
            ]
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in FORBIDDEN_MODULES:
            out.append((node.lineno, f"imports from {node.module}"))
        elif isinstance(node, ast.Call):
            f = node.func
            if isinstance(f, ast.Attribute) and f.attr in ARRAY_METHODS:
                out.append((node.lineno, f"calls .{f.attr}() on data"))
            elif isinstance(f, ast.Name) and f.id == "sum":
                out.append((node.lineno, "sums with the builtin sum()"))
        elif isinstance(node, ast.Attribute) and node.attr == "values" and id(node) not in called:
            out.append((node.lineno, "reads .values of a frame"))
        elif isinstance(node, ast.BinOp) and id(node) not in in_slice:
            why = _arithmetic(node.op, node.left, node.right)
            if why:
                out.append((node.lineno, why))
        elif isinstance(node, ast.AugAssign) and not (isinstance(node.value, ast.Constant) and node.value.value == 1):
            why = _arithmetic(node.op, node.target, node.value)
            if why:
                out.append((node.lineno, why))
    return sorted(set(out))


def _page_files() -> list[Path]:
    return sorted([*(ROOT / "pages").glob("*.py"), *(ROOT / "pages" / "ui").glob("*.py")])


def page_violations() -> dict[str, list[tuple[int, str]]]:
    found = {}
    for path in _page_files():
        v = violations(path.read_text(encoding="utf-8"))
        if v:
            found[str(path.relative_to(ROOT))] = v
    return found


def test_pages_compute_nothing() -> None:
    found = page_violations()
    report = "\n".join(f"{file}:{line}: {why}" for file, items in found.items() for line, why in items)
    assert not found, "pages compute model numbers (move them into models/):\n" + report


def test_every_page_is_checked() -> None:
    names = {p.name for p in _page_files()}
    assert {"home.py", "winter.py", "schemes.py", "finance.py", "cache.py", "state.py"} <= names


@pytest.mark.parametrize(
    "snippet",
    [
        "import numpy as np\nbeds = np.ceil(load / occupancy)",
        "import numpy\nx = numpy.asarray(draws)",
        "from scipy import stats",
        "total = frame['x'].sum()",
        "q = draws.quantile(0.9)",
        "arr = frame['x'].to_numpy()",
        "t = frame.groupby('fy').agg('mean')",
        "t = money.pivot_table(index='label', columns='fy', values='mean')",
        "v = frame.values * 2",
        "total = sum(s.budget for s in schemes)",
        "delta = h['nea'] - r['nea']",
        "text = f\"{latest.nea - prior.nea:+,}\"",
        "growth = (last.population_index - 1) * 100",
        "end = year + 1",
        "ratio = a / b",
        "x += y",
        "total += draws",
        "n = len(a) + len(b)",
    ],
)
def test_the_rule_flags_model_arithmetic(snippet: str) -> None:
    assert violations(textwrap.dedent(snippet)), snippet


@pytest.mark.parametrize(
    "snippet",
    [
        "text = f\"{h['nea']:,.0f} admissions\"",
        "pct = share * 100",
        "m = budget / 1e6",
        "top = math.ceil(top / BUDGET_STEP_GBP) * BUDGET_STEP_GBP",
        "label = ('+' if x > 0 else '-') + fmt(abs(x))",
        "label = 'P10 ' + name",
        "even = [1.0 / n] * n",
        "config = {'a': 1} | other",
        "shown = table.rename(columns={'mean': 'Mean'})[['fy', 'Mean']]",
        "view = table[table['series'] == 'scenario'].round(0)",
        "rates = dict(growth.values())",
        "value = round(v / 100, 4)",
        "x = -y",
        "import numpy  # noqa: F401 - loads numpy's BLAS so that a thread limit applies to it",
        "default = [FIRST] + [k for k in keys if k != now][:1]",
        "missing = sorted({s.lead for s in schemes} - {p.name for p in partners})",
        "st.caption(f'… and {len(problems) - 200} more.')",
        "short = name if len(name) <= limit else name[: limit - 1] + '…'",
        "ss.rev += 1",
    ],
)
def test_the_rule_allows_formatting(snippet: str) -> None:
    assert violations(textwrap.dedent(snippet)) == [], snippet
