"""Unit: funding lines in and out (issue 20): schemes.csv amounts by source and its bad input, the scheme editor,
the v2 → v3 migration on stored fixtures (files, library text, links), area.json's requirement, the finance
workbook's fund statement re-read with openpyxl."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook
from sqlalchemy import insert

from models.inputs.areas import DEMO_DIR, read_area_json, read_table, validate_table
from models.money import riskshare
from models.money.riskshare import Activity
from models.report.finance import finance_workbook
from models.scenario import SCHEMA_VERSION, Scenario, evolve, migrate
from models.scenario.files import ScenarioFileError, read_scenario_file
from models.scenario.migrate import migrate_with_notes
from models.scenario.moves import move_money, with_income
from models.scenario.tables import funding_notes, schemes_from_table, schemes_to_rows, validate_scheme_rows
from models.scenario.terms import contributions
from models.store import library as st_mod
from models.store.links import from_link_token, to_link_token

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
HOME_FIRST = "Home First and supported discharge"


def _upload(df: pd.DataFrame) -> tuple[pd.DataFrame | None, list[str]]:
    frame, problems = read_table(df.to_csv(index=False).encode(), "schemes.csv")
    assert frame is not None, problems
    typed, problems = validate_table(frame, "schemes.csv")
    return typed, [str(p) for p in problems]


def _activity(nea_out: np.ndarray) -> Activity:
    """One financial year of activity (as tests/unit/test_finance.py builds it)."""
    months = 12
    return Activity(
        fy=("2025-26",),
        nea_plan=np.array([1000.0]),
        nea_trend=np.array([1100.0]),
        nea_out=nea_out[:, None],
        nea_trend_out=np.full((len(nea_out), 1), 1100.0),
        plc_plan_m=np.full(months, 10.0),
        plc_trend_m=np.full(months, 10.0),
        plc_out_m=np.full((len(nea_out), months), 10.0),
        winter_plan=dict.fromkeys(riskshare.WINTER_VOLUMES, 0.0),
        winter_out={k: np.zeros(len(nea_out)) for k in riskshare.WINTER_VOLUMES},
        winter_fy=None,
        month_fy=np.zeros(months, dtype=int),
        scheme_budget_gbp=25e6,
    )


def _demo() -> pd.DataFrame:
    return pd.read_csv(DEMO_DIR / "schemes.csv", dtype=str, keep_default_na=False)


# --------------------------------------------------------------------------- schemes.csv
def test_demo_schemes_read_as_funding_mixes(demo_area) -> None:  # noqa: ANN001
    schemes = {s.name: s for s in schemes_from_table(demo_area.schemes)}
    assert schemes[HOME_FIRST].funding == (("nhs_minimum", 1.0),)
    assert schemes["Disabled Facilities Grant"].funding == (("dfg", 1.0),)
    assert schemes["Disabled Facilities Grant"].scheme_type == "dfg_adaptations"
    assert schemes[HOME_FIRST].scheme_type == "home_based_ic" and schemes[HOME_FIRST].step == "step-down"


def test_amounts_must_add_up_to_the_budget_by_row_and_column() -> None:
    df = _demo()
    df.loc[1, "nhs_minimum_gbp"] = "2,000,000"  # budget £2,100,000
    typed, problems = _upload(df)
    assert typed is None
    assert problems == [
        "schemes.csv, row 3, column 'nhs_minimum_gbp, la_bcf_grant_gbp, dfg_gbp, additional_nhs_gbp, "
        "additional_council_gbp': the amounts by funding source add up to £2,000,000, not the budget of £2,100,000 "
        "(£100,000 less than the budget); make them add up to the budget"
    ]
    df.loc[1, "nhs_minimum_gbp"] = "2100001"  # within £1 (rounding in a spreadsheet): accepted
    assert _upload(df)[1] == []
    df.loc[1, "nhs_minimum_gbp"] = "2100001.5"  # £1.50 over: refused
    assert "(£2 more than the budget)" in " ".join(_upload(df)[1])
    df.loc[1, ["nhs_minimum_gbp", "la_bcf_grant_gbp"]] = ["1,600,000", "500000"]  # a mix
    typed, problems = _upload(df)
    assert problems == []
    hf = {s.name: s for s in schemes_from_table(typed)}[HOME_FIRST]
    assert hf.amounts() == pytest.approx({"nhs_minimum": 1_600_000, "la_bcf_grant": 500_000})


def test_a_negative_source_is_refused_by_row_and_column() -> None:
    df = _demo()
    df.loc[2, ["nhs_minimum_gbp", "dfg_gbp"]] = ["2000000", "-100000"]
    typed, problems = _upload(df)
    assert typed is None and len(problems) == 1
    assert problems[0].startswith("schemes.csv, row 4, column 'dfg_gbp': a funding amount must be from £0 to £10bn")


def test_unknown_scheme_type_and_step_are_refused() -> None:
    df = _demo()
    df.loc[0, "scheme_type"] = "spa days"
    df.loc[3, "step"] = "sideways"
    typed, problems = _upload(df)
    assert typed is None
    assert problems[0].startswith("schemes.csv, row 2, column 'scheme_type': 'spa days' is not one of: Home-based")
    assert problems[1].startswith("schemes.csv, row 5, column 'step': 'sideways' is not one of: step-up, step-down")


def test_an_old_file_with_only_funding_source_still_loads() -> None:
    df = _demo().drop(
        columns=[
            "nhs_minimum_gbp",
            "la_bcf_grant_gbp",
            "dfg_gbp",
            "additional_nhs_gbp",
            "additional_council_gbp",
            "scheme_type",
            "step",
        ]
    )
    df.insert(1, "funding_source", ["NHS minimum contribution"] * 7 + ["iBCF", "Discharge fund", "DFG"])
    typed, problems = _upload(df)
    assert problems == []
    schemes = {s.name: s for s in schemes_from_table(typed)}
    assert schemes["Improved BCF: interim care-home beds for discharge"].funding == (("la_bcf_grant", 1.0),)
    assert schemes["Improved BCF: market sustainability and home care"].funding == (("additional_council", 1.0),)
    assert schemes["Disabled Facilities Grant"].scheme_type == "dfg_adaptations"  # guessed from the name
    assert schemes[HOME_FIRST].scheme_type == "home_based_ic" and schemes[HOME_FIRST].step == "step-down"
    assert funding_notes(typed) == [
        "Note: scheme 'Improved BCF: market sustainability and home care': its funding source 'Discharge fund' was "
        "taken as the Additional council contribution (its lead partner is on the council side)."
    ]


def test_a_file_with_no_funding_columns_is_refused() -> None:
    df = _demo().drop(
        columns=["nhs_minimum_gbp", "la_bcf_grant_gbp", "dfg_gbp", "additional_nhs_gbp", "additional_council_gbp"]
    )
    typed, problems = _upload(df)
    assert typed is None and problems[0].startswith("schemes.csv: no funding columns")


# --------------------------------------------------------------------------- the scheme editor
def test_editor_amounts_round_trip_and_bad_amounts(base_scenario) -> None:  # noqa: ANN001
    rows = schemes_to_rows(base_scenario.schemes)
    out, messages = validate_scheme_rows(rows, 60, previous=base_scenario.schemes)
    assert messages == [] and out == base_scenario.schemes
    # only the budget edited: the mix is kept, scaled, with a note
    edited = rows.copy()
    edited.loc[1, "budget_gbp"] = 3_000_000
    out, messages = validate_scheme_rows(edited, 60, previous=base_scenario.schemes)
    assert out is not None and out[1].budget_gbp == 3_000_000 and out[1].funding == (("nhs_minimum", 1.0),)
    assert messages == [
        "Note: Row 2 ('Home First and supported discharge'): the budget changed, so its funding "
        "amounts were scaled in the same mix."
    ]
    # amounts that match neither the budget nor the old amounts: refused by row and column
    edited.loc[1, "la_bcf_grant_gbp"] = 400_000
    out, messages = validate_scheme_rows(edited, 60, previous=base_scenario.schemes)
    assert out is None and messages[0].startswith(
        "Row 2 ('Home First and supported discharge'), column 'nhs_minimum_gbp, la_bcf_grant_gbp, dfg_gbp, "
        "additional_nhs_gbp, additional_council_gbp': the amounts by funding source add up to £2,500,000"
    )
    edited.loc[1, "nhs_minimum_gbp"] = 2_600_000  # now 2.6m + 0.4m = 3m: a new mix
    out, messages = validate_scheme_rows(edited, 60, previous=base_scenario.schemes)
    assert out is not None and dict(out[1].funding) == pytest.approx({"nhs_minimum": 2.6 / 3, "la_bcf_grant": 0.4 / 3})
    edited.loc[1, "dfg_gbp"] = -1
    out, messages = validate_scheme_rows(edited, 60, previous=base_scenario.schemes)
    assert out is None and messages[0].startswith("Row 2 ('Home First and supported discharge'), column 'dfg_gbp':")


# --------------------------------------------------------------------------- migration v2 -> v3
def test_stored_v2_scenario_migrates_with_a_note() -> None:
    text = (FIXTURES / "scenario_v2.json").read_text(encoding="utf-8")
    raw = json.loads(text)
    assert raw["schema_version"] == 2 and "funding_source" in raw["schemes"][0]
    sc, notes = Scenario.from_json_with_notes(text)
    assert sc.schema_version == SCHEMA_VERSION == 3
    by = {s.name: s for s in sc.schemes}
    for s in raw["schemes"]:  # budgets and effects kept
        assert by[s["name"]].budget_gbp == s["budget_gbp"] and by[s["name"]].effect_central == s["effect_central"]
    assert by["Improved BCF: interim care-home beds for discharge"].funding == (("la_bcf_grant", 1.0),)
    assert by["Disabled Facilities Grant"].funding == (("dfg", 1.0),)
    assert by["Disabled Facilities Grant"].scheme_type == "dfg_adaptations"
    assert (by[HOME_FIRST].scheme_type, by[HOME_FIRST].step) == ("home_based_ic", "step-down")
    assert by["Community rehab (step-down) beds"].scheme_type == "bed_based_ic"
    assert by["Improved BCF: interim care-home beds for discharge"].scheme_type == "short_term_residential"
    assert by["Community services and carers"].scheme_type == "carers"
    # income = today's fund (current budgets × mixes); contributions follow who pays
    assert dict(sc.income) == pytest.approx({"nhs_minimum": 17_129_049, "la_bcf_grant": 6_467_630, "dfg": 1_721_553})
    assert contributions(sc).tolist() == pytest.approx([17_129_049, 8_189_183])
    assert sc.nhs_asc_requirement_gbp is None
    assert len(notes) == 2 and "schema 2" in notes[0] and "follow who pays" in notes[0]
    assert "Move money" in notes[1]  # the v2 scenario had moved £1m: its sources could not be known
    assert Scenario.from_json(sc.to_json()) == sc
    assert Scenario.from_json_with_notes(sc.to_json())[1] == []  # a current scenario has no notes


def test_free_text_sources_map_by_rule_with_a_note_each() -> None:
    raw = json.loads((FIXTURES / "scenario_v2_sources.json").read_text(encoding="utf-8"))
    migrated, notes = migrate_with_notes(raw)
    got = {s["name"]: s["funding"][0][0] for s in migrated["schemes"]}
    assert got == {
        "STARRS intermediate care": "additional_nhs",
        HOME_FIRST: "additional_nhs",  # "Discharge fund", ICB-led
        "Community rehab (step-down) beds": "nhs_minimum",  # "CCG minimum"
        "ICE high-risk cohorts": "additional_nhs",  # "Additional contribution", ICB-led
        "Carers support service": "la_bcf_grant",  # "improved better care fund"
        "Protection of adult social care: home care after discharge": "la_bcf_grant",  # "Local Authority …"
        "Protection of adult social care: prevention and community support": "nhs_minimum",  # "… protection"
        "Improved BCF: interim care-home beds for discharge": "additional_council",  # unknown text, council-led
        "Improved BCF: market sustainability and home care": "la_bcf_grant",
        "Disabled Facilities Grant": "dfg",
    }
    assert [n.split("'")[1] for n in notes[1:]] == [
        HOME_FIRST,
        "ICE high-risk cohorts",
        "Improved BCF: interim care-home beds for discharge",
    ]
    assert "taken as the Additional NHS contribution (its lead partner, ICB, is on the NHS side)" in notes[1]
    sc = Scenario.model_validate(migrated)
    assert contributions(sc)[1] == 14_000_000  # a stated contribution is kept


def test_v1_migrates_through_v2_to_v3() -> None:
    raw = json.loads((FIXTURES / "scenario_v1.json").read_text(encoding="utf-8"))
    assert raw["schema_version"] == 1
    sc = Scenario.model_validate(migrate(raw))
    assert sc.schema_version == 3
    by = {s.name: s for s in sc.schemes}
    assert by["Improved BCF: market sustainability and discharge"].funding == (("la_bcf_grant", 1.0),)
    assert by["Protection of adult social care"].funding == (("nhs_minimum", 1.0),)
    assert by["Protection of adult social care"].scheme_type == "home_care"


def test_a_v2_file_opens_with_notes_through_the_guarded_reader() -> None:
    notes: list[str] = []
    sc = read_scenario_file((FIXTURES / "scenario_v2.json").read_bytes(), "old.json", notes=notes)
    assert sc.schema_version == 3 and notes and notes[0].startswith("This scenario was saved by an earlier version")
    assert read_scenario_file((FIXTURES / "scenario_v2.json").read_bytes()).schema_version == 3  # notes optional


def test_shared_links_made_with_v2_still_open(base_scenario) -> None:  # noqa: ANN001
    links = json.loads((FIXTURES / "links_v2.json").read_text(encoding="utf-8"))
    for token in (links["diff_token"], links["full_token"]):
        opened = from_link_token(token, base_scenario)
        assert {s.name: s.budget_gbp for s in opened.scenario.schemes} == links["budgets"]
        assert opened.scenario.risk_share.split_basis == "contributions"
        assert contributions(opened.scenario).tolist() == pytest.approx([17_129_049, 8_189_183])


# --------------------------------------------------------------------------- area.json and the workbook
def test_area_json_requirement(tmp_path: Path) -> None:
    info, problems = read_area_json(DEMO_DIR)
    assert problems == [] and info is not None and info["nhs_asc_requirement_gbp"] == 6_799_326
    (tmp_path / "area.json").write_text(json.dumps({"name": "X", "nhs_asc_requirement_gbp": "lots"}))
    info, problems = read_area_json(tmp_path)
    assert info is None and "'nhs_asc_requirement_gbp'" in str(problems[0])
    (tmp_path / "area.json").write_text(json.dumps({"name": "X"}))
    info, _ = read_area_json(tmp_path)
    assert info is not None and info["nhs_asc_requirement_gbp"] is None


def test_finance_workbook_has_the_fund_statement_and_conditions(demo_area, base_scenario) -> None:  # noqa: ANN001
    sc = evolve(move_money(base_scenario, "Disabled Facilities Grant", HOME_FIRST, 100_000), name="DFG moved")
    fin = riskshare.finance_from_activity(sc, _activity(np.array([990.0, 1000.0, 1030.0])), exceed_gbp=0.0)
    wb = load_workbook(io.BytesIO(finance_workbook(sc, demo_area, fin, today=dt.date(2026, 12, 1))))
    src = wb["Fund by source"]
    head = [c.value for c in src[1]]
    rows = {r[0].value: {h: c for h, c in zip(head, r, strict=True)} for r in src.iter_rows(min_row=2)}
    assert set(rows) == {"NHS minimum contribution", "Local Authority BCF grant", "Disabled Facilities Grant"}
    nhs = rows["NHS minimum contribution"]
    assert nhs["Paid by"].value == "ICB" and nhs["Income (£ a year)"].value == pytest.approx(17_129_049)
    assert "£" in nhs["Income (£ a year)"].number_format
    types = wb["Spend by type"]
    last = [c.value for c in list(types.iter_rows())[-1]]
    assert last[0] == "All schemes" and last[2] == pytest.approx(25_318_232)
    scheme_head = [c.value for c in wb["Spend by scheme"][1]]
    assert "From Disabled Facilities Grant (£ a year)" in scheme_head and "Service type" in scheme_head
    contrib = {r[0].value: r[1].value for r in wb["Contributions"].iter_rows(min_row=2)}
    assert contrib == pytest.approx({"ICB": 17_129_049, "Council": 8_189_183})
    cond = [[c.value for c in r] for r in wb["National conditions"].iter_rows(min_row=2)]
    assert cond[0][3] == "met" and cond[1][3].startswith("NOT MET")
    assert cond[2][0] == "Warning" and "£100,000 a year of Disabled Facilities Grant" in cond[2][3]


def test_a_v2_record_in_the_library_opens(tmp_path: Path) -> None:
    store = st_mod.ScenarioStore(f"sqlite:///{tmp_path / 'lib.db'}")
    body = (FIXTURES / "scenario_v2.json").read_text(encoding="utf-8")
    now = datetime.now(UTC)
    with store.engine.begin() as conn:
        conn.execute(
            insert(st_mod.scenarios_table).values(
                id="v2",
                name="Old v2",
                area_name="Harrow",
                area_fingerprint="x",
                author="",
                notes="",
                schema_version=2,
                body=body,
                created_at=now,
                updated_at=now,
            )
        )
    entry, sc = store.load("v2")
    assert entry.schema_version == 2 and sc.schema_version == 3
    assert sc == Scenario.from_json_with_notes(body)[0]
    store.close()


@pytest.mark.parametrize(
    "change,words",
    [
        ({"income": [["lottery", 5]]}, "income: income from unknown source(s) lottery"),
        ({"income": "abc"}, "income: must be a list [ … ]"),
        ({"nhs_asc_requirement_gbp": -4}, "nhs_asc_requirement_gbp: must be at least 0"),
    ],
)
def test_bad_funding_in_a_scenario_file_gets_a_plain_message(base_scenario, change, words) -> None:  # noqa: ANN001
    data = {**json.loads(base_scenario.to_json()), **change}
    with pytest.raises(ScenarioFileError, match=re.escape(words)):
        read_scenario_file(json.dumps(data).encode(), "f.json")
    bad_mix = json.loads(base_scenario.to_json())
    bad_mix["schemes"][0]["funding"] = [["nhs_minimum", 0.5]]
    with pytest.raises(ScenarioFileError, match=re.escape("scheme 1 ('STARRS intermediate care'), funding: ")):
        read_scenario_file(json.dumps(bad_mix).encode(), "f.json")


def test_funding_levers_survive_a_shared_link(demo_area, base_scenario) -> None:  # noqa: ANN001
    sc = with_income(move_money(base_scenario, "Disabled Facilities Grant", HOME_FIRST, 100_000), "dfg", 2e6)
    sc = evolve(sc, nhs_asc_requirement_gbp=7e6)
    opened = from_link_token(to_link_token(sc, base_scenario, demo_area.fingerprint), base_scenario)
    assert opened.scenario == sc
