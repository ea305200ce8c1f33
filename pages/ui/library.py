"""The sidebar's scenario library: save as (with author and notes), load, rename, duplicate, delete.

Not a page: app.py calls :func:`library_sidebar` inside the sidebar. The library is
``models.store`` (an SQLite file by default, PostgreSQL with ``DATABASE_URL``). Names, authors and
notes are the users' own text: they are shown through :func:`pages.ui.text.safe_text`.
"""

from __future__ import annotations

import functools
import json
from datetime import datetime

import streamlit as st

from models import pipeline
from models.inputs.areas import AreaData
from models.report.board import board_workbook
from models.scenario import Scenario
from models.scenario.files import MAX_SCENARIO_BYTES, ScenarioFileError, read_scenario_file
from models.store.library import Entry, ScenarioStore, StoreError
from pages.ui.cache import SHARED
from pages.ui.changes import set_scenario
from pages.ui.state import area, library, scenario, scenario_label
from pages.ui.text import safe_text


def uk_time(when: datetime) -> str:
    """1 Dec 2026, 21:05 (UTC)."""
    return f"{when.day} {when:%b %Y, %H:%M}"


def entry_label(e: Entry) -> str:
    name = e.name if len(e.name) <= 60 else e.name[:59] + "…"
    return f"{name} · {uk_time(e.updated_at)}"


def _flash(kind: str, text: str) -> None:
    st.session_state["library_message"] = (kind, text)
    if kind == "success" and not text.startswith("Deleted"):  # another action: the last delete is final
        st.session_state.pop("library_undo", None)


def _save(name: str, author: str, notes: str, replace: bool) -> None:
    try:
        e = library().save(scenario(), name, area=area(), author=author, notes=notes, overwrite=replace)
    except StoreError as err:
        _flash("error", f"Not saved: {err}.")
        return
    st.session_state.scenario_origin = (e.name, scenario())
    st.session_state.library_pick = e.id
    _flash("success", f"Saved as “{safe_text(_short(e.name))}”.")


def _short(name: str, limit: int = 80) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"


def load_entry(entry_id: str) -> None:
    """Make a saved scenario the session's scenario (with a note when it was made on other data)."""
    try:
        e, sc, notes = library().load_with_notes(entry_id)
    except StoreError as err:
        _flash("error", f"Not loaded: {err}.")
        return
    if notes:  # an older scenario: say what its migration did, once, beside the message below
        st.session_state["library_notes"] = notes
    set_scenario(sc, external=True)
    st.session_state.scenario_origin = (e.name, sc)
    if e.area_fingerprint and e.area_fingerprint != area().fingerprint:
        _flash(
            "warning",
            f"Loaded “{safe_text(_short(e.name))}”. It was saved on {safe_text(e.area_name or 'other')} data, which "
            f"is not the data loaded now ({safe_text(area().meta.name)}), so its numbers will differ.",
        )
    else:
        _flash("success", f"Loaded “{safe_text(_short(e.name))}”.")


def _rename(entry_id: str, key: str) -> None:
    try:
        e = library().rename(entry_id, st.session_state.get(key, ""))
    except StoreError as err:
        _flash("error", f"Not renamed: {err}.")
        return
    origin = st.session_state.get("scenario_origin")
    if origin and origin[1] == scenario():
        st.session_state.scenario_origin = (e.name, origin[1])
    _flash("success", f"Renamed to “{safe_text(_short(e.name))}”.")


def _duplicate(entry_id: str) -> None:
    try:
        e = library().duplicate(entry_id)
    except StoreError as err:
        _flash("error", f"Not duplicated: {err}.")
        return
    st.session_state.library_pick = e.id
    _flash("success", f"Copied as “{safe_text(_short(e.name))}”.")


def _delete(entry_id: str) -> None:
    """Delete a saved scenario, keeping it in the session so that *Undo delete* can bring it back."""
    try:
        gone = library().delete(entry_id)
    except StoreError as err:
        _flash("error", f"Not deleted: {err}.")
        return
    st.session_state.pop("library_pick", None)
    st.session_state.library_undo = gone
    _flash("success", f"Deleted “{safe_text(_short(gone.entry.name))}”. *Undo delete* below brings it back.")


def _undo_delete() -> None:
    gone = st.session_state.pop("library_undo", None)
    if gone is None:
        return
    try:
        e = library().restore(gone)
    except StoreError as err:
        st.session_state.library_undo = gone
        _flash("error", f"Not restored: {err}.")
        return
    st.session_state.library_pick = e.id
    _flash("success", f"Restored “{safe_text(_short(e.name))}”.")


def _board_workbook(a: AreaData, sc: Scenario, label: str) -> bytes:
    """Built when the button is clicked, outside the script run: uses only what it is given."""
    return board_workbook([pipeline.run(sc, a, SHARED)], a, labels=[label], stages=SHARED)


def board_download() -> None:
    """The scenario's board-ready workbook (built only when clicked; hidden when presenting)."""
    if st.session_state.get("presentation"):
        return
    stem = "bcf_scenario" + ("_illustrative" if area().meta.synthetic else "")
    st.download_button(
        "Board workbook (Excel)",
        functools.partial(_board_workbook, area(), scenario(), scenario_label()),
        file_name=f"{stem}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="board_xlsx",
        width="stretch",
        on_click="ignore",
        icon="📊",
        help="Cover, levers, every results table, provenance and assumptions with sources: for a board paper.",
    )


