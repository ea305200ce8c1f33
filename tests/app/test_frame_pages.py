"""App (AppTest): the frame, home page, presets and the Data page's upload handling."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "data" / "demo"


def _app() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_home_shows_area_and_history() -> None:
    at = _app()
    labels = [m.label for m in at.metric]
    assert any("Emergency admissions" in lbl for lbl in labels)
    assert any("per 100,000 aged 65+" in lbl for lbl in labels)
    assert any("Illustrative demo data" in i.value for i in at.info)
    assert "Harrow" in " ".join(m.value for m in at.markdown)


def test_preset_and_reset_change_scenario() -> None:
    at = _app()
    box = next(s for s in at.sidebar.selectbox if s.label == "Scenario preset")
    target = next(o for o in box.options if "escalation beds" in o)
    box.select(target).run()
    assert not at.exception
    assert at.session_state["scenario"].flow.escalation_beds == 27
    assert "s" in at.query_params  # the shared link holds the scenario
    at.sidebar.button[0].click().run()  # Reset
    assert at.session_state["scenario"].flow.escalation_beds == 0


def test_invalid_shared_link_gives_message_not_traceback() -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["s"] = "v1.not-a-real-scenario"
    at.run()
    assert not at.exception
    assert any("could not be read" in w.value for w in at.warning)


def test_data_page_bad_upload_changes_nothing() -> None:
    at = _data_page()
    before = at.session_state["area"].fingerprint
    raw = (DEMO / "admissions_monthly.csv").read_bytes().replace(b"2016-05-01,", b"2016-05-01,-", 1)
    at.file_uploader(key="up:admissions_monthly.csv").set_value(("adm.csv", raw, "text/csv")).run()
    assert not at.exception
    assert any("was not accepted" in e.value for e in at.error)
    assert at.session_state["area"].fingerprint == before


def test_data_page_good_upload_switches_area() -> None:
    at = _data_page()
    for name in ("admissions_monthly.csv", "placements_monthly.csv", "population.csv"):
        raw = (DEMO / name).read_bytes()
        if name == "admissions_monthly.csv":
            lines = raw.decode().splitlines()
            raw = "\n".join(lines[:1] + lines[13:]).encode()  # drop the first year: a different area
        at.file_uploader(key=f"up:{name}").set_value((name, raw, "text/csv")).run()
        assert not at.exception
    assert len(at.success) >= 3
    at.text_input(key="upload_area_name").input("Testshire").run()
    next(b for b in at.button if b.label == "Use uploaded area").click().run()
    assert not at.exception
    area = at.session_state["area"]
    assert area.meta.name == "Testshire" and not area.meta.synthetic and len(area.admissions) == 108


def test_presentation_mode_hides_downloads_and_notes() -> None:
    at = _app()
    assert len(at.get("download_button")) > 0 and len(at.main.expander) > 0
    at.sidebar.toggle(key="presentation").set_value(True).run()
    assert not at.exception
    assert len(at.get("download_button")) == 0 and len(at.main.expander) == 0


def test_every_page_works_on_an_uploaded_area() -> None:
    at = _app()
    at.switch_page("pages/data.py").run()
    for name in ("admissions_monthly.csv", "placements_monthly.csv", "population.csv"):
        raw = (DEMO / name).read_bytes()
        if name == "admissions_monthly.csv":  # another area: a shorter, 40% larger series
            lines = raw.decode().splitlines()
            rows = [lines[0]] + [
                f"{m},{round(int(n) * 1.4)},{round(int(a) * 1.4)}"
                for m, n, a, *_ in (ln.split(",") for ln in lines[13:])  # no 65+ column: the estimate path
            ]
            rows[0] = "month,nea,acs"
            raw = "\n".join(rows).encode()
        at.file_uploader(key=f"up:{name}").set_value((name, raw, "text/csv")).run()
    at.text_input(key="upload_area_name").input("Biggershire").run()
    next(b for b in at.button if b.label == "Use uploaded area").click().run()
    assert at.session_state["area"].meta.name == "Biggershire"
    for page in ("pages/home.py", "pages/growth.py", "pages/demand.py", "pages/schemes.py", "pages/winter.py"):
        at.switch_page(page).run()
        assert not at.exception, (page, [e.value for e in at.exception])
        assert not any("Illustrative demo data." in i.value for i in at.info)
        if page == "pages/home.py":  # no recorded 65+ series: the core metric says it is an estimate
            assert any(i.value.startswith("Estimate: the area has no recorded 65+ series") for i in at.info)
            assert any(m.label.startswith("Emergency admissions 65+ per 100,000") for m in at.metric)
    nea = next(m for m in at.get("metric") if m.label.startswith("Mean occupancy"))
    assert nea.value.endswith("%")


def test_draws_and_seed_levers() -> None:
    at = _app()
    before = next(m.value for m in at.metric if "Projected emergency" in (m.proto.help or m.label))
    at.sidebar.select_slider[0].set_value(500).run()
    at.sidebar.number_input(key="lever:seed#0").set_value(7).run()
    assert not at.exception
    sc = at.session_state["scenario"]
    assert sc.n_draws == 500 and sc.seed == 7
    after = next(m.value for m in at.metric if "Projected emergency" in (m.proto.help or m.label))
    # the mean moves by less than one admission between these draws (the display can stay the same)
    assert abs(float(after.replace(",", "")) - float(before.replace(",", ""))) < 0.01 * float(before.replace(",", ""))


# --- hardening (issue 10): uploads and links that cannot break the session ---------------------


def _data_page(query: dict[str, str] | None = None) -> AppTest:
    """The app opened straight on the Data page (the frame still runs: sidebar, session set-up)."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.switch_page("pages/data.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _upload_required(at: AppTest) -> None:
    for name in ("admissions_monthly.csv", "placements_monthly.csv", "population.csv"):
        at.file_uploader(key=f"up:{name}").set_value((name, (DEMO / name).read_bytes(), "text/csv")).run()
        assert not at.exception


