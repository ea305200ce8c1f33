"""The public files the area builder reads: what each must hold, where it comes from, and how it is read.

Every file is described once (:data:`SOURCES`): its columns, the key that must not repeat, the column that
holds the area code (when the file is by area), its publication, period and licence (from the data folder's
README.md; also in ``docs/areas.md``). :func:`read_sources` reads them all and sorts every fault into

- a **file fault** (:class:`SourceFault`): a file missing, unreadable or without a column the builder needs.
  Nothing can be built from such a file, so the build stops with one plain message;
- an **area problem**: a repeated key, an area code that is not a 2023 Health and Wellbeing Board code, a
  number that is not a number, an area missing from a file. Each names the file, the row (the header is row 1)
  and the problem, and is charged to the area it concerns: that area is not built, the others are.

Pure pandas; never imports streamlit.
"""

from __future__ import annotations

import hashlib
import io
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

OGL = "Open Government Licence v3.0"
ENGLAND = "E92000001"
MAX_SOURCE_BYTES = 20 * 1024 * 1024  # the largest public file is 2.3 MB; a 20 MB file is not one of them


class SourceFault(Exception):
    """A fault in a whole source file (missing, unreadable, a column missing): the build stops."""


@dataclass(frozen=True)
class Source:
    """One public file of the data folder.

    Attributes
    ----------
    file : str
        File name in the data folder.
    columns : tuple of str
        Columns the builder reads (others are ignored).
    numeric : tuple of str
        Of those, the columns that must hold numbers (an empty cell is allowed: "missing or suppressed").
    key : tuple of str
        Columns that identify a row; a repeat is a problem for the area(s) it concerns.
    code : str or None
        The column holding the area (HWB) code, for files by area.
    area_rows : mapping
        ``column -> value``: only rows with these values are by area (e.g. ``geography_level = council``).
    publication, url, period : str
        The original publication (title and address as given in the data folder's README.md) and its period.
    """

    file: str
    columns: tuple[str, ...]
    numeric: tuple[str, ...]
    key: tuple[str, ...]
    publication: str
    url: str
    period: str
    code: str | None = None
    name_column: str | None = None
    area_rows: Mapping[str, str] = field(default_factory=dict)
    licence: str = OGL


