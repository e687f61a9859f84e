"""Ranking stage: which catalogued standard describes this document's work?

For a document and each catalogued standard a handful of features is computed from
what the matcher already has: the content clauses' vectors, the item index (every
standard's task, output and indicator views, built once and cached) and the
standards' texts. K/S/A are left out on purpose, so a partial standard (no K/S/A)
competes on equal terms with a complete one.

``FEATURES`` (per document × standard; cosines are e5 cosines of clause to view):

* ``best``      the highest clause-to-item cosine;
* ``top3``      the mean of the three best items' best cosines;
* ``items``     the mean over the standard's items of their best cosine;
* ``z_share``   the share of items with a clause ``Z_STRONG`` background-σ above their background mean;
* ``tasks``     the share of tasks with such a clause (on the task, its outputs or indicators);
* ``votes``     the share of clauses whose best item (over every standard) is in this standard;
* ``clauses``   the mean over clauses of their best cosine to this standard;
* ``lex``       char-bigram TF-IDF cosine of the document to the standard's whole text;
* ``name``      the share of the standard's name bigrams that occur in the document;
* ``title``     the best clause cosine to the standard's "name：description";
* ``lex_top3``  the mean of the three best items' best char-bigram TF-IDF cosine to a clause (the index's model);
* ``lex_share`` the share of items with a clause at TF-IDF cosine ``LEX_STRONG`` or more;

then each of them normalised per standard (``norm_``: minus its mean, over its spread, on
``BACKGROUND_DOCS`` pseudo-documents cut from the generic job-ad sentences of
``data/background.txt``, so that a long or generically worded standard does not win by
being long or generic), and that normalised value minus its maximum over the catalogue
for this document (``rel_``: a standard is judged against its neighbours).

``ROLE_FEATURES`` say which occupation the document names. A posting's title line is boilerplate
for item evidence but says what the job is called; a résumé says it in its wanted-job line and
the roles of its dated work history. :func:`role_head` collects those lines (English role words
get their Chinese equivalent added), and against every standard's name (footnote marks removed):

* ``role_name``    char 1–2-gram TF-IDF cosine of the head to the name (IDF over the catalogue's names and descriptions);
* ``role_name_q``  e5 cosine of the head (as a query) to the name (as a passage);
* ``role_title``   e5 cosine of the head (query) to "name：description" (passage);
* ``doc_title``    e5 cosine of the document (the mean of its content clauses' vectors) to "name：description";
* ``doc_desc``     the same to the description alone;
* ``level_same``   1 when the head and the name are at the same level (assistant, staff, manager: :func:`role_level`);
* ``level_prod``   the product of the two levels (−1, 0, 1);
* ``text_name``    char TF-IDF cosine of the whole document to the name;

each as it is and minus its maximum over the catalogue (``rel_``).

``EXEMPLAR_FEATURES`` say which standards labelled documents like this one were given
(:class:`Exemplars`: the mean content-clause vector of each labelled written document and the
standards both labellers accepted for it, fitted beside the parameters; no text is kept):

* ``ex_max``      the highest cosine of the document to an exemplar accepted for this standard;
* ``ex_has``      1 when the standard has an exemplar at all;
* ``rel_ex_max``  ``ex_max`` minus its maximum over the catalogue;
* ``knn_vote``    over the document's ``KNN`` nearest exemplars, the cosine-weighted share accepted for this standard.

Every other feature comes from the standard's own text, and the weights are shared: a newly
imported standard is ranked without labels of its own (its exemplar features are 0). A logistic model
over the standardised features gives ``fit``, the probability that the standard is
acceptable for the document; the ranking is by fit. Its parameters are JSON
(``matcher/data/rank/<model>.json``), refitted with ``python -m evaluation.rank --fit`` on the
labelled written documents' train split.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np

from . import resources
from .standard import Item, Standard

RANK_DIR = resources.rank_dir()
CORE_TYPES = ("task", "output", "indicator")
Z_STRONG = 3.0
BASE_FEATURES = ("best", "top3", "items", "z_share", "tasks", "votes", "clauses", "lex", "name", "title",
                 "lex_top3", "lex_share")
LEX_STRONG = 0.3
ROLE_FEATURES = ("role_name", "role_name_q", "role_title", "doc_title", "doc_desc", "level_same",
                 "level_prod", "text_name")
EXEMPLAR_FEATURES = ("ex_max", "ex_has", "rel_ex_max", "knn_vote")
KNN = 20
FEATURES = (BASE_FEATURES + tuple(f"norm_{f}" for f in BASE_FEATURES) + tuple(f"rel_{f}" for f in BASE_FEATURES)
            + ROLE_FEATURES + tuple(f"rel_{f}" for f in ROLE_FEATURES) + EXEMPLAR_FEATURES)
BACKGROUND_DOCS = 12  # pseudo-documents cut from the background sentences
NONE_FIT = 0.5  # a top fit below this says that no catalogued standard fits
MAX_EVIDENCE = 3


@dataclass(frozen=True)
class RankEvidence:
    """A clause of the document and the standard's item it is closest to."""

    item_id: str
    item_text: str
    text: str  # the clause as written
    start: int
    end: int
    score: float  # cosine

    def to_dict(self) -> dict:
        return {"item": self.item_id, "item_text": self.item_text, "text": self.text, "start": self.start,
                "end": self.end, "score": round(self.score, 4)}


