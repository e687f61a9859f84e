"""Rebuild written_ext.jsonl and written_ext_rank.jsonl from the raw files (``python evaluation/labels/merge.py``).

raw/W9..W11.jsonl: the writers' documents; raw/N1..N6.jsonl: the annotators' item labels (N1, N2: W9;
N3, N4: W10; N5, N6: W11); raw/R1.jsonl, raw/R2.jsonl: the two rank labellers; split.json: the split,
fixed before any label existed. Gold = the items both annotators gave, ambiguous = one only; evidence
spans: each annotator's verbatim evidence strings located in the text, their union for a gold item;
basis: the annotators' common basis, or ``mixed``.
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
PAIRS = {"W9": ("N1", "N2"), "W10": ("N3", "N4"), "W11": ("N5", "N6")}


def read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def by_id(path: Path) -> dict[str, dict]:
    return {r["id"]: r for r in read(path)}


def spans(text: str, item: str, labels: list[dict], problems: list[str], doc: str) -> list[list[int]]:
    out = set()
    for lab in labels:
        for e in lab.get("evidence", []):
            k = text.find(e)
            if k < 0:
                problems.append(f"{doc} {item}: evidence not found: {e[:30]}")
            else:
                out.add((k, k + len(e)))
    return [list(s) for s in sorted(out)]


def item_row(d: dict, split: str, labels: dict[str, dict[str, dict]], problems: list[str]) -> dict:
    a_name, b_name = PAIRS[d["writer"]]
    a, b = labels[a_name][d["id"]], labels[b_name][d["id"]]
    la = {x["item"]: x for x in a["labels"]}
    lb = {x["item"]: x for x in b["labels"]}
    gold = sorted(set(la) & set(lb))
    evidence = {}
    for it in gold:
        basis = la[it].get("basis") if la[it].get("basis") == lb[it].get("basis") else "mixed"
        evidence[it] = {"basis": basis, "spans": spans(d["text"], it, [la[it], lb[it]], problems, d["id"])}
    return {**{k: d[k] for k in ("id", "writer", "kind", "group", "lang", "role")}, "split": split, "text": d["text"],
            "positive": gold, "ambiguous": sorted(set(la) ^ set(lb)), "evidence": evidence,
            "annotator_a": sorted(la), "annotator_b": sorted(lb), "annotators": [a_name, b_name],
            "doubts_a": a.get("doubts", ""), "doubts_b": b.get("doubts", "")}


def rank_row(d: dict, split: str, a: dict, b: dict) -> dict:
    return {"id": d["id"], "split": split, "kind": d["kind"], "group": d["group"],
            "best": sorted({x for x in (a["best"], b["best"]) if x}),
            "acceptable_both": sorted(set(a["acceptable"]) & set(b["acceptable"])),
            "acceptable_either": sorted(set(a["acceptable"]) | set(b["acceptable"])),
            "labeller_a": {"best": a["best"], "acceptable": a["acceptable"], "note": a.get("note", "")},
            "labeller_b": {"best": b["best"], "acceptable": b["acceptable"], "note": b.get("note", "")}}


def main() -> None:
    split = json.loads((HERE / "split.json").read_text(encoding="utf-8"))
    problems: list[str] = []
    docs = [d for w in PAIRS for d in read(HERE / "raw" / f"{w}.jsonl")]
    labels = {name: by_id(HERE / "raw" / f"{name}.jsonl") for pair in PAIRS.values() for name in pair}
    items = [item_row(d, split[d["id"]], labels, problems) for d in docs]
    r1, r2 = by_id(HERE / "raw" / "R1.jsonl"), by_id(HERE / "raw" / "R2.jsonl")
    ranks = [rank_row(d, split[d["id"]], r1[d["id"]], r2[d["id"]]) for d in docs]
    for name, rows in (("written_ext.jsonl", items), ("written_ext_rank.jsonl", ranks)):
        (HERE / name).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    print(f"{len(items)} documents; {len(problems)} problems")
    for p in problems:
        print(" ", p)


if __name__ == "__main__":
    main()
