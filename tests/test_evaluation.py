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