@dataclass(frozen=True)
class RankedStandard:
    code: str
    name: str
    fit: float  # probability that the standard describes the document's work
    partial: bool = False
    evidence: tuple[RankEvidence, ...] = ()

    def to_dict(self) -> dict:
        return {"code": self.code, "name": self.name, "fit": round(self.fit, 4), "partial": self.partial,
                "evidence": [e.to_dict() for e in self.evidence]}


@dataclass(frozen=True)
class RankParams:
    """The logistic model over :data:`FEATURES`; saved as JSON beside the package data."""

    model: str
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float
    fitted: bool = True
    source: str = ""
    metrics: dict = field(default_factory=dict, compare=False)

    def __post_init__(self):
        for name in ("mean", "scale", "weights"):
            if len(getattr(self, name)) != len(FEATURES):
                raise ValueError(f"rank parameters need {len(FEATURES)} values for {name} ({', '.join(FEATURES)})")

    def to_json(self) -> str:
        d = asdict(self)
        d["features"] = list(FEATURES)
        return json.dumps(d, ensure_ascii=False, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str) -> "RankParams":
        d = json.loads(text)
        if d.pop("features", list(FEATURES)) != list(FEATURES):
            raise ValueError("rank parameters were fitted for other features; rerun `python -m evaluation.rank --fit`")
        for k in ("mean", "scale", "weights"):
            d[k] = tuple(d[k])
        return cls(**d)

    @classmethod
    def prior(cls, model: str) -> "RankParams":
        """For a model nobody has fitted: relative title, lexical and item evidence, equally weighted."""
        w = {"rel_top3": 1.0, "rel_title": 1.0, "rel_lex": 1.0, "rel_votes": 1.0, "rel_tasks": 1.0}
        return cls(model, (0.0,) * len(FEATURES), (1.0,) * len(FEATURES),
                   tuple(w.get(f, 0.0) * 10 for f in FEATURES), -2.0, fitted=False, source="prior")

    def fit_of(self, x: np.ndarray) -> np.ndarray:
        z = (x - np.asarray(self.mean)) / np.asarray(self.scale)
        return 1.0 / (1.0 + np.exp(-(z @ np.asarray(self.weights) + self.bias)))


def rank_path(model: str, directory: Path = RANK_DIR) -> Path:
    return directory / (resources.model_slug(model) + ".json")


def exemplars_path(model: str, directory: Path = RANK_DIR) -> Path:
    return directory / (resources.model_slug(model) + ".exemplars.npz")


