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
* **test**: every method fitted once on the whole train split, applied to the test split.
  These are the numbers to quote; the test split was not looked at while building the judge.

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

from matcher import score as sc
from matcher.index import MATCH_TYPES
from matcher.judge import JUDGE_DIR, JUDGED_TYPES, Judge, sigmoid
from matcher.pipeline import Matcher

from . import train as tr
from .corpus import GUIDELINE, load_all
from .features import Collected, collect
from .metrics import auc, bootstrap_ci, prf

FOLDS = 5
REPORT_PATH = Path(__file__).resolve().parent / "REPORT.md"
BASELINES = ("TF-IDF (char bigrams)", "dense only (e5 cosine)", "BM25 (jieba)", "matcher before this judge")


# ---- predictions -------------------------------------------------------------------------------------
class Predictions:
    """Per document: probabilities, predicted evidenced, top evidence clause, for every judged item."""

    def __init__(self, n_docs: int, n_items: int):
        self.p = np.full((n_docs, n_items), np.nan)
        self.pred = np.zeros((n_docs, n_items), dtype=bool)
        self.top = np.full((n_docs, n_items), -1)
        self.fit = np.full(n_docs, np.nan)

    def set_judge(self, k: int, judge: Judge, col: Collected, shared: bool = False, stage1: bool = False) -> None:
        d = col.docs[k]
        if shared or stage1:
            best, s = tr.stage1_best(judge, col, d, shared=shared)
            p = sigmoid(best)
            # evidenced from the "partial" threshold up; the clause-stage ablation has its own
            partial = judge.shared_partial if shared else judge.about.get("stage1_covered", 0.5)
        else:
            p, _ = tr.predict(judge, col, d)
            best, s = tr.stage1_best(judge, col, d)
            partial = judge.partial
        self.p[k] = p
        self.pred[k] = p >= partial
        self.top[k] = s.argmax(axis=1) if s.shape[1] else -1
        if not shared and not stage1:
            f = judge.fit(dict(zip(col.items, p)))
            self.fit[k] = f if f is not None else np.nan


def judge_predictions(col: Collected, train_idx: list[int], test_idx: list[int], preds: dict[str, Predictions],
                      fit_labels: dict[int, bool], model: str) -> Judge:
    j = tr.fit_judge(col, train_idx, model, fit_labels)
    # the stage-1-only ablation: its own threshold, chosen on the training documents' out-of-fold scores
    for k in test_idx:
        preds["judge"].set_judge(k, j, col)
        preds["judge, clause stage only"].set_judge(k, j, col, stage1=True)
        preds["shared model only (no per-item weights)"].set_judge(k, j, col, shared=True)
    return j


# ---- baselines ------------------------------------------------------------------------------------------
def baseline_scores(col: Collected, matcher: Matcher) -> dict[str, np.ndarray]:
    """(n_docs, n_items) one score per document and item for each baseline."""
    lex = np.stack([d.base[:, :, 1].max(axis=1) if d.base.shape[1] else np.zeros(len(col.items)) for d in col.docs])
    cos = np.stack([d.base[:, :, 2].max(axis=1) if d.base.shape[1] else np.zeros(len(col.items)) for d in col.docs])
    bm25 = bm25_scores(col, matcher)
    cal = sc.load_calibration(matcher.encoder.name)
    types = np.array([MATCH_TYPES.index(t) for t in col.types])
    offsets = sc.item_offset_vector(cal, col.standard, list(col.items))
    old = []
    for d in col.docs:
        mask = np.ones(d.base.shape[:2], dtype=bool)
        att = np.array([t == "attitude" for t in col.types])
        mask[att] = d.base[att, :, 3] > 0
        p = sc.item_probabilities(sc.item_features(d.base, mask), types, cal, offsets)
        old.append(np.where(p >= cal.partial, 1.0, 0.0) + p * 1e-3)
    return {BASELINES[0]: lex, BASELINES[1]: cos, BASELINES[2]: bm25, BASELINES[3]: np.stack(old)}


