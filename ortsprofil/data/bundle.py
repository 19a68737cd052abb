"""Build the bundled snapshot from the tidy SCB CSVs in ``../shared/data/scb``.

What each table is (SCB table, reference date, provenance) is declared here; how each CSV is read
is in :mod:`ortsprofil.data.shared_csv`.

This is how ``data/snapshot/`` was made (``make snapshot``); the tests rebuild it into a
temporary folder and compare, so the committed Parquet files are reproducible from their
sources. Provenance ids (S1, S2, S6, P1, Q1, …) are those of ``data/snapshot/SOURCES.md``.
"""

from __future__ import annotations

from pathlib import Path

from ortsprofil import config
from ortsprofil.data.shared_csv import (  # the readers, one per table
    read_deso_alder, read_deso_indikatorer, read_kommun_alder_55plus, read_kommun_alder_kon, read_kommun_areal,
    read_kommun_folkmangd, read_kommun_hushall, read_kommun_hushallsstorlek, read_kommun_inkomst, read_kommun_skattesats,
    read_kommun_sysselsattning, read_kommun_utbildning, read_regioner, read_tatort_2015, read_tatort_deso,
    read_tatort_folkmangd, read_tatort_historik, read_tatort_service, read_tatort_ytor, read_tatorter,
)
from ortsprofil.data.snapshot import Snapshot

