"""Unit: hostile inputs of issue 22 get one plain message each and lose nothing (docs/input-safety.md).

Every hostile file is built here, in the test (none is stored). "Plain" is checked by
:func:`assert_plain`: no traceback, no Python exception or class names, no ``repr`` escapes
(``\\x00``), no codec names, no "invalid literal". The command-line cases never reach the models
(a run takes a minute): :func:`no_run` makes a run fail the test.
"""

from __future__ import annotations

import base64
import codecs
import io
import json
import re
import time
import unicodedata
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from openpyxl.worksheet.formula import ArrayFormula

from models import cli
from models.inputs.areas import DEMO_DIR, load_area, read_table, validate_table, with_uploads
from models.pipeline import guards
from models.scenario import Scenario, evolve
from models.scenario.files import ScenarioFileError, read_scenario_file
from models.scenario.tables import validate_scheme_rows
from models.store.links import LinkError, from_link_token

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "scenario_v1.json"
PYTHON_TEXT = re.compile(
    r"Traceback|Error\b|Exception|\\x[0-9a-f]{2}|\\u[0-9a-f]{4}|codec|invalid literal|int\(\)|float\(\)|"
    r"NoneType|object at 0x|<class|utf-8'|utf8|charmap|Expecting value: line 1 column 1 \(char 0\)"
)


def assert_plain(text: str) -> None:
    """A message a user may see: no Python text of any kind, no raw control characters."""
    assert text.strip(), "empty message"
    found = PYTHON_TEXT.search(text)
    assert found is None, f"Python text {found.group(0)!r} in: {text}"
    assert not any(unicodedata.category(ch) == "Cc" and ch not in "\n" for ch in text), repr(text)


@pytest.fixture()
def no_run(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*_a: object, **_k: object) -> None:
        raise AssertionError("the models ran: the input should have been refused before the run")

    monkeypatch.setattr(cli.pipeline, "run", fail)


def _cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, float]:
    t0 = time.perf_counter()
    code = cli.run(args)
    return code, capsys.readouterr().err, time.perf_counter() - t0


# --------------------------------------------------------------------------- scenario files (app and CLI)
def _v1() -> dict:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


HOSTILE_SCENARIOS = {
    "nested 100,000 levels": (b"[" * 100_000 + b"]" * 100_000, "nests 100,000 levels"),
    "nested objects": (b'{"a":' * 100_000 + b"1" + b"}" * 100_000, "nests 100,000 levels"),
    "a list": (b"[1, 2]", "holds a list, not a scenario"),
    "null": (b"null", "holds null"),
    "a string": (b'"scenario"', "holds a piece of text"),
    "a number": (b"12", "holds a number"),
    "empty": (b"", "is empty"),
    "bad JSON": (b'{"name": "x",}', "is not valid JSON (line 1"),
    "schema_version 0": (json.dumps({**_v1(), "schema_version": 0}).encode(), "schema_version is 0"),
    "schema_version -1": (json.dumps({**_v1(), "schema_version": -1}).encode(), "schema_version is -1"),
    "schema_version null": (json.dumps({**_v1(), "schema_version": None}).encode(), "schema_version is null"),
    "schema_version text": (json.dumps({**_v1(), "schema_version": "two"}).encode(), "schema_version is text"),
    "schema_version 1.5": (json.dumps({**_v1(), "schema_version": 1.5}).encode(), "not a whole number"),
    "schema_version true": (json.dumps({**_v1(), "schema_version": True}).encode(), "not a whole number"),
    "newer": (json.dumps({**_v1(), "schema_version": 99}).encode(), "newer version of the app"),
    "schemes a string": (json.dumps({**_v1(), "schemes": "none"}).encode(), "'schemes' should be a list"),
    "flow a list": (json.dumps({**_v1(), "flow": [1]}).encode(), "'flow' should be an object"),
    "Latin-1": (
        json.dumps({**_v1(), "name": "Café plan"}, ensure_ascii=False).encode("latin-1", errors="replace"),
        "not UTF-8",
    ),
    "NUL in a scheme name": (
        json.dumps({**_v1(), "schemes": [{**_v1()["schemes"][0], "name": "16\x0035"}]}).encode(),
        "invisible character (NUL)",
    ),
    "text draws": (json.dumps({**_v1(), "n_draws": "lots"}).encode(), "n_draws"),
}


