"""Structural peers ("liknande orter" by what makes places alike), across Sweden."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ortsprofil import config, explore
from ortsprofil.figures import profile, twins
from ortsprofil.figures.compute import data_for
from ortsprofil.present import records, tables


@pytest.fixture(scope="module")
def nasum():
    return profile.build("Näsum")


def _peers(p) -> pd.DataFrame:
    return p.peers[~p.peers["is_ort"]]


def test_nasum_gets_twelve_villages_from_several_lan_each_with_a_reason(nasum, reg):
    peers = _peers(nasum)
    assert nasum.peer_rule["typ"] == "struktur" and len(peers) == twins.K == 12
    assert peers["population"].between(config.PEER_MIN, config.PEER_MAX).all()
    assert all(reg.is_rural(code) for code in peers["tatort_code"])  # the screening's rural rule
    assert peers["lan_code"].nunique() >= 3
    assert peers["distance"].is_monotonic_increasing
    assert all(2 <= len(r) <= 3 for r in peers["reason"])
    words = str(tables.table(nasum, "liknande"))
    assert "som mest liknar Näsum" in words and "i hela Sverige" in words


def test_twins_are_reproducible(nasum):
    again = profile.build("Näsum")
    assert _peers(again)["tatort_code"].tolist() == _peers(nasum)["tatort_code"].tolist()
    assert _peers(again)["distance"].tolist() == _peers(nasum)["distance"].tolist()


def test_malmos_twins_are_large_cities():
    peers = _peers(profile.build("Malmö"))
    assert len(peers) >= 5 and (peers["population"] >= 100_000).all()
    assert {"Göteborg", "Helsingborg"} <= set(peers["tatort_name"])


def test_features_and_weights_are_printed_in_the_notes(nasum):
    note = tables.table(nasum, "liknande").note
    for f in twins.FEATURES:
        assert f.label in note and f"vikt {str(f.weight).replace('.', ',')}" in note


def test_a_missing_feature_is_left_out_never_zero(reg):
    """A tätort new in 2020 has no change since 2015: its distance uses the other seven features, and
    equals the weighted RMS computed by hand over them."""
    data = data_for(reg)
    z = twins.matrix(data)
    new = z.index[z["tatort_forandring"].isna()][0]
    other = z.index[z.notna().all(axis=1)][0]
    d = twins.distances(z, new, pd.Index([other]))
    assert d.loc[other, "features"] == len(twins.FEATURES) - 1
    keys = [f.key for f in twins.FEATURES if f.key != "tatort_forandring"]
    w = np.array([f.weight for f in twins.FEATURES if f.key != "tatort_forandring"])
    diff = (z.loc[new, keys] - z.loc[other, keys]).to_numpy(dtype=float)
    assert d.loc[other, "distance"] == pytest.approx(np.sqrt((w * diff**2).sum() / w.sum()))
    filled = z.fillna(0.0)  # what filling with 0 would give: a different answer
    assert twins.distances(filled, new, pd.Index([other])).loc[other, "distance"] != pytest.approx(
        d.loc[other, "distance"])


def test_the_record_lists_the_twins(nasum):
    rec = records.make(nasum, {}, "")
    peers = rec["peers"]
    assert peers["rule"] == "struktur" and peers["scope"] == "i hela Sverige" and len(peers["peers"]) == 12
    first = peers["peers"][0]
    assert set(first) >= {"code", "name", "kommun", "lan", "distance", "reason"} and first["reason"]


def test_size_band_rule_is_kept_as_storlek(nasum):
    old = profile.build("Näsum", peer_typ="storlek")
    alias = profile.build("Näsum", peer_typ="samma")
    assert old.peer_rule["typ"] == alias.peer_rule["typ"] == "storlek"
    assert len(_peers(old)) > 12 and (_peers(old)["lan_code"] == "12").all()
    within = profile.build("Näsum", peer_typ="struktur-lan")
    assert (_peers(within)["lan_code"] == "12").all() and len(_peers(within)) == 12


def test_region_skane_gets_three_twins_per_candidate():
    from ortsprofil.region import screening

    f = screening.run().frame
    cands = f[f["kandidat"]]
    assert len(cands) and all(t.count("(") == 3 for t in cands["tvillingar"])
    assert (f.loc[~f["kandidat"], "tvillingar"] == "").all()


def test_the_explorer_lists_the_twins_to_pick_from():
    t = explore.twins("Näsum")
    assert len(t) == 12 and t.loc[0, "Tätort"] == _peers(profile.build("Näsum")).iloc[0]["tatort_name"]
    side = explore.frame("Näsum", t.loc[0, "Tätort"], "befolkning", "antal")
    assert side["Ort"].tolist() == ["Näsum", t.loc[0, "Tätort"]]
