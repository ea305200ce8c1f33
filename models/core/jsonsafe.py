"""Reading JSON that came from outside (a scenario file, an area's ``area.json``, a link) without surprises.

Python's ``json`` module recurses once per level of nesting, so a file of 100,000 ``[`` (a few
hundred bytes, or 250 bytes compressed in a link) ends in a ``RecursionError``; bytes in another
encoding end in a ``UnicodeDecodeError`` that names a codec. Every caller that reads JSON a user
gave goes through :func:`load_json` (text) or :func:`decode_text` + :func:`load_json` (bytes):

- **size**: at most ``max_chars`` characters (callers choose; 1 MB for a scenario file);
- **depth**: at most :data:`MAX_DEPTH` levels of ``[`` / ``{`` (a scenario has 4), counted on the
  text with the strings taken out, before the parser sees it: linear in the size, no recursion;
- **encoding**: UTF-8 (with or without one or more byte-order marks) and UTF-16 with a byte-order
  mark (Windows Notepad's "Unicode") are read; anything else is refused with the byte and line of
  the first character that is not UTF-8;
- **syntax**: a plain sentence with the line and column (``json``'s own wording is kept only for
  its short, plain reasons such as "Expecting ',' delimiter").

Every refusal is a :class:`JsonProblem` whose text is a plain sentence: no codec names, no Python
exception text.
"""

from __future__ import annotations

import codecs
import json
import re

import numpy as np

MAX_DEPTH = 32  # levels of nesting: a scenario has 4 (scenario → schemes → scheme → value)
_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(r"[\[\]{}]")
_BOMS = ("\ufeff",)


class JsonProblem(ValueError):
    """JSON that cannot be read; ``str(err)`` is a plain sentence (no full stop at the end)."""


def decode_text(raw: bytes, what: str = "the file") -> str:
    """``raw`` as text: UTF-8 (byte-order marks dropped, however many), or UTF-32 or UTF-16 with a byte-order mark.

    Raises
    ------
    JsonProblem
        For any other encoding, naming the byte and line of the first character that is not UTF-8, and for
        UTF-16 or UTF-32 text saved without a byte-order mark (NUL characters fill it).
    """
    # UTF-32's little-endian mark begins with UTF-16's, so it is tried first
    if raw.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        try:
            return raw.decode("utf-32").lstrip("\ufeff")
        except UnicodeDecodeError as err:
            raise JsonProblem(f"{what} starts like UTF-32 text but is damaged; save it again as UTF-8") from err
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) and not raw.startswith(codecs.BOM_UTF8):
        try:
            return raw.decode("utf-16").lstrip("\ufeff")
        except UnicodeDecodeError as err:
            raise JsonProblem(f"{what} starts like UTF-16 text but is damaged; save it again as UTF-8") from err
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise JsonProblem(
            f"{what} is not UTF-8 text (byte {err.start + 1:,}, line {line}, cannot be read; it may have been "
            "saved as Latin-1 / Windows-1252); save it again as UTF-8"
        ) from err
    return _no_nul(text.lstrip("".join(_BOMS)), what)


def _no_nul(text: str, what: str) -> str:
    """``text``, refused when NUL characters fill its start: UTF-16 or UTF-32 saved without a byte-order mark.

    A stray NUL in a cell is left for the table reader, which names its row and column.
    """
    head = text[:1000]
    if head and head.count("\x00") >= 0.2 * len(head):
        raise JsonProblem(
            f"{what} is full of zero (NUL) characters: it looks like UTF-16 or UTF-32 text saved without a "
            "byte-order mark; save it again as UTF-8"
        )
    return text


def nesting_depth(text: str) -> int:
    """The deepest nesting of ``[`` / ``{`` in JSON text (strings ignored); linear, no recursion."""
    bare = _STRINGS.sub("", text)
    marks = np.frombuffer("".join(_BRACKETS.findall(bare)).encode("ascii"), dtype=np.uint8)
    if not marks.size:
        return 0
    steps = np.where((marks == ord("[")) | (marks == ord("{")), 1, -1)
    return int(np.cumsum(steps).max())


def load_json(text: str, what: str = "the file", max_chars: int = 1_000_000, max_depth: int = MAX_DEPTH) -> object:
    """Parse JSON text a user gave, within the limits above; raises :class:`JsonProblem` with a plain sentence."""
    if len(text) > max_chars:
        raise JsonProblem(f"{what} is {len(text):,} characters long; at most {max_chars:,} are accepted")
    if not text.strip():
        raise JsonProblem(f"{what} is empty")
    depth = nesting_depth(text)
    if depth > max_depth:
        raise JsonProblem(
            f"{what} nests {depth:,} levels deep; at most {max_depth} are accepted (a scenario has 4), so it is "
            "not a file this app wrote"
        )
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise JsonProblem(f"{what} is not valid JSON (line {err.lineno}, column {err.colno}: {err.msg})") from err
    except (RecursionError, ValueError) as err:  # a number too long to convert, or nesting missed above
        raise JsonProblem(f"{what} is not JSON this app can read") from err


def kind_of(value: object) -> str:
    """A JSON value's kind in plain words (for "the file holds a list, not a scenario")."""
    if value is None:
        return "null (nothing)"
    if isinstance(value, bool):
        return "a true/false value"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a piece of text"
    if isinstance(value, list):
        return "a list"
    return "an object"
