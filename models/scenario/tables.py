"""Scheme tables <-> Schemes: the area's ``schemes.csv`` and the scheme editor's table.

- :func:`schemes_from_table`: the Schemes of an area's (already validated) ``schemes.csv``;
- :func:`schemes_to_rows`: the editable table for the scheme editor;
- :func:`validate_scheme_rows`: an edited table back into Schemes, or plain-English
  messages naming the row and column of every problem.

The upload format is the editor format (:data:`ROW_COLUMNS`). Numbers are read by the
one parser of :mod:`models.core.numbers` (UK conventions: '£3,400,000' is accepted,
'1,70' is refused); the scheme rules shared with the upload and the Scheme model come
from :mod:`models.inputs.scheme_rules`. Money in £ a year; effects in activity a year.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from pydantic import ValidationError

from models.core.numbers import NumberError, cell_type_problem, parse_number, quoted, visible
from models.core.units import fmt_gbp
from models.inputs.areas import FILES
from models.inputs.funding_rules import AMOUNT_COLUMNS, SOURCES, amounts_problem, read_funding, side_of_lead
from models.inputs.scheme_rules import (
    DEFAULT_RAMP_MONTHS,
    DEFAULT_SATURATION,
    MAX_BUDGET_GBP,
    MAX_EFFECT,
    MAX_NAME_CHARS,
    MAX_SCHEMES,
    TEXT_LIMITS,
    budget_problem,
    effect_order_problem,
    metric_problem,
    name_key,
    name_problem,
    ramp_problem,
    saturation_problem,
    scheme_metric,
)
from models.scenario.capacity import CAPACITY_METRICS
from models.scenario.funding import mix_from_amounts
from models.scenario.groups import Scheme

MAX_SCHEME_ROWS = MAX_SCHEMES  # same limit as Scenario.schemes
MAX_MESSAGES = 25  # per-row problems shown before "… and N more"
ROW_COLUMNS: tuple[str, ...] = tuple(FILES["schemes.csv"].columns)  # the upload format is the editor format
#: Funding amounts by source (£ a year, adding up to the budget), the service type and step tag (docs/funding.md)
FUNDING_ROW_COLUMNS: tuple[str, ...] = (*AMOUNT_COLUMNS, "scheme_type", "step")
OPTIONAL_ROW_COLUMNS: tuple[str, ...] = (*FUNDING_ROW_COLUMNS, "current_budget_gbp", "reference_budget_gbp", "source")
_NUMBER_COLUMNS = ("budget_gbp", "effect_low", "effect_central", "effect_high", "ramp_months", "saturation")
_EFFECTS = ("effect_low", "effect_central", "effect_high")


def ramp_note(name: str, ramp_months: int, horizon_months: int) -> str | None:
    """Plain-English note when a ramp-up is longer than the horizon, else None."""
    if ramp_months > horizon_months:
        return (
            f"Note: '{name}' ramps up over {ramp_months} months, longer than the {horizon_months}-month "
            "horizon, so it never reaches its full effect in this projection."
        )
    return None


# --------------------------------------------------------------------------- schemes.csv -> Schemes
def _amount(value: object, default: float) -> float:
    """An optional £ column (arrives untyped): blank means ``default``; '£3,400,000' is accepted."""
    if _blank(value):
        return default
    try:
        return parse_number(value)
    except NumberError as err:
        raise ValueError(f"schemes.csv: {err}") from None


def _default_source(side: str) -> str:
    """The source a scheme with no stated funding is taken to come from: its lead side's core line."""
    return "nhs_minimum" if side == "nhs" else "la_bcf_grant"


def _table_funding(rec: Mapping[str, object], budget: float) -> tuple[dict[str, object], str | None]:
    """The Scheme fields ``funding``, ``scheme_type`` and ``step`` of a checked table row, and a note or None."""
    side = side_of_lead(str(rec.get("lead_partner", "")))
    read = read_funding(rec, budget, side)
    if read.problems:  # the upload checked these (areas._funding_check); a direct caller gets the first
        col, msg = read.problems[0]
        raise ValueError(f"schemes.csv, scheme {quoted(rec.get('name'))}, column '{col}': {msg}")
    fields: dict[str, object] = {}
    note = None
    mix = mix_from_amounts(read.amounts) if read.amounts is not None else None
    if mix is None:
        source = read.source or _default_source(side)
        mix = ((source, 1.0),)
        if read.by_side or read.source is None:
            note = (
                f"Note: scheme {quoted(rec.get('name'), 200)}: "
                + (f"its funding source {quoted(rec.get('funding_source'))}" if read.source else "no funding given")
                + f" was taken as the {SOURCES[source].label} (its lead partner is on the "
                + ("NHS" if side == "nhs" else "council")
                + " side)."
            )
    fields["funding"] = mix
    if read.scheme_type is not None:
        fields["scheme_type"] = read.scheme_type
    if read.step is not None:
        fields["step"] = read.step
    return fields, note


