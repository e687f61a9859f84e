"""Ranking one posting against every catalogued standard vs matching it against one (prints; asserts nothing).

    .venv/bin/python bench/rank.py [--runs 20] [--catalog DIR]

Without ``--catalog`` the 41 standards (bundled seed, ``../shared/data/standards/full`` and
``partial``) are imported into a temporary catalogue. Both paths share one warm Matcher (model,
item index over every standard, rank table: built once, before timing). Each run empties the
in-memory embedding cache, so both the match and the rank encode the posting's clauses; the
ratio rank / match is the acceptance number (≤ 3).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.latency import POSTING  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--catalog", default=None)
    args = ap.parse_args()
    from matcher.catalog import Catalog
    from matcher.pipeline import Matcher

    if args.catalog:
        cat = Catalog(args.catalog)
    else:
        from evaluation.rank import build_catalog

        cat = build_catalog(Path(tempfile.mkdtemp()) / "catalog")
    t = time.perf_counter()
    m = Matcher(cat, persist_cache=False).warm()
    _ = m.rank_table
    built = time.perf_counter() - t
    code = cat.default_code()
    m.match(POSTING, standard=code)
    m.rank(POSTING)
    match_t, rank_t = [], []
    for _ in range(args.runs):
        m.encoder._memory.clear()
        t = time.perf_counter()
        m.match(POSTING, standard=code)
        match_t.append(time.perf_counter() - t)
        m.encoder._memory.clear()
        t = time.perf_counter()
        m.rank(POSTING)
        rank_t.append(time.perf_counter() - t)
    mm, rm = statistics.median(match_t), statistics.median(rank_t)
    n = len(cat.codes())
    print(f"catalogue: {n} standards, {len(m.index.views)} index views; model, index and rank table ready in {built:.1f} s")
    print(f"match against {code}:   median {mm * 1000:.0f} ms ({args.runs} runs, clause cache emptied each run)")
    print(f"rank against all {n}: median {rm * 1000:.0f} ms")
    print(f"ratio rank / match: {rm / mm:.2f} (target ≤ 3)")


if __name__ == "__main__":
    main()