def bm25_scores(col: Collected, matcher: Matcher, k1: float = 1.5, b: float = 0.75) -> np.ndarray:
    """Per document and item: max over clauses and the item's views of BM25 over jieba tokens."""
    import math

    from matcher.index import item_views
    from matcher.text import Tokenizer, standard_terms

    std = matcher.standard(col.standard)
    views = {item.id: texts for item, texts in item_views(std)}
    tok = Tokenizer(standard_terms(t for texts in views.values() for t in texts), cache_dir=matcher.cache)
    clause_tokens = [[tok.tokens(c) for c in d.clause_texts] for d in col.docs]
    corpus = [t for doc in clause_tokens for t in doc]
    n = max(len(corpus), 1)
    avg = float(np.mean([len(t) for t in corpus])) if corpus else 1.0
    df: dict[str, int] = {}
    for t in corpus:
        for w in set(t):
            df[w] = df.get(w, 0) + 1
    idf = {w: math.log(1 + (n - c + 0.5) / (c + 0.5)) for w, c in df.items()}
    view_tokens = [[set(tok.tokens(t)) for t in views[i]] for i in col.items]
    out = np.zeros((len(col.docs), len(col.items)))
    for di, doc in enumerate(clause_tokens):
        for ct in doc:
            tf: dict[str, int] = {}
            for w in ct:
                tf[w] = tf.get(w, 0) + 1
            norm = k1 * (1 - b + b * len(ct) / avg)
            for ii, vts in enumerate(view_tokens):
                for vt in vts:
                    s = sum(idf.get(w, 0.0) * tf[w] * (k1 + 1) / (tf[w] + norm) for w in vt if w in tf)
                    out[di, ii] = max(out[di, ii], s)
    return out


def baseline_fit(score: np.ndarray, col: Collected, train_idx: list[int]):
    """A logistic model over (score, item type) fitted on the training documents, and its threshold."""
    from sklearn.linear_model import LogisticRegression

    types = np.array([JUDGED_TYPES.index(t) for t in col.types])

    def design(rows):
        x = score[rows][:, :, None]
        onehot = np.broadcast_to(np.eye(len(JUDGED_TYPES))[types][None], (len(rows), len(types), len(JUDGED_TYPES)))
        return np.concatenate([x, onehot], axis=2).reshape(-1, 1 + len(JUDGED_TYPES))

    Y = np.stack([col.docs[k].y for k in train_idx]).reshape(-1)
    S = np.stack([col.docs[k].scored for k in train_idx]).reshape(-1)
    lr = LogisticRegression(C=1.0, max_iter=2000).fit(design(train_idx)[S], Y[S])
    p_train = lr.predict_proba(design(train_idx))[:, 1].reshape(len(train_idx), -1)
    _, th = tr.choose_thresholds(p_train, Y.reshape(len(train_idx), -1), S.reshape(len(train_idx), -1))
    return lambda rows: lr.predict_proba(design(rows))[:, 1].reshape(len(rows), -1), th


# ---- metrics -----------------------------------------------------------------------------------------------
def item_counts(col: Collected, pred: np.ndarray, rows, item_mask=None) -> tuple[int, int, int]:
    Y = np.stack([col.docs[k].y for k in rows])
    S = np.stack([col.docs[k].scored for k in rows])
    P = pred[list(rows)]
    if item_mask is not None:
        Y, S, P = Y[:, item_mask], S[:, item_mask], P[:, item_mask]
    return int((P & Y & S).sum()), int((P & ~Y & S).sum()), int((~P & Y & S).sum())


