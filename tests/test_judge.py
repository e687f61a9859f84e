"""The learned judge on the behaviours users reported (real model, fitted judge).

The texts here were written for these tests; none comes from the labelled corpora.
"""

from __future__ import annotations

import pytest

from matcher.judge import negated
from matcher.resources import default_model_dir

pytestmark = pytest.mark.model

if not (default_model_dir() / "modules.json").is_file():  # pragma: no cover
    pytest.skip("default model not built: run `matcher model build`", allow_module_level=True)


@pytest.fixture(scope="module")
def matcher(tmp_path_factory):
    from matcher.pipeline import Matcher

    m = Matcher(cache=tmp_path_factory.mktemp("cache")).warm()
    if m.judge is None:
        pytest.skip("no judge fitted for the default model: run `python -m evaluation`")
    return m


def evidenced(report, item_id: str) -> bool:
    return report.item(item_id).status != "missing"


MIXED_PR = """Senior PR Executive（外商消費電子品牌）
What you'll do:
- Draft press releases, media alerts and Q&A documents for product launches
- Build and maintain our media list; pitch stories to tech and lifestyle reporters
- Work with our PR agency on launch events and track its deliverables
- Compile monthly coverage reports and analyse share of voice
Requirements: 3+ years in PR or communications; fluent in Chinese and English
"""

PR_ASSISTANT = """公關助理
工作內容：
1. 協助記者會與品牌活動執行，現場報到與媒體接待
2. 整理每日剪報與媒體露出，製作月報
3. 協助撰寫新聞稿初稿，更新記者名單
4. 活動結束後協助廠商請款與核銷
條件：細心負責，具良好溝通能力
"""

RESUME_EVENTS = """工作經歷
2019-2024 某整合行銷公關公司 資深公關專員
・執行汽車、美妝品牌新品發表會及記者會約 30 場
・撰寫新聞稿並邀約媒體出席，活動後彙整露出成效報告
"""


def test_negated_press_release_is_not_evidence(matcher):
    posting = "行政專員\n工作內容：\n1. 處理公文收發與會議記錄\n2. 本職缺不需撰寫新聞稿\n3. 協助採購辦公用品並比價"
    assert not evidenced(matcher.match(posting), "S14")
    resume = "自我介紹\n我負責行政庶務與會議安排。新聞稿撰寫與媒體關係過去主要由同事負責，我接觸較少。"
    assert not evidenced(matcher.match(resume, kind="resume"), "S14")


def test_negation_cues():
    assert negated("本職缺不需撰寫新聞稿") and negated("新聞稿過去主要由同事負責，我接觸較少")
    assert negated("No PR experience needed") and not negated("負責撰寫新聞稿")
    # another team owns the work (guideline rule 6), but not "by me" or "by you"
    assert negated("Media enquiries and press releases are handled by the Corporate Communications team")
    assert negated("對外新聞稿由公關室統一發布") and negated("本職位不負責媒體聯繫")
    assert not negated("新聞稿由我負責撰寫") and not negated("Press releases are handled by you")


def test_mixed_english_pr_posting(matcher):
    r = matcher.match(MIXED_PR)
    for item in ("S14", "P2.1.2", "S15"):
        assert evidenced(r, item), (item, r.item(item).score)
    assert r.fit > 0.5


def test_agency_management_in_english_evidences_s15(matcher):
    r = matcher.match("Marketing Manager\n- Manage our PR agency and track its deliverables\n- Own the quarterly budget")
    assert evidenced(r, "S15"), r.item("S15").score


def test_pr_assistant_posting_fits(matcher):
    r = matcher.match(PR_ASSISTANT)
    assert r.fit > 0.5
    for item in ("P1.3.1", "S14", "S02", "A05"):
        assert evidenced(r, item), (item, r.item(item).score)


def test_resume_listing_its_events_evidences_p131(matcher):
    posting = "公關專員\n1. 依年度公關計畫執行記者會與品牌活動\n2. 撰寫新聞稿並維繫媒體關係"
    fit = matcher.fit(RESUME_EVENTS, posting)
    asked = {f.item.id: f for f in fit.items}
    assert "P1.3.1" in asked
    assert asked["P1.3.1"].resume.status != "missing"
    assert "P1.3.1" not in fit.to_dict()["missing"]


def test_evidence_says_its_basis(matcher):
    r = matcher.match(PR_ASSISTANT)
    bases = {e.basis for it in r.items for e in it.evidence}
    assert bases <= {"stated", "implied"} and "stated" in bases
    assert all("basis" in e for it in r.to_dict()["items"] for e in it["evidence"])
