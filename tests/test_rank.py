"""The ranking stage's role head and level (which occupation a document names)."""

from __future__ import annotations

import numpy as np
import pytest

from matcher.rank import EXEMPLAR_FEATURES, FEATURES, ROLE_FEATURES, Exemplars, RankParams, role_head, role_level


def test_role_head_takes_the_title_line_not_a_bare_heading():
    posting = "【公司介紹】\n沐芮公關｜社群小編\n【工作內容】\n1. 經營 IG 與 FB 粉絲專頁\n"
    assert role_head(posting) == "沐芮公關|社群小編"


def test_role_head_of_a_resume_reads_wanted_job_and_dated_roles():
    resume = ("基本資料\n姓名：王小明\n希望職務：品牌行銷專員\n工作經歷\n甜日烘焙｜社群小編｜2021/03–至今\n"
              "自傳：我在 2019 年畢業後一直從事行銷工作，負責社群經營、活動企劃與廣告投放，也協助門市促銷，累積了許多實務經驗與成果。\n")
    assert role_head(resume) == "姓名:王小明 品牌行銷專員 甜日烘焙|社群小編|2021/03–至今"  # a long dated line is not a role


def test_role_head_adds_chinese_for_english_role_words():
    assert role_head("Senior PR Manager | Tech\nWe are hiring.") == "Senior PR Manager | Tech 公關 經理"


@pytest.mark.parametrize(("text", "level"), [("公關經理", 1), ("Event PR Lead", 1), ("活動企劃助理", -1),
                                             ("PR Intern", -1), ("社群媒體經營人員", 0)])
def test_role_level(text, level):
    assert role_level(text) == level


def test_features_are_base_normalised_relative_and_role():
    assert len(FEATURES) == 12 * 3 + len(ROLE_FEATURES) * 2 + len(EXEMPLAR_FEATURES)
    assert FEATURES[36:38] == ("role_name", "role_name_q")
    assert FEATURES[-len(EXEMPLAR_FEATURES) - 1] == "rel_text_name"
    assert FEATURES[-1] == "knn_vote"
    p = RankParams.prior("m")
    assert RankParams.from_json(p.to_json()) == p


def _unit(*v):
    a = np.array(v, dtype=np.float32)
    return a / np.linalg.norm(a)


def test_exemplar_features_follow_the_nearest_labelled_documents(tmp_path):
    ex = Exemplars.of(np.stack([_unit(1, 0, 0), _unit(0.9, 0.1, 0), _unit(0, 1, 0)]),
                      [("PR",), ("PR", "EVENT"), ()])
    codes = ["EVENT", "PR", "NEW"]  # NEW: a standard no labelled document was given
    f = ex.features(_unit(1, 0.05, 0)[None, :], codes)[0]
    ex_max, has, rel, vote = (f[:, k] for k in range(len(EXEMPLAR_FEATURES)))
    assert has.tolist() == [1.0, 1.0, 0.0]
    assert ex_max[1] > ex_max[0] > 0.9 and ex_max[2] == 0.0 and rel[1] == 0.0
    assert vote[1] > vote[0] > vote[2] == 0.0 and vote[1] <= 1.0
    # a document is never its own exemplar when excluded
    own = ex.features(ex.vectors, codes, exclude=np.eye(3, dtype=bool))
    assert own[0, 1, 0] < 1.0 - 1e-6
    ex.save(tmp_path / "x.npz")
    back = Exemplars.load(tmp_path / "x.npz")
    assert back.codes == ex.codes and (back.accepted == ex.accepted).all()
    assert np.allclose(back.vectors, ex.vectors, atol=1e-3)


def test_no_exemplars_give_zero_features():
    assert not Exemplars.empty().features(_unit(1, 0)[None, :], ["A", "B"]).any()
