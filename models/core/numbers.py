"""One number parser for uploads and the scheme editor, in UK conventions.

A cell is a number when it is a real number object (int, float, NumPy number; not a
yes/no value) or text written the UK way:

- an optional sign (``-``, ``+`` or the typographic minus ``−``) and an optional ``£``;
- digits with an optional decimal **point** (``1700``, ``0.25``, ``.5``) and optional
  exponent (``1e6``, as Excel writes very large or small numbers), or digits with
  thousands **commas** in correct groups of three (``1,700``, ``3,400,000``,
  ``1,234,567.5``; the first group 1-3 digits, not starting with 0);
- spaces (and non-breaking spaces) at either end are trimmed.

Refused, each with a plain sentence saying what was expected: a decimal comma or a
misplaced comma (``0,250``, ``1,70``, ``12,34,5``), spaces inside a number, ``inf`` /
``nan``, hidden control characters (shown in words, never quoted raw) and cell objects
that are neither text nor a number (e.g. an Excel array formula read by openpyxl).

**The comma rule** (decided for issue 22; docs/input-safety.md): a comma is only ever a UK
thousands separator. ``1,250`` is 1250 and ``12,500`` is 12500; a value whose commas do not
stand in whole groups of three after a first group of 1-3 digits that does not start with 0 is
refused, never guessed: ``0,250`` (a European 0.25; as thousands it would be 250), ``1,70``,
``1,2345``, ``1.234,5``. A European ``1,250`` meaning 1.25 cannot be told from UK 1250 by its
text; the refusal of every other decimal comma in the same column (``0,5``, ``12,75``) and the
row-by-row message make such a file stop at the first one.

:func:`parse_number` reads one cell (the editor, ``schemes_from_table``);
:func:`parse_numbers` reads a column of text cells at once (the upload readers) with the
same grammar, and :func:`number_problem` gives the reason for a refused cell.
"""

from __future__ import annotations

import datetime
import math
import numbers
import re
import unicodedata

import numpy as np
import pandas as pd

NUMBER_HINT = "write numbers like 4413, 4,413, £3,400,000 or 0.25"
HIDDEN = "[hidden control character]"  # how a control character is shown in a message
SHOWN_CHARS = 30  # characters of a refused value quoted in a message

_SIGN = "[-+\u2212]"
_PLAIN = r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?"
_GROUPED = r"[1-9][0-9]{0,2}(?:,[0-9]{3})+(?:\.[0-9]+)?"
#: The whole grammar of a number written as text (after trimming spaces at the ends).
NUMBER_PATTERN = rf"(?:{_SIGN}?£?|£{_SIGN})(?:{_GROUPED}|{_PLAIN})"
_NUMBER = re.compile(NUMBER_PATTERN)
_NOT_FINITE = re.compile(rf"{_SIGN}?(?:inf|infinity|nan)", re.IGNORECASE)
_COMMA_NUMBER = re.compile(rf"(?:{_SIGN}?£?|£{_SIGN})[0-9][0-9,]*(?:\.[0-9]+)?")
_CELL_TYPES = frozenset({str, int, float, bool, type(None), datetime.datetime, datetime.date, datetime.time})
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})  # control, format (zero-width, bidi), line breaks


class NumberError(ValueError):
    """A cell that is not a number; ``str(err)`` is a plain sentence (no full stop at the end).

    Attributes
    ----------
    shown : str
        The value as it may be quoted in a message (``'1,70'``), or ``"the cell"`` for an
        object that has no sensible text.
    reason : str
        What is wrong and what was expected, to follow ``shown`` ("is not a number: …").
    """

    def __init__(self, shown: str, reason: str) -> None:
        super().__init__(f"{shown} {reason}")
        self.shown = shown
        self.reason = reason


def _is_hidden(ch: str) -> bool:
    return unicodedata.category(ch) in _HIDDEN_CATEGORIES


_CONTROL_NAMES = {"\x00": "NUL", "\t": "tab", "\n": "line break", "\r": "carriage return", "\x1b": "escape"}
_ZWJ = "\u200d"  # zero-width joiner: part of emoji such as 👨‍👩‍👧, invisible between letters


def char_name(ch: str) -> str:
    """A character's name for a message: ``NUL``, ``zero width space (U+200B)``, ``control character U+0007``."""
    if ch in _CONTROL_NAMES:
        return _CONTROL_NAMES[ch]
    name = unicodedata.name(ch, "")
    code = f"U+{ord(ch):04X}"
    return f"{name.lower()} ({code})" if name else f"control character {code}"


def invisible_characters(text: str) -> list[str]:
    """The invisible characters in ``text`` (controls such as NUL, zero-width and bidi marks), in order.

    A zero-width joiner is kept when it joins two symbols (emoji sequences such as 👨‍👩‍👧); between
    letters it only makes two names that look the same compare different.
    """
    out = []
    for i, ch in enumerate(text):
        if not _is_hidden(ch):
            continue
        if ch == _ZWJ and 0 < i < len(text) - 1 and _joins_symbols(text[i - 1], text[i + 1]):
            continue
        out.append(ch)
    return out


def _joins_symbols(before: str, after: str) -> bool:
    symbol = ("So", "Sk", "Mn")  # emoji, modifiers, variation selectors
    return unicodedata.category(before) in symbol and unicodedata.category(after) in symbol


