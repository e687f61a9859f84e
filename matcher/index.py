"""Index stage: every matchable item of every catalogued standard, embedded and searchable.

Each item is indexed under one or more *views*: its own wording (attitudes: name and
definition), plus one view per footnote the item itself refers to, with the
footnote's examples spelled out (P2.1.2 "公關事務性工作" + 【註4】"如撰寫新聞稿、致詞稿、
聲明書…"), so a sentence about press releases finds P2.1.2.

Per view the index keeps the mean and spread of its cosine to a background of generic
job-ad sentences (``matcher/data/background.txt``): e5 cosines sit in a narrow band, so scores
are used relative to that background (z-scores). The lexical side is a char-bigram
TF-IDF model fitted on the views and the background.

Saved as plain files (``vectors.npy``, one ``<code>.faiss`` per standard,
``meta.json``, ``tfidf.json``), written to a temporary folder and renamed into place.
``meta.json`` records the model and a fingerprint of every view text and background
sentence; a mismatch means the index is stale and :func:`load_or_build` rebuilds it.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from . import resources
from .errors import IndexError_
from .standard import Item, Standard

INDEX_FORMAT = 4
BACKGROUND_PATH = resources.background_path()
MATCH_TYPES = ("task", "output", "indicator", "knowledge", "skill", "attitude")


@dataclass(frozen=True)
class View:
    standard: str
    item_id: str
    text: str


def item_views(std: Standard) -> list[tuple[Item, list[str]]]:
    """The items of a standard that are matched, each with the texts it is indexed under."""
    notes = {f.number: f for f in std.footnotes}
    own = {d.id: d.footnotes for d in std.duties}
    own.update({t.id: t.footnotes for t in std.tasks})
    own.update({o.id: o.footnotes for o in std.outputs})
    own.update({p.id: p.footnotes for p in std.indicators})
    own.update({c.id: c.footnotes for c in (*std.knowledge, *std.skills, *std.attitudes)})
    out = []
    for item in std.items():
        if item.type not in MATCH_TYPES:
            continue
        main = f"{item.text}：{item.description}" if item.type == "attitude" else item.text
        if item.type == "output" and item.task_id:
            main = f"{main}（{std.task(item.task_id).name}）"
        texts = [main]
        # only the item's own footnotes: a duty's examples (【註1】 記者會、產品上市會…) would
        # otherwise make every task under it match the same sentence
        refs = own.get(item.id, ())
        for n in dict.fromkeys(refs):
            f = notes.get(n)
            if f and f.text:
                texts.append(f"{item.text}（{f.term}：{f.text}）")
        out.append((item, texts))
    return out


def read_background(path: Path = BACKGROUND_PATH) -> list[str]:
    if not path.is_file():
        raise IndexError_(f"the background sentences {path} are missing; reinstall icap-matcher (it ships matcher/data/background.txt)")
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip() and not line.startswith("#")]


# Character bigrams: most Chinese words are two characters, and bigram indexing is the usual
# unit of Chinese retrieval. On the development set (same folds, so with some selection)
# bigrams gave item F1 0.719 against 0.704 for 2-3-grams, 0.704 for 1-2, 0.696 for 1-3
# and 0.681 for 2-4-grams.
NGRAM_RANGE = (2, 2)
_WHITESPACE_RUNS = re.compile(r"\s\s+")  # collapsed to one space, as scikit-learn's char analyzer does


class Lexical:
    """Char n-gram TF-IDF over normalised text; saved as JSON, never pickled."""

    def __init__(self, vocabulary: dict[str, int], idf: np.ndarray, ngram_range: tuple[int, int] = NGRAM_RANGE):
        self.vocabulary = vocabulary
        self.idf = np.asarray(idf, dtype=np.float64)
        self.ngram_range = tuple(ngram_range)

    @classmethod
    def fit(cls, texts: Sequence[str], ngram_range: tuple[int, int] = NGRAM_RANGE) -> "Lexical":
        from sklearn.feature_extraction.text import TfidfVectorizer

        vec = TfidfVectorizer(analyzer="char", ngram_range=ngram_range, sublinear_tf=True, preprocessor=_lex_prep)
        vec.fit(texts)
        vocab = {k: int(v) for k, v in vec.vocabulary_.items()}
        return cls(vocab, vec.idf_, ngram_range)

    def transform(self, texts: Sequence[str]):
        """Rows of sublinear TF-IDF over this vocabulary, L2-normalised (CSR, float64): what
        ``fit``'s ``TfidfVectorizer`` gives, computed without importing scikit-learn, whose
        import alone took about 0.9 s of CPU, half of a one-shot ``matcher match``."""
        from scipy.sparse import csr_matrix

        lo, hi = self.ngram_range
        indptr, indices, counts = [0], [], []
        for text in texts:
            text = _WHITESPACE_RUNS.sub(" ", _lex_prep(text))
            row: dict[int, int] = {}
            for n in range(lo, min(hi, len(text)) + 1):
                for i in range(len(text) - n + 1):
                    j = self.vocabulary.get(text[i : i + n])
                    if j is not None:
                        row[j] = row.get(j, 0) + 1
            for j in sorted(row):
                indices.append(j)
                counts.append(row[j])
            indptr.append(len(indices))
        data = np.log(np.asarray(counts, dtype=np.float64)) + 1.0
        data *= self.idf[np.asarray(indices, dtype=np.intp)]
        for a, b in zip(indptr[:-1], indptr[1:]):
            squares = 0.0
            for v in data[a:b].tolist():  # summed in order, as scikit-learn does: the same bits
                squares += v * v
            if squares:
                data[a:b] /= squares ** 0.5
        return csr_matrix((data, np.asarray(indices, dtype=np.int32), np.asarray(indptr, dtype=np.int32)),
                          shape=(len(indptr) - 1, len(self.idf)))

    def to_json(self) -> str:
        return json.dumps(
            {"ngram_range": list(self.ngram_range), "vocabulary": self.vocabulary, "idf": self.idf.tolist()},
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str) -> "Lexical":
        d = json.loads(text)
        return cls(d["vocabulary"], np.asarray(d["idf"]), tuple(d.get("ngram_range", NGRAM_RANGE)))


def _lex_prep(text: str) -> str:
    import re
    import unicodedata

    text = unicodedata.normalize("NFKC", text).lower()
    return re.sub(r"[\s\W_]+", " ", text)


class ItemIndex:
    def __init__(
        self,
        views: list[View],
        vectors: np.ndarray,
        mu: np.ndarray,
        sigma: np.ndarray,
        lexical: Lexical,
        model: str,
        fingerprint: str,
    ):
        import faiss

        self.views = views
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self.mu = mu.astype(np.float32)
        self.sigma = sigma.astype(np.float32)
        self.lexical = lexical
        self.model = model
        self.fingerprint = fingerprint
        codes = [v.standard for v in views]
        self.rows: dict[str, np.ndarray] = {
            code: np.flatnonzero(np.array(codes) == code).astype(np.int64) for code in dict.fromkeys(codes)
        }
        self.faiss: dict[str, "faiss.Index"] = {}
        for code, rows in self.rows.items():
            ix = faiss.IndexFlatIP(self.vectors.shape[1])
            ix.add(self.vectors[rows])
            self.faiss[code] = ix
        self._lex_cache: dict[str, object] = {}

    # ---- building ------------------------------------------------------------------------
    @classmethod
    def build(cls, standards: Sequence[Standard], encoder, fingerprint: str, background: list[str] | None = None) -> "ItemIndex":
        background = read_background() if background is None else background
        views: list[View] = []
        for std in standards:
            for item, texts in item_views(std):
                views.extend(View(std.code, item.id, t) for t in texts)
        if not views:
            raise IndexError_("the catalogue has no standards to index; run `matcher standards import PATH`")
        from .text import normalize

        # e5's retrieval recipe: the short side (items) as queries, sentences as passages;
        # the background stands in for clauses, so it is encoded as they are
        vectors = encoder.encode([normalize(v.text) for v in views], kind="query")
        bg = encoder.encode([normalize(t) for t in background], kind="passage")
        sims = vectors @ bg.T
        mu = sims.mean(axis=1)
        sigma = np.maximum(sims.std(axis=1), 1e-3)
        lexical = Lexical.fit([v.text for v in views] + background)
        return cls(views, vectors, mu, sigma, lexical, encoder.name, fingerprint)

    # ---- persistence -----------------------------------------------------------------------
    def save(self, directory: str | Path) -> None:
        import faiss

        directory = Path(directory)
        tmp = directory.with_name(directory.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        np.save(tmp / "vectors.npy", self.vectors)
        np.save(tmp / "background_stats.npy", np.stack([self.mu, self.sigma]))
        for code, ix in self.faiss.items():
            faiss.write_index(ix, str(tmp / f"{code}.faiss"))
        (tmp / "tfidf.json").write_text(self.lexical.to_json(), encoding="utf-8")
        meta = {
            "format": INDEX_FORMAT,
            "model": self.model,
            "fingerprint": self.fingerprint,
            "dim": int(self.vectors.shape[1]),
            "views": [[v.standard, v.item_id, v.text] for v in self.views],
        }
        (tmp / "meta.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        old = directory.with_name(directory.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        if directory.exists():
            directory.rename(old)
        tmp.rename(directory)
        shutil.rmtree(old, ignore_errors=True)

    @classmethod
    def load(cls, directory: str | Path) -> "ItemIndex":
        directory = Path(directory)
        try:
            meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
            if meta.get("format") != INDEX_FORMAT:
                raise IndexError_(f"index {directory} has format {meta.get('format')}, expected {INDEX_FORMAT}")
            vectors = np.load(directory / "vectors.npy")
            stats = np.load(directory / "background_stats.npy")
            lexical = Lexical.from_json((directory / "tfidf.json").read_text(encoding="utf-8"))
        except (OSError, ValueError, KeyError) as exc:
            raise IndexError_(f"cannot read the index in {directory} ({exc}); delete it to rebuild") from None
        views = [View(*v) for v in meta["views"]]
        if len(views) != len(vectors):
            raise IndexError_(f"index {directory} is corrupt (views and vectors differ); delete it to rebuild")
        return cls(views, vectors, stats[0], stats[1], lexical, meta["model"], meta["fingerprint"])

    # ---- search ------------------------------------------------------------------------------
    def standard_rows(self, code: str) -> np.ndarray:
        return self.rows[code]

    def dense(self, code: str, clause_vectors: np.ndarray) -> np.ndarray:
        """Cosine of every view of ``code`` (rows) to every clause (columns), via FAISS."""
        rows = self.rows[code]
        n = len(clause_vectors)
        if n == 0:
            return np.zeros((len(rows), 0), dtype=np.float32)
        ix = self.faiss[code]
        scores, ids = ix.search(np.ascontiguousarray(clause_vectors, dtype=np.float32), ix.ntotal)
        out = np.empty((len(rows), n), dtype=np.float32)
        out[ids.T, np.arange(n)[None, :]] = scores.T
        return out

    def search(self, code: str, clause_vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-k views of ``code`` for each clause: (scores, view rows) of shape (n, k)."""
        ix = self.faiss[code]
        k = min(k, ix.ntotal)
        scores, ids = ix.search(np.ascontiguousarray(clause_vectors, dtype=np.float32), k)
        return scores, self.rows[code][ids]

    def lexical_views(self, code: str):
        m = self._lex_cache.get(code)
        if m is None:
            m = self.lexical.transform([self.views[i].text for i in self.rows[code]])
            self._lex_cache[code] = m
        return m


