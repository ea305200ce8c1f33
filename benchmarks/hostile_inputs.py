"""Hostile uploads, scenario files, links, the command line and the library: time, memory and the message.

Not a pytest test (the unit tests check each input's message and a loose bound); this prints
figures. Three parts:

**Uploads** (targets: any upload ≤ 5 MB accepted or refused within 3 s and 500 MB). Each file
goes through the app's reader (``models.inputs.areas.read_table`` / ``read_workbook``) in a forked
child process, whose peak resident memory is read from ``/proc/self/status`` (``VmHWM``,
reset at the start of the case), so that allocations outside Python (pandas, pyarrow,
openpyxl's C parts) count too.

**Other hostile inputs** (issue 22; target: each answered within 3 s and 500 MB with one plain
message): scenario files (100,000 levels of nesting, a list, null, schema versions 0 / null, UTF-16,
Latin-1), links nested 100,000 levels, ``?id=%00``, the command line's ``--out`` naming a folder and
its workload cap (5,000 draws × 10 years × 200 schemes), ``--data`` with a bad ``area.json``, and a
damaged, read-only or misplaced library. Each runs in a forked child like the uploads.

**Links** (targets: any link within 5 s and 1.5 GB; server RSS after 50 distinct heavy links
under 4 GB). A real ``streamlit run`` server on 127.0.0.1; each link is opened by a new
websocket session (Streamlit's protocol, as ``load_test.py --client protocol``), timed to the
server's ``script_finished``; the server's RSS is read after each. The heavy links are valid
scenarios as large as a link can carry: 200 schemes, 5,000 draws, 10 financial years, each
with its own seed (so nothing is shared between them in the caches); the app caps their
workload and says so.

Usage::

    python benchmarks/hostile_inputs.py              # both parts, 50 links
    python benchmarks/hostile_inputs.py --links 10   # fewer links
    python benchmarks/hostile_inputs.py --no-links   # uploads and the other hostile inputs only
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

MB = 1024 * 1024


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


# --------------------------------------------------------------------------- uploads
def upload_cases() -> list[tuple[str, str, bytes, str | None]]:
    """(label, file name, bytes, spec name or None for a multi-sheet workbook); each ≤ 5 MB."""
    from models.inputs.areas import DEMO_DIR, load_area, templates_workbook
    from tests.unit.test_upload_limits import _replace_part, _workbook  # the unit tests' builders of hostile files

    demo, _ = load_area()
    adm = (DEMO_DIR / "admissions_monthly.csv").read_bytes()
    header, *rows = adm.decode().splitlines()
    cases: list[tuple[str, str, bytes, str | None]] = []
    cases.append(("valid demo admissions CSV", "admissions_monthly.csv", adm, "admissions_monthly.csv"))
    cases.append(("valid template workbook (every file)", "bcf_templates.xlsx", templates_workbook(demo), None))
    cases.append(("one row + 5,000 empty columns", "a.csv", (header + "," * 5000 + "\n" + rows[0]).encode(), None))
    wide = "\n".join([header + "".join(f",x{i}" for i in range(10_000))] + [r + ",1" * 10_000 for r in rows[:72]])
    cases.append(("10,000 columns × 72 rows", "a.csv", wide.encode()[: 5 * MB], None))
    cases.append(("2 MB header of 1M columns", "a.csv", ("a," * 1_000_000).encode(), None))
    many = (header + "\n" + "\n".join(rows * (5 * MB // len(adm) + 1))).encode()[: 5 * MB]
    cases.append(("5 MB of rows (over the row limit)", "admissions_monthly.csv", many, "admissions_monthly.csv"))
    base = _workbook([["month", "nea", "acs"], ["2015-04-01", 1, 1]])
    bomb = _replace_part(
        base,
        "xl/worksheets/sheet1.xml",
        b"<worksheet><sheetData>" + b" " * (500 * MB) + b"</sheetData></worksheet>",
    )
    cases.append((f"xlsx zip bomb ({len(bomb) / 1024:.0f} kB → 500 MB)", "a.xlsx", bomb, "admissions_monthly.csv"))
    cells = "".join(f'<row r="{r}">' + "<c><v>1</v></c>" * 50 + "</row>" for r in range(1, 20_001))
    dense = _replace_part(
        base, "xl/worksheets/sheet1.xml", f"<worksheet><sheetData>{cells}</sheetData></worksheet>".encode()
    )
    cases.append(("xlsx of 1M cells (under 5 MB packed)", "a.xlsx", dense, "admissions_monthly.csv"))
    from tests.unit.test_hostile_inputs import _rename_sheet_part

    sheet = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">'
    for part in ("xl/worksheets/sheet1.XML", "xl/worksheets/sheet1.bin"):
        renamed = _rename_sheet_part(base, part, sheet + b"<c/>" * 2_000_000 + b"</row></sheetData></worksheet>")
        cases.append(
            (
                f"xlsx bomb in a part named {part.rsplit('.', 1)[1]} ({len(renamed) / 1024:.0f} kB)",
                "a.xlsx",
                renamed,
                "admissions_monthly.csv",
            )
        )
    rows_bomb = sheet + b"</row>" + b"<row><c><v>1</v></c></row>" * 700_000 + b"</sheetData></worksheet>"
    rows_bomb = rows_bomb.replace(b'<row r="1"></row>', b"", 1)
    renamed = _rename_sheet_part(base, "xl/worksheets/sheet1.XML", rows_bomb)
    cases.append(
        (
            f"xlsx of 700,000 rows in a part named XML ({len(renamed) / 1024:.0f} kB)",
            "a.xlsx",
            renamed,
            "admissions_monthly.csv",
        )
    )
    body = adm.decode()
    cases.append(
        (
            "CSV with a doubled BOM and sep=, line",
            "a.csv",
            ("\ufeff\ufeffsep=,\n" + body).encode(),
            "admissions_monthly.csv",
        )
    )
    cases.append(("CSV with CR-only line ends", "a.csv", body.replace("\n", "\r").encode(), "admissions_monthly.csv"))
    cases.append(
        (
            "CSV with a NUL in a number",
            "a.csv",
            (header + "\n2015-04-01,16\x0035,1\n").encode(),
            "admissions_monthly.csv",
        )
    )
    cases.append(
        (
            "CSV with a decimal comma '0,250'",
            "a.csv",
            (header + '\n2015-04-01,"0,250",1\n').encode(),
            "admissions_monthly.csv",
        )
    )
    cases.append(("5 MB of random bytes named .xlsx", "a.xlsx", os.urandom(5 * MB), "admissions_monthly.csv"))
    cases.append(("5 MB of random bytes named .csv", "a.csv", os.urandom(5 * MB), "admissions_monthly.csv"))
    return [c for c in cases if len(c[2]) <= 5 * MB]


def _one_upload(raw: bytes, name: str, spec: str | None, out: mp.Queue) -> None:
    from models.inputs.areas import read_table, read_workbook, validate_table

    Path("/proc/self/clear_refs").write_text("5")  # reset the peak RSS (VmHWM) to the current RSS
    start_kb = _status_kb("VmRSS")
    t0 = time.perf_counter()
    if spec is None and name.endswith(".xlsx"):
        frames, problems = read_workbook(raw, name)
        accepted = bool(frames) and not problems
    else:
        df, problems = read_table(raw, name, spec)
        if df is not None and not problems and spec:  # read: now the checks of its values (as the Data page)
            df, problems = validate_table(df, spec)
        accepted = df is not None and not problems
    elapsed = time.perf_counter() - t0
    first = str(problems[0])[:90] if problems else ""
    out.put((elapsed, (_status_kb("VmHWM") - start_kb) / 1024, accepted, first))


def bench_uploads() -> bool:
    import models.inputs.areas  # noqa: F401 - imported before the forks, as in the server

    ctx = mp.get_context("fork")
    print("Uploads (target: each within 3 s and 500 MB)")
    ok = True
    for label, name, raw, spec in upload_cases():
        q: mp.Queue = ctx.Queue()
        proc = ctx.Process(target=_one_upload, args=(raw, name, spec, q))
        proc.start()
        proc.join(60)
        if proc.is_alive():
            proc.kill()
            print(f"  {label:45s} {len(raw) / MB:5.2f} MB: DID NOT FINISH in 60 s")
            ok = False
            continue
        elapsed, peak_mb, accepted, first = q.get()
        met = elapsed <= 3 and peak_mb <= 500
        ok &= met
        verdict = "accepted" if accepted else f"refused: {first}"
        print(f"  {label:45s} {len(raw) / MB:5.2f} MB: {elapsed * 1000:7.0f} ms, +{peak_mb:6.1f} MB peak; {verdict}")
    print(f"uploads: {'met' if ok else 'not met'}", flush=True)
    return ok


# --------------------------------------------------------------------------- other hostile inputs (issue 22)
def _scenario_file(raw: bytes) -> str:
    from models.scenario.files import ScenarioFileError, read_scenario_file

    try:
        read_scenario_file(raw, "plan.json")
    except ScenarioFileError as err:
        return f"refused: {err}"
    return "accepted"


def _link(token: str, base: object) -> str:
    from models.store.links import LinkError, from_link_token

    try:
        from_link_token(token, base)  # type: ignore[arg-type]
    except LinkError as err:
        return f"refused ({len(token)}-character link): {err}"
    return "accepted"


def _cli(args: list[str]) -> str:
    import contextlib
    import io

    from models import cli

    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = cli.run(args)
    return f"exit {code}: {err.getvalue().strip().splitlines()[0] if err.getvalue() else ''}"


def _library(kind: str, folder: Path) -> str:
    import stat

    from models.store.library import ScenarioStore, StoreError

    path = folder / "library.sqlite3"
    if kind == "damaged":
        path.write_bytes(b"SQLite format 3\x00" + b"\x07" * 100_000)
    elif kind == "read-only folder":
        (folder / "ro").mkdir()
        (folder / "ro").chmod(stat.S_IRUSR | stat.S_IXUSR)
        path = folder / "ro" / "library.sqlite3"
    elif kind == "BCF_DATA_DIR a file":
        (folder / "file").write_text("x")
        path = folder / "file" / "library.sqlite3"
    try:
        store = ScenarioStore(f"sqlite:///{path}")
        store.list()
        store.load_link("\x00")
    except StoreError as err:
        return f"{type(err).__name__}: {err}"
    return "opened"


def other_cases(tmp: Path) -> list[tuple[str, object]]:
    """(label, function of no arguments returning the answer) for each hostile input of issue 22."""
    import base64
    import functools
    import json
    import zlib

    from models.inputs.areas import load_area
    from models.scenario import Scheme, baseline, evolve

    fixture = ROOT / "tests" / "fixtures" / "scenario_v1.json"
    v1 = json.loads(fixture.read_text(encoding="utf-8"))
    area, _ = load_area()
    base = baseline(area)
    schemes = tuple(
        Scheme(**{**base.schemes[0].model_dump(), "name": f"S{k:03d}", "current_budget_gbp": 0.0, "budget_gbp": 1000.0})
        for k in range(200)
    )
    heavy = tmp / "heavy.json"
    heavy.write_text(evolve(base, schemes=schemes, n_draws=5000, horizon_years=10).to_json(), encoding="utf-8")
    (tmp / "out.xlsx").mkdir()
    bad_area = tmp / "area"
    bad_area.mkdir()
    for f in (ROOT / "data" / "demo").glob("*.csv"):
        (bad_area / f.name).write_bytes(f.read_bytes())
    (bad_area / "area.json").write_text('[{"name": "X", "ambition_placements": "lots"}]', encoding="utf-8")
    cases: list[tuple[str, object]] = []
    for label, raw in (
        ("scenario file nested 100,000 levels", b"[" * 100_000 + b"]" * 100_000),
        ("scenario file: a list / null", b"null"),
        ("scenario file: schema_version 0", json.dumps({**v1, "schema_version": 0}).encode()),
        ("scenario file: schema_version null", json.dumps({**v1, "schema_version": None}).encode()),
        ("scenario file in UTF-16", fixture.read_text(encoding="utf-8").encode("utf-16")),
        (
            "scenario file in Latin-1",
            json.dumps({**v1, "name": "Café"}, ensure_ascii=False).encode("latin-1", "replace"),
        ),
    ):
        cases.append((label, functools.partial(_scenario_file, raw)))
    deep = b'{"v":2,"a":"x","d":' + b'{"n":' * 100_000 + b"1" + b"}" * 100_000 + b"}"
    token = "l1." + base64.urlsafe_b64encode(zlib.compress(deep, 9)).decode().rstrip("=")
    cases.append(("link nested 100,000 levels", functools.partial(_link, token, base)))
    cases.append(
        ("CLI --out naming a folder", functools.partial(_cli, ["run", str(fixture), "--out", str(tmp / "out.xlsx")]))
    )
    cases.append(("CLI 5,000 draws x 10 years x 200 schemes", functools.partial(_cli, ["run", str(heavy), "--json"])))
    cases.append(
        (
            "CLI --data with area.json a list",
            functools.partial(_cli, ["run", str(fixture), "--json", "--data", str(bad_area)]),
        )
    )
    for kind in ("damaged", "read-only folder", "BCF_DATA_DIR a file", "?id=%00 on a good library"):
        sub = tmp / kind.replace(" ", "_").replace("?", "").replace("%", "")
        sub.mkdir()
        cases.append((f"library: {kind}", functools.partial(_library, kind, sub)))
    return cases


def _one_case(fn: object, out: mp.Queue) -> None:
    Path("/proc/self/clear_refs").write_text("5")
    start_kb = _status_kb("VmRSS")
    t0 = time.perf_counter()
    answer = fn()  # type: ignore[operator]
    out.put((time.perf_counter() - t0, (_status_kb("VmHWM") - start_kb) / 1024, answer))


def bench_others() -> bool:
    import tempfile

    import models.cli  # noqa: F401 - imported before the forks, as in the server
    import models.store.library  # noqa: F401

    ctx = mp.get_context("fork")
    print("\nScenario files, links, the command line and the library (target: each within 3 s and 500 MB)")
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        for label, fn in other_cases(Path(tmp)):
            q: mp.Queue = ctx.Queue()
            proc = ctx.Process(target=_one_case, args=(fn, q))
            proc.start()
            proc.join(120)
            if proc.is_alive():
                proc.kill()
                print(f"  {label:45s}: DID NOT FINISH in 120 s")
                ok = False
                continue
            elapsed, peak_mb, answer = q.get()
            met = elapsed <= 3 and peak_mb <= 500
            ok &= met
            print(f"  {label:45s}: {elapsed * 1000:7.0f} ms, +{peak_mb:6.1f} MB peak; {str(answer)[:150]}", flush=True)
    print(f"others: {'met' if ok else 'not met'}", flush=True)
    return ok


# --------------------------------------------------------------------------- links
def heavy_links(n: int) -> list[str]:
    from models.inputs.areas import load_area
    from models.scenario import Scheme, baseline, evolve
    from models.store.links import to_link_token

    area, _ = load_area()
    base = baseline(area)
    template = base.schemes[0]
    schemes = tuple(
        Scheme(**{**template.model_dump(), "name": f"Scheme {k:03d}", "budget_gbp": 100_000.0 + k}) for k in range(200)
    )
    heavy = evolve(base, schemes=schemes, n_draws=5000, horizon_years=10)
    return [to_link_token(evolve(heavy, seed=1000 + i), base, area.fingerprint) for i in range(n)]


async def _open(url: str, query: str, timeout_s: float) -> tuple[float, int]:
    import websockets
    from load_test import ProtocolSession

    s = ProtocolSession(url, "", query)
    async with websockets.connect(s.url, subprotocols=["streamlit"], max_size=None, ping_interval=None) as ws:
        elapsed = await s._run(ws, timeout_s=timeout_s)
        if not s.sliders:  # the first run may only have switched to the frame
            elapsed += await s._run(ws, timeout_s=timeout_s)
    return elapsed, s.exceptions


async def bench_links(n: int, timeout_s: float) -> bool:
    from load_test import rss_mb, server

    tokens = heavy_links(n)
    print(
        f"\nLinks (targets: each within 5 s; server RSS after {n} links under 4 GB); token length "
        f"{min(map(len, tokens)):,}–{max(map(len, tokens)):,} characters"
    )
    with server() as (url, pid):
        await _open(url, "", timeout_s)  # the fits, once per dataset
        rss0 = rss_mb(pid)
        times, peak = [], rss0
        for i, token in enumerate(tokens):
            elapsed, exceptions = await _open(url, f"s={token}", timeout_s)
            times.append(elapsed)
            rss = rss_mb(pid)
            peak = max(peak, rss)
            if i < 3 or i == len(tokens) - 1 or exceptions:
                print(
                    f"  link {i + 1}: {elapsed:.2f} s, server RSS {rss:,.0f} MB"
                    + (f", {exceptions} exception(s) shown" if exceptions else ""),
                    flush=True,
                )
        rss_end = rss_mb(pid)
    worst = max(times)
    ok = worst <= 5 and rss_end < 4096
    print(
        f"links: slowest {worst:.2f} s, median {sorted(times)[len(times) // 2]:.2f} s; server RSS {rss0:,.0f} MB "
        f"warm → {rss_end:,.0f} MB after {n} links (peak {peak:,.0f} MB): {'met' if ok else 'not met'}"
    )
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--links", type=int, default=50, help="distinct heavy links to open (default 50)")
    parser.add_argument("--no-links", action="store_true", help="uploads only")
    parser.add_argument("--timeout", type=float, default=60.0)
    args = parser.parse_args()
    bench_uploads()
    bench_others()
    if not args.no_links:
        asyncio.run(bench_links(args.links, args.timeout))


if __name__ == "__main__":
    main()