def _use_uploaded(at: AppTest) -> None:
    next(b for b in at.button if b.label == "Use uploaded area").click().run()
    assert not at.exception, [e.value for e in at.exception]


def test_zip_bomb_upload_refused_and_area_kept() -> None:
    import io
    import zipfile

    at = _data_page()
    before = at.session_state["area"].fingerprint
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/workbook.xml", b"<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", b" " * 60_000_000)
    at.file_uploader(key="up:admissions_monthly.csv").set_value(("adm.xlsx", out.getvalue(), "application/zip")).run()
    assert not at.exception
    assert any("was not accepted" in e.value and "unpacks to" in e.value for e in at.error)
    assert at.session_state["area"].fingerprint == before


def test_valid_files_that_fail_as_a_scenario_keep_the_area() -> None:
    at = _data_page()
    before = at.session_state["area"].fingerprint
    _upload_required(at)
    schemes = (DEMO / "schemes.csv").read_text().splitlines()
    head, first = schemes[0].split(","), schemes[1].split(",")
    first[head.index("lead_partner")] = "London Borough of Harrow Adult Social Care " * 5  # 215 characters
    raw = "\n".join([schemes[0], ",".join(first), *schemes[2:]]).encode()
    at.file_uploader(key="up:schemes.csv").set_value(("schemes.csv", raw, "text/csv")).run()
    assert not at.exception and "schemes.csv" in at.session_state["staged"]  # it passes the file checks
    _use_uploaded(at)
    errors = " ".join(e.value for e in at.error)
    assert "was not used" in errors and "lead\\_partner" in errors and "row 2" in errors
    assert at.session_state["area"].fingerprint == before  # the loaded area stays; the session still works
    at.switch_page("pages/growth.py").run()
    assert not at.exception


def test_markdown_in_names_is_shown_literally() -> None:
    at = _data_page()
    _upload_required(at)
    evil = "[click me](http://evil.example/) ![img](http://evil.example/i.png) <b>x</b>"
    at.text_input(key="upload_area_name").input(evil).run()
    _use_uploaded(at)
    assert at.session_state["area"].meta.name == evil
    shown = [m.value for m in at.markdown] + [m.value for m in at.sidebar.markdown] + [s.value for s in at.subheader]
    assert any("\\[click me\\]\\(http\\:\u2060//evil\\.example/\\)" in v for v in shown), shown
    assert not any("](http://evil" in v or "<b>" in v for v in shown)


def test_templates_workbook_uploads_every_file_at_once() -> None:
    from models.inputs.areas import load_area, templates_workbook

    demo, _ = load_area()
    at = _data_page()
    book = templates_workbook(demo)
    at.file_uploader(key="up:workbook").set_value(("bcf_templates.xlsx", book, "application/octet-stream")).run()
    assert not at.exception
    assert any("staged" in s.value and "population.csv" in s.value for s in at.success)
    assert set(at.session_state["staged"]) == {
        "admissions_monthly.csv",
        "placements_monthly.csv",
        "population.csv",
        "admission_rates.csv",
        "growth_variants.csv",
        "schemes.csv",
        "unit_costs.csv",
        "flow_defaults.csv",
    }
    assert at.text_input(key="upload_area_name").value == demo.meta.name  # from the workbook's area sheet


def test_heavy_link_is_capped_with_a_message() -> None:
    from models.inputs.areas import load_area
    from models.pipeline.guards import MAX_WORKLOAD, workload
    from models.scenario import baseline, evolve
    from models.store.links import to_link_token

    demo, _ = load_area()
    base = baseline(demo)
    extra = [base.schemes[0].model_copy(update={"name": f"copy {i}"}).model_dump() for i in range(30)]
    heavy = evolve(base, n_draws=5000, horizon_years=10, schemes=[s.model_dump() for s in base.schemes] + extra)
    assert workload(heavy) > MAX_WORKLOAD
    at = _data_page({"s": to_link_token(heavy, base, demo.fingerprint)})
    sc = at.session_state["scenario"]
    assert workload(sc) <= MAX_WORKLOAD and sc.horizon_years == 10 and len(sc.schemes) == len(heavy.schemes)
    assert any("draws were reduced" in w.value for w in at.warning)


def test_winter_page_with_a_scheme_effect_larger_than_the_baseline() -> None:
    from models.inputs.areas import load_area
    from models.scenario import baseline, evolve
    from models.store.links import to_link_token

    demo, _ = load_area()
    base = baseline(demo)
    nea = next(s for s in base.schemes if s.metric == "nea")
    typo = nea.model_copy(update={"effect_low": 50_000.0, "effect_central": 60_000.0, "effect_high": 70_000.0})
    sc = evolve(base, schemes=[typo.model_dump() if s.name == nea.name else s.model_dump() for s in base.schemes])
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.query_params["s"] = to_link_token(sc, base, demo.fingerprint)
    at.switch_page("pages/winter.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["scenario"].schemes == sc.schemes
    assert any("more than the area has in a year" in w.value for w in at.warning)
