"""Baselines scored under the same protocols as the judge: TF-IDF, dense only, BM25, and the matcher
as it stood before the judge (its own calibration, nothing refitted)."""

from __future__ import annotations

import numpy as np

from matcher import score as sc
from matcher.index import MATCH_TYPES
from matcher.judge import JUDGED_TYPES
from matcher.pipeline import Matcher

from . import train as tr
from .features import Collected

BASELINES = ("TF-IDF (char bigrams)", "dense only (e5 cosine)", "BM25 (jieba)", "matcher before this judge")


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
