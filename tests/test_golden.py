"""The CLI's JSON on the bundled examples stays what it was when the judge was fitted
(tests/golden/*.json, written by `matcher match FILE --format json`): statuses, evidence
clauses with their offsets and basis, and scores and fit within a small tolerance. A change
that moves them is either a bug or a deliberate change: then rewrite the golden files."""

from __future__ import annotations

import json

import pytest

from matcher.resources import default_model_dir
from tests.conftest import ROOT

pytestmark = pytest.mark.model

if not (default_model_dir() / "modules.json").is_file():  # pragma: no cover
    pytest.skip("default model not built: run `matcher model build`", allow_module_level=True)

GOLDEN = sorted((ROOT / "tests" / "golden").glob("*.json"))


@pytest.fixture(scope="module")
def matcher(tmp_path_factory):
    from matcher import Matcher

    return Matcher(cache=tmp_path_factory.mktemp("cache"))


@pytest.mark.parametrize("golden", GOLDEN, ids=[p.stem for p in GOLDEN])
def test_examples_match_their_golden_output(matcher, golden):
    want = json.loads(golden.read_text(encoding="utf-8"))
    text = (ROOT / "examples" / f"{golden.stem}.txt").read_text(encoding="utf-8")
    got = matcher.match(text, kind=want["kind"]).to_dict()
    assert (got["standard"], got["kind"], got["calibrated"]) == (want["standard"], want["kind"], want["calibrated"])
    assert got["fit"] == pytest.approx(want["fit"], abs=0.02)
    assert [i["id"] for i in got["items"]] == [i["id"] for i in want["items"]]
    for g, w in zip(got["items"], want["items"]):
        assert g["status"] == w["status"], g["id"]
        assert g["score"] == pytest.approx(w["score"], abs=0.02), g["id"]
        assert [(e["start"], e["end"], e["basis"]) for e in g["evidence"]] == \
            [(e["start"], e["end"], e["basis"]) for e in w["evidence"]], g["id"]
    assert [t["coverage"] for t in got["tasks"]] == pytest.approx([t["coverage"] for t in want["tasks"]], abs=0.01)
