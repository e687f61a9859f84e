"""The learned judge: which items a text evidences, and by which clause.

Two stages, both logistic models, fitted on the double-labelled corpora of
``../shared/labelling`` (``python -m evaluation``) and saved per encoder model as
``matcher/data/judge/<model>.json`` (parameters, thresholds, what it was fitted on) plus
``matcher/data/judge/<model>.npz`` (the arrays; loaded with ``allow_pickle=False``).

**Stage 1, clause level.** For item *i* and content clause *c* the clause features
:data:`CLAUSE_FEATURES` (dense z-score and cosine to the item's views, char-bigram TF-IDF
cosine, glossary term hit, a negation cue in the clause, a negated term, résumé or posting)
and, for the items the judge was trained on, the clause's embedding itself:

    s1[i, c] = a_i · g[i, c] + w_i · v_c + b_i

The per-item weights are learned with an L2 penalty (shrinkage toward zero) from the
clauses the annotators marked as evidence. Items the judge has never seen (another
standard's) get the *shared* clause model instead: weights per item type over the same
features, learned over all items: ``s1[i, c] = a_type(i) · g[i, c] + b_type(i)``.

**Stage 2, document level.** An item can be implied by the rest of the text (a duty that
needs exactly that knowledge): per trained item, a logistic model over its own best clause
score and the probabilities of every item's best clause (the standard's co-occurrence
structure), and the kind of text:

    p[i] = σ(u_i · [max_c s1[i, c], σ(max_c s1[·, c]), resume] + e_i)

Statuses: ``covered`` at ``p ≥ covered``, ``partial`` at ``p ≥ partial``; an item whose every
evidence clause is ``implied`` (below) is ``partial`` at most: on cross-validation such
inferences are right about half the time. Tasks and outputs
follow from their indicators (the labelling guideline's rule). A clause carrying a negation
cue next to one of an item's terms ("本職缺不需撰寫新聞稿") is never evidence for that item.

Each evidence says its basis: ``stated`` when its clause alone carries the item (its clause
probability reaches the item's ``partial`` threshold, or it names one of the item's terms),
``implied`` when the document stage raised the item from a clause that alone would not
(the shared model has no document stage: its evidence is always stated).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import resources
from .io import atomic_open, write_atomic

JUDGE_DIR = resources.judge_dir()
CLAUSE_FEATURES = ("z", "lex", "cos", "term", "neg", "neg_term", "resume")
JUDGED_TYPES = ("indicator", "knowledge", "skill", "attitude")
JUDGE_FORMAT = 1

# A negation or distance cue: the text says the duty or skill is *not* part of the job or of
# the person's experience (labelling guideline rule 6).
NEGATION = re.compile(
    r"不需|不用|無需|毋需|毋須|無須|不必|不須|不需要|免經驗|不要求|非必要|"
    r"由(?:其他)?同事負責|主要由.{0,12}負責|較少接觸|接觸較少|很少接觸|未曾|沒有(?:相關)?經驗|不熟悉|不擅長|"
    r"\bno need\b|\bnot (?:required|needed|necessary|expected)\b|\bno (?:prior )?\w* ?experience (?:is )?(?:needed|required)\b|"
    r"由(?:其他|另外的?|別的)?(?:部門|單位|團隊|同事|公關室|公關部|公關組|公關公司|總部|行銷部|品牌部|PR ?team).{0,8}(?:負責|處理|發布|統一)|"
    r"不負責|不涉及|非本職|不在本職|不包含|不包括|"
    r"\b(?:do|does|did)n[’']?t (?:need|require|handle|do)\b|\bnever\b|\bnot responsible\b|\bnot part of\b|"
    r"\b(?:is|are) (?:handled|managed|owned|done) by (?:the |our |a |another |my )?(?!me\b|you\b)\w+|"
    r"\bhandled (?:by (?:a |my )?colleague|elsewhere)",
    re.I,
)


def negated(text: str) -> bool:
    return bool(NEGATION.search(text))


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-np.clip(np.asarray(x, dtype=np.float64), -50, 50)))


@dataclass(frozen=True)
class ItemJudgement:
    """One item's verdict for one text."""

    probability: float
    order: tuple[int, ...]  # clause positions, best evidence first
    clause_scores: tuple[float, ...]  # stage-1 probability of each clause in ``order``
    basis: str  # "stated" or "implied"


