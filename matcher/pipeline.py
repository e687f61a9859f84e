"""The Matcher: text -> clauses -> embeddings -> index search + lexical -> scores -> MatchReport.

The CLI, the app, batch and evaluation all go through :class:`Matcher`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Sequence

import numpy as np

from . import resources
from . import score as sc
from .cache import EmbeddingCache
from .catalog import Catalog
from .embed import CachedEncoder, Encoder, load_encoder
from .errors import InputError
from .glossary import Glossary
from .index import MATCH_TYPES, ItemIndex, item_views, load_or_build
from .judge import JUDGED_TYPES, Judge, best_clause, clause_feature_tensor, sigmoid
from .rank import Exemplars, RankedStandard, RankParams, RankTable, load_exemplars, load_rank_params
from .report import Evidence, FitItem, FitReport, ItemResult, MatchReport, StandardRef, TaskCoverage, gap_advice
from .standard import Item, Standard
from .text import Clause, check_input, split_clauses

KINDS = ("posting", "resume")
MAX_EVIDENCE = 3


@dataclass(frozen=True)
class Analysed:
    """A text cut into clauses, with the content clauses' vectors."""

    text: str
    clauses: tuple[Clause, ...]
    content: tuple[int, ...]  # indexes into clauses of non-boilerplate clauses
    vectors: np.ndarray  # (len(content), dim)


