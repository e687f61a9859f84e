from __future__ import annotations

import pytest

from matcher.errors import EmptyInputError, InputTooLargeError, UnknownStandardError

POSTING = """【公司介紹】本公司成立於1990年，是國內知名的公關顧問公司
【工作內容】
1. 新聞稿、致詞稿、聲明書撰寫
2. 代理商管理
【福利】年終獎金、勞健保
"""


def test_match_statuses_and_evidence_offsets(fake_matcher):
    r = fake_matcher.match(POSTING)
    s14 = r.item("S14")
    assert (s14.status, [e.text for e in s14.evidence]) == ("covered", ["新聞稿、致詞稿、聲明書撰寫"])
    e = s14.evidence[0]
    assert POSTING[e.start : e.end] == "新聞稿、致詞稿、聲明書撰寫" and (e.start, e.end) == (41, 54)
    s15 = r.item("S15")
    assert s15.status == "covered" and s15.evidence[0].text == "代理商管理"
    assert r.item("K03").status == "missing" and r.item("K03").evidence == ()
    assert (r.clauses, r.boilerplate) == (2, 2)


def test_boilerplate_is_never_evidence(fake_matcher):
    r = fake_matcher.match(POSTING)
    spans = {(e.start, e.end) for it in r.items for e in it.evidence}
    assert spans == {(41, 54), (58, 63)}


def test_report_json_contract(fake_matcher):
    d = fake_matcher.match(POSTING).to_dict()
    assert d["standard"] == {"code": "KMC2432-004v2", "name": "公關企劃人員", "version": "V2"}
    assert d["kind"] == "posting" and 0.0 <= d["fit"] <= 1.0
    assert {i["type"] for i in d["items"]} == {"indicator", "task", "output", "knowledge", "skill", "attitude"}
    assert len(d["items"]) == 62
    item = next(i for i in d["items"] if i["id"] == "S14")
    assert set(item) >= {"id", "type", "text", "status", "score", "evidence"}
    assert set(item["evidence"][0]) == {"text", "start", "end", "score", "terms", "basis"}
    # the glossary term that the evidence clause holds is named
    assert "新聞稿" in item["evidence"][0]["terms"] and "新聞稿" in item["evidence"][0]["text"]
    assert [t["id"] for t in d["tasks"]] == ["T1.1", "T1.2", "T1.3", "T2.1", "T2.2"]
    assert all(set(t) >= {"id", "name", "coverage"} for t in d["tasks"])
    assert d["gaps"] and d["gaps"][0]["task_id"] == "T1.1"


def test_renderings(fake_matcher):
    r = fake_matcher.match(POSTING)
    md = r.to_markdown()
    assert md.startswith("# 職能比對：公關企劃人員（KMC2432-004v2）")
    assert "| S14 | 技能 | 新聞稿、致詞稿、聲明書撰寫能力 | 已涵蓋 |" in md
    assert "✔ S14" in r.to_text()
    assert "關鍵詞：新聞稿" in next(line for line in md.splitlines() if line.startswith("| S14 |"))
    rows = r.to_csv_rows()
    assert rows[0]["id"] == "T1.1" and len(rows) == 62
    assert "新聞稿" in next(row for row in rows if row["id"] == "S14")["terms"].split(" | ")


def test_attitudes_only_from_explicit_statements(fake_matcher):
    # the same wording as A06's definition: without an explicit cue it is tone, not a statement
    calm = fake_matcher.match("負責撰寫新聞稿\n能冷靜且有效地應對及處理高度緊張的情況")
    assert calm.item("A06").status == "missing" and calm.item("A06").score < 0.01
    explicit = fake_matcher.match("負責撰寫新聞稿\n抗壓性高，能冷靜且有效地應對及處理高度緊張的情況")
    assert explicit.item("A06").status != "missing"
    assert explicit.item("A06").evidence[0].text == "抗壓性高，能冷靜且有效地應對及處理高度緊張的情況"


def test_bad_input(fake_matcher):
    with pytest.raises(EmptyInputError):
        fake_matcher.match("   \n ")
    with pytest.raises(InputTooLargeError):
        fake_matcher.match("新" * 25_000)
    with pytest.raises(UnknownStandardError, match="available: KMC2432-004v2"):
        fake_matcher.match("撰寫新聞稿", standard="NOPE")


def test_only_boilerplate(fake_matcher):
    r = fake_matcher.match("【福利】年終獎金、勞健保\n上班地點：台北市信義區松仁路100號5樓")
    assert r.clauses == 0 and all(i.status == "missing" for i in r.items)
    assert r.warnings and "boilerplate" in r.warnings[0]


def test_rank_and_fit(fake_matcher):
    ranked = fake_matcher.rank(POSTING)
    assert [r.code for r in ranked] == ["KMC2432-004v2"]
    fit = fake_matcher.fit("曾負責新聞稿、致詞稿、聲明書撰寫", POSTING)
    asked = {f.item.id: f.resume.status for f in fit.items}
    assert asked["S14"] == "covered" and asked["S15"] == "missing"
    d = fit.to_dict()
    assert "S15" in d["missing"] and "S14" not in d["missing"]


def test_every_evidenced_item_names_a_clause(fake_matcher):
    r = fake_matcher.match(POSTING + "\n撰寫成效分析與改善建議報告\n蒐集回饋意見")
    for item in r.items:
        assert (item.status == "missing") == (item.evidence == ()), item.item.id