@dataclass(frozen=True)
class Exemplars:
    """Labelled documents as the ranker remembers them: a unit mean vector each and the codes
    accepted for it (``accepted[d, k]``: ``codes[k]`` is acceptable for document ``d``)."""

    vectors: np.ndarray  # (n_docs, dim) float32, unit length
    codes: tuple[str, ...]
    accepted: np.ndarray  # (n_docs, n_codes) bool

    @classmethod
    def empty(cls, dim: int = 0) -> "Exemplars":
        return cls(np.zeros((0, dim), dtype=np.float32), (), np.zeros((0, 0), dtype=bool))

    @classmethod
    def of(cls, vectors: np.ndarray, accepted: Sequence[Sequence[str]]) -> "Exemplars":
        codes = tuple(sorted({c for a in accepted for c in a}))
        pos = {c: k for k, c in enumerate(codes)}
        acc = np.zeros((len(accepted), len(codes)), dtype=bool)
        for d, a in enumerate(accepted):
            acc[d, [pos[c] for c in a]] = True
        return cls(np.asarray(vectors, dtype=np.float32), codes, acc)

    def save(self, path: Path) -> None:
        from .io import atomic_open

        with atomic_open(path, "wb") as fh:
            np.savez_compressed(fh, vectors=self.vectors.astype(np.float16), codes=np.array(self.codes, dtype=str),
                                accepted=self.accepted)

    @classmethod
    def load(cls, path: Path) -> "Exemplars":
        with np.load(path, allow_pickle=False) as z:
            return cls(z["vectors"].astype(np.float32), tuple(str(c) for c in z["codes"]), z["accepted"].astype(bool))

    def features(self, means: np.ndarray, codes: Sequence[str], exclude: np.ndarray | None = None) -> np.ndarray:
        """(n_queries, len(codes), len(EXEMPLAR_FEATURES)) for unit document vectors ``means``;
        ``exclude[q, d]`` hides exemplar ``d`` from query ``q`` (a document is not its own exemplar)."""
        means = np.atleast_2d(np.asarray(means, dtype=np.float32))
        out = np.zeros((len(means), len(codes), len(EXEMPLAR_FEATURES)))
        if not len(self.vectors) or not len(codes):
            return out
        pos = {c: k for k, c in enumerate(self.codes)}
        cols = np.array([pos.get(c, -1) for c in codes])
        acc = np.zeros((len(self.vectors), len(codes)), dtype=bool)
        acc[:, cols >= 0] = self.accepted[:, cols[cols >= 0]]
        sim = means @ self.vectors.T  # (q, d)
        if exclude is not None:
            sim = np.where(exclude, -1.0, sim)
        has: np.ndarray = np.asarray(acc.any(axis=0), dtype=bool)
        masked = np.where(acc[None, :, :], sim[:, :, None], -1.0)  # (q, d, codes)
        ex_max = np.where(has[None, :], masked.max(axis=1), 0.0)
        k = min(KNN, sim.shape[1])
        nn = np.argsort(-sim, axis=1, kind="stable")[:, :k]
        w = np.maximum(np.take_along_axis(sim, nn, axis=1), 0.0)
        vote = np.einsum("qk,qkc->qc", w, acc[nn].astype(np.float64)) / np.maximum(w.sum(axis=1, keepdims=True), 1e-9)
        out[:, :, 0] = ex_max
        out[:, :, 1] = has
        out[:, :, 2] = ex_max - ex_max.max(axis=1, keepdims=True)
        out[:, :, 3] = vote
        return out


def load_exemplars(model: str, directory: Path = RANK_DIR) -> Exemplars:
    path = exemplars_path(model, directory)
    if path.is_file():
        try:
            return Exemplars.load(path)
        except (OSError, ValueError, KeyError):
            pass
    return Exemplars.empty()


def doc_vector(vectors: np.ndarray, dim: int) -> np.ndarray:
    """The unit mean of a document's content-clause vectors (zeros for a document without content)."""
    if not len(vectors):
        return np.zeros(dim, dtype=np.float32)
    mean = np.asarray(vectors, dtype=np.float32).mean(axis=0)
    return mean / max(float(np.linalg.norm(mean)), 1e-9)


def load_rank_params(model: str, directory: Path = RANK_DIR) -> RankParams:
    path = rank_path(model, directory)
    if path.is_file():
        try:
            p = RankParams.from_json(path.read_text(encoding="utf-8"))
        except (ValueError, TypeError, KeyError):
            return RankParams.prior(model)
        if p.model == model:
            return p
    return RankParams.prior(model)


def _bigrams(text: str) -> set[str]:
    import unicodedata

    t = re.sub(r"[\s\W_]+", "", unicodedata.normalize("NFKC", text).lower())
    return {t[i : i + 2] for i in range(len(t) - 1)}