class Matcher:
    """Matches texts against the catalogued standards.

    Heavy parts (model, index) load on first use; construct once and reuse.
    """

    def __init__(
        self,
        catalog: Catalog | None = None,
        encoder: Encoder | None = None,
        *,
        model: str | None = None,
        calibration: sc.Calibration | None = None,
        rank_params: RankParams | None = None,
        cache: Path | None = None,
        persist_cache: bool = True,
    ):
        self.catalog = catalog or Catalog()
        self._encoder_arg = encoder
        self._model_arg = model
        self._calibration_arg = calibration
        self._rank_params_arg = rank_params
        self.cache = cache or resources.cache_dir()
        self.persist_cache = persist_cache
        self._glossaries: dict[str, Glossary] = {}

    # ---- lazily loaded parts ----------------------------------------------------------------
    @cached_property
    def encoder(self) -> CachedEncoder:
        inner = self._encoder_arg or load_encoder(self._model_arg)
        store = EmbeddingCache(self.cache / "embeddings.sqlite") if self.persist_cache else None
        return CachedEncoder(inner, store)

    @property
    def encoder_loaded(self) -> bool:
        """Whether the encoder (so the model) is loaded yet; asking does not load it."""
        return "encoder" in self.__dict__

    @cached_property
    def index(self) -> ItemIndex:
        return load_or_build(self.catalog.all(), self.encoder, self._index_cache())

    def _index_cache(self) -> Path:
        """The default catalogue's index lives in the cache root; any other catalogue folder gets its own
        (so that switching with $MATCHER_CATALOG or --catalog does not rebuild the other's index)."""
        import hashlib

        from .catalog import bundled_catalog_dir

        directories = [d.resolve() for d in self.catalog.directories]
        if bundled_catalog_dir().resolve() in directories:
            return self.cache
        return self.cache / "catalogs" / hashlib.sha256("\n".join(map(str, directories)).encode()).hexdigest()[:12]

    @cached_property
    def calibration(self) -> sc.Calibration:
        return self._calibration_arg or sc.load_calibration(self.encoder.name)

    @cached_property
    def judge(self) -> Judge | None:
        """The learned judge for this model (``python -m evaluation``); None when there is none."""
        if self._calibration_arg is not None:
            return None  # an explicit calibration asks for the calibrated feature scorer
        return Judge.load(self.encoder.name)

    @cached_property
    def rank_table(self) -> RankTable:
        """Every catalogued standard's core views, texts and title vectors (built once per Matcher)."""
        return RankTable(self.catalog.all(), self.index, self.encoder)

    @cached_property
    def rank_params(self) -> RankParams:
        return self._rank_params_arg or load_rank_params(self.encoder.name)

    @cached_property
    def rank_exemplars(self) -> Exemplars:
        """The labelled documents the ranker compares with (none with explicit ``rank_params``)."""
        return Exemplars.empty() if self._rank_params_arg else load_exemplars(self.encoder.name)

    @cached_property
    def _attitude_cues(self) -> dict[str, list[str]]:
        return json.loads(resources.attitude_cues_path().read_text(encoding="utf-8"))

    def glossary(self, std: Standard) -> Glossary:
        """The standard's glossary, with each attitude's explicit-statement cues as its terms
        (an attitude without cues in ``matcher/data/attitude_cues.json`` is cued by its own name)."""
        if std.code not in self._glossaries:
            cues = {c.id: self._attitude_cues.get(c.name, [c.name]) for c in std.attitudes}
            self._glossaries[std.code] = self.catalog.glossary(std.code).merged(cues)
        return self._glossaries[std.code]

    def warm(self) -> "Matcher":
        """Load the model and the index now (for servers and benchmarks)."""
        _ = self.index, self.calibration
        return self

    def standard(self, code: str | None) -> Standard:
        return self.catalog.get(code if code is not None else self.catalog.default_code())

    @cached_property
    def _layout(self) -> dict[str, tuple[list[Item], np.ndarray, np.ndarray]]:
        """Per standard: items in index order, first view row per item, type index per item."""
        out = {}
        for std in self.catalog.all():
            items, starts, types = [], [], []
            row = 0
            for item, texts in item_views(std):
                items.append(item)
                starts.append(row)
                types.append(MATCH_TYPES.index(item.type))
                row += len(texts)
            out[std.code] = (items, np.asarray(starts), np.asarray(types))
        return out

    @cached_property
    def _children(self) -> dict[str, list[tuple[int, list[int]]]]:
        return {code: sc.task_children(items) for code, (items, _, _) in self._layout.items()}

    # ---- analysis -----------------------------------------------------------------------------
    def analyse(self, texts: Sequence[str], *, kind: str = "posting") -> list[Analysed]:
        """Split texts into clauses and embed all content clauses in one batch (deduplicated)."""
        if kind not in KINDS:
            raise InputError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
        texts = [check_input(t) for t in texts]
        split = [split_clauses(t) for t in texts]
        content = [tuple(i for i, c in enumerate(cl) if not c.boilerplate) for cl in split]
        flat = [split[k][i].norm for k, idx in enumerate(content) for i in idx]
        vecs = self.encoder.encode(flat, kind="passage", persist=(kind == "posting" and self.persist_cache))
        out, pos = [], 0
        for t, cl, idx in zip(texts, split, content):
            out.append(Analysed(t, tuple(cl), idx, vecs[pos : pos + len(idx)]))
            pos += len(idx)
        return out

    def match(self, text: str, *, standard: str | None = None, kind: str = "posting") -> MatchReport:
        std = self.standard(standard)
        return self.score(self.analyse([text], kind=kind)[0], std, kind=kind)

    def match_many(self, texts: Sequence[str], *, standard: str | None = None, kind: str = "posting") -> list[MatchReport]:
        std = self.standard(standard)
        return [self.score(a, std, kind=kind) for a in self.analyse(texts, kind=kind)]

    def item_layout(self, std: Standard) -> list[Item]:
        """The standard's matchable items in the order of every per-item array."""
        return list(self._layout[std.code][0])

    def base_features(self, a: Analysed, std: Standard) -> tuple[np.ndarray, np.ndarray]:
        """(n_items, n_content_clauses, len(score.FEATURES)) clause features and the glossary hits
        (n_items, n_content_clauses), items in :meth:`item_layout` order."""
        items, starts, types = self._layout[std.code]
        ix = self.index
        rows = ix.standard_rows(std.code)
        dense = ix.dense(std.code, a.vectors)
        clause_norms = [a.clauses[i].norm for i in a.content]
        if clause_norms:
            lex = (ix.lexical_views(std.code) @ ix.lexical.transform(clause_norms).T).toarray().astype(np.float32)
        else:
            lex = np.zeros((len(rows), 0), dtype=np.float32)
        terms = self.glossary(std).hits([it.id for it in items], clause_norms)
        return sc.clause_features(dense, ix.mu[rows], ix.sigma[rows], lex, starts, terms), terms

    def features(self, a: Analysed, std: Standard) -> tuple[np.ndarray, np.ndarray]:
        """(n_items, n_content_clauses, len(FEATURES)) clause features and the evidence mask
        of the calibrated feature scorer (used where no judge is fitted)."""
        types = self._layout[std.code][2]
        feats, terms = self.base_features(a, std)
        # attitudes only from explicit statements: a clause is evidence for one only if it holds a cue
        mask = np.ones(feats.shape[:2], dtype=bool)
        attitude = types == MATCH_TYPES.index("attitude")
        mask[attitude] = terms[attitude] > 0
        return feats, mask

    def score(self, a: Analysed, std: Standard, *, kind: str = "posting") -> MatchReport:
        if self.judge is not None:
            return self._judged(a, std, kind, self.judge)
        cal = self.calibration
        items, _, types = self._layout[std.code]
        feats, mask = self.features(a, std)
        offsets = sc.item_offset_vector(cal, std.code, [it.id for it in items])
        probs = sc.item_probabilities(sc.item_features(feats, mask), types, cal, offsets)
        probs = sc.propagate_tasks(probs, self._children[std.code])
        logits = sc.clause_logits(feats, types, cal, offsets)
        children = dict(self._children[std.code])
        glossary = self.glossary(std)
        statuses = [sc.status_of(float(p), cal) for p in probs]
        results = []
        for i, item in enumerate(items):
            ev: list[Evidence] = []
            if statuses[i] != "missing" and feats.shape[1]:
                # a task's evidence: its own clauses and its indicators' clauses
                family = [i, *children.get(i, [])]
                row = logits[family].max(axis=0)
                order = np.argsort(-row, kind="stable")
                for c in order:
                    if not mask[i, c]:
                        continue
                    p = float(sc.sigmoid(row[c]))
                    # the best clause is always shown: an item's probability combines the best
                    # value of each feature, which may come from different clauses
                    if (ev and p < cal.partial) or len(ev) >= MAX_EVIDENCE:
                        break
                    cl = a.clauses[a.content[c]]
                    terms = dict.fromkeys(t for k in family for t in glossary.matched(items[k].id, cl.norm))
                    ev.append(Evidence(cl.text, cl.start, cl.end, p, tuple(terms)))
            results.append(ItemResult(item, statuses[i], float(probs[i]), tuple(ev)))
        return self._report(std, kind, results, probs, a)

    def _judged(self, a: Analysed, std: Standard, kind: str, judge: Judge) -> MatchReport:
        """Statuses and evidence from the learned judge (:mod:`.judge`)."""
        items = self.item_layout(std)
        ids = [it.id for it in items]
        types = [it.type for it in items]
        base, terms = self.base_features(a, std)
        norms = [a.clauses[i].norm for i in a.content]
        g = clause_feature_tensor(base, terms, norms, kind == "resume")
        rows = judge.trained_positions(std.code, ids)
        s = judge.clause_scores(g, a.vectors, types, rows)
        probs = judge.doc_probabilities(best_clause(s), rows, kind == "resume")
        judged = np.array([t in JUDGED_TYPES for t in types])
        probs = np.where(judged, probs, 0.0)
        # tasks and outputs follow from their indicators (an output from its task's)
        pos = {x: k for k, x in enumerate(ids)}
        kids = dict(self._children[std.code])
        family = {k: kids.get(k if it.type == "task" else pos[it.task_id], [])
                  for k, it in enumerate(items) if it.type in ("task", "output") and it.task_id in pos}
        for k, fam in family.items():
            if fam:
                probs[k] = max(probs[fam])
        glossary = self.glossary(std)
        results = []
        for k, item in enumerate(items):
            trained = bool(rows[k] >= 0) or any(rows[c] >= 0 for c in family.get(k, []))
            covered_at, partial_at = judge.thresholds(trained)
            p = float(probs[k])
            status = "covered" if p >= covered_at else "partial" if p >= partial_at else "missing"
            ev: list[Evidence] = []
            if status != "missing" and s.shape[1]:
                fam = family.get(k, [k])
                row = s[fam].max(axis=0)
                for c in np.argsort(-row, kind="stable"):
                    pc = float(sigmoid(row[c]))
                    if not np.isfinite(row[c]) or (ev and pc < partial_at) or len(ev) >= MAX_EVIDENCE:
                        break
                    cl = a.clauses[a.content[c]]
                    found = tuple(dict.fromkeys(t for f in fam for t in glossary.matched(ids[f], cl.norm)))
                    # implied: the document stage raised the item; this clause alone would not carry it
                    basis = "stated" if (pc >= partial_at or found) else "implied"
                    ev.append(Evidence(cl.text, cl.start, cl.end, pc, found, basis))
            if status == "covered" and ev and all(e.basis == "implied" for e in ev):
                status = "partial"  # inferred only: right about half the time on held-out folds (evaluation/REPORT.md)
            results.append(ItemResult(item, status, p, tuple(ev)))
        fit = judge.fit({i: float(probs[k]) for k, i in enumerate(ids)})
        return self._report(std, kind, results, probs, a, fit=fit, calibrated=True)

    def _report(self, std: Standard, kind: str, results: list[ItemResult], probs: np.ndarray, a: Analysed,
                fit: float | None = None, calibrated: bool | None = None) -> MatchReport:
        cal = self.calibration
        by_task: dict[str, list[ItemResult]] = {}
        for r in results:
            if r.item.task_id and r.item.type in ("indicator", "output"):
                by_task.setdefault(r.item.task_id, []).append(r)
        tasks = []
        for d in std.duties:
            for t in d.tasks:
                rs = by_task.get(t.id, [])
                st = [r.status for r in rs]
                tasks.append(TaskCoverage(t.id, t.name, d.id, sc.coverage(st), st.count("covered"), st.count("partial"), len(st)))
        duties = []
        for d in std.duties:
            ts = [t for t in tasks if t.duty_id == d.id]
            cov = float(np.mean([t.coverage for t in ts])) if ts else 0.0
            duties.append(TaskCoverage(d.id, d.name, d.id, cov, sum(t.covered for t in ts), sum(t.partial for t in ts), sum(t.total for t in ts)))
        statuses = [r.status for r in results]
        core = np.array([r.item.type in ("task", "output", "indicator") for r in results])
        if fit is None:
            fit = sc.fit_score(sc.fit_features(probs, statuses, core), cal)
        if calibrated is None:
            calibrated = cal.calibrated
        warnings = []
        if not a.content:
            warnings.append("no content clauses: the text holds only boilerplate (company intro, benefits, contact) or nothing to match")
        if not calibrated:
            warnings.append(f"model {self.encoder.name} is not calibrated; statuses use prior thresholds")
        if std.partial:
            warnings.append(f"{std.code} is a partial standard: matched on its tasks, outputs and indicators only "
                            "(its source has no knowledge, skills or attitudes)")
        return MatchReport(
            standard=StandardRef(std.code, std.name, std.version),
            kind=kind,
            fit=fit,
            items=tuple(results),
            tasks=tuple(tasks),
            duties=tuple(duties),
            gaps=tuple(gap_advice(std, results, kind)),
            clauses=len(a.content),
            boilerplate=len(a.clauses) - len(a.content),
            model=self.encoder.name,
            calibrated=calibrated,
            warnings=tuple(warnings),
            partial=std.partial,
        )

    # ---- other questions -------------------------------------------------------------------------
    def rank(self, text: str, *, top: int | None = None, kind: str = "posting") -> list[RankedStandard]:
        """Every catalogued standard by fit to ``text``, best first, with the closest clauses as evidence."""
        return self.rank_analysed(self.analyse([text], kind=kind)[0], top=top)

    def rank_many(self, texts: Sequence[str], *, top: int | None = None, kind: str = "posting") -> list[list[RankedStandard]]:
        return [self.rank_analysed(a, top=top) for a in self.analyse(texts, kind=kind)]

    def rank_features(self, a: Analysed, *, exemplars: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """(n_standards, len(rank.FEATURES)) ranking features of an analysed text, in catalogue order,
        and the clause-to-view cosines they came from; ``exemplars=False`` leaves the exemplar features 0
        (the evaluation fills them per fold)."""
        return self.rank_table.features(a.text, [a.clauses[i].norm for i in a.content], a.vectors,
                                        self.rank_exemplars if exemplars else None)

    def rank_analysed(self, a: Analysed, *, top: int | None = None) -> list[RankedStandard]:
        table = self.rank_table
        x, cos = self.rank_features(a)
        fits = self.rank_params.fit_of(x)
        order = sorted(range(len(table.standards)), key=lambda k: (-fits[k], table.codes[k]))
        if top:
            order = order[:top]
        return [
            RankedStandard(table.codes[k], table.standards[k].name, float(fits[k]), table.standards[k].partial,
                           table.evidence(k, cos, a.clauses, a.content))
            for k in order
        ]

    def fit(self, resume: str, posting: str, *, standard: str | None = None) -> FitReport:
        std = self.standard(standard)
        pa = self.analyse([posting], kind="posting")[0]
        ra = self.analyse([resume], kind="resume")[0]
        pr, rr = self.score(pa, std, kind="posting"), self.score(ra, std, kind="resume")
        asked = [(p, r) for p, r in zip(pr.items, rr.items) if p.status != "missing"]
        return FitReport(
            standard=pr.standard,
            posting_fit=pr.fit,
            resume_fit=rr.fit,
            items=tuple(FitItem(p.item, p, r) for p, r in asked),
        )