def funding_notes(table: pd.DataFrame) -> list[str]:
    """Notes on how an area's ``schemes.csv`` funding was read (a source chosen by the lead partner's side)."""
    notes = []
    for row in table.to_dict("records"):
        try:
            budget = parse_number(row["budget_gbp"])
            note = _table_funding(row, budget)[1]
        except (ValueError, KeyError):
            continue
        if note:
            notes.append(note)
    return notes


def schemes_from_table(table: pd.DataFrame) -> tuple[Scheme, ...]:
    """Schemes from an area's ``schemes.csv`` (a table checked by :func:`models.inputs.areas.validate_table`).

    ``current_budget_gbp`` defaults to ``budget_gbp`` (today's funding); the reference
    budget at which effects were estimated defaults to the current budget.

    Raises
    ------
    ValueError
        A cell is not a number (the message says which and why), or a pydantic
        ``ValidationError`` (a subclass) when a scheme breaks the Scheme model's limits.
    """
    out = []
    for row in table.to_dict("records"):
        budget = parse_number(row["budget_gbp"])
        current = _amount(row.get("current_budget_gbp"), budget)
        ref = _amount(row.get("reference_budget_gbp"), current)
        funding, _ = _table_funding(row, budget)
        out.append(
            Scheme(
                name=unicodedata.normalize("NFC", str(row["name"]).strip()),
                **funding,  # type: ignore[arg-type]
                lead_partner=str(row["lead_partner"]),
                current_budget_gbp=current,
                budget_gbp=budget,
                reference_budget_gbp=max(ref, 1.0),
                metric=str(row["metric"]),
                effect_low=parse_number(row["effect_low"]),
                effect_central=parse_number(row["effect_central"]),
                effect_high=parse_number(row["effect_high"]),
                ramp_months=int(parse_number(row["ramp_months"])),
                saturation=parse_number(row["saturation"]),
                source=str(row.get("source", "illustrative assumption"))[: TEXT_LIMITS["source"]],
            )
        )
    return tuple(out)


# --------------------------------------------------------------------------- Schemes -> editor table
def schemes_to_rows(schemes: Sequence[Scheme]) -> pd.DataFrame:
    """The editable table for ``st.data_editor`` (inverse of :func:`validate_scheme_rows`).

    ``reference_budget_gbp`` is left blank for a £0 scheme whose reference is the £1
    placeholder, so the effects typed in apply at the budget entered next.
    """
    recs = []
    for s in schemes:
        d = s.model_dump()
        rec = {c: d[c] for c in ROW_COLUMNS}
        placeholder = s.budget_gbp == 0 and s.reference_budget_gbp <= 1.0
        amounts = s.amounts()
        for col, key in AMOUNT_COLUMNS.items():
            rec[col] = round(amounts.get(key, 0.0), 2)
        rec["scheme_type"] = s.scheme_type
        rec["step"] = s.step
        rec["current_budget_gbp"] = s.current_budget_gbp
        rec["reference_budget_gbp"] = np.nan if placeholder else s.reference_budget_gbp
        rec["source"] = s.source
        recs.append(rec)
    return pd.DataFrame(recs, columns=list(ROW_COLUMNS + OPTIONAL_ROW_COLUMNS))


# --------------------------------------------------------------------------- editor table -> Schemes
def _blank(v: object) -> bool:
    if v is None:
        return True
    if isinstance(v, str):
        return v.strip() == ""
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


@dataclass
class _Row:
    """One row of the editor's table while it is checked: where it is, what was read and what is wrong."""

    pos: int  # 1 = first row of the table
    rec: dict[str, object]
    name: str = ""
    where: str = ""
    metric: str | None = None
    values: dict[str, float] = field(default_factory=dict)
    current: float | None = None
    reference: float | None = None
    funding: dict[str, object] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def error(self, column: str, message: str) -> None:
        self.errors.append(f"{self.where}, column '{column}': {message}.")


