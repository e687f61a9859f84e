"""Per labelled document: the judge's clause features, clause vectors and labels.

Clause-level labels come from the annotated evidence spans: a content clause is a
positive example for a gold item when it overlaps one of that item's evidence spans;
every clause is a negative example for an item the document does not evidence; an
ambiguous item (one annotator only) gives no example at all.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from matcher.judge import JUDGED_TYPES, clause_feature_tensor
from matcher.pipeline import Matcher
from matcher.standard import Standard

from .corpus import LabelledDoc


@dataclass(frozen=True)
class DocFeatures:
    doc: LabelledDoc
    g: np.ndarray  # (n_judged, n_clauses, n_features)
    base: np.ndarray  # (n_judged, n_clauses, 4) the engine's [z, lex, cos, term]
    vectors: np.ndarray  # (n_clauses, dim)
    spans: tuple[tuple[int, int], ...]  # each content clause's [start, end)
    y_clause: np.ndarray  # (n_judged, n_clauses) 1 = evidence clause of a gold item
    y: np.ndarray  # (n_judged,) bool: gold
    scored: np.ndarray  # (n_judged,) bool: not ambiguous
    clause_texts: tuple[str, ...]


@dataclass(frozen=True)
class Collected:
    standard: str
    items: tuple[str, ...]  # judged items (indicators, knowledge, skills, attitudes), engine order
    types: tuple[str, ...]
    positions: np.ndarray  # their positions among the engine's items
    docs: list[DocFeatures]

    def subset(self, idx) -> list[DocFeatures]:
        return [self.docs[i] for i in idx]


def collect(matcher: Matcher, std: Standard, docs: list[LabelledDoc]) -> Collected:
    layout = matcher.item_layout(std)
    judged = [k for k, it in enumerate(layout) if it.type in JUDGED_TYPES]
    ids = tuple(layout[k].id for k in judged)
    out = []
    # labelled corpora are not personal data: posting-style caching is fine for résumés too
    analysed = matcher.analyse([d.text for d in docs], kind="posting")
    for d, a in zip(docs, analysed):
        base, terms = matcher.base_features(a, std)
        clauses = [a.clauses[i] for i in a.content]
        texts = tuple(c.norm for c in clauses)
        g = clause_feature_tensor(base[judged], terms[judged], list(texts), d.kind == "resume")
        y_clause = np.zeros((len(ids), len(clauses)), dtype=np.float32)
        for k, item in enumerate(ids):
            if item in d.positive:
                spans = d.evidence.get(item, {}).get("spans", [])
                for j, c in enumerate(clauses):
                    if any(c.start < b and s < c.end for s, b in spans):
                        y_clause[k, j] = 1.0
        out.append(DocFeatures(
            doc=d, g=g, base=base[judged], vectors=a.vectors, spans=tuple((c.start, c.end) for c in clauses),
            y_clause=y_clause, y=np.array([i in d.positive for i in ids]),
            scored=np.array([i not in d.ambiguous for i in ids]), clause_texts=texts,
        ))
    return Collected(std.code, ids, tuple(layout[k].type for k in judged), np.array(judged), out)
