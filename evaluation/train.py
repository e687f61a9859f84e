"""Fitting the judge (:mod:`matcher.judge`) on labelled documents.

* stage 1, per item: L2-penalised logistic regression over the clause features and the
  clause embedding, all items at once (one L-BFGS over a block-diagonal problem, PyTorch
  on the CPU), from the clauses the annotators marked as evidence;
* the shared clause model (no per-item weights, one weight vector per item type) for
  standards without labels: scikit-learn's LogisticRegression;
* stage 2, per item: logistic regression over the item's best clause score, every item's
  best-clause probability and the kind of text, fitted on *out-of-fold* stage-1 scores
  (an inner split), so that it learns how far stage 1 can be trusted on unseen text;
* thresholds: ``covered`` maximises item micro-F1 on the out-of-fold stage-2
  probabilities; ``partial`` is the lowest threshold whose precision is still ≥ 0.5;
* fit: logistic regression over the stage-2 probabilities, PR documents against the rest.
"""

from __future__ import annotations

import numpy as np

from matcher.judge import CLAUSE_FEATURES, JUDGED_TYPES, Judge, best_clause, doc_features, sigmoid

from .features import Collected, DocFeatures

L2_ITEM = 0.03  # per-item clause weights (sum-of-losses scale, as scikit-learn's 1/C)
DOC_C = 1.0
INNER_FOLDS = 3
MAX_ITER = 100


def fit_stage1(docs: list[DocFeatures], n_items: int, l2: float = L2_ITEM, max_iter: int | None = None):
    """Per-item clause weights: (a (n_items, n_feat), w (n_items, dim), b (n_items,))."""
    import torch

    max_iter = MAX_ITER if max_iter is None else max_iter
    torch.manual_seed(0)
    usable = [d for d in docs if d.vectors.shape[0]]
    V = torch.tensor(np.concatenate([d.vectors for d in usable]), dtype=torch.float32)
    g = torch.tensor(np.concatenate([d.g.transpose(1, 0, 2) for d in usable]), dtype=torch.float32)
    y = torch.tensor(np.concatenate([d.y_clause.T for d in usable]), dtype=torch.float32)
    w = torch.tensor(np.concatenate([np.broadcast_to(d.scored[None, :], (d.vectors.shape[0], n_items)) for d in usable]),
                     dtype=torch.float32)
    nf = g.shape[2]
    a = torch.zeros(n_items, nf, requires_grad=True)
    W = torch.zeros(V.shape[1], n_items, requires_grad=True)
    b = torch.full((n_items,), -3.0, requires_grad=True)
    opt = torch.optim.LBFGS([a, W, b], max_iter=max_iter, line_search_fn="strong_wolfe", tolerance_grad=1e-5)

    def closure():
        opt.zero_grad()
        z = (g * a[None]).sum(-1) + V @ W + b[None]
        loss = (torch.nn.functional.binary_cross_entropy_with_logits(z, y, reduction="none") * w).sum()
        total = loss + 0.5 * l2 * (W.pow(2).sum() + a.pow(2).sum())
        total.backward()
        return total

    opt.step(closure)
    return a.detach().numpy().astype(np.float64), W.detach().numpy().T.astype(np.float64), b.detach().numpy().astype(np.float64)