MAX_SCENARIO_FILE = MAX_SCENARIO_BYTES  # bytes; a scenario with 200 schemes is about 100 kB


def scenario_file_bytes(sc: Scenario) -> bytes:
    """The scenario as a readable JSON file (what ``python -m models run`` takes)."""
    return (json.dumps(json.loads(sc.to_json()), indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _open_file(key: str) -> None:
    upload = st.session_state.get(key)
    if upload is None:
        return
    notes: list[str] = []
    try:  # the one guarded entry for scenario files, shared with `python -m models run`
        sc = read_scenario_file(upload.getvalue(), "the file", notes=notes)
    except ScenarioFileError as err:
        _flash("error", f"Not opened: {safe_text(err)}.")
        return
    set_scenario(sc, external=True)
    name = upload.name.rsplit(".", 1)[0][:80] or sc.name
    st.session_state.scenario_origin = (name, sc)
    _flash("success", f"Opened “{safe_text(name)}” from the file.")
    if notes:
        st.session_state["library_notes"] = notes


def _open_library() -> tuple[ScenarioStore | None, list[Entry], str]:
    """The library, its entries and the one message about it ("" when it works); never raises."""
    try:
        store = library()
        entries = store.list()
    except StoreError as err:
        return None, [], str(err)
    note = (
        "The library is read-only here: saved scenarios can be opened, not saved or changed." if store.read_only else ""
    )
    return store, entries, note


def _save_form() -> None:
    with st.form("library_save", clear_on_submit=False, border=False):
        label = scenario_label()
        st.text_input(
            "Save as",
            value="" if label == "Custom" else label,
            max_chars=500,
            key="library_name",
            placeholder="A name for this scenario",
        )
        st.text_input("Author", max_chars=200, key="library_author", placeholder="Your name (optional)")
        st.text_area("Notes", max_chars=5000, key="library_notes", height=68, placeholder="Optional")
        st.checkbox("Replace a saved scenario with this name", key="library_replace")
        if st.form_submit_button("Save", icon="💾", width="stretch"):
            ss = st.session_state
            _save(ss.library_name, ss.library_author, ss.library_notes, ss.library_replace)
            st.rerun()


def _scenario_files() -> None:
    if not st.session_state.get("presentation"):  # presenting: no downloads on screen
        st.download_button(
            "Scenario file (JSON)",
            functools.partial(scenario_file_bytes, scenario()),
            file_name="bcf_scenario.json",
            mime="application/json",
            key="library_json",
            width="stretch",
            on_click="ignore",
            help="The scenario as a file: open it here later, or run it with `python -m models run FILE.json`.",
        )
    upload_key = f"library_upload#{st.session_state.get('rev', 0)}"
    st.file_uploader("Open a scenario file", type=["json"], key=upload_key, on_change=_open_file, args=(upload_key,))


def _saved_list(entries: list[Entry], writable: bool) -> None:
    ids = [e.id for e in entries]
    by_id = {e.id: e for e in entries}
    if st.session_state.get("library_pick") not in ids:
        st.session_state.library_pick = ids[0]
    pick = st.selectbox("Saved scenarios", ids, key="library_pick", format_func=lambda i: entry_label(by_id[i]))
    e = by_id[pick]
    bits = [safe_text(e.area_name or "unknown area")]
    if e.author:
        bits.append("by " + safe_text(e.author))
    bits.append(uk_time(e.updated_at))
    st.caption(" · ".join(bits) + ("  \n" + safe_text(e.notes[:300]) if e.notes else ""))
    # two buttons a row at most: three in the sidebar cut "Delete" to "De…"
    c1, c2 = st.columns(2)
    c1.button("Load", key="library_load", on_click=load_entry, args=(pick,), width="stretch")
    c2.button(
        "Copy",
        key="library_copy",
        on_click=_duplicate,
        args=(pick,),
        width="stretch",
        help="Duplicate",
        disabled=not writable,
    )
    st.button(
        "Delete",
        key="library_delete",
        on_click=_delete,
        args=(pick,),
        width="stretch",
        icon="🗑️",
        disabled=not writable,
        help="Delete this saved scenario for everyone (you can undo it straight after)",
    )
    rename_key = f"library_rename:{pick}"
    st.text_input("Rename to", value=e.name, max_chars=500, key=rename_key, disabled=not writable)
    st.button(
        "Rename",
        key="library_rename_btn",
        on_click=_rename,
        args=(pick, rename_key),
        width="stretch",
        disabled=not writable,
    )


def library_sidebar() -> None:
    """The library controls (call inside ``with st.sidebar``).

    A library that cannot be used (damaged, read-only, no folder, database down) is said once, here;
    the scenario file controls and every page keep working.
    """
    board_download()
    with st.expander("Scenario library", icon="🔖"):
        store, entries, note = _open_library()
        if note:
            (st.warning if store is None else st.info)(safe_text(note))
        if "library_message" in st.session_state:
            kind, text = st.session_state.pop("library_message")
            getattr(st, kind)(text)
        for line in st.session_state.pop("library_notes", []):  # what an older scenario's migration changed
            st.info(safe_text(line))
        writable = store is not None and not store.read_only
        if st.session_state.get("library_undo") is not None and writable:
            st.button(
                "Undo delete",
                key="library_undo_btn",
                on_click=_undo_delete,
                width="stretch",
                icon="↩️",
            )
        if writable:
            _save_form()
        _scenario_files()
        if store is None:
            return
        if not entries:
            st.caption("No saved scenarios yet.")
            return
        _saved_list(entries, writable)