_NHSE = "NHS England"
SOURCES: dict[str, Source] = {
    s.file: s
    for s in (
        Source(
            "lad_to_utla.csv",
            ("lad_code", "lad_vintage", "utla_code", "utla_name", "region_code", "region_name"),
            (),
            ("lad_code",),
            "ONS, LTLA to UTLA (April 2023) and LAD to region lookups (via humaniverse/geographr)",
            "https://geoportal.statistics.gov.uk/",
            "2023 geography",
        ),
        Source(
            "utla_icb_lookup.csv",
            ("utla_code", "utla_name", "icb_code", "icb_ods_code", "icb_name", "share_of_utla_lsoas"),
            ("share_of_utla_lsoas",),
            ("utla_code", "icb_ods_code"),
            "ONS, LSOA (2021) to SICBL to ICB (2024) lookup (via humaniverse/geographr)",
            "https://geoportal.statistics.gov.uk/",
            "2024 ICBs",
            code="utla_code",
            name_column="utla_name",
        ),
        Source(
            "population_utla_age.csv",
            ("utla_code", "utla_name", "year", "source", "age_band", "population"),
            ("year", "population"),
            ("utla_code", "year", "age_band"),
            "ONS, Census 2021 TS009 (sex by single year of age) and mid-2019 / mid-2020 population estimates "
            "(pre-Census-2021 vintage)",
            "https://www.nomisweb.co.uk/ (Census 2021 bulk data); https://www.ons.gov.uk/ (mid-year estimates)",
            "Census day 21 March 2021; mid-2019; mid-2020",
            code="utla_code",
            name_column="utla_name",
        ),
        Source(
            "ascof_by_council.csv",
            ("year", "geography_level", "ons_code", "hwb_code_2023", "name", "measure", "value"),
            ("value",),
            ("year", "geography_level", "ons_code", "measure"),
            "NHS England (NHS Digital), Measures from the Adult Social Care Outcomes Framework (ASCOF), England",
            "https://digital.nhs.uk/data-and-information/publications/statistical/adult-social-care-outcomes-framework-ascof",
            "2017-18 to 2023-24",
            code="hwb_code_2023",
            name_column="name",
            area_rows={"geography_level": "council"},
        ),
        Source(
            "drd_utla_monthly.csv",
            (
                "utla_code",
                "utla_name",
                "month",
                "discharges",
                "discharged_on_drd",
                "discharged_after_drd",
                "bed_days_after_drd",
                "low_coverage_flag",
            ),
            ("discharges", "discharged_on_drd", "discharged_after_drd", "bed_days_after_drd", "low_coverage_flag"),
            ("utla_code", "month"),
            f"{_NHSE}, Discharge Ready Date – monthly data (revised), by resident upper-tier local authority",
            "https://www.england.nhs.uk/statistics/statistical-work-areas/discharge-delays/discharge-ready-date/",
            "April 2024 – March 2025",
            code="utla_code",
            name_column="utla_name",
        ),
        Source(
            "drd_england_monthly.csv",
            ("month", "discharges", "discharged_after_drd", "bed_days_after_drd", "source"),
            ("discharges", "discharged_after_drd", "bed_days_after_drd"),
            ("month",),
            f"{_NHSE}, Discharge Ready Date – monthly data (revised), England",
            "https://www.england.nhs.uk/statistics/statistical-work-areas/discharge-delays/discharge-ready-date/",
            "April 2024 – March 2025 (later months not used)",
        ),
        Source(
            "drd_icb_monthly.csv",
            ("icb_code", "month", "discharges", "bed_days_after_drd"),
            ("discharges", "bed_days_after_drd"),
            ("icb_code", "month"),
            f"{_NHSE}, Discharge Ready Date – monthly data (revised), by ICB of provider",
            "https://www.england.nhs.uk/statistics/statistical-work-areas/discharge-delays/discharge-ready-date/",
            "April 2024 – March 2025",
        ),
        Source(
            "drd_bands_2024_25.csv",
            ("geography_level", "code", "name", "delay_band_days", "discharges", "bed_days_after_drd"),
            ("discharges", "bed_days_after_drd"),
            ("geography_level", "code", "delay_band_days"),
            f"{_NHSE}, Discharge Ready Date – monthly data (revised): delay bands, 2024-25 totals",
            "https://www.england.nhs.uk/statistics/statistical-work-areas/discharge-delays/discharge-ready-date/",
            "2024-25",
            code="code",
            name_column="name",
            area_rows={"geography_level": "utla"},
        ),
        Source(
            "acute_discharge_pathways_2024_25.csv",
            ("geography_level", "code", "pathway", "destination", "discharges"),
            ("discharges",),
            ("geography_level", "code", "destination"),
            f"{_NHSE}, Acute Discharge Situation Report (organisation files), discharges by pathway",
            "https://www.england.nhs.uk/statistics/statistical-work-areas/discharge-delays/acute-discharge-situation-report/",
            "June 2024 – March 2025 combined (pathway definitions of 27 May 2024)",
        ),
        Source(
            "trust_catchment_utla.csv",
            ("trust_code", "utla_code", "utla_name", "share_of_trust_catchment"),
            ("share_of_trust_catchment",),
            ("trust_code", "utla_code"),
            "OHID, NHS Acute (Hospital) Trust Catchment Populations, All Admissions (release of 18 October 2022)",
            "https://app.powerbi.com/ (OHID catchment populations; via humaniverse/geographr)",
            "catchment years of the 2022 release (probably 2018 – 2020)",
            code="utla_code",
            name_column="utla_name",
        ),
        Source(
            "community_beds_icb.csv",
            ("geography_level", "code", "name", "dimension", "category", "beds", "mean_los_days"),
            ("beds", "mean_los_days"),
            ("geography_level", "code", "dimension", "category"),
            f"{_NHSE}, Community Bed Audit – 4 March 2026 (Tables 1 – 4)",
            "https://www.england.nhs.uk/ (Community-Bed-Audit-4th-March-2026-v2.xlsx)",
            "snapshot 4 March 2026",
        ),
        Source(
            "hes_apc_emergency_2024_25.csv",
            ("geography_level", "code", "name", "emergency_admissions"),
            ("emergency_admissions",),
            ("geography_level", "code"),
            "NHS England (NHS Digital), Hospital Admitted Patient Care Activity 2024-25, by ICB of responsibility",
            "https://digital.nhs.uk/data-and-information/publications/statistical/hospital-admitted-patient-care-activity",
            "2024-25",
        ),
        Source(
            "bcf_spend_hwb.csv",
            ("hwb_code", "hwb_name", "period", "bed_based_intermediate_care_gbp", "reablement_own_home_gbp"),
            ("bed_based_intermediate_care_gbp", "reablement_own_home_gbp"),
            ("hwb_code",),
            f"{_NHSE}, Better Care Fund end of year data collection 2022 to 2023, Planned Expenditure 2 "
            "(via HFAnalyticsLab/Intermediate-care-open-data-clean)",
            "https://www.england.nhs.uk/publication/better-care-fund-end-of-year-data-collection-2022-to-2023/",
            "2022-23 (planned spend)",
            code="hwb_code",
            name_column="hwb_name",
        ),
    )
}

