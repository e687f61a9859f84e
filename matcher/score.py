"""Scoring stage: pure functions from similarities to item probabilities, statuses, coverage, fit.

For item i and clause c four features are computed (the first three each the maximum
over the item's views):

* ``z``    dense cosine relative to the item's background: (cos - mu_i) / sigma_i
* ``lex``  char n-gram TF-IDF cosine (lexical evidence)
* ``cos``  the raw dense cosine
* ``term`` 1 when the clause holds one of the item's glossary terms (:mod:`.glossary`)

An item's logit is ``w . [max_c z, max_c lex, max_c cos, max_c term] + w_type + w_item + b``; its
probability is the logistic of that. A task is then raised to its best indicator's
probability (the labelling guideline counts a task as evidenced when any of its
indicators is). The weights, the item-type offsets, the
``covered``/``partial`` probability thresholds and the fit model are a
:class:`Calibration` fitted on the labelled development set (``python -m evaluation``),
saved per model under ``matcher/data/calibration/``. Evidence clauses are ranked by the same
linear score computed per clause.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from . import resources
from .index import MATCH_TYPES

FEATURES = ("z", "lex", "cos", "term")
FIT_FEATURES = ("top5", "share", "mean")
STATUS_CREDIT = {"covered": 1.0, "partial": 0.5, "missing": 0.0}
CALIBRATION_DIR = resources.calibration_dir()


@dataclass(frozen=True)
class Calibration:
    model: str
    weights: tuple[float, ...]  # len(FEATURES) feature weights, then one offset per MATCH_TYPES
    bias: float
    covered: float  # probability at or above which an item is "covered"
    partial: float  # ... "partial"
    fit_weights: tuple[float, ...] = (8.0, 4.0, 4.0)
    fit_bias: float = -4.0
    # per standard, per item: an offset learned from the labelled set (items it never
    # saw, e.g. of another standard, get 0 and so their type's offset alone)
    item_offsets: dict = field(default_factory=dict, compare=False)
    calibrated: bool = True
    source: str = ""
    metrics: dict = field(default_factory=dict, compare=False)

    def __post_init__(self):
        if len(self.weights) != len(FEATURES) + len(MATCH_TYPES):
            raise ValueError(f"a calibration needs {len(FEATURES)} feature weights ({', '.join(FEATURES)}) and "
                             f"{len(MATCH_TYPES)} type offsets, got {len(self.weights)} weights")

    def to_json(self) -> str:
        d = asdict(self)
        d["features"] = list(FEATURES)
        d["types"] = list(MATCH_TYPES)
        d["fit_features"] = list(FIT_FEATURES)
        return json.dumps(d, ensure_ascii=False, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str) -> "Calibration":
        d = json.loads(text)
        if d.get("features", list(FEATURES)) != list(FEATURES) or d.get("types", list(MATCH_TYPES)) != list(MATCH_TYPES):
            raise ValueError(f"calibration for features {d.get('features')} / types {d.get('types')}, this version uses "
                             f"{list(FEATURES)} / {list(MATCH_TYPES)}")
        for k in ("features", "types", "fit_features"):
            d.pop(k, None)
        d["weights"] = tuple(d["weights"])
        d["fit_weights"] = tuple(d["fit_weights"])
        return cls(**d)

    @classmethod
    def prior(cls, model: str) -> "Calibration":
        """Used for a model nobody has calibrated: z-score driven, reported as uncalibrated."""
        return cls(
            model=model,
            weights=(1.0, 4.0, 0.0, 2.0) + (0.0,) * len(MATCH_TYPES),
            bias=-4.0,
            covered=0.5,
            partial=0.3,
            calibrated=False,
            source="prior (no calibration for this model; run `python -m evaluation`)",
        )


def calibration_path(model: str, directory: Path = CALIBRATION_DIR) -> Path:
    return directory / (resources.model_slug(model) + ".json")


def load_calibration(model: str, directory: Path = CALIBRATION_DIR) -> Calibration:
    """The saved calibration of ``model``; the prior when there is none, or when it was fitted
    for other features (an older version: rerun ``python -m evaluation``)."""
    path = calibration_path(model, directory)
    if path.is_file():
        try:
            cal = Calibration.from_json(path.read_text(encoding="utf-8"))
        except (ValueError, TypeError, KeyError):
            return Calibration.prior(model)
        if cal.model == model:
            return cal
    return Calibration.prior(model)


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=np.float64)))


def clause_features(
    dense: np.ndarray,
    mu: np.ndarray,
    sigma: np.ndarray,
    lex: np.ndarray,
    view_starts: np.ndarray,
    terms: np.ndarray | None = None,
) -> np.ndarray:
    """(n_items, n_clauses, 4) features from per-view matrices (n_views, n_clauses) and the
    per-item glossary hits ``terms`` (n_items, n_clauses; zeros when omitted).

    ``view_starts`` holds the first view row of each item (views of an item are
    consecutive), so the per-item maximum is a ``maximum.reduceat``.
    """
    z = (dense - mu[:, None]) / sigma[:, None]
    if dense.shape[1] == 0:
        return np.zeros((len(view_starts), 0, len(FEATURES)), dtype=np.float32)
    per_item = [np.maximum.reduceat(m, view_starts, axis=0) for m in (z, lex, dense)]
    per_item.append(np.zeros_like(per_item[0]) if terms is None else np.asarray(terms, dtype=np.float32))
    return np.stack(per_item, axis=-1).astype(np.float32)


def item_offset_vector(cal: Calibration, code: str, item_ids: list[str]) -> np.ndarray:
    table = cal.item_offsets.get(code, {})
    return np.array([table.get(i, 0.0) for i in item_ids], dtype=np.float64)


def clause_logits(features: np.ndarray, types: np.ndarray, cal: Calibration, item_offsets: np.ndarray | None = None) -> np.ndarray:
    """Per (item, clause) linear score; ``types`` indexes MATCH_TYPES for each item."""
    w = np.asarray(cal.weights[: len(FEATURES)], dtype=np.float32)
    offsets = np.asarray(cal.weights[len(FEATURES) :], dtype=np.float32)[types]
    if item_offsets is not None:
        offsets = offsets + item_offsets.astype(np.float32)
    return features @ w + offsets[:, None] + cal.bias


def item_features(features: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
    """(n_items, 3): the maximum of each feature over the clauses allowed by ``mask``."""
    n_items = features.shape[0]
    if features.shape[1] == 0:
        return np.full((n_items, len(FEATURES)), -10.0, dtype=np.float32)
    f = features
    if mask is not None:
        f = np.where(mask[:, :, None], features, -10.0)
    return f.max(axis=1)


def item_probabilities(item_feats: np.ndarray, types: np.ndarray, cal: Calibration, item_offsets: np.ndarray | None = None) -> np.ndarray:
    w = np.asarray(cal.weights[: len(FEATURES)], dtype=np.float64)
    offsets = np.asarray(cal.weights[len(FEATURES) :], dtype=np.float64)[types]
    if item_offsets is not None:
        offsets = offsets + item_offsets
    return sigmoid(item_feats @ w + offsets + cal.bias)


def propagate_tasks(probs: np.ndarray, children: list[tuple[int, list[int]]]) -> np.ndarray:
    """A task is evidenced as strongly as its best indicator, or by its own wording.

    ``children`` pairs each task's position with its indicators' positions; works on
    (n_items,) and (n_docs, n_items) arrays alike.
    """
    out = np.array(probs, dtype=np.float64, copy=True)
    for t, kids in children:
        if kids:
            out[..., t] = np.maximum(out[..., t], out[..., kids].max(axis=-1))
    return out


def task_children(items) -> list[tuple[int, list[int]]]:
    pos = {it.id: i for i, it in enumerate(items)}
    kids: dict[str, list[int]] = {}
    for i, it in enumerate(items):
        if it.type == "indicator" and it.task_id in pos:
            kids.setdefault(it.task_id, []).append(i)
    return [(pos[t], k) for t, k in kids.items()]


def status_of(p: float, cal: Calibration) -> str:
    if p >= cal.covered:
        return "covered"
    if p >= cal.partial:
        return "partial"
    return "missing"


def coverage(statuses: list[str]) -> float:
    """Share of credit: covered 1, partial 0.5, missing 0. Empty -> 0."""
    if not statuses:
        return 0.0
    return float(sum(STATUS_CREDIT[s] for s in statuses) / len(statuses))


def fit_features(probs: np.ndarray, statuses: list[str], core: np.ndarray) -> np.ndarray:
    """Document features for the fit model, over the core items (tasks, outputs, indicators)."""
    p = probs[core]
    if len(p) == 0:
        return np.zeros(len(FIT_FEATURES))
    top = np.sort(p)[::-1][:5]
    share = np.mean([statuses[i] != "missing" for i in np.flatnonzero(core)])
    return np.array([top.mean(), share, p.mean()])


def fit_score(x: np.ndarray, cal: Calibration) -> float:
    return float(sigmoid(np.dot(np.asarray(cal.fit_weights), x) + cal.fit_bias))