def _table_frame(rows: object) -> tuple[pd.DataFrame | None, np.ndarray, list[str]]:
    """The table with lower-case column names and which rows are not blank; or the message refusing it."""
    none = np.zeros(0, dtype=bool)
    if not isinstance(rows, pd.DataFrame):
        return None, none, ["The scheme table could not be read (expected a table)."]
    cols = {str(c).strip().lower(): c for c in rows.columns}
    missing = [c for c in ROW_COLUMNS if c not in cols]
    if missing:
        return None, none, [f"The scheme table has no column(s) {', '.join(missing)}."]
    frame = rows.rename(columns={v: k for k, v in cols.items()})
    # blank rows: vectorised so a huge paste is cheap to check
    text = frame[list(ROW_COLUMNS)].astype("string").fillna("").apply(lambda s: s.str.strip())
    keep = (text != "").any(axis=1).to_numpy()
    n = int(keep.sum())
    if n > MAX_SCHEME_ROWS:
        return (
            None,
            none,
            [
                f"The table has {n:,} schemes; at most {MAX_SCHEME_ROWS} are supported. "
                "Nothing was changed: paste fewer rows."
            ],
        )
    return frame, keep, []


def _read_name(row: _Row, seen: dict[str, int]) -> None:
    """The scheme's name: not blank, not too long, no invisible characters, not used by an earlier row.

    Names are kept in Unicode NFC (composed) form and compared by :func:`name_key` (NFKC, case,
    invisible characters and spaces at the ends ignored).
    """
    raw = row.rec.get("name")
    problem = cell_type_problem(raw)
    row.name = "" if _blank(raw) or problem else unicodedata.normalize("NFC", str(raw).strip())
    row.where = f"Row {row.pos} ('{visible(row.name, None)}')" if row.name else f"Row {row.pos}"
    if problem:
        row.error("name", f"the cell {problem}")
    elif not row.name:
        row.error("name", "the scheme name is blank")
    elif len(row.name) > MAX_NAME_CHARS:
        row.error("name", f"names are at most {MAX_NAME_CHARS} characters")
    elif name_problem(row.name):
        row.error("name", f"the name {name_problem(row.name)}")
    else:
        key = name_key(row.name)
        if key in seen:
            row.error("name", f"the name is already used by row {seen[key]}")
        else:
            seen[key] = row.pos


def _read_numbers(row: _Row, notes: list[str]) -> None:
    """The budget, effects, ramp-up and saturation; blanks take defaults where there is one (with a note)."""
    row.metric = None if _blank(row.rec.get("metric")) else scheme_metric(row.rec.get("metric"))
    for col in _NUMBER_COLUMNS:
        cell = row.rec.get(col)
        if _blank(cell):
            if col.startswith("effect_") and row.metric in CAPACITY_METRICS:
                row.values[col] = 0.0  # capacity schemes take no typed-in effect
            elif col == "ramp_months":
                row.values[col] = float(DEFAULT_RAMP_MONTHS)
                notes.append(f"Note: {row.where}: no ramp-up given, so {DEFAULT_RAMP_MONTHS} months is assumed.")
            elif col == "saturation":
                row.values[col] = DEFAULT_SATURATION
                notes.append(f"Note: {row.where}: no saturation given, so {DEFAULT_SATURATION:g} is assumed.")
            else:
                row.error(col, "the cell is blank; enter a number")
            continue
        try:
            row.values[col] = parse_number(cell)
        except NumberError as err:
            row.error(col, str(err))


def _read_budget(row: _Row, col: str, above_zero: bool) -> tuple[float | None, bool]:
    """An optional budget cell: (£ a year or None when blank, whether the cell was given)."""
    cell = row.rec.get(col)
    if _blank(cell):
        return None, False
    try:
        x = parse_number(cell)
    except NumberError as err:
        row.error(col, str(err))
        return None, True
    if above_zero and not 0 < x <= MAX_BUDGET_GBP:
        row.error(col, f"{quoted(cell)} must be a budget above £0 and at most £10bn")
        return None, True
    if not above_zero and not 0 <= x <= MAX_BUDGET_GBP:
        row.error(col, f"{quoted(cell)} must be a budget from £0 to £10bn")
        return None, True
    return x, True


def _read_budgets(row: _Row, current: Mapping[str, float] | None) -> None:
    """Scenario and current budgets; a blank current budget is ``current``'s, else the budget."""
    budget = row.values.get("budget_gbp")
    if budget is not None:
        problem = budget_problem(budget)
        if problem:
            row.error("budget_gbp", problem + (f" ({fmt_gbp(budget)})" if budget < 0 else ""))
    now, given = _read_budget(row, "current_budget_gbp", above_zero=False)
    if not given:
        if current is not None:
            now = float(current.get(row.name, 0.0))
        elif budget is not None:
            now = budget
    row.current = now