#: Codes a file may carry that are not 2023 HWB codes, with what the builder does with them (the data folder's
#: README.md documents each). Any other code is a problem for the area whose name it carries.
LEGACY_CODES: dict[str, tuple[str, ...]] = {
    "E10000023": ("E06000065",),  # North Yorkshire county → North Yorkshire unitary (April 2023, same area)
    "E10000027": ("E06000066",),  # Somerset county → Somerset unitary (April 2023, same area)
    "E10000002": ("E06000060",),  # Buckinghamshire county → Buckinghamshire unitary (April 2020)
    "E10000009": ("E06000059",),  # Dorset county → Dorset unitary (April 2019)
    "E10000006": ("E06000063", "E06000064"),  # Cumbria → Cumberland + Westmorland and Furness (April 2023)
    "E06000052": ("E06000052", "E06000053"),  # BCF: Cornwall and Isles of Scilly reported as one HWB
}


@dataclass
class Read:
    """Every source read, with the problems charged to areas and those no area can be named for."""

    frames: dict[str, pd.DataFrame]
    area_problems: dict[str, list[str]]
    notes: list[str]
    digests: dict[str, str]


def _read_one(folder: Path, spec: Source) -> tuple[pd.DataFrame, str]:
    """The file as text columns (row numbers kept in ``_row``) and its SHA-256, or :class:`SourceFault`."""
    path = folder / spec.file
    if not path.is_file():
        raise SourceFault(f"{spec.file} was not found in {folder} (it is one of the public files: see docs/areas.md)")
    try:
        if path.stat().st_size > MAX_SOURCE_BYTES:
            raise SourceFault(
                f"{spec.file} is larger than {MAX_SOURCE_BYTES // 2**20} MB, so it is not the public file"
            )
        raw = path.read_bytes()
    except OSError as err:
        raise SourceFault(f"{spec.file} could not be read ({(err.strerror or 'the system refused').lower()})") from err
    try:
        text = raw.decode("utf-8-sig")
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        kind = "is not UTF-8 text" if isinstance(err, UnicodeDecodeError) else "is not a readable CSV table"
        raise SourceFault(f"{spec.file} {kind}") from err
    frame.columns = [str(c).strip() for c in frame.columns]
    missing = [c for c in spec.columns if c not in frame.columns]
    if missing:
        found = ", ".join(frame.columns[:10]) or "none"
        raise SourceFault(f"{spec.file}: column(s) {', '.join(missing)} missing (found: {found})")
    frame = frame[list(spec.columns)].apply(lambda col: col.str.strip())
    frame.insert(0, "_row", range(2, len(frame) + 2))  # spreadsheet rows: the header is row 1
    return frame, hashlib.sha256(raw).hexdigest()


@dataclass
class _Context:
    codes: frozenset[str]
    charge: defaultdict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    notes: list[str] = field(default_factory=list)


def _owners(frame: pd.DataFrame, i: int, spec: Source, areas: frozenset[str]) -> list[str]:
    """The areas a row belongs to ([] when the row is not one area's: England, a region, an ICB, a trust)."""
    if not spec.code or any(frame.at[i, c] != v for c, v in spec.area_rows.items()):
        return []
    code = str(frame.at[i, spec.code])
    return [c for c in LEGACY_CODES.get(code, (code,)) if c in areas]


def _charge(frame: pd.DataFrame, i: int, spec: Source, msg: str, ctx: _Context) -> None:
    """Charge a row's problem to its area(s); a row that is no area's is shared by many: the build stops."""
    owners = _owners(frame, i, spec, ctx.codes)
    if not owners:
        raise SourceFault(f"{msg} (a row used for England or shared figures: nothing can be built from this file)")
    for code in owners:
        ctx.charge[code].append(msg)


def _numbers(frame: pd.DataFrame, spec: Source, ctx: _Context) -> None:
    """Numeric columns to floats in place; a cell that is not a number (blank is allowed) is a problem."""
    for col in spec.numeric:
        text = frame[col]
        values = pd.to_numeric(text.where(text != ""), errors="coerce")
        bad = values.isna() & (text != "")
        for i in frame.index[bad]:
            _charge(
                frame,
                i,
                spec,
                f"{spec.file}, row {frame.at[i, '_row']}, column '{col}': {text[i][:40]!r} is not a number",
                ctx,
            )
        frame[col] = values


