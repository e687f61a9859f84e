"""Batch throughput on the real postings in ../shared/data/postings (prints numbers; asserts nothing).

    .venv/bin/python bench/batch.py                   both backends, one fresh process each, then a table
    .venv/bin/python bench/batch.py --backend onnx    one backend in this process (add --naive for the naive baselines)

Measured in one process, on the same clauses, after the model is warm:
  bare encoder   the model alone on the unique content clauses, in batches
  naive (bulk)   encode every content clause of every posting (no dedup) in one big batch, then score
  naive (rows)   the same, but each posting's clauses encoded in their own call, row by row
  pipeline       `matcher batch`'s engine (score_file) with empty caches: dedup by
                 content hash, bulk encoding, FAISS search, checkpointed part files
With both backends, the table gives ONNX Runtime against PyTorch: rows/s, bare clauses/s,
and each process's peak RSS (model, index and scoring included).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared" / "data" / "postings"


def load_postings() -> list[str]:
    texts = []
    for line in (SHARED / "cake_2025.jsonl").read_text(encoding="utf-8").splitlines():
        texts.append(json.loads(line)["requirements"])
    with (SHARED / "104_2023.csv").open(encoding="utf-8", newline="") as fh:
        texts += [r["job_content"] + "\n" + r["job_require"] for r in csv.DictReader(fh)]
    with (SHARED / "104_2018_engineering.csv").open(encoding="utf-8", newline="") as fh:
        texts += [r["jobDescription"] for r in csv.DictReader(fh)]
    return texts


def compare(reps: int) -> None:
    """Each backend in a fresh process (peak RSS is per process); then ONNX against PyTorch."""
    results = {}
    for backend in ("torch", "onnx"):
        print(f"---- {backend}", flush=True)
        out = subprocess.run([sys.executable, __file__, "--backend", backend, "--reps", str(reps)], cwd=ROOT, capture_output=True, text=True,
                             check=True)
        lines = out.stdout.strip().splitlines()
        print("\n".join(lines[:-1]), flush=True)
        results[backend] = json.loads(lines[-1])
    t, o = results["torch"], results["onnx"]
    print(f"\n{'':24s}{'torch':>10s}{'onnx':>10s}   onnx/torch   (load average {os.getloadavg()[0]:.1f}, {os.cpu_count()} CPUs)")
    for key, label, fmt in (("rows_per_s", "pipeline rows/s", "{:10.1f}"), ("bare_per_s", "bare clauses/s", "{:10.1f}"),
                            ("peak_rss_mb", "peak RSS MB", "{:10.0f}")):
        print(f"{label:24s}" + fmt.format(t[key]) + fmt.format(o[key]) + f"   {o[key] / t[key]:.2f}x")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--backend", choices=("torch", "onnx", "both"), default="both")
    ap.add_argument("--naive", action="store_true", help="also time the naive baselines (no dedup)")
    ap.add_argument("--reps", type=int, default=2, help="pipeline runs, each followed by a bare-encoder run")
    args = ap.parse_args()
    if not SHARED.is_dir():
        print(f"skipped: {SHARED} is not present")
        return
    if args.backend == "both":
        compare(args.reps)
        return
    from matcher.batch import BatchConfig, score_file
    from matcher.embed import load_encoder
    from matcher.pipeline import Matcher
    from matcher.text import MAX_CHARS, split_clauses

    texts = load_postings()
    clauses = [c.norm for t in texts for c in split_clauses(t[:MAX_CHARS]) if not c.boilerplate]
    unique = list(dict.fromkeys(clauses))
    print(f"{len(texts)} postings, {len(clauses)} content clauses, {len(unique)} unique "
          f"(duplication factor {len(clauses) / len(unique):.2f}; by characters "
          f"{sum(map(len, clauses)) / sum(map(len, unique)):.2f})")

    enc = load_encoder(backend=args.backend)
    print(f"backend {args.backend} ({type(enc).__name__}, model {enc.name})")
    enc.encode(unique[:64], kind="passage")  # warm up
    t = time.perf_counter()
    enc.encode(unique, kind="passage")
    bare_s = time.perf_counter() - t
    bare_rate = len(unique) / bare_s
    print(f"bare encoder   {bare_rate:7.1f} clauses/s   ({len(unique)} unique clauses in {bare_s:.1f} s)")

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        src = tmp / "postings.csv"
        with src.open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["id", "text"])
            w.writerows([i, t] for i, t in enumerate(texts))
        cfg = BatchConfig(("text",), "id")
        pipes, bares = [], [bare_s]
        for rep in range(args.reps):  # alternate bare and pipeline runs: 2 cores are noisy
            m = Matcher(encoder=enc, cache=tmp / f"pipeline{rep}")
            m.warm()  # builds the index on this fresh cache: not part of the run
            before = m.encoder.encoded
            t = time.perf_counter()
            stats = score_file(m, src, tmp / "out.csv", cfg, progress=False)
            pipes.append(time.perf_counter() - t)
            encoded = m.encoder.encoded - before
            t = time.perf_counter()
            enc.encode(unique, kind="passage")
            bares.append(time.perf_counter() - t)
        pipe_s = sum(pipes) / len(pipes)
        bare_rate = len(unique) / (sum(bares) / len(bares))
        print(f"bare encoder, timed {len(bares)} times: {', '.join(f'{len(unique) / b:.1f}' for b in bares)} clauses/s")
        print(f"pipeline runs: {', '.join(f'{p:.1f} s' for p in pipes)}; ratios to the bare run before each: "
              f"{', '.join(f'{bares[i] / pipes[i]:.2f}x' for i in range(len(pipes)))}")
        rows_rate = stats.rows / pipe_s
        print(f"pipeline       {rows_rate:7.1f} rows/s      ({stats.rows} rows: {stats.ok} ok, {stats.empty} empty, "
              f"{stats.error} error; {encoded} clauses encoded in {pipe_s:.1f} s)")
        uniq_rate = encoded / pipe_s
        print(f"pipeline unique-clause throughput (mean of runs) {uniq_rate:.1f} clauses/s = {uniq_rate / bare_rate:.2f}x "
              "the bare encoder (mean of its runs)")
        if args.naive:
            naive(enc, m, src, tmp, cfg, texts, clauses, unique, stats, encoded, pipe_s, bare_rate, rows_rate)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:.0f} MB")
    print(json.dumps({"rows_per_s": rows_rate, "bare_per_s": bare_rate, "peak_rss_mb": peak}))


def naive(enc, m, src, tmp, cfg, texts, clauses, unique, stats, encoded, pipe_s, bare_rate, rows_rate) -> None:
    from matcher.batch import score_file
    from matcher.text import MAX_CHARS, split_clauses

    # naive = encode every clause, no dedup (timed) + the same scoring with vectors in memory (timed)
    t = time.perf_counter()
    enc.encode(clauses, kind="passage")
    encode_all_s = time.perf_counter() - t
    t = time.perf_counter()
    score_file(m, src, tmp / "out2.csv", cfg, progress=False)
    scoring_s = time.perf_counter() - t
    naive_s = encode_all_s + scoring_s
    print(f"naive (bulk)   {stats.rows / naive_s:7.1f} rows/s      (every clause encoded: {encode_all_s:.1f} s "
          f"+ scoring and I/O: {scoring_s:.1f} s)")
    t = time.perf_counter()
    per_row = [[c.norm for c in split_clauses(x[:MAX_CHARS]) if not c.boilerplate] for x in texts]
    for cl in per_row:
        if cl:
            enc.encode(cl, kind="passage")
    rows_encode_s = time.perf_counter() - t
    naive_rows_s = rows_encode_s + scoring_s
    print(f"naive (rows)   {stats.rows / naive_rows_s:7.1f} rows/s      (each posting's clauses in one call: "
          f"{rows_encode_s:.1f} s + scoring and I/O: {scoring_s:.1f} s)")
    print(f"pipeline rows/s vs naive (rows): {rows_rate / (stats.rows / naive_rows_s):.2f}x; vs naive (bulk): "
          f"{rows_rate / (stats.rows / naive_s):.2f}x "
          f"(duplication factor {len(clauses) / len(unique):.2f} by count; encode time all/unique "
          f"{encode_all_s / (len(unique) / bare_rate):.2f})")
    hours = 1e6 / rows_rate / 3600
    print(f"projected: {hours:.1f} h per million postings on this machine (2 cores); "
          f"with Ray, about {hours:.1f}/N h on N such workers if scaling is linear (not measured on a cluster)")


if __name__ == "__main__":
    main()