@dataclass
class Judge:
    """Parameters of both stages; see the module docstring."""

    model: str
    standard: str  # the standard whose items have their own parameters
    items: tuple[str, ...]  # those items, in the order of the arrays below
    clause_item_a: np.ndarray  # (n_items, n_features)
    clause_item_w: np.ndarray  # (n_items, dim)
    clause_item_b: np.ndarray  # (n_items,)
    doc_u: np.ndarray  # (n_items, 1 + n_items + 1)
    doc_e: np.ndarray  # (n_items,)
    shared_a: np.ndarray  # (len(JUDGED_TYPES), n_features)
    shared_b: np.ndarray  # (len(JUDGED_TYPES),)
    covered: float = 0.5
    partial: float = 0.35
    shared_covered: float = 0.5
    shared_partial: float = 0.35
    fit_w: np.ndarray = field(default_factory=lambda: np.zeros(0))  # over the trained items' probabilities
    fit_b: float = 0.0
    about: dict = field(default_factory=dict)

    # ---- persistence ---------------------------------------------------------------------------
    ARRAYS = ("clause_item_a", "clause_item_w", "clause_item_b", "doc_u", "doc_e", "shared_a", "shared_b", "fit_w")

    def save(self, directory: Path = JUDGE_DIR) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        stem = resources.model_slug(self.model)
        meta = {
            "format": JUDGE_FORMAT, "model": self.model, "standard": self.standard, "items": list(self.items),
            "clause_features": list(CLAUSE_FEATURES), "types": list(JUDGED_TYPES),
            "covered": self.covered, "partial": self.partial, "shared_covered": self.shared_covered,
            "shared_partial": self.shared_partial, "fit_b": self.fit_b, "about": self.about,
        }
        arrays = {k: np.asarray(getattr(self, k), dtype=np.float32) for k in self.ARRAYS}
        with atomic_open(directory / f"{stem}.npz", "wb") as fh:
            np.savez_compressed(fh, **arrays)  # type: ignore[arg-type]  # numpy's stub types **kwds too narrowly
        js = directory / f"{stem}.json"
        write_atomic(js, json.dumps(meta, ensure_ascii=False, indent=2) + "\n")
        return js

    @classmethod
    def load(cls, model: str, directory: Path = JUDGE_DIR) -> "Judge | None":
        """The judge fitted for ``model``; None when there is none (or it is of another format)."""
        stem = resources.model_slug(model)
        js, npz = directory / f"{stem}.json", directory / f"{stem}.npz"
        if not (js.is_file() and npz.is_file()):
            return None
        meta = json.loads(js.read_text(encoding="utf-8"))
        if (meta.get("format") != JUDGE_FORMAT or meta.get("model") != model
                or meta.get("clause_features") != list(CLAUSE_FEATURES) or meta.get("types") != list(JUDGED_TYPES)):
            return None
        with np.load(npz, allow_pickle=False) as z:
            arrays = {k: z[k].astype(np.float64) for k in cls.ARRAYS}
        for k in ("format", "clause_features", "types"):
            meta.pop(k)
        meta["items"] = tuple(meta["items"])
        return cls(**meta, **arrays)

    # ---- inference -------------------------------------------------------------------------------
    def trained_positions(self, code: str, item_ids: list[str]) -> np.ndarray:
        """For each of ``item_ids``, its row in the per-item arrays, or -1."""
        if code != self.standard:
            return np.full(len(item_ids), -1)
        pos = {x: k for k, x in enumerate(self.items)}
        return np.array([pos.get(i, -1) for i in item_ids])

    def clause_scores(self, g: np.ndarray, vectors: np.ndarray, types: list[str], rows: np.ndarray) -> np.ndarray:
        """Stage-1 logits (n_items, n_clauses) for judged items (others: -inf).

        ``g``: (n_items, n_clauses, len(CLAUSE_FEATURES)); ``rows``: per item its row in the
        per-item arrays or -1 (then the shared model of its type applies). A clause whose
        negation cue stands next to one of the item's terms ("不需撰寫新聞稿") gets -inf."""
        n_items, n_clauses = g.shape[:2]
        out = np.full((n_items, n_clauses), -np.inf)
        for i, t in enumerate(types):
            if t not in JUDGED_TYPES or n_clauses == 0:
                continue
            r = rows[i]
            if r >= 0:
                out[i] = g[i] @ self.clause_item_a[r] + vectors @ self.clause_item_w[r] + self.clause_item_b[r]
            else:
                k = JUDGED_TYPES.index(t)
                out[i] = g[i] @ self.shared_a[k] + self.shared_b[k]
        return np.where(g[:, :, CLAUSE_FEATURES.index("neg_term")] > 0, -np.inf, out)

    def doc_probabilities(self, best: np.ndarray, rows: np.ndarray, resume: bool) -> np.ndarray:
        """Stage 2: per item, from the best clause logits ``best`` (n_items,)."""
        p = sigmoid(best)
        trained = rows >= 0
        if trained.any():
            # the document stage sees every trained item's best clause, in training order
            ordered = np.full(len(self.items), NO_CLAUSE)
            ordered[rows[trained]] = best[trained]
            X = doc_features(ordered, resume)
            for i in np.flatnonzero(trained):
                r = rows[i]
                p[i] = sigmoid(self.doc_u[r] @ X[r] + self.doc_e[r])
        return p

    def thresholds(self, trained: bool) -> tuple[float, float]:
        return (self.covered, self.partial) if trained else (self.shared_covered, self.shared_partial)

    def fit(self, probs_by_item: dict[str, float]) -> float | None:
        """This standard's fit from the trained items' probabilities (None for another standard)."""
        if len(self.fit_w) != len(self.items):
            return None
        x = np.array([probs_by_item.get(i, 0.0) for i in self.items])
        return float(sigmoid(self.fit_w @ x + self.fit_b))