#: Tables the bundle writes, with the SCB table they come from and their reference date.
BUNDLED_TABLES = {
    "regioner": dict(
        scb_table="TAB6471 (metadata, Region)",
        title="Riket, län och kommuner: koder och namn",
        ref="Regionindelning 2025",
        sources=("S2",),
        kind="registry",
    ),
    "tatorter": dict(
        scb_table="MI0810 Tätorter 2020 (geodata, punkter)",
        title="Tätorter 2020: kod, namn, kommun, län, läge (SWEREF 99 TM)",
        ref="Tätortsavgränsning 2020",
        sources=("S1",),
        kind="registry",
    ),
    "tatort_folkmangd": dict(
        scb_table="MI0810 LandarealTatortN",
        title="Folkmängd och landareal i tätorter 2020",
        ref="2020-12-31",
        sources=("S1",),
    ),
    "tatort_historik": dict(
        scb_table="MI0810 LandarealTatortN (äldre avgränsningar)",
        title="Folkmängd och landareal i tätorterna 2015 (alla, kopplade till 2020 års kod) och spridda äldre uppgifter",
        ref="31 december respektive år; tätortens gränser det året",
        sources=("T15", "P1", "P2", "P3", "P4", "P7", "Q5", "Q19", "Q21", "Q26"),
    ),
    "tatort_2015": dict(
        scb_table="MI0810 Tätorter 2015 (geodata To2015_Swe99TM)",
        title="Tätorterna 2015 och den 2020 års tätort var och en kopplats till",
        ref="Tätortsavgränsning 2015 och 2020", sources=("T15",), kind="registry",
    ),
    "kommun_folkmangd": dict(
        scb_table="SCB BE0101, folkmängd 31 december",
        title="Folkmängd 31 december i alla kommuner, län och riket",
        ref="31 december 1950–2020 (alla); 2021–2024 för Skåne där källorna finns",
        sources=("S6", "N1", "Q1", "Q2", "Q5", "Q7", "Q8", "Q9", "Q10", "Q11", "P10", "P12", "P13", "P14"),
    ),
    "kommun_alder_kon": dict(
        scb_table="SCB BE0101, folkmängd efter ålder och kön",
        title="Folkmängd efter ålder (5-årsgrupper) och kön i alla kommuner, län och riket",
        ref="2019-12-31", sources=("V1",),
    ),
    "kommun_alder_55plus": dict(
        scb_table="SCB BE0101, folkmängd efter ålder och kön",
        title="Folkmängd 55 år och äldre (5-årsgrupper) och total folkmängd i Skånes kommuner",
        ref="31 december 2008–2018", sources=("E1",),
    ),
    "kommun_utbildning": dict(
        scb_table="SCB UF0506, befolkningens utbildning",
        title="Befolkning 25–64 år efter högsta utbildningsnivå och kön i alla kommuner, län och riket",
        ref="2019-12-31", sources=("V3",),
    ),
    "kommun_inkomst": dict(
        scb_table="SCB HE0110 (TAB3554)",
        title="Medianinkomst (sammanräknad förvärvsinkomst, tkr), 16 år och äldre, alla kommuner",
        ref="1999–2024", sources=("AT",),
    ),
    "kommun_sysselsattning": dict(
        scb_table="SCB AM0210 BAS (TAB3200)",
        title="Sysselsättningsgrad och arbetslöshet 20–64 år, alla kommuner",
        ref="2020–2024", sources=("AT",),
    ),
    "kommun_skattesats": dict(
        scb_table="SCB OE0101 (TAB2017)",
        title="Total kommunal skattesats (kommun och region), alla kommuner",
        ref="2000–2026", sources=("AT",),
    ),
    "kommun_hushall": dict(
        scb_table="SCB HE0111, hushåll efter hushållstyp och boendeform",
        title="Hushåll efter boendeform i alla kommuner, län och riket",
        ref="2019-12-31", sources=("V4",),
    ),
    "kommun_hushallsstorlek": dict(
        scb_table="SCB HE0111, personer efter hushållsstorlek",
        title="Personer efter hushållets storlek i alla kommuner, län och riket",
        ref="2019-12-31", sources=("V4",),
    ),
    "kommun_areal": dict(
        scb_table="SCB MI0802, land- och vattenareal",
        title="Landareal (km²) för alla kommuner, län och riket",
        ref="2016-01-01", sources=("S5",),
    ),
    "deso_alder": dict(
        scb_table="SCB BE0101 (TAB6574), folkmängd per DeSO",
        title="Folkmängd per DeSO efter ålder och kön, Bromölla och Östra Göinge",
        ref="2025-12-31", sources=("A1",),
    ),
    "deso_indikatorer": dict(
        scb_table="SCB, DeSO-statistik (befolkning, inkomst, arbete, utbildning, boende)",
        title="Nyckeltal per DeSO, Bromölla och Östra Göinge",
        ref="2024–2025", sources=("A1",),
    ),
    "tatort_deso": dict(
        scb_table="SCB DeSO 2025 och tätorter 2020",
        title="DeSO-områden som innehåller en tätorts punkt (Bromölla och Östra Göinge)",
        ref="DeSO 2025", sources=("A1",), kind="registry",
    ),
    "tatort_service": dict(
        scb_table="Tillväxtverket Pipos (serviceställen), avstånd från SCB:s tätortspunkter",
        title="Avstånd fågelvägen till närmaste apotek och apoteksombud, alla tätorter",
        ref="2025-11-12", sources=("PIPOS",), kind="registry",
    ),
    "tatort_ytor": dict(
        scb_table="Lantmäteriet GSD-Översiktskartan (ungefärlig utbredning)",
        title="Ungefärlig utbredning av tätorterna (polygoner, SWEREF 99 TM), 1 976 av 2 017",
        ref="Översiktskartan", sources=("L1",), kind="registry",
    ),
}

#: What each source id in the ``source`` column is, in words a reader of the report understands.
SOURCE_TEXT = {
    "S1": "SCB, tätorter 2020 (MI0810)",
    "S2": "SCB, regionindelning (TAB6471)",
    "S5": "SCB, land- och vattenareal (via Wikipedia)",
    "S6": "SCB, Folkmängd i Sveriges kommuner 1950–2020",
    "N1": "SCB, folkmängd 31 december (via läroboksdata, M. Nordin)",
    "V1": "SCB, folkmängd efter ålder och kön 2019",
    "V3": "SCB, befolkningens utbildning 2019",
    "V4": "SCB, hushåll efter boendeform 2019",
    "E1": "SCB, folkmängd efter ålder och kön 2008–2018",
    "AT": "SCB, statistikdatabasen (PxWebAPI 2.0)",
    "A1": "SCB, DeSO-statistik (via am-dashboard-se)",
    "L1": "Lantmäteriet, GSD-Översiktskartan",
    "PIPOS": "Tillväxtverket, Pipos serviceställen 2025-11-12",
    "T15": "SCB, tätorter 2015 (MI0810)",
}
for _sid in ("P1", "P2", "P3", "P4", "P6", "P7", "P9", "P12", "P13", "P14", "P16", "P17", "Q1", "Q2", "Q5",
             "Q19", "Q21", "Q23", "Q25", "Q26"):
    SOURCE_TEXT[_sid] = "SCB, folkmängd 31 december (via Wikipedia)"
