"""Data: upload an area's files, validate them, switch the session to them; templates and provenance."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from models.data import FILES, MAX_UPLOAD_BYTES, read_table, template_csv, validate_table, with_uploads
from models.export import to_excel_bytes
from pages.common import area, demo_area, ensure_frame, switch_area

ensure_frame()

st.title("Data")
current, demo = area(), demo_area()
st.markdown(
    f"In use: **{current.meta.name}**" + (" — illustrative demo data (synthetic)." if current.meta.synthetic else ".")
)

staged: dict[str, pd.DataFrame] = st.session_state.setdefault("staged", {})

st.subheader("Load your own area")
st.markdown(
    "Upload each file as CSV (UTF-8) or Excel (.xlsx, values only, first sheet). Every file is checked on upload; "
    "problems are listed by row and column and **nothing already loaded changes** until every required file is "
    f"valid and you press *Use uploaded area*. Limit {MAX_UPLOAD_BYTES / 1e6:.0f} MB a file. "
    "Files you do not upload fall back to the demo defaults (labelled as such under provenance)."
)

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
            raw = upload.getvalue()
            df, problems = read_table(raw, upload.name, name)
            typed = None
            if df is not None:
                typed, problems = validate_table(df, name)
            if problems:
                staged.pop(name, None)
                shown = "\n".join(f"- {p}" for p in problems[:5]) + ("\n- …" if len(problems) > 5 else "")
                left.error(
                    f"{upload.name} was not accepted: {len(problems)} problem(s). Nothing was changed.\n\n{shown}"
                )
                table = pd.DataFrame(
                    [{"row": p.row, "column": p.column or "", "problem": p.message} for p in problems[:200]]
                )
                left.dataframe(table, hide_index=True, width="stretch")
                if len(problems) > 200:
                    left.caption(f"… and {len(problems) - 200} more.")
            else:
                staged[name] = typed
                left.success(f"{upload.name}: valid, {len(typed):,} rows. Staged for the uploaded area.")
        elif name in staged:
            left.caption("Staged from an earlier upload.")

st.text_input("Name of the uploaded area", value="My area", key="upload_area_name", max_chars=80)
c1, c2 = st.columns(2)
if c1.button("Use uploaded area", type="primary", width="stretch", disabled=not staged):
    new_area, problems = with_uploads(
        demo, staged, st.session_state.upload_area_name.strip() or "My area", "uploaded by the user on the Data page"
    )
    if problems:
        st.error("The uploaded area was not used; the current one stays:\n\n" + "\n".join(f"- {p}" for p in problems))
    else:
        switch_area(new_area)
        st.session_state["data_message"] = f"Now using {new_area.meta.name}. Every page uses it."
        st.rerun()
if c2.button("Back to the demo area", width="stretch", disabled=current.meta.synthetic):
    switch_area(demo)
    st.rerun()
if "data_message" in st.session_state:
    st.success(st.session_state.pop("data_message"))

st.subheader("Templates")
st.markdown("Each template is the demo area's own file, so every column shows real-looking values.")
workbook = to_excel_bytes(
    {name.removesuffix(".csv"): pd.read_csv(pd.io.common.BytesIO(template_csv(name, demo))) for name in FILES},
    notes="BCF Scenario Lab templates. One sheet per file; save each sheet as CSV UTF-8 or upload the sheet as .xlsx.",
)
st.download_button(
    "All templates (Excel)",
    workbook,
    file_name="bcf_templates.xlsx",
    key="tpl:all",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
)

st.subheader("Provenance")
st.markdown(current.meta.provenance or "No provenance note.")
prov = pd.DataFrame(
    {
        "file": list(FILES),
        "rows": [len(current.tables[n]) for n in FILES],
        "source": [current.meta.sources.get(n, "") for n in FILES],
    }
)
st.dataframe(prov, hide_index=True, width="stretch")
if "source" in current.tables["unit_costs.csv"]:
    st.markdown("**Unit costs and their sources**")
    st.dataframe(current.tables["unit_costs.csv"], hide_index=True, width="stretch")