def summary(col: Collected, pr: Predictions, rows: list[int], rounds: int = 1000) -> dict:
    tp, fp, fn = item_counts(col, pr.pred, rows)
    p, r, f = prf(tp, fp, fn)
    rows_a = np.array(rows)

    def stat(ix):
        return prf(*item_counts(col, pr.pred, rows_a[ix]))[2]

    lo, hi = bootstrap_ci(len(rows), stat, rounds=rounds)
    # evidence: the shown clause of a true item overlaps an annotated evidence span
    hit = total = 0
    for k in rows:
        d = col.docs[k]
        for i, item in enumerate(col.items):
            if pr.pred[k, i] and d.y[i] and d.scored[i] and pr.top[k, i] >= 0:
                total += 1
                s, e = d.spans[pr.top[k, i]]
                hit += any(s < b and a < e for a, b in d.doc.evidence.get(item, {}).get("spans", []))
    return {"n": len(rows), "p": p, "r": r, "f1": f, "ci": (lo, hi), "tp": tp, "fp": fp, "fn": fn,
            "evidence": hit / total if total else float("nan")}


def fit_aucs(col: Collected, pr: Predictions, rows: list[int]) -> dict:
    out = {}
    written = [k for k in rows if col.docs[k].doc.source == "written" and not np.isnan(pr.fit[k])]
    pos = [pr.fit[k] for k in written if col.docs[k].doc.group == "pr"]
    for g in ("unrelated", "neighbour"):
        neg = [pr.fit[k] for k in written if col.docs[k].doc.group == g]
        out[g] = auc(pos, neg)
    return out


def agreement(col: Collected, rows: list[int]) -> tuple[float, int]:
    """Micro-F1 of annotator A against annotator B over the judged items."""
    tp = fp = fn = 0
    items = set(col.items)
    for k in rows:
        d = col.docs[k].doc
        a, b = d.annotator_a & items, d.annotator_b & items
        tp, fp, fn = tp + len(a & b), fp + len(a - b), fn + len(b - a)
    return prf(tp, fp, fn)[2], len(rows)


# ---- the runs ----------------------------------------------------------------------------------------------
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
        res["test"] = {"preds": test_preds, "rows": test}
        final = tr.fit_judge(col, train, model, fit_labels, about={
            "fitted_on": "the train split of ../shared/labelling/written.jsonl and real_postings.jsonl",
            "documents": len(train), "command": "python -m evaluation"})
        path = final.save(Path(tempfile.mkdtemp()) if sample else JUDGE_DIR)
        res["saved"] = str(path)
        log(f"judge saved to {path}")
    res["col"] = col
    res["seconds"] = time.time() - t0
    return res


# ---- the report ----------------------------------------------------------------------------------------------
def _fmt(s: dict) -> str:
    return (f"{s['f1']:.3f} [{s['ci'][0]:.3f}, {s['ci'][1]:.3f}] | {s['p']:.3f} | {s['r']:.3f} | "
            f"{s['evidence']:.3f}" if s["evidence"] == s["evidence"] else
            f"{s['f1']:.3f} [{s['ci'][0]:.3f}, {s['ci'][1]:.3f}] | {s['p']:.3f} | {s['r']:.3f} | –")


def breakdown(col: Collected, pr: Predictions, rows: list[int]) -> list[str]:
    out = ["| slice | docs | F1 | P | R | tp / fp / fn |", "|---|---|---|---|---|---|"]

    def line(name, rs, mask=None):
        if not rs:
            return
        tp, fp, fn = item_counts(col, pr.pred, rs, mask)
        p, r, f = prf(tp, fp, fn)
        out.append(f"| {name} | {len(rs)} | {f:.3f} | {p:.3f} | {r:.3f} | {tp} / {fp} / {fn} |")

    D = [col.docs[k].doc for k in rows]
    line("real postings", [k for k, d in zip(rows, D) if d.source == "real"])
    for g in ("pr", "neighbour", "unrelated"):
        for kind in ("posting", "resume"):
            line(f"written {kind}s, {g}", [k for k, d in zip(rows, D) if d.source == "written" and d.group == g and d.kind == kind])
    for lang in ("zh-TW", "zh-CN", "en", "mixed"):
        line(f"written, language {lang}", [k for k, d in zip(rows, D) if d.source == "written" and d.lang == lang])
    types = np.array(col.types)
    for t in JUDGED_TYPES:
        line(f"item type: {t}", rows, types == t)
    return out