def _read_reference(row: _Row, reference: Mapping[str, float]) -> None:
    """The budget at which the effects were estimated; blank: ``reference``'s, else today's (or the budget)."""
    budget, now = row.values.get("budget_gbp"), row.current
    ref, given = _read_budget(row, "reference_budget_gbp", above_zero=True)
    if not given and row.name in reference:
        ref = float(reference[row.name])
    if ref is None and not given and budget is not None:
        # effects are "at today's budget" (or at the budget for a new scheme); £0: placeholder, f(0) = 0
        ref = max(now if now else budget, 1.0)
    row.reference = ref


def _same_amounts(amounts: Mapping[str, float], before: Scheme) -> bool:
    """Whether amounts by source are those the scheme had (±£1 each): only its budget was edited."""
    old = before.amounts()
    return all(abs(amounts.get(k, 0.0) - old.get(k, 0.0)) <= 1.0 for k in {*amounts, *old})


def _read_funding(row: _Row, previous: Mapping[str, Scheme], notes: list[str]) -> None:
    """The row's funding mix, type and step (docs/funding.md).

    Amounts by source must add up to the budget (±£1); when only the budget was edited (the amounts are still
    the scheme's old ones) the old mix is kept and scaled, with a note. No amounts: the old mix, else the
    ``funding_source`` text, else the lead side's core line (with a note).
    """
    budget = row.values.get("budget_gbp")
    side = side_of_lead(str(row.rec.get("lead_partner") or ""))
    before = previous.get(row.name)
    read = read_funding(row.rec, None, side)  # the sum is checked here, where an old mix can explain it
    for col, msg in read.problems:
        row.error(col, msg)
    if read.problems or budget is None:
        return
    mix = None
    if read.amounts is not None:
        problem = amounts_problem(read.amounts, budget)
        if problem and before is not None and _same_amounts(read.amounts, before):
            mix = before.funding
            notes.append(f"Note: {row.where}: the budget changed, so its funding amounts were scaled in the same mix.")
        elif problem:
            given = [c for c, k in AMOUNT_COLUMNS.items() if k in read.amounts]
            row.error(", ".join(given), problem)
            return
        else:
            mix = mix_from_amounts(read.amounts)
    if mix is None and before is not None and read.source is None:
        mix = before.funding
    if mix is None:
        source = read.source or _default_source(side)
        mix = ((source, 1.0),)
        if read.source is None or read.by_side:
            notes.append(
                f"Note: {row.where}: no funding source given, so it is taken as the {SOURCES[source].label}."
                if read.source is None
                else f"Note: {row.where}: the funding source names no 2025-26 line, so it is taken as the "
                f"{SOURCES[source].label} (the lead partner's side)."
            )
    row.funding["funding"] = mix
    if read.scheme_type is not None:
        row.funding["scheme_type"] = read.scheme_type
    elif before is not None:
        row.funding["scheme_type"] = before.scheme_type
    if read.step is not None:
        row.funding["step"] = read.step
    elif before is not None and row.funding.get("scheme_type") == before.scheme_type:
        row.funding["step"] = before.step


def _check_ranges(row: _Row, horizon_months: int, notes: list[str]) -> None:
    """Effects (not negative, in order), ramp-up and saturation within the scheme rules; the metric is known."""
    for col in _EFFECTS:
        v = row.values.get(col)
        if v is not None and v < 0:
            row.error(col, f"activity avoided cannot be negative ({v:g}); a scheme that adds activity is not supported")
        elif v is not None and v > MAX_EFFECT:
            row.error(col, f"at most {MAX_EFFECT:,.0f} a year can be avoided ({v:g})")
    order = effect_order_problem(*(row.values.get(c) for c in _EFFECTS))
    if order:
        row.error(*order)
    if "ramp_months" in row.values:
        r = row.values["ramp_months"]
        problem = ramp_problem(r)
        if problem:
            row.error("ramp_months", problem)
        else:
            note = ramp_note(row.name or f"row {row.pos}", int(r), horizon_months)
            if note:
                notes.append(note)
    if "saturation" in row.values:
        problem = saturation_problem(row.values["saturation"])
        if problem:
            row.error("saturation", problem)
    if row.metric is None:
        cell = row.rec.get("metric")
        row.error("metric", metric_problem("" if _blank(cell) else quoted(cell)))