def _name_core(name: str) -> str:
    """The standard's name without its footnote marks and generic role words."""
    name = re.sub(r"【註\d+】|（[^）]*）|\([^)]*\)", "", name)
    return re.sub(r"(人員|專員|助理|主管|經理|師)$", "", name) or name


_ROLE_LABEL = re.compile(
    r"(職稱|職缺|職務名稱|應徵職務|希望職務|希望職類|求職意向|求職職務|求職條件|應徵|Position|Title|Role)\s*[:：｜|]\s*(.{2,40})", re.IGNORECASE)
_HEADING = re.compile(r"^[【\[《◆■▍●#\s]*(公司介紹|公司簡介|關於我們|基本資料|個人資料|個人信息|個人簡歷|履歷表?|簡歷|resume|cv|"
                      r"工作內容|about us)[】\]\s]*$", re.IGNORECASE)
_DATED = re.compile(r"(19|20)\d\d\s*[./年-]")
# English role words and their Chinese equivalents (standard names are Chinese)
_ROLE_WORDS = (
    (r"public relations|\bpr\b|communications?|corporate affairs", "公關"), (r"events?\b|experiential", "活動"),
    (r"marketing", "行銷"), (r"brand(ing)?", "品牌"), (r"social media|community", "社群"), (r"content", "內容"),
    (r"copywriter|copy\b", "文案"), (r"advertising|\bad\b", "廣告"), (r"account executive|\bs?ae\b", "AE"),
    (r"media", "媒體"), (r"research|insight", "研究"), (r"creative", "創意"),
    (r"manager|director|head of|lead\b", "經理"), (r"assistant|intern", "助理"),
    (r"specialist|executive|coordinator|officer", "專員"), (r"planner|planning", "企劃"), (r"influencer|kol", "網紅"),
    (r"digital", "數位"), (r"finance|financial|investor relations", "財務"), (r"engineer", "工程師"),
    (r"live ?stream", "直播"),
)
_MANAGER = re.compile(r"經理|主管|總監|主任|組長|處長|manager|director|head|lead", re.IGNORECASE)
_ASSISTANT = re.compile(r"助理|實習|工讀|assistant|intern", re.IGNORECASE)


def role_head(text: str) -> str:
    """The lines that name the job or the person's roles: the first line that is not a bare heading
    (cut to 50 characters), labelled ones ("職稱：", "希望職務：", "Position:"), and short dated lines
    (a résumé's "公司｜職稱｜2020/09–至今"); normalised, with English role words' Chinese added."""
    from .text import normalize

    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    out = []
    for ln in lines[:3]:
        if not _HEADING.match(ln):
            out.append(ln[:50])
            break
    for ln in lines[:40]:
        m = _ROLE_LABEL.search(ln)
        if m:
            out.append(m.group(2)[:40])
        elif _DATED.search(ln) and len(ln) <= 60 and len(out) < 6:
            out.append(ln)
    head = " ".join(out)
    low = head.lower()
    extra = [zh for pattern, zh in _ROLE_WORDS if re.search(pattern, low)]
    return normalize(" ".join([head, *extra]))


def role_level(text: str) -> int:
    """1 for a manager's role (經理, 主管, 總監, Manager…), −1 for an assistant's or intern's, else 0."""
    if _MANAGER.search(text):
        return 1
    return -1 if _ASSISTANT.search(text) else 0


def standard_text(std: Standard) -> str:
    """Everything a standard says about the work, as one text (name, description, duties, tasks, outputs, indicators)."""
    parts = [std.name, std.description]
    for d in std.duties:
        parts.append(d.name)
        for t in d.tasks:
            parts.append(t.name)
            parts.extend(o.name for o in t.outputs)
            parts.extend(p.text for p in t.indicators)
    return "\n".join(p for p in parts if p)


