"""Shareable links: a scenario as a short URL token, and back.

A link holds what differs from the area's baseline scenario (so it stays short:
the baseline's link is a few dozen characters), the scenario schema version, and the
fingerprint of the area it was made on (:attr:`models.inputs.areas.AreaData.fingerprint`)::

    l1.<base64url(zlib(JSON {"v": schema version, "a": area fingerprint, "d": changes}))>

zlib's checksum catches a truncated or altered token; the changes are re-validated
as a Scenario, so a tampered value is refused too (:class:`LinkError`, with a plain
message). Tokens of the older full form (``v1.…``, :meth:`Scenario.to_token`) still
open. A link longer than :data:`MAX_LINK_CHARS` is not made: the scenario is saved
in the library and linked by id (``?id=``), see ``pages/ui/links.py``.
"""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from models.core.jsonsafe import JsonProblem, load_json
from models.scenario import SCHEMA_VERSION, Scenario

PREFIX = "l1."
MAX_LINK_CHARS = 2000
"""The longest address we hand out (email and chat clients keep links this long intact)."""
ADDRESS_ALLOWANCE = 200
"""Characters kept for the scheme, host and page path in front of the query string."""
MAX_TOKEN_CHARS = 20_000  # refuse absurd input before decompressing it


class LinkError(ValueError):
    """A link that cannot be opened (message is plain English)."""


@dataclass(frozen=True)
class Opened:
    scenario: Scenario
    area_fingerprint: str | None  # None for old-style links, which do not record the area
    schema_version: int


def _diff(base: Any, new: Any) -> Any:
    """What turns ``base`` into ``new``: changed keys of dicts, per-item changes of equal-length lists of dicts."""
    if isinstance(base, dict) and isinstance(new, dict) and base.keys() == new.keys():
        return {k: _diff(base[k], new[k]) for k in new if base[k] != new[k]}
    if (
        isinstance(base, list)
        and isinstance(new, list)
        and len(base) == len(new)
        and all(isinstance(x, dict) for x in base + new)
    ):
        return {"~": [None if a == b else _diff(a, b) for a, b in zip(base, new, strict=True)]}
    return new


def _patch(base: Any, diff: Any) -> Any:
    if isinstance(diff, dict) and set(diff) == {"~"} and isinstance(base, list):
        items = diff["~"]
        if not isinstance(items, list) or len(items) != len(base):
            raise LinkError("this link's schemes do not match the area's schemes")
        return [b if d is None else _patch(b, d) for b, d in zip(base, items, strict=True)]
    if isinstance(diff, dict) and isinstance(base, dict):
        out = dict(base)
        for k, v in diff.items():
            out[k] = _patch(base[k], v) if k in base else v
        return out
    return diff


def to_link_token(scenario: Scenario, baseline: Scenario, area_fingerprint: str) -> str:
    """The short link token for ``scenario`` (``baseline``: the area's baseline scenario)."""
    base, new = baseline.model_dump(mode="json"), scenario.model_dump(mode="json")
    payload = {"v": scenario.schema_version, "a": area_fingerprint, "d": _diff(base, new)}
    raw = zlib.compress(json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8"), 9)
    return PREFIX + base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def from_link_token(token: str, baseline: Scenario) -> Opened:
    """The scenario a link token holds, built on ``baseline`` (the loaded area's baseline)."""
    token = (token or "").strip()
    if len(token) > MAX_TOKEN_CHARS:
        raise LinkError("this link is far too long to be one of ours")
    if token.startswith("v1."):  # the older full-scenario form
        try:
            sc = Scenario.from_token(token)
        except Exception as err:  # noqa: BLE001 - bad base64 / zlib / JSON / values
            raise LinkError("this link is damaged or incomplete (part of it may have been cut off)") from err
        return Opened(sc, None, 1)
    if not token.startswith(PREFIX):
        raise LinkError("this link does not hold a scenario this version of the app can read")
    body = token[len(PREFIX) :]
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        d = zlib.decompressobj()
        text = d.decompress(raw, 1 << 20)
        if d.unconsumed_tail or d.unused_data or not d.eof:
            raise LinkError("this link is damaged or incomplete (part of it may have been cut off)")
        payload = load_json(text.decode("utf-8"), "this link", max_chars=1 << 20)  # depth checked first
    except LinkError:
        raise
    except (binascii.Error, zlib.error, UnicodeDecodeError, JsonProblem, ValueError) as err:
        raise LinkError("this link is damaged or incomplete (part of it may have been cut off)") from err
    if not isinstance(payload, dict) or not isinstance(payload.get("d"), dict):
        raise LinkError("this link does not hold a scenario")
    version = payload.get("v")
    if not isinstance(version, int) or version < 1:
        raise LinkError("this link does not say which version of the app made it")
    if version > SCHEMA_VERSION:
        raise LinkError("this link was made by a newer version of the app; update this one to open it")
    data = _patch(baseline.model_dump(mode="json"), payload["d"])
    if not isinstance(data, dict):
        raise LinkError("this link does not hold a scenario")
    data["schema_version"] = SCHEMA_VERSION  # new fields come from the baseline; older links migrate this way
    try:
        sc = Scenario.model_validate(data)
    except (ValidationError, ValueError, TypeError, KeyError) as err:
        raise LinkError("this link's scenario has values this app does not accept (it may have been altered)") from err
    fp = payload.get("a")
    return Opened(sc, fp if isinstance(fp, str) else None, version)


def fits(query_string: str) -> bool:
    """Whether an address with this query string stays within :data:`MAX_LINK_CHARS`."""
    return len(query_string) + ADDRESS_ALLOWANCE <= MAX_LINK_CHARS