def index_dir(cache: Path, model: str) -> Path:
    return cache / "index" / resources.model_slug(model)


def content_fingerprint(standards: Sequence[Standard], background: list[str]) -> str:
    """Hash of everything an index is built from (besides the model): views and background."""
    import hashlib

    h = hashlib.sha256(f"format={INDEX_FORMAT}".encode())
    for std in standards:
        for item, texts in item_views(std):
            h.update(f"{std.code}\x1f{item.id}\x1f".encode() + "\x1e".join(texts).encode())
    h.update("\n".join(background).encode())
    return h.hexdigest()[:16]


def load_or_build(standards: Sequence[Standard], encoder, cache: Path) -> ItemIndex:
    """Load the saved index for this model and content, or build and save a fresh one."""
    background = read_background()
    fingerprint = content_fingerprint(standards, background)
    directory = index_dir(cache, encoder.name)
    if (directory / "meta.json").is_file():
        try:
            ix = ItemIndex.load(directory)
            if ix.model == encoder.name and ix.fingerprint == fingerprint:
                return ix
        except IndexError_:
            pass
    ix = ItemIndex.build(standards, encoder, fingerprint, background)
    try:
        ix.save(directory)
    except OSError:
        pass  # a read-only cache still gives a working (unsaved) index
    return ix