class RankTable:
    """What ranking needs of the catalogue, built once from the standards and the item index."""

    def __init__(self, standards: Sequence[Standard], index, encoder):
        from .index import Lexical
        from .text import normalize

        self.standards = list(standards)
        self.codes = [s.code for s in self.standards]
        items = {s.code: {it.id: it for it in s.items()} for s in self.standards}
        rows, owner, item_of, task_of = [], [], [], []
        self.items: list[list] = []  # per standard: its core items in view order
        self.item_task: list[np.ndarray] = []
        self.n_tasks: list[int] = []
        for k, std in enumerate(self.standards):
            seen: dict[str, int] = {}
            tasks: dict[str, int] = {}
            its: list[Item] = []
            for r in index.standard_rows(std.code):
                v = index.views[r]
                it = items[std.code].get(v.item_id)
                if it is None or it.type not in CORE_TYPES:
                    continue
                if v.item_id not in seen:
                    seen[v.item_id] = len(its)
                    its.append(it)
                rows.append(r)
                owner.append(k)
                item_of.append(seen[v.item_id])
                task_of.append(tasks.setdefault(it.task_id or it.id, len(tasks)))
            self.items.append(its)
            self.n_tasks.append(max(1, len(tasks)))
        self.rows = np.asarray(rows, dtype=np.int64)
        self.owner = np.asarray(owner, dtype=np.int64)
        self.item_of = np.asarray(item_of, dtype=np.int64)
        self.task_of = np.asarray(task_of, dtype=np.int64)
        self.vectors = np.ascontiguousarray(index.vectors[self.rows])
        self.item_lexical = index.lexical
        self.lex_views = index.lexical.transform([index.views[r].text for r in self.rows]).tocsr()
        self.mu = index.mu[self.rows]
        self.sigma = index.sigma[self.rows]
        self.spans = [np.flatnonzero(self.owner == k) for k in range(len(self.standards))]
        texts = [standard_text(s) for s in self.standards]
        self.lexical = Lexical.fit(texts)
        self.lex_std = self.lexical.transform(texts)
        self.name_bigrams = [_bigrams(_name_core(s.name)) for s in self.standards]
        titles = [normalize(f"{s.name}：{s.description}") for s in self.standards]
        self.titles = np.asarray(encoder.encode(titles, kind="query"), dtype=np.float32)
        names = [normalize(re.sub(r"【註\d+】", "", s.name)) for s in self.standards]
        self.name_lexical = Lexical.fit(names + [normalize(s.description) for s in self.standards], ngram_range=(1, 2))
        self.lex_names = self.name_lexical.transform(names)
        self.names_p = np.asarray(encoder.encode(names, kind="passage"), dtype=np.float32)
        self.titles_p = np.asarray(encoder.encode(titles, kind="passage"), dtype=np.float32)
        self.descriptions_p = np.asarray(
            encoder.encode([normalize(s.description) for s in self.standards], kind="passage"), dtype=np.float32)
        self.levels = np.asarray([role_level(s.name) for s in self.standards], dtype=np.float64)
        self.encoder = encoder
        self.bg_mean = np.zeros(len(BASE_FEATURES))
        self.bg_scale = np.ones(len(BASE_FEATURES))
        self._background(encoder)

    def _background(self, encoder) -> None:
        """Per standard, the mean and spread of each base feature over the background pseudo-documents."""
        from .index import read_background
        from .text import normalize

        sentences = read_background()
        vecs = np.asarray(encoder.encode([normalize(t) for t in sentences], kind="passage"), dtype=np.float32)
        groups = [np.arange(len(sentences))[k::BACKGROUND_DOCS] for k in range(BACKGROUND_DOCS)]
        base = np.stack([self._base([normalize(sentences[i]) for i in g], vecs[g])[0] for g in groups])
        self.bg_mean = base.mean(axis=0)
        self.bg_scale = np.maximum(base.std(axis=0), 1e-3)

    def features(self, text: str, clause_norms: Sequence[str], vectors: np.ndarray,
                 exemplars: Exemplars | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(n_standards, len(FEATURES)) features and the (clauses, views) cosine matrix; without
        ``exemplars`` the exemplar features are 0 (:meth:`Exemplars.features` fills them)."""
        x, cos = self._base(clause_norms, vectors)
        norm = (x - self.bg_mean) / self.bg_scale
        rel = norm - norm.max(axis=0, keepdims=True)
        mean = doc_vector(vectors, self.titles_p.shape[1])
        role = self._role(text, mean)
        ex = np.zeros((len(self.standards), len(EXEMPLAR_FEATURES)))
        if exemplars is not None:
            ex = exemplars.features(mean[None, :], self.codes)[0]
        return np.column_stack([x, norm, rel, role, role - role.max(axis=0, keepdims=True), ex]), cos

    def _role(self, text: str, mean: np.ndarray) -> np.ndarray:
        """(n_standards, len(ROLE_FEATURES)): the document's role head and whole text (its unit mean
        clause vector ``mean``) against each name."""
        from .text import normalize

        head = role_head(text)
        # the head is short: encoded once per call (one text), never stored (a résumé's head is personal data)
        inner = getattr(self.encoder, "inner", self.encoder)
        hq = np.asarray(inner.encode([head], kind="query"), dtype=np.float32)[0]
        lex = self.name_lexical.transform([head, normalize(text)])
        by_name = (lex @ self.lex_names.T).toarray()
        level = role_level(head)
        return np.column_stack([
            by_name[0],
            self.names_p @ hq,
            self.titles_p @ hq,
            self.titles_p @ mean,
            self.descriptions_p @ mean,
            (self.levels == level).astype(np.float64),
            self.levels * level,
            by_name[1],
        ]).astype(np.float64)

    def _base(self, clause_norms: Sequence[str], vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Base features of the content clauses (their normalised texts and vectors)."""
        n_std = len(self.standards)
        x = np.zeros((n_std, len(BASE_FEATURES)), dtype=np.float64)
        cos = vectors @ self.vectors.T if len(vectors) else np.zeros((0, len(self.rows)), dtype=np.float32)
        text = "\n".join(clause_norms)
        doc_bigrams = _bigrams(text)
        lex = (self.lex_std @ self.lexical.transform([text]).T).toarray().ravel()
        if clause_norms:
            view_lex = (self.lex_views @ self.item_lexical.transform(list(clause_norms)).T).toarray().max(axis=1)
        else:
            view_lex = np.zeros(len(self.rows))
        if len(vectors):
            z = (cos - self.mu) / self.sigma
            best_view = cos.argmax(axis=1)
            votes = np.bincount(self.owner[best_view], minlength=n_std) / len(vectors)
            title = (vectors @ self.titles.T).max(axis=0)
        else:
            z = cos
            votes = np.zeros(n_std)
            title = np.zeros(n_std)
        for k in range(n_std):
            span = self.spans[k]
            if not len(span) or not len(vectors):
                continue
            c, zz = cos[:, span], z[:, span]
            item_best = np.full(len(self.items[k]), -1.0)
            np.maximum.at(item_best, self.item_of[span], c.max(axis=0))
            item_z = np.full(len(self.items[k]), -1e9)
            np.maximum.at(item_z, self.item_of[span], zz.max(axis=0))
            task_z = np.full(self.n_tasks[k], -1e9)
            np.maximum.at(task_z, self.task_of[span], zz.max(axis=0))
            top = np.sort(item_best)[::-1]
            item_lex = np.zeros(len(self.items[k]))
            np.maximum.at(item_lex, self.item_of[span], view_lex[span])
            top_lex = np.sort(item_lex)[::-1]
            x[k] = (
                top[0],
                top[:3].mean(),
                item_best.mean(),
                float((item_z >= Z_STRONG).mean()),
                float((task_z >= Z_STRONG).mean()),
                votes[k],
                c.max(axis=1).mean(),
                lex[k],
                len(self.name_bigrams[k] & doc_bigrams) / max(1, len(self.name_bigrams[k])),
                title[k],
                top_lex[:3].mean(),
                float((item_lex >= LEX_STRONG).mean()),
            )
        return x, cos

    def evidence(self, k: int, cos: np.ndarray, clauses: Sequence, content: Sequence[int]) -> tuple[RankEvidence, ...]:
        """The clauses closest to standard ``k``'s items, best first, one per clause."""
        span = self.spans[k]
        if not len(span) or not cos.shape[0]:
            return ()
        c = cos[:, span]
        best_view = c.argmax(axis=1)
        best = c[np.arange(c.shape[0]), best_view]
        out = []
        for ci in np.argsort(-best, kind="stable")[:MAX_EVIDENCE]:
            it = self.items[k][self.item_of[span[best_view[ci]]]]
            cl = clauses[content[ci]]
            out.append(RankEvidence(it.id, it.text, cl.text, cl.start, cl.end, float(best[ci])))
        return tuple(out)
