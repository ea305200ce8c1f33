"""Data: upload an area's files, validate them, switch the session to them; templates and provenance."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from models.inputs.areas import (
    AREA_FILE,
    AREA_SETTINGS,
    FILES,
    MAX_COLUMNS,
    MAX_ROWS,
    MAX_UPLOAD_BYTES,
    Problem,
    area_settings_csv,
    default_ambition,
    read_area_settings,
    read_table,
    read_workbook,
    template_csv,
    templates_workbook,
    validate_table,
    with_uploads,
)
from models.inputs.scheme_rules import name_problem
from models.pipeline.guards import check_area, plain_reason
from models.pipeline.views import unit_costs_table
from pages.ui.changes import switch_area
from pages.ui.core import ambition_levers
from pages.ui.provenance import estimate_notice, real_area_provenance
from pages.ui.state import area, demo_area, ensure_frame
from pages.ui.tables import show_table
from pages.ui.text import safe_text
from pages.ui.widgets import lever, show_lever_errors

ensure_frame()

st.title("Data")
current, demo = area(), demo_area()
st.markdown(
    f"In use: **{safe_text(current.meta.name)}**"
    + (" — illustrative demo data (synthetic)." if current.meta.synthetic else ".")
)

ss = st.session_state
staged: dict[str, pd.DataFrame] = ss.setdefault("staged", {})
staged_settings: dict[str, object] = ss.setdefault("staged_settings", {})


def show_problems(where, filename: str, problems: list[Problem], what: str = "was not accepted") -> None:  # noqa: ANN001
    """The problems of one upload: a short list (as literal text) and the full table."""
    shown = "\n".join(f"- {safe_text(p)}" for p in problems[:5]) + ("\n- …" if len(problems) > 5 else "")
    where.error(f"{safe_text(filename)} {what}: {len(problems)} problem(s). Nothing was changed.\n\n{shown}")
    table = pd.DataFrame(
        [{"file": p.file, "row": p.row, "column": p.column or "", "problem": p.message} for p in problems[:200]]
    )
    show_table(table, where=where, hide_index=True, width="stretch")
    if len(problems) > 200:
        where.caption(f"… and {len(problems) - 200} more.")


def stage(name: str, df: pd.DataFrame) -> list[Problem]:
    """Validate a raw table and stage it (or the area settings); the problems if it is refused."""
    if name == AREA_FILE:
        settings, problems = read_area_settings(df)
        if not problems:
            staged_settings.clear()
            staged_settings.update(settings)
        return problems
    typed, problems = validate_table(df, name)
    if problems:
        staged.pop(name, None)
        return problems
    staged[name] = typed
    return []


estimate_notice(current)
st.subheader(f"This area's settings: {safe_text(current.meta.name)}")
st.caption(
    "The maximum levels (the BCF core metrics' ambitions) and the placements count travel with the area (its "
    "area.json or area.csv) and can be changed here for the scenario in use."
)
ambition_levers()
lever(
    st.number_input,
    "Placements ambition: at most this many care-home placements 65+ a year",
    ("ambition_placements",),
    min_value=0,
    max_value=100_000,
    step=1,
)
show_lever_errors()

st.subheader("Load your own area")
st.markdown(
    "Upload each file as CSV (UTF-8) or Excel (.xlsx, values only), or the whole templates workbook at once. "
    "Every file is checked on upload; problems are listed by row and column and **nothing already loaded "
    "changes** until every required file is valid and you press *Use uploaded area*. "
    f"Limits: {MAX_UPLOAD_BYTES / 1e6:.0f} MB, {MAX_ROWS:,} rows and {MAX_COLUMNS} columns a file. "
    "Files you do not upload fall back to the demo defaults (labelled as such under provenance)."
)

with st.container(border=True):
    st.markdown("**Several files at once** · an .xlsx workbook with one sheet per file, named like the file")
    st.caption(
        "For example the *All templates (Excel)* workbook below, filled in: sheets admissions_monthly, "
        "placements_monthly, population, … and area. Other sheets (such as About) are ignored; hidden sheets "
        "are never read."
    )
    book = st.file_uploader("Upload a workbook of area files", type=["xlsx"], key="up:workbook")
    if book is not None:
        frames, problems = read_workbook(book.getvalue(), book.name)
        accepted = []
        for name, df in frames.items():
            p = stage(name, df)
            if p:
                problems.extend(p)
            else:
                accepted.append(name)
        if accepted:
            st.success(f"{safe_text(book.name)}: staged {', '.join(accepted)}.")
        if problems:
            show_problems(st, book.name, problems, "had problems")

for name, spec in FILES.items():
    with st.container(border=True):
        left, right = st.columns([3, 2])
        flag = "required" if spec.required else "optional"
        left.markdown(f"**{spec.title}** · `{name}` · {flag}")
        left.caption(spec.description + " Columns: " + ", ".join(f"`{c}`" for c in spec.columns) + ".")
        right.download_button(
            "Template (CSV)",
            template_csv(name, demo),
            file_name=name,
            mime="text/csv",
            key=f"tpl:{name}",
            width="stretch",
        )
        upload = left.file_uploader(
            f"Upload {name}", type=["csv", "xlsx"], key=f"up:{name}", label_visibility="collapsed"
        )
        if upload is not None:
            df, problems = read_table(upload.getvalue(), upload.name, name)
            if df is not None:
                problems = stage(name, df)
            else:
                staged.pop(name, None)
            if problems:
                show_problems(left, upload.name, problems)
            else:
                left.success(
                    f"{safe_text(upload.name)}: valid, {len(staged[name]):,} rows. Staged for the uploaded area."
                )
        elif name in staged:
            left.caption("Staged from an earlier upload.")

with st.container(border=True):
    left, right = st.columns([3, 2])
    left.markdown(f"**Area settings** · `{AREA_FILE}` · optional")
    left.caption(
        "One row per setting (columns `setting`, `value`): "
        + "; ".join(f"`{k}`: {v}" for k, v in AREA_SETTINGS.items())
        + ". You can also type them below."
    )
    right.download_button(
        "Template (CSV)", area_settings_csv(demo.meta), file_name=AREA_FILE, mime="text/csv", key="tpl:area"
    )
    upload = left.file_uploader(
        f"Upload {AREA_FILE}", type=["csv", "xlsx"], key="up:area", label_visibility="collapsed"
    )
    if upload is not None:
        df, problems = read_table(upload.getvalue(), upload.name, AREA_FILE)
        if df is not None:
            problems = stage(AREA_FILE, df)
        if problems:
            show_problems(left, upload.name, problems)
        else:
            left.success(f"{safe_text(upload.name)}: valid. Its settings fill the fields below.")

# the uploaded area's own settings: from its area.csv, else the name typed and an ambition at the demo's rate
rate_default = float(staged_settings.get("ambition_rate_per_100k", demo.meta.ambition_rate_per_100k))
pop = staged.get("population.csv")
count_default = int(
    staged_settings.get(
        "ambition_placements",
        default_ambition(pop, rate_default) if pop is not None else demo.meta.ambition_placements,
    )
)
name_default = str(staged_settings.get("name", current.meta.name if current.meta.code else "My area"))
defaults = (name_default, count_default, rate_default)
if ss.get("_upload_defaults") != defaults:  # new files staged: the fields show their settings
    ss["_upload_defaults"] = defaults
    ss["upload_area_name"], ss["upload_ambition"], ss["upload_rate"] = defaults
n1, n2, n3 = st.columns([2, 1, 1])
area_name = n1.text_input("Name of the uploaded area", key="upload_area_name", max_chars=120)
ambition_count = n2.number_input(
    "Placements ambition (a year)",
    min_value=0,
    max_value=100_000,
    step=1,
    key="upload_ambition",
    help="Care-home placements 65+ a year the area aims to stay below; by default the rate on the right applied "
    "to the uploaded population aged 65+.",
)
ambition_rate = n3.number_input(
    "Ambition per 100,000 aged 65+", min_value=0.0, max_value=10_000.0, step=5.0, format="%.1f", key="upload_rate"
)

c1, c2 = st.columns(2)
if c1.button("Use uploaded area", type="primary", width="stretch", disabled=not staged):
    new_area, problems = with_uploads(
        current if current.meta.code else demo,  # over a real area an upload replaces what it covers; the rest stays
        staged,
        area_name.strip() or "My area",
        "uploaded by the user on the Data page",
        settings={"ambition_placements": int(ambition_count), "ambition_rate_per_100k": float(ambition_rate)},
    )
    # the whole area is checked as the scenario the app will build from it before anything changes
    checks = [str(p) for p in problems] if new_area is None else check_area(new_area, demo)
    if name_problem(area_name):
        checks.insert(0, f"Name of the uploaded area: it {name_problem(area_name)}")
    if checks:
        st.error(
            "The uploaded area was not used; the current one stays:\n\n"
            + "\n".join(f"- {safe_text(p)}" for p in checks[:20])
            + ("\n- …" if len(checks) > 20 else "")
        )
    else:
        try:  # switch_area builds the new scenario before it changes anything: a failure leaves the area as it was
            switch_area(new_area)
        except (ValueError, TypeError, ArithmeticError) as err:
            st.error(f"The uploaded area was not used; the current one stays: {safe_text(plain_reason(err))}.")
        else:
            ss["data_message"] = f"Now using {new_area.meta.name}. Every page uses it."
            st.rerun()
if c2.button("Back to the demo area", width="stretch", disabled=current.meta.synthetic):
    switch_area(demo)
    st.rerun()
if "data_message" in ss:
    st.success(safe_text(ss.pop("data_message")))

st.subheader("Templates")
st.markdown(
    "Each template is the demo area's own file, so every column shows real-looking values. The workbook holds "
    "every file, one sheet each; fill it in and upload it whole above."
)
workbook = templates_workbook(demo)
st.download_button(
    "All templates (Excel)",
    workbook,
    file_name="bcf_templates.xlsx",
    key="tpl:all",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
)

st.subheader("Provenance")
st.markdown(safe_text(current.meta.provenance) if current.meta.provenance else "No provenance note.")
prov = pd.DataFrame(
    {
        "file": list(FILES),
        "rows": [len(current.tables[n]) for n in FILES],
        "source": [current.meta.sources.get(n, "") for n in FILES],
    }
)
show_table(
    prov,
    hide_index=True,
    width="stretch",
    column_config={
        "file": "File",
        "rows": st.column_config.NumberColumn("Rows", format="%,d"),
        "source": "Source",
    },
)
if current.extras:
    real_area_provenance(current)
if "source" in current.tables["unit_costs.csv"]:
    st.markdown("**Unit costs and their sources**")
    costs, whole = unit_costs_table(current)  # "NEA spell", not "nea_spell"
    show_table(
        costs,
        hide_index=True,
        width="stretch",
        column_config={
            "item": "Unit cost",
            "value": st.column_config.NumberColumn("Value", format="%,.0f" if whole else "%,.2f"),
            "unit": "Unit",
            "source": "Source",
        },
    )