def invisible_problem(text: str) -> str | None:
    """Why a name is refused for its invisible characters (named, never printed raw), else None."""
    found = invisible_characters(text)
    if not found:
        return None
    names = list(dict.fromkeys(char_name(ch) for ch in found))
    return (
        f"contains an invisible character ({', '.join(names[:3])}), which would make names that look the same "
        "differ; retype it"
    )


def visible(text: str, limit: int | None = SHOWN_CHARS) -> str:
    """``text`` safe to put in a message: control characters written out in words, cut at ``limit`` characters.

    ``limit=None`` keeps the whole text.
    """
    cut = text if limit is None or len(text) <= limit else text[:limit] + "…"
    return "".join(HIDDEN if _is_hidden(ch) else ch for ch in cut)


def quoted(value: object, limit: int = SHOWN_CHARS) -> str:
    """A cell value in quotes for a message (``'1,70'``), control characters shown in words."""
    return f"'{visible(str(value), limit)}'"


def cell_type_problem(value: object) -> str | None:
    """Why a cell object is refused by its type (neither text, a number, a date nor blank), else None.

    openpyxl gives formula objects (``ArrayFormula``, ``DataTableFormula``) for array
    formulas and data tables; their text is Python's, not the user's, so they are named by type.
    """
    if type(value) in _CELL_TYPES:  # the usual cells, checked first: a sheet may hold 50,000 of them
        return None
    if isinstance(value, (str, np.bool_, numbers.Real, pd.Timestamp)):
        return None
    if isinstance(value, (np.datetime64, pd.Timedelta)) or hasattr(value, "isoformat"):
        return None  # dates and times: the readers write them as ISO text
    kind = type(value).__name__
    if "formula" in kind.lower():
        return f"holds a formula ({kind}), not a value; paste values only"
    return f"holds a {kind} object, not text or a number; type the value itself"


def number_problem(text: str) -> str:
    """The reason a text cell is not a number (to follow the quoted value), with what was expected.

    Call only for text that :data:`NUMBER_PATTERN` refuses.
    """
    t = text.strip()
    hidden = [ch for ch in t if _is_hidden(ch)]
    if hidden:
        code = ord(hidden[0])
        return f"contains a hidden control character (character code {code}), so it is not a number; retype the value"
    if _NOT_FINITE.fullmatch(t):
        return "is not a finite number; enter an amount"
    if "," in t and _COMMA_NUMBER.fullmatch(t):
        return (
            "is not a number: commas may only separate thousands in groups of three (1,700 or 3,400,000); "
            "write decimals with a point (0.25, 1.70)"
        )
    if re.fullmatch(rf"(?:{_SIGN}?£?|£{_SIGN})[0-9][0-9,. ]*", t) and " " in t:
        return "is not a number: remove the spaces inside it (write 1700 or 1,700)"
    return f"is not a number; {NUMBER_HINT}"


def _text_value(t: str) -> float:
    """The value of text that matches :data:`NUMBER_PATTERN`."""
    return float(t.replace("£", "").replace(",", "").replace("\u2212", "-"))


def parse_number(value: object) -> float:
    """One cell as a finite float, in UK conventions (see the module docstring).

    Parameters
    ----------
    value : object
        A cell: text, a number object, or anything else a table may hold.

    Returns
    -------
    float
        The number (units as written; '£' only marks money).

    Raises
    ------
    NumberError
        When the cell is blank, not a number, not finite, a yes/no value or an object of
        another type; the message says what was expected.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        raise NumberError("the cell", "is blank; enter a number")
    if isinstance(value, (bool, np.bool_)):
        raise NumberError(quoted(value), "is a yes/no value, not a number")
    if isinstance(value, numbers.Real):
        x = float(value)
        if not math.isfinite(x):
            raise NumberError(quoted(value), "is not a finite number; enter an amount")
        return x
    if not isinstance(value, str):
        problem = cell_type_problem(value) or "is a date, not a number"
        raise NumberError("the cell", problem)
    t = value.strip()
    if not t:
        raise NumberError("the cell", "is blank; enter a number")
    if not _NUMBER.fullmatch(t):
        raise NumberError(quoted(t), number_problem(t))
    x = _text_value(t)
    if not math.isfinite(x):  # an exponent beyond float range: 1e999
        raise NumberError(quoted(t), "is not a finite number; enter an amount")
    return x


def parse_numbers(raw: pd.Series) -> pd.Series:
    """A column of text cells as float, NaN where a cell is not a number (same grammar as :func:`parse_number`).

    ``inf`` / ``nan`` written as words come back as ±inf / NaN so that the caller can say
    "not a finite number"; find the reason for any other NaN with :func:`number_problem`.
    Blank cells are NaN (the caller reports them as missing).
    """
    text = raw.astype(str).str.strip()
    ok = text.str.fullmatch(NUMBER_PATTERN, na=False)
    cleaned = text.where(ok).str.replace("£", "", regex=False).str.replace(",", "", regex=False)
    cleaned = cleaned.str.replace("\u2212", "-", regex=False)
    out = pd.to_numeric(cleaned, errors="coerce").astype("float64")
    infinite = text.str.fullmatch(rf"{_SIGN}?inf(?:inity)?", case=False, na=False)
    if infinite.any():
        negative = text[infinite].str.match("[-\u2212]").to_numpy()
        out[infinite] = np.where(negative, -np.inf, np.inf)
    return out