@pytest.mark.parametrize("case", list(HOSTILE_SCENARIOS))
def test_hostile_scenario_files_get_one_plain_sentence(case: str) -> None:
    raw, expected = HOSTILE_SCENARIOS[case]
    t0 = time.perf_counter()
    with pytest.raises(ScenarioFileError) as err:
        read_scenario_file(raw, "plan.json")
    assert time.perf_counter() - t0 < 2.0
    assert expected in str(err.value), str(err.value)
    assert_plain(str(err.value))


@pytest.mark.parametrize("case", ["nested 100,000 levels", "schema_version null", "Latin-1", "a list"])
def test_the_command_line_uses_the_same_entry(case: str, tmp_path: Path, capsys, no_run) -> None:  # noqa: ANN001
    raw, expected = HOSTILE_SCENARIOS[case]
    path = tmp_path / "plan.json"
    path.write_bytes(raw)
    code, err, _ = _cli(["run", str(path), "--json"], capsys)
    with pytest.raises(ScenarioFileError) as shared:
        read_scenario_file(raw, str(path))
    assert code == 2 and err == f"error: {shared.value}\n"  # the app's message, word for word
    assert_plain(err)


@pytest.mark.parametrize(
    "encode",
    [
        lambda t: t.encode("utf-16"),  # Windows Notepad's "Unicode"
        lambda t: t.encode("utf-16-be").join([b"\xfe\xff", b""]),
        lambda t: b"\xef\xbb\xbf\xef\xbb\xbf" + t.encode(),  # a doubled byte-order mark
    ],
)
def test_utf16_and_doubled_bom_scenario_files_open(encode) -> None:  # noqa: ANN001
    text = FIXTURE.read_text(encoding="utf-8")
    assert read_scenario_file(encode(text)) == read_scenario_file(text.encode())


def test_scheme_names_are_compared_after_normalisation(base_scenario: Scenario) -> None:
    data = json.loads(base_scenario.to_json())
    first = data["schemes"][0]
    composed = {**first, "name": "Caf\u00e9 support"}
    for twin in ("Cafe\u0301 support", "CAF\u00c9 SUPPORT", "Caf\u00e9\u00a0support", "Ｃａｆé support"):
        data["schemes"] = [composed, {**first, "name": twin}]
        with pytest.raises(ScenarioFileError, match="must be unique"):
            read_scenario_file(json.dumps(data).encode())
    data["schemes"] = [composed, {**first, "name": "Caf\u00e9\u200b support"}]  # a zero-width space
    with pytest.raises(ScenarioFileError) as err:
        read_scenario_file(json.dumps(data).encode())
    assert "must be unique" in str(err.value) or "invisible" in str(err.value)
    assert_plain(str(err.value))


# --------------------------------------------------------------------------- the command line's other inputs
def test_out_naming_a_folder_is_refused_before_the_run(tmp_path: Path, capsys, no_run) -> None:  # noqa: ANN001
    folder = tmp_path / "results.xlsx"
    folder.mkdir()
    code, err, seconds = _cli(["run", str(FIXTURE), "--out", str(folder)], capsys)
    assert code == 2 and "is a folder" in err and seconds < 5
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, err, _ = _cli(["run", str(FIXTURE), "--out", str(blocker / "sub" / "r.xlsx")], capsys)
    assert code == 2 and "is a file, not a folder" in err
    assert_plain(err)


def test_command_line_workload_cap(tmp_path: Path, capsys, no_run, base_scenario: Scenario) -> None:  # noqa: ANN001
    template = base_scenario.schemes[0].model_dump()
    schemes = [
        {**template, "name": f"Scheme {k:03d}", "current_budget_gbp": 0.0, "budget_gbp": 1000.0} for k in range(200)
    ]
    heavy = evolve(base_scenario, schemes=schemes, n_draws=5000, horizon_years=10)
    path = tmp_path / "heavy.json"
    path.write_text(heavy.to_json(), encoding="utf-8")
    code, err, seconds = _cli(["run", str(path), "--json"], capsys)
    assert code == 2 and "this server runs at most 6 million" in err and "--draws" in err and seconds < 30
    assert_plain(err)


