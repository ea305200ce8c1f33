"""Unit: shared links (models/store/links.py) and links kept by id in the library (models/store/library.py)."""

from __future__ import annotations

import base64
import hashlib
import json
import zlib
from pathlib import Path

import pytest

from models.scenario import SCHEMA_VERSION, Scenario, evolve, presets
from models.store import links
from models.store.library import NotFound, ScenarioStore
from models.store.links import LinkError, from_link_token, to_link_token


def test_every_preset_round_trips_in_a_short_link(demo_area, base_scenario: Scenario) -> None:
    fp = demo_area.fingerprint
    for name, sc in presets(demo_area).items():
        token = to_link_token(sc, base_scenario, fp)
        assert len(token) < 400, (name, len(token))  # the baseline's own link is a few dozen characters
        opened = from_link_token(token, base_scenario)
        assert opened.scenario == sc and opened.area_fingerprint == fp and opened.schema_version == SCHEMA_VERSION


def test_edited_schemes_and_overrides_round_trip(demo_area, base_scenario: Scenario) -> None:
    schemes = [s.model_dump() for s in base_scenario.schemes]
    schemes[0]["budget_gbp"] = 123_456.0
    schemes[-1]["name"] = "Renamed 😀 \"scheme\""
    sc = evolve(
        base_scenario, name="Custom", schemes=schemes, growth={"overrides": (("85+", 3.5),)}, n_draws=500, seed=9
    )
    opened = from_link_token(to_link_token(sc, base_scenario, demo_area.fingerprint), base_scenario)
    assert opened.scenario == sc
    fewer = evolve(base_scenario, schemes=schemes[:2])  # a different number of schemes: sent whole
    assert from_link_token(to_link_token(fewer, base_scenario, "x"), base_scenario).scenario == fewer


def test_old_full_tokens_still_open(base_scenario: Scenario) -> None:
    sc = evolve(base_scenario, seed=5)
    opened = from_link_token(sc.to_token(), base_scenario)
    assert opened.scenario == sc and opened.area_fingerprint is None


def _payload_token(payload: dict) -> str:
    raw = zlib.compress(json.dumps(payload).encode())
    return links.PREFIX + base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[: len(t) // 2],  # truncated by a mail client
        lambda t: t[:-3],
        lambda t: t[:12] + ("A" if t[12] != "A" else "B") + t[13:],  # one character changed
        lambda t: t + "xyz",
        lambda t: "l1.!!!not base64!!!",
        lambda t: "garbage",
        lambda t: "",
        lambda t: "v1." + t[3:],  # wrong version prefix
        lambda t: "l1." + "A" * 30_000,
    ],
)
def test_tampered_or_truncated_links_give_plain_errors(demo_area, base_scenario: Scenario, mangle) -> None:  # noqa: ANN001
    token = to_link_token(evolve(base_scenario, seed=11, flow={"escalation_beds": 30}), base_scenario, "fp")
    with pytest.raises(LinkError) as err:
        from_link_token(mangle(token), base_scenario)
    assert "Traceback" not in str(err.value) and len(str(err.value)) < 200


def test_altered_values_and_newer_versions_are_refused(base_scenario: Scenario) -> None:
    with pytest.raises(LinkError, match="values this app does not accept"):
        from_link_token(_payload_token({"v": SCHEMA_VERSION, "a": "x", "d": {"n_draws": 10**9}}), base_scenario)
    with pytest.raises(LinkError, match="values this app does not accept"):
        from_link_token(_payload_token({"v": SCHEMA_VERSION, "a": "x", "d": {"evil": 1}}), base_scenario)
    with pytest.raises(LinkError, match="newer version"):
        from_link_token(_payload_token({"v": SCHEMA_VERSION + 1, "a": "x", "d": {}}), base_scenario)
    with pytest.raises(LinkError):
        from_link_token(_payload_token({"v": "1", "d": {}}), base_scenario)
    with pytest.raises(LinkError):
        from_link_token(_payload_token([1, 2]), base_scenario)  # type: ignore[arg-type]
    bomb = links.PREFIX + base64.urlsafe_b64encode(zlib.compress(b"{" * 5_000_000)).decode().rstrip("=")
    with pytest.raises(LinkError):
        from_link_token(bomb, base_scenario)  # a decompression bomb stops at 1 MB


def test_link_length_rule_and_large_scenarios_by_id(tmp_path: Path, demo_area, base_scenario: Scenario) -> None:
    schemes = [
        {**base_scenario.schemes[0].model_dump(), "name": f"Scheme {hashlib.sha256(bytes([i])).hexdigest()[:40]}",
         "budget_gbp": 1000.0 + i, "source": hashlib.sha256(bytes([i, 1])).hexdigest()}
        for i in range(60)
    ]
    big = evolve(base_scenario, schemes=schemes)
    token = to_link_token(big, base_scenario, demo_area.fingerprint)
    assert not links.fits(f"s={token}") and len(token) > links.MAX_LINK_CHARS  # too long to hand out
    assert links.fits("s=" + to_link_token(base_scenario, base_scenario, demo_area.fingerprint))
    store = ScenarioStore(f"sqlite:///{tmp_path / 'library.sqlite3'}")
    link_id = store.save_link(big, demo_area.fingerprint)
    assert store.save_link(big, demo_area.fingerprint) == link_id  # content-addressed: one row
    assert len(f"?id={link_id}") < 40
    back, fp = store.load_link(link_id)
    assert back == big and fp == demo_area.fingerprint
    with pytest.raises(NotFound):
        store.load_link("kNOTTHERE")
    store.close()