def _scheme_fields(row: _Row) -> dict[str, object]:
    """The Scheme's fields from a row without errors (optional text cut to its limit)."""
    v = row.values
    fields: dict[str, object] = {
        "name": row.name,
        "current_budget_gbp": row.current if row.current is not None else v["budget_gbp"],
        "budget_gbp": v["budget_gbp"],
        "reference_budget_gbp": row.reference,
        "metric": row.metric,
        "effect_low": v["effect_low"],
        "effect_central": v["effect_central"],
        "effect_high": v["effect_high"],
        "ramp_months": int(v["ramp_months"]),
        "saturation": v["saturation"],
        **row.funding,
    }
    for col, limit in TEXT_LIMITS.items():
        cell = row.rec.get(col)
        if not _blank(cell):
            fields[col] = str(cell).strip()[:limit]
    return fields


def _build(parsed: list[tuple[str, dict[str, object]]], errors: list[str]) -> list[Scheme]:
    """Schemes from checked fields; anything the explicit checks missed becomes a message in ``errors``."""
    schemes: list[Scheme] = []
    for where, fields in parsed:
        try:
            schemes.append(Scheme(**fields))
        except ValidationError as err:
            for e in err.errors():
                loc = " → ".join(str(p) for p in e["loc"])
                msg = e["msg"].removeprefix("Value error, ")
                errors.append(f"{where}{', column ' + repr(loc) if loc else ''}: {msg}.")
    return schemes


def validate_scheme_rows(
    rows: pd.DataFrame,
    horizon_months: int,
    reference: Mapping[str, float] | None = None,
    current: Mapping[str, float] | None = None,
    previous: Sequence[Scheme] = (),
) -> tuple[tuple[Scheme, ...] | None, list[str]]:
    """Turn an edited scheme table into Schemes, or say in plain English what is wrong.

    Parameters
    ----------
    rows : DataFrame
        What ``st.data_editor`` returns: columns ``name, funding_source, lead_partner,
        budget_gbp, metric, effect_low, effect_central, effect_high, ramp_months,
        saturation`` and optionally ``current_budget_gbp``, ``reference_budget_gbp`` and
        ``source``. Fully blank rows (a row just added) are ignored. Numbers are read in
        UK conventions (:mod:`models.core.numbers`: "£3,400,000" is accepted, "1,70" is
        refused). Rows are named by position (row 1 = first row) and name.
    horizon_months : int
        Projection length; a longer ramp-up gives a "Note:" (not an error).
    reference : mapping, optional
        scheme name -> reference budget (£ a year) to use when the table has no
        ``reference_budget_gbp`` column or the cell is blank (e.g. the last valid
        set's references, so that editing a budget keeps diminishing returns).
        Otherwise the reference is the budget (the effects are "at this budget");
        a £0 scheme gets a £1 placeholder reference and has zero effect.
    current : mapping, optional
        scheme name -> current budget (£ a year) when the ``current_budget_gbp`` cell is
        blank or missing; a scheme not named there is new (current budget £0).
    previous : sequence of Scheme, optional
        The schemes before the edit: a row whose funding amounts are still its old ones while its budget changed
        keeps its mix (scaled, with a note), and a row with no funding cells keeps its mix, type and step.
        Amounts by source (``nhs_minimum_gbp`` …) must otherwise add up to the budget (±£1); a negative amount
        is refused by row and column.

    Returns
    -------
    (schemes, messages)
        ``schemes`` is None when there is any error (the caller keeps its last valid
        set); messages starting "Note:" are warnings that do not block.
    """
    frame, keep, refusal = _table_frame(rows)
    if frame is None:
        return None, refusal
    reference = dict(reference or {})
    errors: list[str] = []
    notes: list[str] = []
    parsed: list[tuple[str, dict[str, object]]] = []
    seen: dict[str, int] = {}
    before = {s.name: s for s in previous}
    for pos, (keep_row, rec) in enumerate(zip(keep, frame.to_dict("records"), strict=True), start=1):
        if not keep_row:
            continue
        row = _Row(pos, rec)
        _read_name(row, seen)
        _read_numbers(row, notes)
        _read_budgets(row, current)
        _check_ranges(row, horizon_months, notes)
        _read_reference(row, reference)
        _read_funding(row, before, notes)
        if row.errors:
            errors.extend(row.errors)
        else:
            parsed.append((row.where, _scheme_fields(row)))
    schemes = _build(parsed, errors)
    if errors:
        shown = errors[:MAX_MESSAGES]
        if len(errors) > MAX_MESSAGES:
            shown.append(f"… and {len(errors) - MAX_MESSAGES} more problems.")
        return None, shown + notes[:MAX_MESSAGES]
    if not schemes:
        notes.append("Note: the table has no schemes, so no scheme effects are modelled.")
    return tuple(schemes), notes