def write_report(res: dict, path: Path = REPORT_PATH) -> None:
    col: Collected = res["col"]
    L = ["# Evaluation report", "",
         "Generated by `python -m evaluation` (fits and saves the judge too). Definition of an evidenced item: "
         f"`../shared/labelling/GUIDELINE.md` ({'present' if GUIDELINE.is_file() else 'absent'} here). Labels: two "
         "annotators per document, neither of whom wrote it; gold = both, one-sided = ambiguous (left out). "
         f"Model: `{res['model']}`. Items scored: the {len(col.items)} indicators, knowledge, skills and attitudes of "
         f"{col.standard} (tasks and outputs follow from their indicators). Run time {res['seconds'] / 60:.1f} min.", ""]
    if res["problems"]:
        L += ["Left out: " + "; ".join(res["problems"]), ""]
    written = [k for k, d in enumerate(col.docs) if d.doc.source == "written"]
    real = [k for k, d in enumerate(col.docs) if d.doc.source == "real"]
    L += ["## Annotator agreement (micro-F1 of one against the other)", "",
          "| set | docs | agreement |", "|---|---|---|"]
    for name, rows in (("written", written), ("real postings", real)):
        a, n = agreement(col, rows)
        L.append(f"| {name} | {n} | {a:.3f} |")
    L.append("")

    def table(title: str, preds: dict, rows: list[int], note: str) -> list[str]:
        T = [f"## {title}", "", note, "", "| method | item micro-F1 [95% CI] | precision | recall | evidence overlaps annotation |",
             "|---|---|---|---|---|"]
        sums = {}
        for m, pr in preds.items():
            s = summary(col, pr, rows)
            sums[m] = s
            T.append(f"| {'**' + m + '**' if m == 'judge' else m} | {_fmt(s)} |")
        T += ["", "Judge by slice:", ""] + breakdown(col, preds["judge"], rows)
        a = fit_aucs(col, preds["judge"], rows)
        T += ["", f"Fit AUC (written documents; PR against unrelated: {a['unrelated']:.3f}, PR against neighbouring "
                  f"occupations: {a['neighbour']:.3f}).", ""]
        return T

    cv = res["cv"]
    L += table("Cross-validation on the train split (5 folds by document)", cv["preds"], cv["rows"],
               "Held-out by document; the train split was used to design the judge, so these are development numbers.")
    if "lowo" in res:
        lw = res["lowo"]
        L += ["## Leave one writer out (written train documents)", "",
              "The judge fitted without any document of the writer, applied to that writer's train documents.", "",
              "| writer | docs | F1 | P | R |", "|---|---|---|---|---|"]
        allrows = []
        for w, (_, te) in zip(lw["writers"], lw["splits"]):
            p, r, f = prf(*item_counts(col, lw["preds"]["judge"].pred, te))
            L.append(f"| {w} | {len(te)} | {f:.3f} | {p:.3f} | {r:.3f} |")
            allrows += te
        s = summary(col, lw["preds"]["judge"], allrows)
        L += [f"| all | {len(allrows)} | {s['f1']:.3f} [{s['ci'][0]:.3f}, {s['ci'][1]:.3f}] | {s['p']:.3f} | {s['r']:.3f} |", ""]
    if "test" in res:
        t = res["test"]
        L += table("The frozen test split (reported once)", t["preds"], t["rows"],
                   "Every method fitted on the whole train split and applied once to the test split "
                   "(60 written documents, 55 real postings), which played no part in building the judge.")
    path.write_text("\n".join(L) + "\n", encoding="utf-8")


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
