from __future__ import annotations

import pytest

from evaluation.devset import load_devset
from tests.conftest import SHARED


def test_devset_shape(seed):
    docs = load_devset(seed)
    kinds = {(k, g): sum(d.kind == k and d.group == g for d in docs)
             for k in ("posting", "resume") for g in ("pr", "neighbour", "unrelated")}
    assert kinds == {("posting", "pr"): 18, ("posting", "neighbour"): 13, ("posting", "unrelated"): 12,
                     ("resume", "pr"): 10, ("resume", "neighbour"): 3, ("resume", "unrelated"): 3}
    pr01 = next(d for d in docs if d.id == "pr-01")
    # tasks are added from their indicators; ambiguous items are never labels
    assert {"T1.1", "T1.3", "T2.1"} <= pr01.labels and "P1.3.1" in pr01.ambiguous
    assert not any(d.labels & d.ambiguous for d in docs)
    assert all(d.text.strip() for d in docs)
    assert {t for d in docs for t in d.tags} == {"boilerplate", "english", "simplified"}


@pytest.mark.shared
@pytest.mark.model
def test_real_postings_auc_runs(tmp_path):
    if not (SHARED / "data" / "postings").is_dir():
        pytest.skip("../shared/data/postings is not present")
    from evaluation.run import shared_postings_auc
    from matcher.pipeline import Matcher

    m = Matcher(cache=tmp_path)
    res = shared_postings_auc(m, m.standard(None), limit=40)
    assert res["n"] == 40 and 0 < res["positives"] < 40
    assert 0.0 <= res["auc"] <= 1.0


def _fake_shared(tmp_path):
    """A made-up postings folder in the layout of ../shared (no third-party text)."""
    import json

    root = tmp_path / "postings"
    root.mkdir()
    rows = [{"id": 1, "title": "公關專員", "requirements": "撰寫新聞稿，規劃記者會"},
            {"id": 2, "title": "工程師", "requirements": "熟悉Python"},
            {"id": 3, "title": "重複", "requirements": "熟悉Python", "requirements_shared_with_earlier_id": 2}]
    (root / "cake_2025.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    return root


def test_real_labels_join_by_id_and_hash(tmp_path, seed):
    from evaluation.real import load_real, read_postings, text_hash
    from matcher.errors import MatcherError

    root = _fake_shared(tmp_path)
    assert set(read_postings(root)) == {"cake_2025:1", "cake_2025:2"}  # the shared-text row is left out
    labels = tmp_path / "labels.txt"
    labels.write_text(
        "# comment\n"
        f"cake_2025:1 | {text_hash('撰寫新聞稿，規劃記者會')} | S14 P2.1.2 | P1.1.3\n"
        "cake_2025:2 | 000000000000 | | \n"
        "cake_2025:9 | 000000000000 | S01 | \n",
        encoding="utf-8",
    )
    docs, problems = load_real(seed, root, labels)
    assert [d.id for d in docs] == ["cake_2025:1"]
    assert docs[0].labels == {"S14", "P2.1.2", "T2.1"} and docs[0].ambiguous == {"P1.1.3"}
    assert problems == ["cake_2025:2: its text changed since it was labelled; left out", f"cake_2025:9: not in {root}"]
    labels.write_text("cake_2025:1 | x | Z99 | \n", encoding="utf-8")
    with pytest.raises(MatcherError, match="Z99"):
        load_real(seed, root, labels)


@pytest.mark.shared
def test_real_labels_match_the_shared_postings(seed):
    if not (SHARED / "data" / "postings").is_dir():
        pytest.skip("../shared/data/postings is not present")
    from evaluation.real import LABELS_2_PATH, load_real

    docs, problems = load_real(seed)
    assert problems == [] and len(docs) == 46
    docs2, problems2 = load_real(seed, path=LABELS_2_PATH)
    assert problems2 == [] and len(docs2) == 52
    assert not {d.id for d in docs} & {d.id for d in docs2}  # the two sets are disjoint
