"""Many standards in one catalogue: import, replace, select, match a partial one, rank."""

from __future__ import annotations

import json

import pytest

from matcher.catalog import Catalog
from matcher.cli import main
from tests.conftest import SEED_TXT, SHARED, hashing_calibration

STANDARDS = SHARED / "data" / "standards"
needs_shared = pytest.mark.skipif(not STANDARDS.is_dir(), reason="../shared/data/standards is absent")
PARTIAL_SEED = STANDARDS / "partial" / "KMC2432-004v2.txt"
SOCIAL = STANDARDS / "partial" / "KMC2431-009v2.txt"


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@needs_shared
def test_all_41_import_in_one_call_into_an_empty_catalogue(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("MATCHER_CATALOG", str(tmp_path / "cat"))
    paths = [str(SEED_TXT), *map(str, sorted((STANDARDS / "full").glob("*.txt"))),
             *map(str, sorted((STANDARDS / "partial").glob("*.txt")))]
    code, out, err = run(capsys, "standards", "import", *paths)
    assert code == 0, err
    assert out.count("imported ") == 41
    # the partial form of the seed does not replace the complete seed without --replace
    assert "skipped: " in err and "KMC2432-004v2 is already catalogued (the complete standard)" in err
    code, out, _ = run(capsys, "standards", "list", "--format", "json")
    listed = json.loads(out)
    assert len(listed) == 41
    assert sum(s["partial"] for s in listed) == 37
    assert next(s for s in listed if s["code"] == "KMC2432-004v2")["attitudes"] == 6
    code, out, _ = run(capsys, "standards", "list", "--search", "社群")
    assert out.splitlines()[0].startswith("KMC2431-009v2\tV2\t社群媒體經營人員")


@needs_shared
def test_replace_only_when_asked(tmp_path, capsys):
    cat = str(tmp_path)
    assert run(capsys, "--catalog", cat, "standards", "import", str(SEED_TXT))[0] == 0
    assert run(capsys, "--catalog", cat, "standards", "import", str(SEED_TXT))[0] == 0  # same content: a no-op
    code, out, err = run(capsys, "--catalog", cat, "standards", "import", str(PARTIAL_SEED))
    assert code == 0 and out == "" and err.startswith("skipped: ")
    assert not Catalog(tmp_path).get("KMC2432-004v2").partial
    code, out, err = run(capsys, "--catalog", cat, "standards", "import", "--replace", str(PARTIAL_SEED))
    assert code == 0 and out == (
        "imported KMC2432-004v2 公關企劃人員: 2 duties, 5 tasks, 6 outputs, 14 indicators, 0 K, 0 S, 0 A "
        "(partial: no K/S/A, ids generated)\n")
    assert Catalog(tmp_path).get("KMC2432-004v2").partial


@pytest.fixture()
def two_standards(tmp_path):
    if not SOCIAL.is_file():
        pytest.skip("../shared/data/standards is absent")
    from matcher.embed import HashingEncoder
    from matcher.pipeline import Matcher

    cat = Catalog(tmp_path / "cat")
    cat.import_file(SEED_TXT)
    cat.import_file(SOCIAL)
    return Matcher(cat, encoder=HashingEncoder(), calibration=hashing_calibration(), cache=tmp_path / "cache")


def test_a_partial_standard_is_matched_and_says_so(two_standards):
    r = two_standards.match("經營社群媒體，規劃發文策略並即時回覆網友留言", standard="KMC2431-009v2")
    assert r.partial and r.to_dict()["partial"] is True
    assert {i.item.type for i in r.items} == {"task", "output", "indicator"}
    assert "部分版本" in r.to_markdown() and "partial standard" in r.to_text()
    assert not two_standards.match("撰寫新聞稿").partial
    # one index over both standards, built once
    assert sorted(two_standards.index.rows) == ["KMC2431-009v2", "KMC2432-004v2"]


def test_rank_orders_neighbours_with_evidence(two_standards):
    social = "經營社群媒體，規劃發文策略與主題內容\n即時回覆網友留言，與網友保持互動\n統計社群數據並提出改善方案"
    pr = "撰寫新聞稿與聲明書，擔任媒體聯繫窗口\n規劃公關活動企劃書，辦理公關活動採購"
    assert [r.code for r in two_standards.rank(social)] == ["KMC2431-009v2", "KMC2432-004v2"]
    assert [r.code for r in two_standards.rank(pr)] == ["KMC2432-004v2", "KMC2431-009v2"]
    top = two_standards.rank(social, top=1)[0]
    assert top.partial and top.evidence and top.evidence[0].text in social
    assert set(top.to_dict()) == {"code", "name", "fit", "partial", "evidence"}


def test_batch_rank_columns(two_standards, tmp_path):
    from matcher.batch import BatchConfig, read_rows, score_file

    inp = tmp_path / "in.csv"
    inp.write_text("id,text\n1,經營社群媒體，規劃發文策略與主題內容，即時回覆網友留言\n2,\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    score_file(two_standards, inp, out, BatchConfig(("text",), "id", None, rank=True), progress=False)
    rows = [r.values for r in read_rows(out)]
    assert rows[0]["ranked"] == "KMC2431-009v2 KMC2432-004v2"
    assert rows[1]["status"] == "empty" and rows[1]["ranked"] == "" and rows[1]["best_standard"] == ""
