"""The one guarded way in for a scenario file: the app's *Open a scenario file* and ``python -m models run``.

:func:`read_scenario_file` takes the file's bytes and returns a valid :class:`Scenario` or raises
:class:`ScenarioFileError`, whose text is one plain sentence naming the file and what is wrong:

- the bytes: at most :data:`MAX_SCENARIO_BYTES`; UTF-8 (byte-order marks dropped) or UTF-16 with a
  byte-order mark; other encodings are refused with the byte and line (:mod:`models.core.jsonsafe`);
- the JSON: valid, at most :data:`models.core.jsonsafe.MAX_DEPTH` levels deep (a file nested
  100,000 levels is refused in milliseconds, before the parser sees it), an object at the top
  (not a list, null, text or a number);
- the version: a whole number from 1 to the app's (missing means 1; 0, −1, null, text refused:
  :func:`models.scenario.migrate.schema_version_of`);
- the values: every scenario rule (pydantic), each line naming the field in words; names with
  invisible characters are refused (:func:`models.inputs.scheme_rules.name_problem`).

Nothing here quotes Python: no exception class names, codec names or ``repr`` text.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from models.core.jsonsafe import JsonProblem, decode_text, kind_of, load_json
from models.core.numbers import visible
from models.inputs.scheme_rules import name_problem
from models.scenario.migrate import ScenarioVersionError, migrate_with_notes
from models.scenario.scenario import Scenario, evolve

MAX_SCENARIO_BYTES = 1_000_000  # a scenario with 200 schemes is about 100 kB
MAX_LINES = 5  # validation problems listed in one message


class ScenarioFileError(ValueError):
    """A scenario file that cannot be opened; ``str(err)`` is a plain sentence (no full stop at the end)."""


def _where(loc: tuple[Any, ...], data: dict[str, Any]) -> str:
    """A pydantic error location in words: ``scheme 2 ('Home First'), budget_gbp``."""
    parts: list[str] = []
    items = list(loc)
    if len(items) >= 2 and items[0] == "schemes" and isinstance(items[1], int):
        schemes = data.get("schemes") if isinstance(data.get("schemes"), list) else []
        k = items[1]
        name = schemes[k].get("name") if k < len(schemes) and isinstance(schemes[k], dict) else None
        parts.append(f"scheme {k + 1}" + (f" ('{visible(str(name), 40)}')" if isinstance(name, str) else ""))
        items = items[2:]
    parts += [f"item {p + 1}" if isinstance(p, int) else visible(str(p), 40) for p in items]
    return ", ".join(parts) or "the scenario"


#: pydantic's commonest complaints in plain words (the limit, where there is one, comes from the error's context)
_PLAIN: dict[str, str] = {
    "greater_than_equal": "must be at least {ge}",
    "greater_than": "must be more than {gt}",
    "less_than_equal": "must be at most {le}",
    "less_than": "must be less than {lt}",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "int_type": "must be a whole number",
    "float_parsing": "must be a number",
    "float_type": "must be a number",
    "finite_number": "must be a finite number",
    "bool_parsing": "must be true or false",
    "missing": "is missing",
    "string_type": "must be text",
    "string_too_long": "is too long (at most {max_length} characters)",
    "list_type": "must be a list [ … ]",
    "tuple_type": "must be a list [ … ]",
    "dict_type": "must be an object { … }",
    "model_type": "must be an object { … }",
    "extra_forbidden": "is not a setting this app knows",
}


def _number(v: object) -> object:
    """A limit as people write it: 5,000 and 100, not 5000 and 100.0."""
    if isinstance(v, bool) or not isinstance(v, int | float):
        return v
    return f"{int(v):,}" if float(v).is_integer() else f"{v:,}"


def _plain(e: Any) -> str:
    """One pydantic error's reason in plain words (its own sentence when there is no plainer one)."""
    template = _PLAIN.get(str(e.get("type", "")))
    ctx = e.get("ctx") or {}
    if template:
        try:
            return template.format(**{k: _number(v) for k, v in ctx.items()})
        except (KeyError, ValueError):
            pass
    return str(e["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")


def explain_plainly(err: ValidationError, data: dict[str, Any]) -> list[str]:
    """One line per validation problem: where (in words) and why (in plain words where pydantic's are not)."""
    return [
        f"{_where(tuple(e['loc']), data)}: {visible(_plain(e), 300)}"
        for e in err.errors(include_url=False, include_input=False)
    ]


def _names_problem(sc: Scenario) -> str | None:
    for what, name in [("the scenario's name", sc.name), *((f"scheme '{s.name}'", s.name) for s in sc.schemes)]:
        problem = name_problem(name)
        if problem:
            return f"{visible(what, 80)}: {problem}"
    return None


def scenario_from_data(data: object, label: str = "the file", notes: list[str] | None = None) -> Scenario:
    """A Scenario from parsed JSON (any kind), with the checks of :func:`read_scenario_file` after parsing.

    ``notes``, when given, receives the migration's plain notes for an older scenario (what was mapped).
    """
    if not isinstance(data, dict):
        raise ScenarioFileError(
            f"{label} holds {kind_of(data)}, not a scenario (a scenario file is one object {{ … }})"
        )
    try:
        migrated, found = migrate_with_notes(data)
        sc = Scenario.model_validate(migrated)
    except ScenarioVersionError as err:
        raise ScenarioFileError(f"{label} cannot be opened: {err}") from err
    except ValidationError as err:
        lines = explain_plainly(err, data)
        more = f" (and {len(lines) - MAX_LINES} more)" if len(lines) > MAX_LINES else ""
        raise ScenarioFileError(
            f"{label} is not a scenario this app accepts: " + "; ".join(lines[:MAX_LINES]) + more
        ) from err
    except Exception as err:  # noqa: BLE001 - any other fault on user data must become a plain sentence
        raise ScenarioFileError(
            f"{label} is not a scenario this app accepts: its values have the wrong kinds (text where numbers or "
            "lists are expected); save the scenario again from the app"
        ) from err
    problem = _names_problem(sc)
    if problem:
        raise ScenarioFileError(f"{label} is not a scenario this app accepts: {problem}")
    if notes is not None:
        notes.extend(found)
    return sc


def read_scenario_file(
    raw: bytes,
    label: str = "the file",
    draws: int | None = None,
    seed: int | None = None,
    notes: list[str] | None = None,
) -> Scenario:
    """The scenario in a file's bytes (older schema versions migrated), optionally with other draws or seed.

    Parameters
    ----------
    raw : bytes
        The file's contents.
    label : str
        How messages name the file (``"bcf_scenario.json"``).
    draws, seed : int, optional
        Replace the scenario's Monte Carlo draws or random seed (the command line's ``--draws``, ``--seed``).
    notes : list, optional
        Receives the plain notes of an older scenario's migration (show them when it opens).

    Raises
    ------
    ScenarioFileError
        For anything that is not a valid scenario, with one plain sentence.
    """
    if len(raw) > MAX_SCENARIO_BYTES:
        raise ScenarioFileError(
            f"{label} is {len(raw):,} bytes; a scenario file is at most {MAX_SCENARIO_BYTES:,} bytes"
        )
    try:
        data = load_json(decode_text(raw, label), label, max_chars=MAX_SCENARIO_BYTES)
    except JsonProblem as err:
        raise ScenarioFileError(str(err)) from err
    sc = scenario_from_data(data, label, notes)
    changes = {k: v for k, v in (("n_draws", draws), ("seed", seed)) if v is not None}
    if not changes:
        return sc
    try:
        return evolve(sc, **changes)
    except ValidationError as err:
        lines = explain_plainly(err, {})
        raise ScenarioFileError("the draws or seed asked for are not accepted: " + "; ".join(lines)) from err


def read_scenario_path(
    path: Path, draws: int | None = None, seed: int | None = None, what: str = "a scenario JSON file"
) -> Scenario:
    """The scenario in the file at ``path`` (a folder, an oversized or unreadable file refused in plain words).

    The one guarded entry for a scenario named on a command line (``python -m models run``, ``batch``);
    ``what`` says what to give instead of a folder. Raises :class:`ScenarioFileError`.
    """
    if path.is_dir():
        raise ScenarioFileError(f"the scenario file {path} is a folder; give {what}")
    try:
        if path.stat().st_size > MAX_SCENARIO_BYTES:
            raise ScenarioFileError(f"{path} is larger than {MAX_SCENARIO_BYTES:,} bytes, so it is not a scenario file")
        raw = path.read_bytes()
    except OSError as err:
        raise ScenarioFileError(
            f"cannot read the scenario file {path}: {(err.strerror or 'the system refused').lower()}"
        ) from err
    return read_scenario_file(raw, str(path), draws, seed)
