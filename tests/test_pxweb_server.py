"""The local PxWeb server behaves like SCB as the real recordings show it — checked with an independent
client (pxwebpy) and raw HTTP, not with ortsprofil's own client."""

import json

import numpy as np
import pytest
import requests

from .pxweb import PxWebServer, search
from .pxweb.tables import FIXTURES, UPSTREAM

pytestmark = pytest.mark.skipif(not FIXTURES.exists(), reason="../shared/data/scb/fixtures finns inte")


@pytest.fixture(scope="module")
def srv():
    with PxWebServer(calls=200) as s:
        yield s


def post(srv, table, selection, **params):
    body = {"selection": [{"variableCode": k, "valueCodes": v} for k, v in selection.items()]}
    return requests.post(f"{srv.url}/tables/{table}/data", params={"outputFormat": "json-stat2", **params},
                         json=body, timeout=30)


def test_metadata_is_scbs_own(srv):
    for name in ("TAB638", "TAB3554", "TAB3200", "TAB3981", "TAB4320", "TAB5557", "TAB2017", "TAB628", "TAB1212",
                 "TAB6640"):
        served = requests.get(f"{srv.url}/tables/{name}/metadata", timeout=30).json()
        assert served == json.loads((FIXTURES / f"scb_v2_{name}_metadata.json").read_text(encoding="utf-8"))
    meta = requests.get(f"{srv.url}/tables/TAB638/metadata", timeout=30).json()
    assert "tot" in meta["dimension"]["Alder"]["category"]["index"]  # the trap is served, not hidden


def test_recorded_cells_are_served_as_recorded(srv):
    one = post(srv, "TAB638", {"Region": ["00"], "Civilstand": ["OG"], "Alder": ["0"], "Kon": ["1"],
                               "ContentsCode": ["BE0101N1"], "Tid": ["2024"]}).json()
    assert one["value"] == [50937]
    assert "TESTVÄRDEN" not in one["label"]
    inc = post(srv, "TAB3554", {"Region": ["1272", "1256"], "Kon": ["1+2"], "Alder": ["tot16+"], "Inkomstklass": ["TOT"],
                                "ContentsCode": ["HE0110J8"], "Tid": ["2024"]}).json()
    rec = json.loads((FIXTURES / "scb_v2_TAB3554_data_kommuner_1999_2024.json").read_text(encoding="utf-8"))
    order = lambda d: sorted(rec["dimension"][d]["category"]["index"], key=rec["dimension"][d]["category"]["index"].get)  # noqa: E731
    regions, years = order("Region"), order("Tid")
    for i, code in enumerate(("1272", "1256")):
        assert inc["value"][i] == rec["value"][regions.index(code) * len(years) + years.index("2024")]


def test_elimination_sums_or_takes_the_total(srv):
    # Civilstand has no total: left out, it is summed over.
    by_civ = post(srv, "TAB638", {"Region": ["1272"], "Civilstand": ["*"], "Alder": ["30"], "Kon": ["2"],
                                  "ContentsCode": ["BE0101N1"], "Tid": ["2020"]}).json()
    summed = post(srv, "TAB638", {"Region": ["1272"], "Alder": ["30"], "Kon": ["2"], "ContentsCode": ["BE0101N1"],
                                  "Tid": ["2020"]}).json()
    assert summed["id"] == ["Region", "Alder", "Kon", "ContentsCode", "Tid"]
    assert summed["value"] == [sum(by_civ["value"])]
    # 'tot' is exactly the sum of 0…100+ (before 2025) — selecting both doubles any sum.
    ages = post(srv, "TAB638", {"Region": ["1272"], "Alder": ["*"], "ContentsCode": ["BE0101N1"], "Tid": ["2024"]}).json()
    codes = list(ages["dimension"]["Alder"]["category"]["index"])
    tot = ages["value"][codes.index("tot")]
    assert tot == sum(v for c, v in zip(codes, ages["value"]) if c != "tot")
    assert sum(ages["value"]) == 2 * tot
    # Kon with a total code: eliminated → SCB's eliminationValueCode, as the recordings show.
    bas = post(srv, "TAB3200", {"Region": ["1272"], "Alder": ["20-64"], "ContentsCode": ["000002NS"], "Tid": ["2024"]}).json()
    # 79.4 = Bromölla 2024 in kommun_labour_market_20_64_2020_2024.csv, an independent copy of the same SCB table.
    assert bas["id"] == ["Region", "Alder", "ContentsCode", "Tid"] and bas["value"] == [79.4]