AREA_JSON_CASES = {
    "no name": ({"ambition_placements": 150}, "'name' is missing"),
    "text ambition": ({"name": "X", "ambition_placements": "lots"}, "'ambition_placements': 'lots' is not a number"),
    "decimal-comma ambition": ({"name": "X", "ambition_rate_per_100k": "0,250"}, "decimals with a point"),
    "a list": ([{"name": "X"}], "holds a list"),
    "name a number": ({"name": 5}, "'name' should be text"),
    "nested": (None, "nests"),
    "Latin-1": (None, "not UTF-8"),
}


@pytest.mark.parametrize("case", list(AREA_JSON_CASES))
def test_data_folder_area_json_faults(case: str, tmp_path: Path, capsys, no_run) -> None:  # noqa: ANN001
    folder = tmp_path / "area"
    folder.mkdir()
    for f in DEMO_DIR.iterdir():
        if f.suffix == ".csv":
            (folder / f.name).write_bytes(f.read_bytes())
    content, expected = AREA_JSON_CASES[case]
    if case == "nested":
        raw = b'{"name": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    elif case == "Latin-1":
        raw = '{"name": "Bromley café"}'.encode("latin-1")
    else:
        raw = json.dumps(content).encode()
    (folder / "area.json").write_bytes(raw)
    area, problems = load_area(folder)
    assert area is None and any(expected in str(p) for p in problems), problems
    code, err, _ = _cli(["run", str(FIXTURE), "--json", "--data", str(folder)], capsys)
    assert code == 2 and "area.json" in err and expected in err
    assert_plain(err)


def test_data_folder_with_a_folder_for_a_file(tmp_path: Path) -> None:
    folder = tmp_path / "area"
    folder.mkdir()
    for f in DEMO_DIR.iterdir():
        (folder / f.name).write_bytes(f.read_bytes())
    (folder / "population.csv").unlink()
    (folder / "population.csv").mkdir()
    area, problems = load_area(folder)
    assert area is None and "population.csv: is a folder, not a file" in str(problems[0])


# --------------------------------------------------------------------------- links
def _link(payload: bytes) -> str:
    import zlib

    return "l1." + base64.urlsafe_b64encode(zlib.compress(payload, 9)).decode().rstrip("=")


@pytest.mark.parametrize(
    "payload",
    [
        b'{"v":2,"a":"x","d":' + b'{"n":' * 100_000 + b"1" + b"}" * 100_000 + b"}",
        b"[" * 100_000,
        b'{"v":2,"a":"x","d":{"schemes":{"~":' + b"[" * 100_000 + b"]" * 100_000 + b"}}}",
        b'{"v":2,"a":"x","d":{"flow":7}}',
    ],
)
def test_links_nested_deep_or_malformed_are_refused_plainly(payload: bytes, base_scenario: Scenario) -> None:
    token = _link(payload)
    assert len(token) < 2000  # a short link: a few hundred characters
    t0 = time.perf_counter()
    with pytest.raises(LinkError) as err:
        from_link_token(token, base_scenario)
    assert time.perf_counter() - t0 < 2.0
    assert_plain(str(err.value))


# --------------------------------------------------------------------------- uploads
ADM = "admissions_monthly.csv"


def _check(raw: bytes, name: str = ADM, filename: str | None = None, today: date | None = None):  # noqa: ANN202
    df, problems = read_table(raw, filename or name, name)
    if df is None:
        return None, problems
    return validate_table(df, name, today=today)


def _text(problems: list) -> str:  # noqa: ANN001
    return "\n".join(map(str, problems))


def test_decimal_comma_refused_thousands_kept() -> None:
    rows = 'month,nea,acs\n2015-04-01,"1,250",0\n2015-05-01,"12,500","1,000"\n'
    df, problems = _check(rows.encode())
    assert problems == [] and df["nea"].tolist() == [1250, 12500]
    flows = pd.read_csv(DEMO_DIR / "unit_costs.csv", dtype=str, keep_default_na=False)
    flows.loc[0, "value"] = "0,250"
    df, problems = _check(flows.to_csv(index=False).encode(), "unit_costs.csv")
    text = _text(problems)
    assert df is None and "'0,250'" in text and "write decimals with a point" in text
    assert_plain(text)