def fit_shared(docs: list[DocFeatures], types: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Per item type, a logistic model over the clause features alone (transfers to any standard)."""
    from sklearn.linear_model import LogisticRegression

    a = np.zeros((len(JUDGED_TYPES), len(CLAUSE_FEATURES)))
    b = np.full(len(JUDGED_TYPES), -5.0)
    tarr = np.array(types)
    for k, t in enumerate(JUDGED_TYPES):
        sel = tarr == t
        X = [d.g[sel][d.scored[sel]].reshape(-1, len(CLAUSE_FEATURES)) for d in docs if d.vectors.shape[0]]
        Y = [d.y_clause[sel][d.scored[sel]].reshape(-1) for d in docs if d.vectors.shape[0]]
        X, Y = np.concatenate(X), np.concatenate(Y)
        if Y.sum() >= 2:
            lr = LogisticRegression(C=1.0, max_iter=2000).fit(X, Y)
            a[k], b[k] = lr.coef_[0], lr.intercept_[0]
    return a, b


def partial_judge(collected: Collected, a, W, b, shared_a=None, shared_b=None) -> Judge:
    n = len(collected.items)
    return Judge(
        model="", standard=collected.standard, items=collected.items, clause_item_a=a, clause_item_w=W, clause_item_b=b,
        doc_u=np.zeros((n, n + 2)), doc_e=np.zeros(n),
        shared_a=shared_a if shared_a is not None else np.zeros((len(JUDGED_TYPES), len(CLAUSE_FEATURES))),
        shared_b=shared_b if shared_b is not None else np.zeros(len(JUDGED_TYPES)),
    )


def stage1_best(judge: Judge, collected: Collected, d: DocFeatures, shared: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(best clause logit per item, stage-1 logits (n_items, n_clauses)) with the per-item or shared model."""
    rows = np.full(len(collected.items), -1) if shared else np.arange(len(collected.items))
    s = judge.clause_scores(d.g, d.vectors, list(collected.types), rows)
    return best_clause(s), s


def fit_stage2(bests: np.ndarray, resumes: np.ndarray, Y: np.ndarray, S: np.ndarray, C: float = DOC_C):
    """Per item a logistic model over :func:`matcher.judge.doc_features` rows; (u (n_items, n_items + 2), e (n_items,))."""
    from sklearn.linear_model import LogisticRegression

    n_docs, n = bests.shape
    X = np.stack([doc_features(bests[k], resumes[k]) for k in range(n_docs)])  # (docs, items, feats)
    u = np.zeros((n, n + 2))
    e = np.zeros(n)
    for i in range(n):
        m = S[:, i]
        yi = Y[m, i]
        if yi.sum() < 3 or (~yi).sum() < 3:
            u[i, 0], e[i] = 1.0, 0.0  # too few examples: trust stage 1
            continue
        lr = LogisticRegression(C=C, max_iter=3000).fit(X[m, i], yi)
        u[i], e[i] = lr.coef_[0], lr.intercept_[0]
    return u, e


def choose_thresholds(p: np.ndarray, Y: np.ndarray, S: np.ndarray, covered_precision: float = 0.85) -> tuple[float, float]:
    """``partial`` (evidenced from there up): the threshold with the best micro-F1; ``covered``: the lowest
    threshold at or above it whose precision reaches ``covered_precision`` (else ``partial`` itself)."""
    pv, yv = p[S], Y[S]
    grid = np.linspace(0.02, 0.98, 97)
    stats = []
    for th in grid:
        pred = pv >= th
        tp, fp, fn = int((pred & yv).sum()), int((pred & ~yv).sum()), int((~pred & yv).sum())
        stats.append((2 * tp / max(1, 2 * tp + fp + fn), tp / max(1, tp + fp)))
    k = int(np.argmax([f for f, _ in stats]))
    partial = float(grid[k])
    covered = next((float(grid[j]) for j in range(k, len(grid)) if stats[j][1] >= covered_precision), partial)
    return covered, partial


def oof_stage1(collected: Collected, docs_idx: list[int], folds: int = INNER_FOLDS, seed: int = 1,
               max_iter: int | None = None) -> dict[int, np.ndarray]:
    """Out-of-fold best-clause logits for the given documents."""
    rng = np.random.default_rng(seed)
    fold = rng.permutation(len(docs_idx)) % folds
    out: dict[int, np.ndarray] = {}
    n = len(collected.items)
    for k in range(folds):
        tr = [docs_idx[j] for j in range(len(docs_idx)) if fold[j] != k]
        a, W, b = fit_stage1(collected.subset(tr), n, max_iter=max_iter)
        j1 = partial_judge(collected, a, W, b)
        for j in np.flatnonzero(fold == k):
            out[docs_idx[j]] = stage1_best(j1, collected, collected.docs[docs_idx[j]])[0]
    return out


def fit_judge(collected: Collected, docs_idx: list[int], model: str, fit_labels: dict[int, bool] | None = None,
              about: dict | None = None, max_iter: int | None = None) -> Judge:
    """The whole judge fitted on the documents ``docs_idx`` of ``collected``."""
    n = len(collected.items)
    docs = collected.subset(docs_idx)
    a, W, b = fit_stage1(docs, n, max_iter=max_iter)
    sa, sb = fit_shared(docs, collected.types)
    oof = oof_stage1(collected, docs_idx, max_iter=max_iter)
    bests = np.stack([oof[i] for i in docs_idx])
    resumes = np.array([d.doc.kind == "resume" for d in docs])
    Y = np.stack([d.y for d in docs])
    S = np.stack([d.scored for d in docs])
    u, e = fit_stage2(bests, resumes, Y, S)
    judge = partial_judge(collected, a, W, b, sa, sb)
    judge.model, judge.doc_u, judge.doc_e = model, u, e
    # thresholds from the out-of-fold document probabilities
    rows = np.arange(n)
    P = np.stack([judge.doc_probabilities(bests[k], rows, resumes[k]) for k in range(len(docs))])
    judge.covered, judge.partial = choose_thresholds(P, Y, S)
    # shared model thresholds: on its own (in-sample, few parameters) best clause probabilities
    Ps = np.stack([sigmoid(stage1_best(judge, collected, d, shared=True)[0]) for d in docs])
    judge.shared_covered, judge.shared_partial = choose_thresholds(Ps, Y, S)
    _, stage1_covered = choose_thresholds(sigmoid(bests), Y, S)
    if fit_labels:
        from sklearn.linear_model import LogisticRegression

        ks = [k for k, i in enumerate(docs_idx) if i in fit_labels]
        yf = np.array([fit_labels[docs_idx[k]] for k in ks])
        if yf.any() and not yf.all():
            lr = LogisticRegression(C=1.0, max_iter=3000).fit(P[ks], yf)
            judge.fit_w, judge.fit_b = lr.coef_[0], float(lr.intercept_[0])
    judge.about = {**(about or {}), "stage1_covered": stage1_covered}
    return judge


def predict(judge: Judge, collected: Collected, d: DocFeatures) -> tuple[np.ndarray, np.ndarray]:
    """Stage-2 probabilities (n_items,) and the best evidence clause per item (-1 where none)."""
    best, s = stage1_best(judge, collected, d)
    rows = np.arange(len(collected.items))
    p = judge.doc_probabilities(best, rows, d.doc.kind == "resume")
    top = s.argmax(axis=1) if s.shape[1] else np.full(len(best), -1)
    return p, top