def test_mandatory_variable_and_errors_as_scb(srv):
    r = post(srv, "TAB3200", {"Region": ["1272"], "ContentsCode": ["000002NS"], "Tid": ["2024"]})
    assert r.status_code == 400 and r.json()["title"] == "Missing selection for mandantory variable"
    assert r.headers["Content-Type"].startswith("application/problem+json")
    r = post(srv, "TAB638", {"Region": ["1272", "1272"], "ContentsCode": ["BE0101N1"], "Tid": ["2024"]})
    assert r.status_code == 500 and r.content == b""  # duplicated codes: SCB answers 500 with no body
    r = post(srv, "TAB638", {"Region": ["9999"], "ContentsCode": ["BE0101N1"], "Tid": ["2024"]})
    assert r.status_code == 400 and r.json()["title"] == "Non-existent value"
    r = requests.get(f"{srv.url}/tables/TAB0/metadata", timeout=10)
    assert r.status_code == 404 and r.json()["title"] == "Non-existent table"
    r = requests.get(f"{srv.url}/tables/TAB638/data", params={"valueCodes[Region]": "1272",
                                                                 "valueCodes[ContentsCode]": "BE0101N1",
                                                                 "valueCodes[Tid]": "range(2020,2022)"}, timeout=10)
    assert r.status_code == 400 and r.json()["title"] == "Illegal selection expression"


def test_selection_expressions(srv):
    def tid(expr):
        doc = requests.get(f"{srv.url}/tables/TAB638/data", params={
            "valueCodes[Region]": "1272", "valueCodes[ContentsCode]": "BE0101N1", "valueCodes[Tid]": expr}, timeout=10).json()
        return list(doc["dimension"]["Tid"]["category"]["index"])

    assert tid("[range(2020,2022)]") == ["2020", "2021", "2022"]
    assert tid("[from(2023)]") == ["2023", "2024"]
    assert tid("[to(1969)]") == ["1968", "1969"]
    assert tid("[top(2)]") == ["2023", "2024"]  # time: the last n
    assert tid("[bottom(2)]") == ["1968", "1969"]
    assert tid("[TOP(2,1)]") == ["2022", "2023"]
    assert tid("2015,[top(1)]") == ["2015", "2024"]
    doc = post(srv, "TAB638", {"Region": ["??"], "ContentsCode": ["BE0101N1"], "Tid": ["2024"]}).json()
    assert len(doc["dimension"]["Region"]["category"]["index"]) == 22  # riket and the 21 län


def test_default_selection(srv):
    # TAB6471: SCB's recorded answer to a data call without selection, as it is.
    doc = requests.get(f"{srv.url}/tables/TAB6471/data", timeout=10).json()
    assert doc == json.loads((UPSTREAM / "TAB6471_data.json").read_text(encoding="utf-8"))
    # Otherwise PxWeb's algorithm: first contents, latest period, mandatory variables in full.
    doc = requests.get(f"{srv.url}/tables/TAB3200/data", timeout=10).json()
    assert doc["dimension"]["ContentsCode"]["category"]["index"] == {"000002NT": 0}
    assert list(doc["dimension"]["Tid"]["category"]["index"]) == ["2024"]
    assert len(doc["dimension"]["Alder"]["category"]["index"]) == 20
    sel = requests.get(f"{srv.url}/tables/TAB3200/defaultselection", timeout=10).json()
    assert {s["variableCode"] for s in sel["selection"]} == set(doc["id"])


def test_codelists(srv):
    cl = requests.get(f"{srv.url}/codelists/agg_Ålder10årJ", timeout=10).json()
    assert cl == json.loads((UPSTREAM / "agg_Ålder10årJ.json").read_text(encoding="utf-8"))
    ten = post(srv, "TAB638", {"Region": ["1272"], "Alder": ["*"], "ContentsCode": ["BE0101N1"], "Tid": ["2020"]})
    doc = requests.post(f"{srv.url}/tables/TAB638/data", json={"selection": [
        {"variableCode": "Region", "valueCodes": ["1272"]},
        {"variableCode": "Alder", "valueCodes": ["*"], "codelist": "agg_Ålder10årJ"},
        {"variableCode": "ContentsCode", "valueCodes": ["BE0101N1"]}, {"variableCode": "Tid", "valueCodes": ["2020"]}]},
        timeout=10).json()
    singles = ten.json()
    codes = list(singles["dimension"]["Alder"]["category"]["index"])
    by = dict(zip(codes, singles["value"]))
    assert doc["value"][0] == sum(by[str(a)] for a in range(10))  # "-9" = 0–9 år
    deso = requests.get(f"{srv.url}/tables/TAB6574/metadata", params={"codelist[Region]": "vs_DeSO2025"}, timeout=10).json()
    labels = deso["dimension"]["Region"]["category"]["label"]
    assert labels["1272B2010_DeSO2025"] == "1272B2010"  # codes carry the vintage, labels are the bare code
    bad = requests.get(f"{srv.url}/tables/TAB638/metadata", params={"codelist[Alder]": "Ålder5år"}, timeout=10)
    assert bad.status_code == 400 and bad.json()["title"] == "Non-existent codelist"