def test_csv_line_oddities_read_or_explained() -> None:
    body = (DEMO_DIR / ADM).read_text(encoding="utf-8")
    reference, problems = _check(body.encode())
    assert problems == []
    for variant in (
        "\ufeff\ufeff" + body,  # a doubled byte-order mark: the header is still 'month'
        "sep=,\n" + body,  # Excel's separator line
        body.replace("\n", "\r"),  # old Mac line ends
        body.replace("\n", "\r\n"),
    ):
        df, problems = _check(variant.encode("utf-8"))
        assert problems == [] and df.equals(reference), _text(problems)
    df, problems = _check(("sep=;\n" + body.replace(",", ";")).encode())
    assert df is None and "semicolons" in _text(problems)
    assert_plain(_text(problems))


def test_nul_in_a_cell_is_shown_as_a_marker() -> None:
    raw = b"month,nea,acs\n2015-04-01,16\x0035,1\n"
    _, problems = _check(raw)
    text = _text(problems)
    assert "'16[hidden control character]35'" in text and "character code 0" in text
    assert_plain(text)


def test_current_month_is_a_part_month(tmp_path: Path) -> None:
    raw = b"month,nea,acs\n2026-10-01,100,10\n2026-11-01,100,10\n2026-12-01,40,4\n"
    today = date(2026, 12, 5)
    _, problems = _check(raw, today=today)
    text = _text(problems)
    assert "row 4" in text and "2026-12 has not ended yet (today is 5 Dec 2026)" in text
    df, problems = _check(raw, today=date(2027, 1, 1))  # once the month is over, it is a whole month
    assert problems == [] and len(df) == 3
    assert_plain(text)


