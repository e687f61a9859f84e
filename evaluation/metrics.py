"""Metric functions (pure, numpy only) and the bootstrap."""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def micro_prf(y_true: np.ndarray, y_pred: np.ndarray) -> tuple[float, float, float]:
    y_true, y_pred = np.asarray(y_true, bool), np.asarray(y_pred, bool)
    tp = int(np.sum(y_true & y_pred))
    fp = int(np.sum(~y_true & y_pred))
    fn = int(np.sum(y_true & ~y_pred))
    return prf(tp, fp, fn)


def average_precision(relevant: Sequence[bool]) -> float:
    """AP of one ranking given relevance in ranked order; 0 if nothing is relevant."""
    rel = np.asarray(relevant, bool)
    if not rel.any():
        return 0.0
    hits = np.cumsum(rel)
    precision_at = hits / np.arange(1, len(rel) + 1)
    return float(precision_at[rel].sum() / rel.sum())


def r_precision(relevant: Sequence[bool]) -> float:
    rel = np.asarray(relevant, bool)
    r = int(rel.sum())
    return float(rel[:r].sum() / r) if r else 0.0


def ranked(scores: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Labels in descending score order (stable: ties keep input order)."""
    order = np.argsort(-np.asarray(scores), kind="stable")
    return np.asarray(labels)[order]


def auc(scores_pos: Sequence[float], scores_neg: Sequence[float]) -> float:
    """Probability that a positive scores above a negative (ties count half)."""
    pos, neg = np.asarray(scores_pos, float), np.asarray(scores_neg, float)
    if len(pos) == 0 or len(neg) == 0:
        return float("nan")
    greater = (pos[:, None] > neg[None, :]).sum()
    ties = (pos[:, None] == neg[None, :]).sum()
    return float((greater + 0.5 * ties) / (len(pos) * len(neg)))


def bootstrap_ci(
    n: int, statistic: Callable[[np.ndarray], float], *, rounds: int = 1000, seed: int = 0, alpha: float = 0.05
) -> tuple[float, float]:
    """Percentile interval of ``statistic(indexes)`` over resamples of n units with replacement."""
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(rounds):
        v = statistic(rng.integers(0, n, n))
        if not np.isnan(v):
            values.append(v)
    if not values:
        return float("nan"), float("nan")
    lo, hi = np.percentile(values, [100 * alpha / 2, 100 * (1 - alpha / 2)])
    return float(lo), float(hi)


def reliability(probs: np.ndarray, labels: np.ndarray, bins: int = 10) -> list[tuple[float, float, int, float]]:
    """(bin low, bin high, count, share labelled positive) for each probability bin."""
    probs, labels = np.asarray(probs), np.asarray(labels, bool)
    edges = np.linspace(0, 1, bins + 1)
    out = []
    for lo, hi in zip(edges[:-1], edges[1:]):
        m = (probs >= lo) & ((probs < hi) if hi < 1 else (probs <= hi))
        n = int(m.sum())
        out.append((float(lo), float(hi), n, float(labels[m].mean()) if n else float("nan")))
    return out
