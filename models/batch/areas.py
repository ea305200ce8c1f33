"""Which areas a batch covers, and opening them.

An area is a folder: a demo-format folder (the app's upload files and ``area.json``: :func:`models.inputs.areas.
load_area`) or a folder written by the area builder (``python -m models areas build``, docs/areas.md), named by
its ONS code, beside an ``index.csv`` that lists every area with its region and ICBs.

``--areas`` takes one or more of:

- ``all``: every built area of the areas folder (``--areas-dir``, default the ``BCF_AREAS_DIR`` setting);
- an ONS area code (``E09000015``), an ICB code (``QRV``) or ICB name, or an NHS region name (``London``),
  looked up in the areas folder's ``index.csv`` (case does not matter);
- a folder: one area (it holds ``area.json``), or a folder of areas (it holds ``index.csv`` or area folders).

Areas the index lists as not built are kept in the selection with the index's reason, so the batch reports them
rather than leaving them out silently.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from models.inputs.areas import AREA_JSON, AreaData
from models.inputs.built_area import open_area

INDEX_FILE = "index.csv"
INDEX_COLUMNS = ("code", "name", "region", "icb_codes", "icb_names", "built", "reason")
LIST_SEPARATOR = ";"  # index.csv: "QU9; QHG" for an area in two ICBs


class SelectionProblem(ValueError):
    """An ``--areas`` value that names no area, in plain words."""


@dataclass(frozen=True)
class AreaRef:
    """One area of a batch: where its folder is and how the index describes it.

    Attributes
    ----------
    code : the area's identifier in the batch: its ONS code for a built area, else its folder's name.
    name, region : as the index (or ``area.json``) gives them ("" when unknown).
    icb_codes, icb_names : the ICBs the area lies in (several for an area split between ICBs).
    folder : the area folder.
    built : False when the index says the builder could not build it.
    reason : why not (the index's reason), "" otherwise.
    """

    code: str
    name: str
    region: str
    icb_codes: tuple[str, ...]
    icb_names: tuple[str, ...]
    folder: Path
    built: bool = True
    reason: str = ""


def _split(text: object) -> tuple[str, ...]:
    if not isinstance(text, str):
        return ()
    return tuple(p.strip() for p in text.split(LIST_SEPARATOR) if p.strip())


def read_index(root: Path) -> list[AreaRef]:
    """The areas ``root/index.csv`` lists (every row, built or not), or the area folders of ``root`` without one.

    Raises
    ------
    SelectionProblem : the index cannot be read or lacks a column.
    """
    index = root / INDEX_FILE
    if not index.is_file():
        return [_folder_ref(f) for f in sorted(root.iterdir()) if (f / AREA_JSON).is_file()] if root.is_dir() else []
    try:
        table = pd.read_csv(index, dtype=str, keep_default_na=False)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as err:
        raise SelectionProblem(f"{index} cannot be read: {err}") from err
    missing = [c for c in INDEX_COLUMNS if c not in table.columns]
    if missing:
        raise SelectionProblem(f"{index}: column(s) {', '.join(missing)} missing")
    return [
        AreaRef(
            code=r.code.strip(),
            name=r.name.strip(),
            region=r.region.strip(),
            icb_codes=_split(r.icb_codes),
            icb_names=_split(r.icb_names),
            folder=root / r.code.strip(),
            built=r.built.strip().lower() == "yes",
            reason=r.reason.strip(),
        )
        for r in table.itertuples(index=False)
    ]


def _folder_ref(folder: Path) -> AreaRef:
    """An area folder outside any index: its identity from ``area.json`` where it says (never raises)."""
    try:
        info = json.loads((folder / AREA_JSON).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        info = {}
    info = info if isinstance(info, dict) else {}
    icbs = [i for i in info.get("icbs", []) if isinstance(i, dict)] if isinstance(info.get("icbs"), list) else []
    return AreaRef(
        code=folder.name,
        name=str(info.get("name", folder.name)),
        region=str(info.get("region", "")),
        icb_codes=tuple(str(i.get("code", "")) for i in icbs),
        icb_names=tuple(str(i.get("name", "")) for i in icbs),
        folder=folder,
    )


def _matches(ref: AreaRef, key: str) -> bool:
    k = key.strip().casefold()
    return (
        k == ref.code.casefold()
        or k == ref.region.casefold()
        or k in (c.casefold() for c in ref.icb_codes)
        or k in (n.casefold() for n in ref.icb_names)
    )


def select_areas(specs: Sequence[str], root: Path) -> list[AreaRef]:
    """The areas ``specs`` name (see the module docstring), each once, in the order the index lists them.

    Parameters
    ----------
    specs : ``--areas`` values.
    root : the areas folder the codes, ICBs and regions are looked up in.

    Raises
    ------
    SelectionProblem : a value names no area (the message lists what it could have been).
    """
    chosen: dict[str, AreaRef] = {}
    index: list[AreaRef] | None = None
    for spec in specs:
        path = Path(spec).expanduser()
        if path.is_dir():
            refs = [_folder_ref(path)] if (path / AREA_JSON).is_file() else read_index(path)
            if not refs:
                raise SelectionProblem(f"the folder {path} holds no area (no {AREA_JSON}, no {INDEX_FILE})")
        else:
            if index is None:
                index = read_index(root)
                if not index:
                    raise SelectionProblem(
                        f"no areas in {root}: build them with `python -m models areas build --out {root}` or give "
                        "--areas-dir"
                    )
            refs = [r for r in index if spec.strip().lower() == "all" or _matches(r, spec)]
            if not refs:
                regions = sorted({r.region for r in index if r.region})
                raise SelectionProblem(
                    f"--areas {spec!r} is not an area code, ICB code or name, region or folder in {root} "
                    f"(regions: {', '.join(regions) or 'none listed'})"
                )
        for r in refs:
            chosen.setdefault(r.code, r)
    return list(chosen.values())


def open_ref(ref: AreaRef, demo: AreaData | None = None) -> tuple[AreaData | None, list[str]]:
    """The area's data (:func:`models.inputs.built_area.open_area`: a built folder or one in the upload format;
    ``demo`` fills what a built area does not publish), or why it cannot be used (plain sentences; never raises
    on what the folder holds)."""
    if not ref.built:
        return None, [f"not built by the area builder: {ref.reason or 'no reason given'}"]
    if not ref.folder.is_dir():
        return None, [f"the area folder {ref.folder} is missing"]
    area, problems = open_area(ref.folder, demo)
    return area, [str(p) for p in problems]


__all__ = ["AreaRef", "SelectionProblem", "open_ref", "read_index", "select_areas"]
