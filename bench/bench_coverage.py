"""Coverage: does every section of the profile answer for every tätort in Sweden?

Builds the Profile of all 2 017 tätorter offline (the bundled snapshot, no notebook) and prints, per
län, how many figures each section has (fewest–most over the län's tätorter), how many tätorter have
an outline on the map, a 2015–2020 change, a DeSO area, and how many have every section filled.

    .venv/bin/python bench/bench_coverage.py            # all of Sweden (about 4 minutes on 2 cores)
    .venv/bin/python bench/bench_coverage.py --lan 12   # one län
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402
from tqdm import tqdm  # noqa: E402

from ortsprofil.figures import profile  # noqa: E402
from ortsprofil.figures.localities import registry  # noqa: E402
from ortsprofil.figures.model import SECTIONS  # noqa: E402
from ortsprofil.present.maps import tatort_outlines  # noqa: E402
from ortsprofil import text as T  # noqa: E402

SHOWN = [s for s in SECTIONS if s not in ("liknande", "kallor")]


def coverage(lan: str | None = None) -> pd.DataFrame:
    reg = registry()
    frame = reg.frame if not lan else reg.frame[reg.frame["lan_code"] == lan]
    outlines = set(tatort_outlines(reg.snapshot, -1e9, -1e9, 1e9, 1e9)["tatort_code"])
    rows = []
    for code in tqdm(frame["tatort_code"], desc="Profiler", unit="ort", file=sys.stderr):
        p = profile.build(code, reg=reg)
        row = {"lan": p.lan_name, "code": code}
        for s in SHOWN:
            row[s] = sum(1 for st in p.section(s) if not T.is_missing(st.value) or st.status)
        row["liknande"] = int((~p.peers["is_ort"]).sum())
        row["forandring"] = not T.is_missing(p["tatort_forandring"].value) if "tatort_forandring" in p else False
        row["yta"] = code in outlines
        row["deso"] = bool(p.deso)
        rows.append(row)
    return pd.DataFrame(rows)


def table(c: pd.DataFrame) -> str:
    heads = ["Län", "Tätorter"] + [SECTIONS[s] for s in SHOWN] + ["Liknande orter", "Förändring 2015–2020",
                                                                  "Yta på kartan", "DeSO", "Alla avsnitt"]
    lines = ["| " + " | ".join(heads) + " |", "|" + "---|" * len(heads)]
    for lan, g in list(c.groupby("lan", sort=True)) + [("**Sverige**", c)]:
        cells = [lan, T.fmt_number(len(g))]
        for s in SHOWN + ["liknande"]:
            lo, hi = int(g[s].min()), int(g[s].max())
            cells.append(f"{lo}–{hi}" if lo != hi else str(lo))
        cells += [T.fmt_number(int(g[k].sum())) for k in ("forandring", "yta", "deso")]
        filled = (g[SHOWN].gt(0).all(axis=1) & g["liknande"].gt(0)).sum()
        cells.append(f"{T.fmt_number(int(filled))} av {T.fmt_number(len(g))}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lan", default=None, help="bara ett län (kod), standard hela Sverige")
    args = ap.parse_args()
    t0 = time.perf_counter()
    c = coverage(args.lan)
    took = time.perf_counter() - t0
    print(table(c))
    print(f"\n{len(c)} profiler byggda på {took:.0f} s ({took / max(len(c), 1):.2f} s per profil, utan notebook).")
    empty = c[~(c[SHOWN].gt(0).all(axis=1) & c["liknande"].gt(0))]
    if len(empty):
        print("Tätorter med ett tomt avsnitt:", ", ".join(empty["code"].head(20)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