def test_search_like_scb(srv):
    r = requests.get(f"{srv.url}/tables", params={"query": "befolkning kön", "pageSize": 5}, timeout=10).json()
    assert r["page"]["pageSize"] == 5 and r["page"]["totalPages"] == -(-r["page"]["totalElements"] // 5)
    assert any(link["rel"] == "next" for link in r["page"]["links"])
    every = []
    for n in range(1, r["page"]["totalPages"] + 1):
        every += requests.get(f"{srv.url}/tables", params={"query": "befolkning kön", "pageSize": 5, "pageNumber": n},
                              timeout=10).json()["tables"]
    assert len(every) == r["page"]["totalElements"] == len({t["id"] for t in every})
    for t in every:  # every word matches label, variable names or value labels
        text = (t["label"] + " " + " ".join(t["variableNames"])).lower()
        assert "befolkning" in text or t["id"].startswith("TAB")
    # The real monthly BAS tables are found by a loose search …
    bas = requests.get(f"{srv.url}/tables", params={"query": "arbetsmarknadsstatus"}, timeout=10).json()["tables"]
    assert {"TAB5643", "TAB5663", "TAB3200"} <= {t["id"] for t in bas}
    # … and discontinued tables are hidden unless asked for.
    tat = requests.get(f"{srv.url}/tables", params={"query": "landareal tätort"}, timeout=10).json()["tables"]
    assert [t["id"] for t in tat] == ["TAB9901"]
    tat = requests.get(f"{srv.url}/tables", params={"query": "landareal tätort", "includeDiscontinued": "true"},
                       timeout=10).json()["tables"]
    assert {t["id"] for t in tat} == {"TAB9901", "TAB9904"}


def test_search_matches_value_labels_and_ranks_label_hits_first():
    recs = [({"id": "A"}, ("folkmängd per region", "region år", "männen kvinnorna")),
            ({"id": "B"}, ("inkomst", "region kön", "folkmängd")),
            ({"id": "C"}, ("något annat", "", ""))]
    assert [h["id"] for h in search(recs, "folkmängd", include_discontinued=False, past_days=None)] == ["A", "B"]
    assert search(recs, "folkmängd kvinnorna", include_discontinued=False, past_days=None) == [{"id": "A"}]


def test_config_is_scbs_with_the_test_limits():
    with PxWebServer(max_cells=1234, calls=3, window=1.0) as s:
        cfg = requests.get(f"{s.url}/config", timeout=10).json()
    real = json.loads((UPSTREAM / "config.json").read_text(encoding="utf-8"))
    assert cfg["apiVersion"] == real["apiVersion"] and cfg["dataFormats"] == real["dataFormats"]
    assert (cfg["maxDataCells"], cfg["maxCallsPerTimeWindow"], cfg["timeWindow"]) == (1234, 3, 1.0)
    with PxWebServer(variant="30/10") as s:
        cfg = requests.get(f"{s.url}/config", timeout=10).json()
    assert (cfg["maxCallsPerTimeWindow"], cfg["timeWindow"]) == (30, 10.0)


def test_an_independent_client_agrees(srv):
    """pxwebpy (stefur/pxwebpy) reads the server as it reads SCB."""
    pxweb = pytest.importorskip("pxweb")
    api = pxweb.PxApi(srv.url, disable_cache=True, max_workers=1)
    assert api.get_config()["maxDataCells"] == 150_000
    cell = api.get_table_data("TAB638", value_codes={"ContentsCode": ["BE0101N1"], "Region": ["00"],
                                                     "Civilstand": ["OG"], "Alder": ["0"], "Kon": ["1"],
                                                     "Tid": ["2024"]})
    assert [c["value"] for c in cell] == [50937]
    # An eliminable variable left out (Kon, Civilstand) works, as at SCB.
    rows = api.get_table_data("TAB638", value_codes={"ContentsCode": ["BE0101N1"], "Region": ["1272"],
                                                     "Alder": ["tot"], "Tid": ["2020"]})
    assert len(rows) == 1 and rows[0]["ålder"] == "totalt ålder"
    deso = api.get_table_data("TAB6574", value_codes={"Region": ["1272*"], "Alder": ["totalt"], "Kon": ["1+2"],
                                                      "ContentsCode": ["000007Y7"], "Tid": ["2025"]},
                              code_list={"Region": "vs_DeSO2025"})
    by = {r["region"]: r["value"] for r in deso}
    assert by["1272B2010"] == 1354  # Näsum's DeSO, SCB's total for 2025 (real figure)
    found = api.search(query="tätort")
    assert "TAB9901" in [t["id"] for t in found["tables"]]


def test_additive_totals_hold_for_regions(srv):
    doc = post(srv, "TAB3981", {"Region": ["12", "12??"], "UtbildningsNiva": ["6"], "Alder": ["40"], "Kon": ["1"],
                                "ContentsCode": ["UF0506A1"], "Tid": ["2020"]}).json()
    v = np.array(doc["value"], dtype=float)
    assert v[0] == v[1:].sum()  # Skåne = the sum of its 33 kommuner
