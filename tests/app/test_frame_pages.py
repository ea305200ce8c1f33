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
    box = at.sidebar.selectbox[0]
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
    at = _app()
    at.switch_page("pages/data.py").run()
    before = at.session_state["area"].fingerprint
    raw = (DEMO / "admissions_monthly.csv").read_bytes().replace(b"2016-05-01,", b"2016-05-01,-", 1)
    at.file_uploader(key="up:admissions_monthly.csv").set_value(("adm.csv", raw, "text/csv")).run()
    assert not at.exception
    assert any("was not accepted" in e.value for e in at.error)
    assert at.session_state["area"].fingerprint == before


def test_data_page_good_upload_switches_area() -> None:
    at = _app()
    at.switch_page("pages/data.py").run()
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
                f"{m},{round(int(n) * 1.4)},{round(int(a) * 1.4)}" for m, n, a in (ln.split(",") for ln in lines[13:])
            ]
            raw = "\n".join(rows).encode()
        at.file_uploader(key=f"up:{name}").set_value((name, raw, "text/csv")).run()
    at.text_input(key="upload_area_name").input("Biggershire").run()
    next(b for b in at.button if b.label == "Use uploaded area").click().run()
    assert at.session_state["area"].meta.name == "Biggershire"
    for page in ("pages/home.py", "pages/growth.py", "pages/demand.py", "pages/schemes.py", "pages/winter.py"):
        at.switch_page(page).run()
        assert not at.exception, (page, [e.value for e in at.exception])
        assert not any("Illustrative demo data." in i.value for i in at.info)
    nea = next(m for m in at.get("metric") if m.label.startswith("Mean occupancy"))
    assert nea.value.endswith("%")


def test_draws_and_seed_levers() -> None:
    at = _app()
    before = next(m.value for m in at.metric if m.label.startswith("Projected emergency admissions"))
    at.sidebar.select_slider[0].set_value(500).run()
    at.sidebar.number_input(key="lever:seed#0").set_value(7).run()
    assert not at.exception
    sc = at.session_state["scenario"]
    assert sc.n_draws == 500 and sc.seed == 7
    after = next(m.value for m in at.metric if m.label.startswith("Projected emergency admissions"))
    assert after != before  # other draws, other Monte Carlo mean
