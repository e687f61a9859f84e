"""Evaluate the judge and its baselines on the double-labelled corpora; fit the judge; write REPORT.md.

    python -m evaluation            # cross-validation on the train split, leave-one-writer-out,
                                    # the frozen test split, baselines; fits and saves the judge
    python -m evaluation --quick    # cross-validation of the judge only (no test split, no save)

Protocols (all by document; labels from ``../shared/labelling``, see :mod:`.corpus`):

* **CV**: 5 folds over the train split (written + real postings); every method is fitted
  on four folds and applied to the fifth. The judge's document stage is fitted on
  out-of-fold stage-1 scores of an inner split, so nothing is scored by a model that saw it.
* **LOWO**: leave one writer out: the judge fitted on the other seven writers' train
  documents (and the real train postings), applied to the eighth writer's train documents.
* **test**: every method fitted once on the whole train split (of both corpora), applied to the
  test split of ``../shared/labelling`` and, in its own section, to the test split of the
  project's extension (``evaluation/labels``: writers W9–W11, labelled after the judge was
  designed). Nothing is chosen on either.

Item metrics are micro precision / recall / F1 over the labelled item types (indicators,
knowledge, skills, attitudes); items only one annotator gave are left out.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from matcher.judge import JUDGE_DIR, Judge
from matcher.pipeline import Matcher

from . import train as tr
from .baselines import BASELINES, baseline_fit, baseline_scores
from .corpus import load_all
from .features import Collected, collect
from .measure import Predictions, summary
from .report import REPORT_PATH, write_report

FOLDS = 5


def judge_predictions(col: Collected, train_idx: list[int], test_idx: list[int], preds: dict[str, Predictions],
                      fit_labels: dict[int, bool], model: str) -> Judge:
    j = tr.fit_judge(col, train_idx, model, fit_labels)
    # the stage-1-only ablation: its own threshold, chosen on the training documents' out-of-fold scores
    for k in test_idx:
        preds["judge"].set_judge(k, j, col)
        preds["judge, clause stage only"].set_judge(k, j, col, stage1=True)
        preds["shared model only (no per-item weights)"].set_judge(k, j, col, shared=True)
    return j


def folds_of(rows: list[int], n: int = FOLDS, seed: int = 0) -> list[list[int]]:
    rng = np.random.default_rng(seed)
    f = rng.permutation(len(rows)) % n
    return [[rows[j] for j in range(len(rows)) if f[j] == k] for k in range(n)]


def run(quick: bool = False, log=print, sample: int = 0) -> dict:
    """``sample``: use only every n-th document and few iterations (a smoke test of the whole run)."""
    t0 = time.time()
    docs, problems = load_all()
    if sample:
        docs = docs[::sample]
        tr.MAX_ITER = 5
    matcher = Matcher()
    std = matcher.standard(None)
    col = collect(matcher, std, docs)
    model = matcher.encoder.name
    log(f"{len(docs)} documents, features in {time.time() - t0:.0f} s")
    train = [k for k, d in enumerate(col.docs) if d.doc.split == "train"]
    test = [k for k, d in enumerate(col.docs) if d.doc.split == "test"]
    fit_labels = {k: d.doc.group == "pr" for k, d in enumerate(col.docs) if d.doc.source == "written"}
    methods = ("judge", "judge, clause stage only", "shared model only (no per-item weights)")
    res: dict = {"problems": problems, "n_docs": len(docs), "model": model}
    base = {} if quick else baseline_scores(col, matcher)

    def protocol(name: str, splits: list[tuple[list[int], list[int]]]) -> dict:
        preds = {m: Predictions(len(col.docs), len(col.items)) for m in (*methods, *base)}
        for n, (tr_rows, te_rows) in enumerate(splits):
            judge_predictions(col, tr_rows, te_rows, preds, fit_labels, model)
            for bname, score in base.items():
                if bname == BASELINES[3]:  # as it stands today: its own calibration, nothing refitted
                    preds[bname].p[te_rows] = score[te_rows]
                    preds[bname].pred[te_rows] = score[te_rows] >= 1.0
                    continue
                f, th = baseline_fit(score, col, tr_rows)
                p = f(te_rows)
                preds[bname].p[te_rows] = p
                preds[bname].pred[te_rows] = p >= th
                preds[bname].top[te_rows] = -1
            log(f"{name}: split {n + 1}/{len(splits)} done ({time.time() - t0:.0f} s)")
        return preds

    # stage-1-only thresholds are read from judge.about; fit_judge records them
    cv = protocol("CV", [([k for k in train if k not in f], f) for f in folds_of(train)])
    res["cv"] = {"preds": cv, "rows": train}
    if not quick:
        writers = sorted({col.docs[k].doc.writer for k in train if col.docs[k].doc.source == "written"})
        lowo_splits = [([k for k in train if col.docs[k].doc.writer != w], [k for k in train if col.docs[k].doc.writer == w])
                       for w in writers]
        lowo = {m: Predictions(len(col.docs), len(col.items)) for m in methods}
        for n, (tr_rows, te_rows) in enumerate(lowo_splits):
            judge_predictions(col, tr_rows, te_rows, lowo, fit_labels, model)
            log(f"LOWO: writer {writers[n]} done ({time.time() - t0:.0f} s)")
        res["lowo"] = {"preds": lowo, "writers": writers, "splits": lowo_splits}
        test_preds = protocol("test", [(train, test)])
        res["test"] = {"preds": test_preds, "rows": [k for k in test if col.docs[k].doc.corpus == "shared"]}
        ext_test = [k for k in test if col.docs[k].doc.corpus == "ext"]
        if ext_test:
            res["test_ext"] = {"preds": test_preds, "rows": ext_test}
        final = tr.fit_judge(col, train, model, fit_labels, about={
            "fitted_on": "the train split of ../shared/labelling/written.jsonl and real_postings.jsonl",
            "documents": len(train), "command": "python -m evaluation"})
        path = final.save(Path(tempfile.mkdtemp()) if sample else JUDGE_DIR)
        res["saved"] = str(path)
        log(f"judge saved to {path}")
    res["col"] = col
    res["seconds"] = time.time() - t0
    return res


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m evaluation", description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="cross-validate the judge only; write nothing")
    ap.add_argument("--smoke", type=int, default=0, metavar="N",
                    help="every N-th document, few iterations, report to REPORT.smoke.md, judge not saved (tests the run)")
    args = ap.parse_args(argv)
    from .corpus import available

    if not available():
        print("error: ../shared/labelling is not present; the evaluation reads its labelled corpora there", file=sys.stderr)
        return 1
    res = run(quick=args.quick, log=lambda m: print(m, file=sys.stderr, flush=True), sample=args.smoke)
    if args.quick:
        s = summary(res["col"], res["cv"]["preds"]["judge"], res["cv"]["rows"])
        print(f"CV item micro-F1 {s['f1']:.3f} [{s['ci'][0]:.3f}, {s['ci'][1]:.3f}] P {s['p']:.3f} R {s['r']:.3f}")
        return 0
    out = REPORT_PATH.with_suffix(".smoke.md") if args.smoke else REPORT_PATH
    write_report(res, out)
    print(f"wrote {out}")
    return 0
