"""Predictions of every method per document and the item-level metrics computed on them."""

from __future__ import annotations

import numpy as np

from matcher.judge import Judge, sigmoid

from . import train as tr
from .features import Collected
from .metrics import auc, bootstrap_ci, prf


class Predictions:
    """Per document: probabilities, predicted evidenced, top evidence clause, for every judged item."""

    def __init__(self, n_docs: int, n_items: int):
        self.p = np.full((n_docs, n_items), np.nan)
        self.pred = np.zeros((n_docs, n_items), dtype=bool)
        self.top = np.full((n_docs, n_items), -1)
        self.fit = np.full(n_docs, np.nan)

    def set_judge(self, k: int, judge: Judge, col: Collected, shared: bool = False, stage1: bool = False) -> None:
        d = col.docs[k]
        best, s = tr.stage1_best(judge, col, d, shared=shared)
        # evidenced from the "partial" threshold up; the clause-stage ablation has its own
        if shared:
            p, partial = sigmoid(best), judge.shared_partial
        elif stage1:
            p, partial = sigmoid(best), judge.about.get("stage1_covered", 0.5)
        else:
            p, partial = judge.doc_probabilities(best, np.arange(len(col.items)), d.doc.kind == "resume"), judge.partial
        self.p[k] = p
        self.pred[k] = p >= partial
        self.top[k] = s.argmax(axis=1) if s.shape[1] else -1
        if not shared and not stage1:
            f = judge.fit(dict(zip(col.items, p)))
            self.fit[k] = f if f is not None else np.nan


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