for _sid in ("P10", "P11", "P15", "Q3", "Q4", "Q6", "Q7", "Q8", "Q9", "Q10", "Q11", "Q12", "Q13", "Q14", "Q15", "Q16",
             "Q24"):
    SOURCE_TEXT[_sid] = "SCB, folkmängd 31 december (via nyhetsartikel eller myndighetssida)"


def source_text(ids: str) -> str:
    """'S6;Q1' → readable words, each source once, and one source reached several ways said once:
    "SCB, folkmängd 31 december (via Wikipedia och nyhetsartikel eller myndighetssida)". An SCB table id
    ('SCB TAB638') stays as it is."""
    words = [SOURCE_TEXT.get(i.strip(), i.strip()) for i in str(ids).replace("; ", ";").split(";") if i.strip()]
    merged: dict[str, list[str]] = {}
    for w in dict.fromkeys(words):
        head, via, rest = w.partition(" (via ")
        vias = merged.setdefault(head, [])
        if via and rest.rstrip(")") not in vias:
            vias.append(rest.rstrip(")"))
    out = []
    for head, vias in merged.items():
        if not vias:
            out.append(head)
        else:
            joined = vias[0] if len(vias) == 1 else ", ".join(vias[:-1]) + " och " + vias[-1]
            out.append(f"{head} (via {joined})")
    return "; ".join(out)



def build(shared: Path | str | None = None, target: Path | str | None = None) -> Snapshot:
    """Write every bundled table from the shared CSVs into ``target``.

    Parameters
    ----------
    shared : Path, optional
        The ``shared/data/scb`` folder (default ``config.SHARED_SCB_DIR``).
    target : Path, optional
        The snapshot folder to write (default ``config.SNAPSHOT_DIR``).

    Returns
    -------
    Snapshot
    """
    shared = Path(shared) if shared else config.SHARED_SCB_DIR
    snap = Snapshot(Path(target) if target else config.SNAPSHOT_DIR)
    regioner = read_regioner(shared)
    frames = {
        "regioner": regioner,
        "tatorter": read_tatorter(shared, regioner),
        "tatort_folkmangd": read_tatort_folkmangd(shared),
        "tatort_historik": read_tatort_historik(shared),
        "tatort_2015": read_tatort_2015(shared),
        "kommun_folkmangd": read_kommun_folkmangd(shared),
        "kommun_alder_kon": read_kommun_alder_kon(shared),
        "kommun_alder_55plus": read_kommun_alder_55plus(shared),
        "kommun_utbildning": read_kommun_utbildning(shared),
        "kommun_inkomst": read_kommun_inkomst(shared),
        "kommun_sysselsattning": read_kommun_sysselsattning(shared),
        "kommun_skattesats": read_kommun_skattesats(shared),
        "kommun_hushall": read_kommun_hushall(shared),
        "kommun_hushallsstorlek": read_kommun_hushallsstorlek(shared),
        "kommun_areal": read_kommun_areal(shared),
        "deso_alder": read_deso_alder(shared),
        "deso_indikatorer": read_deso_indikatorer(shared),
        "tatort_deso": read_tatort_deso(shared),
        "tatort_service": read_tatort_service(shared),
        "tatort_ytor": read_tatort_ytor(shared),
    }
    with snap.writing():
        for key, frame in frames.items():
            meta = dict(BUNDLED_TABLES[key])
            snap.write(key, frame, origin="bundled", **meta)
        snap.repair()  # files of an earlier build that the manifest no longer names
    return snap