def _workbook(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "schemes"
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def test_array_formula_in_a_scheme_name_cell_is_refused_by_type() -> None:
    header = list(pd.read_csv(DEMO_DIR / "schemes.csv", nrows=0).columns)
    row = pd.read_csv(DEMO_DIR / "schemes.csv", dtype=str, nrows=1).iloc[0].tolist()
    book = openpyxl.load_workbook(io.BytesIO(_workbook([header, row])))
    book.active["A2"] = ArrayFormula("A2", '=UPPER("x")')
    buf = io.BytesIO()
    book.save(buf)
    df, problems = read_table(buf.getvalue(), "schemes.xlsx", "schemes.csv")
    text = _text(problems)
    assert df is None and "cell A2" in text and "formula" in text and "0x" not in text


def _rename_sheet_part(xlsx: bytes, new: str, content: bytes) -> bytes:
    """The workbook with its sheet stored as ``new`` (relationships and content types follow), holding ``content``."""
    src = zipfile.ZipFile(io.BytesIO(xlsx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                dst.writestr(new, content)
                continue
            data = data.replace(b"worksheets/sheet1.xml", new.removeprefix("xl/").encode())
            dst.writestr(info.filename, data)
    return out.getvalue()


@pytest.mark.parametrize("part", ["xl/worksheets/sheet1.XML", "xl/worksheets/sheet1.bin", "xl/data.png"])
def test_xml_prescan_reads_every_part_whatever_its_name(part: str) -> None:
    base = _workbook([["month", "nea", "acs"], ["2015-04-01", 1, 1]])
    cells = b"<c/>" * 2_000_000  # 8 MB of XML packed into about 20 kB
    sheet = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">'
    bomb = _rename_sheet_part(base, part, sheet + cells + b"</row></sheetData></worksheet>")
    assert len(bomb) < 60_000
    t0 = time.perf_counter()
    df, problems = read_table(bomb, "a.xlsx", ADM)
    assert time.perf_counter() - t0 < 3.0
    text = _text(problems)  # a sheet's row limit, or the element limit of every other part
    assert df is None and ("more than 200 cells" in text or "more than 600,000 XML elements" in text), text


def test_binary_parts_are_not_taken_for_xml() -> None:
    base = _workbook([["month", "nea", "acs"], ["2015-04-01", 1, 1]])
    src = zipfile.ZipFile(io.BytesIO(base))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info.filename))
        dst.writestr("xl/printerSettings/printerSettings1.bin", "HP LaserJet".encode("utf-16-le") + b"\x00" * 200)
        dst.writestr("xl/media/image1.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
    df, problems = read_table(out.getvalue(), "a.xlsx", ADM)
    assert problems == [] and df is not None


def test_scheme_names_normalised_and_invisible_characters_refused_in_uploads() -> None:
    df = pd.read_csv(DEMO_DIR / "schemes.csv", dtype=str, keep_default_na=False)
    df.loc[0, "name"], df.loc[1, "name"] = "Caf\u00e9 support", "Cafe\u0301 support"
    _, problems = _check(df.to_csv(index=False).encode(), "schemes.csv")
    assert "row 3" in _text(problems) and "already used by row 2" in _text(problems)
    df.loc[1, "name"] = "Home\u200bFirst"
    _, problems = _check(df.to_csv(index=False).encode(), "schemes.csv")
    text = _text(problems)
    assert "zero width space (U+200B)" in text and "row 3" in text
    assert_plain(text)


def test_scheme_editor_refuses_invisible_and_equivalent_names(base_scenario: Scenario) -> None:
    rows = pd.DataFrame([s.model_dump() for s in base_scenario.schemes[:2]])
    rows.loc[1, "name"] = rows.loc[0, "name"].upper().replace(" ", "\u00a0", 1)
    _, messages = validate_scheme_rows(rows, 60)
    assert any("already used by row 1" in m for m in messages), messages
    rows.loc[1, "name"] = "Bidi\u202eeman"
    _, messages = validate_scheme_rows(rows, 60)
    assert any("right-to-left override" in m for m in messages), messages


# --------------------------------------------------------------------------- whole-area checks before the switch
def _typed(name: str, df: pd.DataFrame) -> pd.DataFrame:
    frame, problems = read_table(df.to_csv(index=False).encode(), name)
    assert frame is not None, problems
    typed, problems = validate_table(frame, name)
    assert problems == [], problems
    return typed


def _area_with(demo, name: str, change) -> object:  # noqa: ANN001
    uploads = {
        n: _typed(n, pd.read_csv(DEMO_DIR / n, dtype=str, keep_default_na=False))
        for n in ("admissions_monthly.csv", "placements_monthly.csv", "population.csv")
    }
    df = pd.read_csv(DEMO_DIR / name, dtype=str, keep_default_na=False)
    uploads[name] = _typed(name, change(df))
    area, problems = with_uploads(demo, uploads, "Uploaded", "test")
    assert area is not None, problems
    return area


def _zero_older_in_first_year(df: pd.DataFrame) -> pd.DataFrame:
    first = df["year"].min()
    df.loc[(df["year"] == first) & df["age_band"].isin(["65-74", "75-84", "85+"]), "population"] = "0"
    return df


def _set_column(col: str, value: str, row: int | None = None):  # noqa: ANN202
    def change(df: pd.DataFrame) -> pd.DataFrame:
        if row is None:
            df[col] = value
        else:
            df.loc[row, col] = value
        return df

    return change


@pytest.mark.parametrize(
    ("name", "change", "expected"),
    [
        ("population.csv", _zero_older_in_first_year, "has no residents aged 65+"),
        (
            "placements_monthly.csv",
            _set_column("placements_65plus", "50000", 30),
            "more than the area's whole population aged 65+",
        ),
        ("admissions_monthly.csv", _set_column("nea", "900000000"), "more than the area's whole population"),
    ],
)
def test_whole_area_checks_refuse_before_the_switch(demo_area, name: str, change, expected: str) -> None:  # noqa: ANN001
    area = _area_with(demo_area, name, change)
    t0 = time.perf_counter()
    problems = guards.check_area(area, demo_area)
    assert time.perf_counter() - t0 < 5.0
    assert any(expected in p for p in problems), problems
    assert_plain("\n".join(problems))


def _busy_area(demo, per_month: str):  # noqa: ANN001, ANN202
    adm = pd.read_csv(DEMO_DIR / ADM, dtype=str)
    adm["nea"] = per_month
    pop = pd.read_csv(DEMO_DIR / "population.csv", dtype=str)
    pop["population"] = "50000000"
    uploads = {
        ADM: _typed(ADM, adm),
        "placements_monthly.csv": _typed(
            "placements_monthly.csv", pd.read_csv(DEMO_DIR / "placements_monthly.csv", dtype=str)
        ),
        "population.csv": _typed("population.csv", pop),
    }
    area, problems = with_uploads(demo, uploads, "Busy", "test", settings={"ambition_placements": 100})
    assert area is not None, problems
    return area


def test_winter_cap_counts_arrivals(demo_area) -> None:  # noqa: ANN001
    # 2 million admissions a month (66,000 a day): within the population, beyond the winter cap at 50 draws
    problems = guards.check_area(_busy_area(demo_area, "2000000"), demo_area)
    assert any("emergency admissions a day (the last 12 months) is more than" in p for p in problems), problems
    assert_plain("\n".join(problems))
    # the demo fits at 5,000 draws; an area of 30,000 admissions a day is run at fewer
    sc = evolve(guards.baseline(demo_area), n_draws=5000)
    assert guards.check_workload(sc, demo_area) == [] and guards.flow_workload(sc, demo_area) < guards.MAX_FLOW_WORK
    moderate = _busy_area(demo_area, "900000")
    assert not any("a day" in p for p in guards.whole_area_problems(moderate))
    fitted, notes = guards.fit_workload(sc, moderate)
    assert fitted.n_draws == guards.MIN_DRAWS and "winter simulation" in notes[0] and "reduced to 50" in notes[0]
    assert guards.flow_workload(fitted, moderate) <= guards.MAX_FLOW_WORK


def test_area_settings_refuse_invisible_names_and_decimal_commas() -> None:
    from models.inputs.areas import read_area_settings

    df = pd.DataFrame({"setting": ["name", "ambition_rate_per_100k"], "value": ["Harrow\u200b", "0,250"]})
    settings, problems = read_area_settings(df)
    text = _text(problems)
    assert settings == {} and "zero width space" in text and "'0,250'" in text and "decimals with a point" in text
    assert_plain(text)


@pytest.mark.parametrize("encoding", ["utf-32", "utf-32-le-bom", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
def test_utf32_is_read_and_text_without_a_byte_order_mark_is_named(encoding: str) -> None:
    """UTF-32 with its mark is read (its little-endian mark begins like UTF-16's); UTF-16/32 without a mark is
    refused in words, with no NUL characters quoted back."""
    text = "month,nea,acs\n2024-04-01,100,30\n2024-05-01,110,31\n"
    raw = codecs.BOM_UTF32_LE + text.encode("utf-32-le") if encoding == "utf-32-le-bom" else text.encode(encoding)
    df, problems = read_table(raw, "admissions_monthly.csv", "admissions_monthly.csv")
    if encoding.startswith("utf-32") and (encoding == "utf-32" or encoding.endswith("bom")):
        assert df is not None and not problems and list(df.columns) == ["month", "nea", "acs"]
        return
    assert df is None and len(problems) == 1
    message = problems[0].message
    assert "without a byte-order mark" in message and "UTF-8" in message and "\x00" not in message


@pytest.mark.parametrize(
    ("key", "value", "says"),
    [
        ("n_draws", 0, "n_draws: must be at least 50"),
        ("n_draws", 10**6, "n_draws: must be at most 5,000"),
        ("n_draws", 10.5, "n_draws: must be a whole number"),
        ("horizon_years", "ten", "horizon_years: must be a whole number"),
        ("savings_realised_pct", 250, "savings_realised_pct: must be at most 100"),
    ],
)
def test_out_of_range_scenario_values_are_explained_in_plain_words(
    base_scenario: Scenario, key: str, value: object, says: str
) -> None:
    """Pydantic's own sentences ("Input should be greater than or equal to 50") never reach the user."""
    data = {**json.loads(base_scenario.to_json()), key: value}
    with pytest.raises(ScenarioFileError) as err:
        read_scenario_file(json.dumps(data).encode(), "bcf_scenario.json")
    assert says in str(err.value) and "Input should" not in str(err.value), str(err.value)
    assert "100.0" not in str(err.value)