NO_CLAUSE = -20.0  # the best-clause logit of an item no clause can evidence


def best_clause(s: np.ndarray) -> np.ndarray:
    """Per item the best stage-1 logit over the clauses of ``s`` (n_items, n_clauses); NO_CLAUSE where none."""
    best = s.max(axis=1) if s.shape[1] else np.full(s.shape[0], -np.inf)
    return np.where(np.isfinite(best), best, NO_CLAUSE)


def doc_features(best: np.ndarray, resume: bool) -> np.ndarray:
    """The document stage's design (n_items, 1 + n_items + 1): each item's own best-clause logit,
    every item's best-clause probability, and the résumé flag."""
    n = len(best)
    return np.concatenate([best[:, None], np.broadcast_to(sigmoid(best)[None, :], (n, n)),
                           np.full((n, 1), float(resume))], axis=1)


def clause_feature_tensor(base: np.ndarray, terms: np.ndarray, clause_texts: list[str], resume: bool) -> np.ndarray:
    """(n_items, n_clauses, len(CLAUSE_FEATURES)) from the engine's (n_items, n_clauses, 4)
    features [z, lex, cos, term] and the clauses' normalised texts."""
    n_items, n_clauses = base.shape[:2]
    neg = np.array([negated(t) for t in clause_texts], dtype=np.float32)
    neg_b = np.broadcast_to(neg[None, :, None], (n_items, n_clauses, 1))
    term = (np.asarray(terms, dtype=np.float32) > 0)[:, :, None]
    res = np.full((n_items, n_clauses, 1), float(resume), dtype=np.float32)
    return np.concatenate([base[:, :, :4], neg_b, neg_b * term, res], axis=2).astype(np.float32)
