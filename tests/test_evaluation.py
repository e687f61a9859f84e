"""The evaluation's corpus reader, threshold choice and the judge's fitting on tiny synthetic data."""

from __future__ import annotations

import numpy as np
import pytest

from evaluation import train as tr
from evaluation.corpus import LabelledDoc, available, load_real, load_written
from evaluation.features import Collected, DocFeatures
from matcher.judge import CLAUSE_FEATURES, JUDGED_TYPES, Judge


@pytest.mark.shared
def test_corpora_load_with_their_fixed_splits():
    if not available():
        pytest.skip("../shared/labelling is not present")
    written = load_written()
    real, problems = load_real()
    assert len(written) == 240 and sum(d.split == "test" for d in written) == 60
    assert len(real) == 182 and sum(d.split == "test" for d in real) == 55 and problems == []
    assert {d.writer for d in written} == {f"W{n}" for n in range(1, 9)}
    # gold and ambiguous never overlap; gold is what both annotators gave
    for d in written + real:
        assert not d.positive & d.ambiguous
        assert d.positive == d.annotator_a & d.annotator_b
        assert set(d.evidence) == set(d.positive)


def test_choose_thresholds_hand_computed():
    p = np.array([[0.9, 0.8, 0.6, 0.3, 0.1]])
    y = np.array([[True, True, False, True, False]])
    s = np.ones_like(y)
    covered, partial = tr.choose_thresholds(p, y, s, covered_precision=1.0)
    # F1 is best from 0.11 to 0.30 (tp 3, fp 1, fn 0: 0.857); the lowest grid point there is 0.11
    assert partial == pytest.approx(0.11)
    # precision 1.0 first reached above 0.6 (tp 2, fp 0)
    assert covered == pytest.approx(0.61)


def _synthetic(n_docs=40, n_clauses=6, dim=8, seed=0):
    """Two items; a clause is evidence for item 0 when its first coordinate is high, for item 1
    when its second is. Item 1 is also implied whenever item 0 is present (stage 2 learns it)."""
    rng = np.random.default_rng(seed)
    docs = []
    items = ("P1.1.1", "S01")
    for k in range(n_docs):
        V = rng.normal(size=(n_clauses, dim)) * 0.1
        y_clause = np.zeros((2, n_clauses), dtype=np.float32)
        has0 = k % 2 == 0
        has1 = has0 or k % 3 == 0
        if has0:
            V[0, 0] += 1.0
            y_clause[0, 0] = 1
        if k % 3 == 0:
            V[1, 1] += 1.0
            y_clause[1, 1] = 1
        V /= np.linalg.norm(V, axis=1, keepdims=True)
        g = np.zeros((2, n_clauses, len(CLAUSE_FEATURES)), dtype=np.float32)
        doc = LabelledDoc(f"d{k}", "written", "posting", "pr" if has0 else "unrelated", "zh-TW", "W1", "train", "",
                          frozenset(i for i, h in zip(items, (has0, has1)) if h), frozenset())
        docs.append(DocFeatures(doc, g, g[:, :, :4], V.astype(np.float32), tuple((c, c + 1) for c in range(n_clauses)),
                                y_clause, np.array([has0, has1]), np.array([True, True]), ("x",) * n_clauses))
    return Collected("X", items, ("indicator", "skill"), np.array([0, 1]), docs)


def test_fit_judge_learns_evidence_and_implication():
    col = _synthetic()
    judge = tr.fit_judge(col, list(range(30)), "m", {k: k % 2 == 0 for k in range(30)}, max_iter=30)
    hits = 0
    for k in range(30, 40):
        p, top = tr.predict(judge, col, col.docs[k])
        pred = p >= judge.partial
        hits += int((pred == col.docs[k].y).all())
        if col.docs[k].y[0]:
            assert top[0] == 0  # the evidence clause is the one that carries the signal
    assert hits >= 9
    assert judge.fit(dict(zip(col.items, tr.predict(judge, col, col.docs[30])[0]))) > 0.5  # doc 30: item 0 present


def test_judge_round_trips_through_json_and_npz(tmp_path):
    col = _synthetic(n_docs=12)
    judge = tr.fit_judge(col, list(range(12)), "some/model", {k: k % 2 == 0 for k in range(12)}, about={"x": 1}, max_iter=10)
    path = judge.save(tmp_path)
    assert path.name == "some_model.json" and (tmp_path / "some_model.npz").is_file()
    back = Judge.load("some/model", tmp_path)
    assert back is not None and back.items == judge.items and back.about["x"] == 1
    for k in Judge.ARRAYS:
        np.testing.assert_allclose(getattr(back, k), getattr(judge, k), rtol=1e-6, atol=1e-6)
    assert Judge.load("another/model", tmp_path) is None
    assert len(JUDGED_TYPES) == back.shared_a.shape[0]


@pytest.mark.slow
@pytest.mark.model
@pytest.mark.shared
def test_the_whole_evaluation_runs_on_a_sample():
    """`python -m evaluation --smoke 8`: every protocol and section on every 8th document, few iterations."""
    import subprocess
    import sys

    from tests.conftest import ROOT

    if not available():
        pytest.skip("../shared/labelling is not present")
    out = ROOT / "evaluation" / "REPORT.smoke.md"
    proc = subprocess.run([sys.executable, "-m", "evaluation", "--smoke", "8"], cwd=ROOT, capture_output=True,
                          text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = out.read_text(encoding="utf-8")
    for section in ("## Annotator agreement", "## Cross-validation on the train split", "## Leave one writer out",
                    "## The frozen test split"):
        assert section in report
    assert "| **judge** |" in report and "| BM25 (jieba) |" in report


def test_the_extension_follows_the_protocol():
    """evaluation/labels: 60 documents by W9–W11, two annotators each who are not the writers, gold = both,
    evidence spans inside the text, the split as fixed in split.json, and rank labels for every document."""
    import json

    from evaluation.corpus import EXT, load_ext

    docs = load_ext()
    assert len(docs) == 60 and {d.writer for d in docs} == {"W9", "W10", "W11"}
    split = json.loads((EXT / "split.json").read_text(encoding="utf-8"))
    assert {d.id: d.split for d in docs} == split and sum(v == "test" for v in split.values()) == 30
    rows = {r["id"]: r for r in map(json.loads, (EXT / "written_ext.jsonl").read_text(encoding="utf-8").splitlines())}
    for d in docs:
        a, b = rows[d.id]["annotators"]
        assert a != b and not {a, b} & {d.writer}
        assert d.positive == d.annotator_a & d.annotator_b and d.ambiguous == d.annotator_a ^ d.annotator_b
        for item in d.positive:
            spans = d.evidence[item]["spans"]
            assert spans and all(0 <= s < e <= len(d.text) for s, e in spans), (d.id, item)
    ranks = [json.loads(line) for line in (EXT / "written_ext_rank.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in ranks] == [d.id for d in docs]
    assert all(set(r["acceptable_both"]) <= set(r["acceptable_either"]) for r in ranks)