def _duplicates(frame: pd.DataFrame, spec: Source, ctx: _Context) -> pd.DataFrame:
    """A repeated key: both rows are named and the area concerned is not built.

    Returns the frame without the repeats (the first row of each key kept), so that a repeated row does not
    throw the England reconciliation out for every other area.
    """
    dup = frame.duplicated(list(spec.key), keep=False)
    for _, group in frame[dup].groupby(list(spec.key), sort=False):
        rows = " and ".join(str(r) for r in group["_row"])
        key = ", ".join(f"{c} {group.iloc[0][c]}" for c in spec.key)
        _charge(frame, group.index[0], spec, f"{spec.file}, rows {rows}: the same {key} appears more than once", ctx)
    return frame[~frame.duplicated(list(spec.key), keep="first")]


def _unknown_codes(frame: pd.DataFrame, spec: Source, areas: pd.DataFrame, ctx: _Context) -> pd.DataFrame:
    """The frame without rows whose area code is neither a 2023 HWB code nor a documented legacy code.

    Each such code is named; when its row's name is an area's name (a code changed by mistake) the problem is
    charged to that area, which is then not built; otherwise it is a note for the build.
    """
    assert spec.code is not None
    by_name = {_plain(n): c for c, n in zip(areas["code"], areas["name"], strict=True)}
    known = ctx.codes | set(LEGACY_CODES) | {ENGLAND}
    mask = pd.Series(True, index=frame.index)
    for col, value in spec.area_rows.items():
        mask &= frame[col] == value
    blank = frame[mask & (frame[spec.code] == "")]
    if len(blank):
        ctx.notes.append(
            f"{spec.file}: {len(blank):,} rows without an area code left out (first: row {blank['_row'].iloc[0]}; "
            "the data folder's README.md documents those of councils since split or merged)"
        )
    rows = frame[mask & (frame[spec.code] != "") & ~frame[spec.code].isin(known)]
    for code, group in rows.groupby(spec.code, sort=False):
        name = str(group.iloc[0][spec.name_column]) if spec.name_column else ""
        owner = by_name.get(_plain(name))
        more = f" (and {len(group) - 1} more rows)" if len(group) > 1 else ""
        msg = (
            f"{spec.file}, row {group['_row'].iloc[0]}{more}: area code {code!r} is not a Health and Wellbeing "
            "Board code of the 2023 geography"
        )
        if owner is not None:
            ctx.charge[owner].append(f"{msg}; its name '{name}' is that of {owner}: was the code changed?")
        else:
            ctx.notes.append(f"{msg} (rows left out)")
    return frame.drop(index=rows.index.union(blank.index))


def _plain(name: str) -> str:
    return " ".join(str(name).lower().replace("&", "and").replace(",", " ").split())


def area_list(lookup: pd.DataFrame) -> pd.DataFrame:
    """The 153 HWB areas (2023 geography) from ``lad_to_utla.csv``: ``code``, ``name``, ``region``, ``region_code``."""
    areas = lookup.drop_duplicates("utla_code")[["utla_code", "utla_name", "region_name", "region_code"]]
    areas = areas.set_axis(["code", "name", "region", "region_code"], axis=1)
    return areas.sort_values("code").reset_index(drop=True)


def read_sources(folder: Path) -> Read:
    """Read every public file in ``folder`` (the data folder's ``areas/``).

    Raises
    ------
    SourceFault
        A file is missing or unreadable, lacks a column the builder needs, or has a fault in a row that is
        no single area's (England, a region, an ICB, a trust, the area list itself).
    """
    frames: dict[str, pd.DataFrame] = {}
    digests: dict[str, str] = {}
    for spec in SOURCES.values():
        frames[spec.file], digests[spec.file] = _read_one(folder, spec)
    lookup = frames["lad_to_utla.csv"]
    if lookup["lad_code"].duplicated().any():
        row = int(lookup.loc[lookup["lad_code"].duplicated(), "_row"].iloc[0])
        raise SourceFault(f"lad_to_utla.csv, row {row}: district code repeated; the area list cannot be trusted")
    areas = area_list(lookup)
    ctx = _Context(frozenset(areas["code"]))
    for spec in SOURCES.values():
        frame = frames[spec.file]
        if spec.code:
            frame = _unknown_codes(frame, spec, areas, ctx)
        _numbers(frame, spec, ctx)
        frames[spec.file] = _duplicates(frame, spec, ctx)
    frames["areas"] = areas
    return Read(frames, {k: list(dict.fromkeys(v)) for k, v in ctx.charge.items()}, ctx.notes, digests)
