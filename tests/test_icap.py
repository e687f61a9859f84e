from __future__ import annotations

import re

import pytest

from matcher.errors import StandardFormatError
from matcher.icap import join_text, parse_standard
from matcher.standard import Standard

P222 = "依公關活動執行成果及績效，記錄代理商執行品質及改善問題，以作為後續合作參考。"


def test_seed_counts(seed):
    assert len(seed.duties) == 2
    assert [t.id for t in seed.tasks] == ["T1.1", "T1.2", "T1.3", "T2.1", "T2.2"]
    assert [o.id for o in seed.outputs] == ["O1.1.1", "O1.2.1", "O1.3.1", "O1.3.2", "O1.3.3", "O2.2.1"]
    assert len(seed.indicators) == 14
    assert [k.id for k in seed.knowledge] == [f"K{i:02d}" for i in range(1, 17)]
    assert [k.id for k in seed.skills] == [f"S{i:02d}" for i in range(1, 16)]
    assert [a.id for a in seed.attitudes] == [f"A{i:02d}" for i in range(1, 7)]


def test_seed_metadata(seed):
    assert seed.code == "KMC2432-004v2"
    assert seed.name == "公關企劃人員"
    assert seed.version == "V2"
    assert seed.level == 3
    assert seed.description == "依據組織公關策略，擬定主題項目，並執行組織內外部公關工作。"
    assert [(v.version, v.code, v.status, v.date) for v in seed.versions] == [
        ("V2", "KMC2432-004v2", "最新版本", "2023/12/15"),
        ("V1", "KMC2432-004v1", "歷史版本", "2020/11/25"),
    ]
    assert (seed.category.name, seed.category.code) == ("行銷與銷售 / 行銷傳播", "KMC")
    assert (seed.occupation.name, seed.occupation.code) == ("公關專業人員", "2432")
    assert seed.industry.code == "M7020"
    assert seed.qualifications == ("大專以上相關科系畢業，或具 1 年以上公關相關工作經驗。",)


def test_seed_exact_texts(seed):
    texts = {p.id: p.text for p in seed.indicators}
    assert texts["P2.2.2"] == P222
    assert texts["P2.1.1"] == "依組織權責分工，擔任組織內外部公共關係事務性溝通窗口。"
    assert texts["P2.1.2"] == "依相關法令規範及組織規範，執行媒體/社群媒體內容、公關事務性工作及內外關係經營。"
    assert texts["P1.1.3"] == (
        "依組織公共關係政策、目標與公共關係計畫，提出公關活動宣傳需求與預算，規劃公關活動企劃書及簡報"
        "(含目標、預算、範圍、資源、型態與辦理方式等)。"
    )
    assert seed.task("T2.2").name == "維護代理商關係"
    assert seed.duties[0].name == "規劃公關活動"
    assert seed.competency("S14").name == "新聞稿、致詞稿、聲明書撰寫能力"
    assert seed.competency("A06").name == "壓力容忍"
    assert seed.competency("A01").description.startswith("對他人表現理解、友善")


def test_seed_structure(seed):
    t22 = seed.task("T2.2")
    assert t22.skills == ("S01", "S02", "S10", "S15")
    assert t22.knowledge == ("K14", "K15", "K16")
    assert [p.id for p in t22.indicators] == ["P2.2.1", "P2.2.2"]
    t21 = seed.task("T2.1")
    assert t21.outputs == ()
    assert t21.skills[-1] == "S14"
    assert all(t.level == 3 for t in seed.tasks)


def test_seed_footnotes(seed):
    assert seed.competency("K06").footnotes == (2,)
    assert seed.duties[0].footnotes == (1,)
    assert seed.task("T2.2").footnotes == (5,)
    assert {p.id: p.footnotes for p in seed.indicators if p.footnotes} == {"P2.1.1": (3,), "P2.1.2": (4,)}
    assert [(f.number, f.term) for f in seed.footnotes] == [
        (1, "公關活動"),
        (2, "相關法令規範"),
        (3, "內外部公共關係"),
        (4, "公關事務性工作"),
        (5, "代理商"),
    ]
    assert seed.footnote(5).text == "廣告公司、公關公司、整合行銷公司、媒體採購公司...等。"


def test_json_round_trip(seed):
    again = Standard.from_json(seed.to_json())
    assert again == seed
    assert again.to_json() == seed.to_json()


def test_json_matches_schema_and_contract(seed):
    import json
    from pathlib import Path

    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((Path(__file__).parent.parent / "matcher/data/schema/standard.schema.json").read_text())
    d = seed.to_dict()
    jsonschema.validate(d, schema)
    task = d["duties"][1]["tasks"][1]
    assert set(task) >= {"id", "name", "level", "outputs", "indicators", "knowledge", "skills"}
    assert d["attitudes"][0]["description"].startswith("對他人")


def test_bundled_json_is_the_parsers_output(seed):
    from tests.conftest import SEED_TXT

    bundled = SEED_TXT.with_suffix(".json").read_text(encoding="utf-8")
    assert bundled == seed.to_json()


# ---- variants of the same document ----------------------------------------------------
def _wrap_cells(text: str) -> str:
    """Break multi-item cells over several lines, as another export tool would."""
    text = text.replace("</p> <p>", "</p>\n<p>")
    text = re.sub(r" (P\d\.\d\.\d) ", r"\n\1 ", text)
    text = re.sub(r" ([KS]\d\d) ", r"\n\1 ", text)
    # wrap one indicator mid-sentence
    return text.replace("依組織規範及公關活動企劃書，辦理", "依組織規範及公關活動企劃書，\n辦理")


VARIANTS = {
    "crlf": lambda t: t.replace("\n", "\r\n"),
    "blank_lines": lambda t: t.replace("\n", "\n\n"),
    "bom_and_fullwidth_spaces": lambda t: "\ufeff" + t.replace("\tT1.2 ", "\t\u3000T1.2 "),
    "header_repeated": lambda t: t.replace(
        "\n\tT1.3 ", "\n主要職責\t工作任務\t工作產出\t行為指標\t職能級別\t職能內涵 (K=knowledge 知識)\t職能內涵 (S=skills 技能)\n\tT1.3 "
    ),
    "wrapped_cells": _wrap_cells,
    "no_page_break": lambda t: t.replace(
        "記錄代理商\t3\t", "記錄代理商執行品質及改善問題，以作為後續合作參考。\t3\t"
    ).replace("工作表件製作與撰寫\n\n主要職責", "工作表件製作與撰寫 S15 代理商管理能力\n\n主要職責").replace(
        "\t\t\t執行品質及改善問題，以作為後續合作參考。\t\t\tS15 代理商管理能力\n", ""
    ),
}


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_variants_parse_to_the_same_standard(seed_text, seed, name):
    variant = VARIANTS[name](seed_text)
    assert variant != seed_text
    assert parse_standard(variant).standard == seed


# ---- bad input ---------------------------------------------------------------------------
def _error(text: str) -> StandardFormatError:
    with pytest.raises(StandardFormatError) as info:
        parse_standard(text)
    return info.value


def test_empty_text():
    err = _error("")
    assert err.line == 1 and "empty" in str(err)
    assert _error(" \n\n\t\n").line == 1


def test_not_a_standard():
    err = _error("誠徵公關專員\n負責撰寫新聞稿\n")
    assert err.line == 3
    assert "主要職責" in str(err) and "iCAP" in str(err)


def test_truncated_in_the_table(seed_text):
    cut = seed_text[: seed_text.index("\tT1.3 ")]
    err = _error(cut)
    assert "truncated" in str(err)


def test_truncated_mid_task(seed_text):
    lines = seed_text.split("\n")
    row = next(i for i, line in enumerate(lines) if line.startswith("\tT1.2"))
    text = "\n".join(lines[:row] + ["\tT1.2 採購公關活動資源\tO1.2.1 廠商合作紀錄文件"])
    err = _error(text)
    assert err.line == row + 1
    assert "T1.2 has no behaviour indicators" in str(err)


def test_undefined_competency(seed_text):
    text = seed_text.replace("K09 組織契約書規範", "K09 組織契約書規範 K17")
    err = _error(text)
    assert err.line == 22 and "refers to K17" in str(err)


def test_duplicate_indicator(seed_text):
    text = seed_text.replace("P1.2.3 進行採購結案", "P1.2.2 進行採購結案")
    err = _error(text)
    assert err.line == 22 and "duplicate id P1.2.2" in str(err)


def test_duplicate_attitude(seed_text):
    text = seed_text.replace("- A02 主動積極", "- A01 主動積極")
    assert "duplicate id A01" in str(_error(text))


def test_conflicting_name_is_a_warning(seed_text):
    text = seed_text.replace("K05 公關活動企劃書內容及注意事項 K06", "K05 企劃書內容 K06")
    parsed = parse_standard(text)
    assert parsed.standard.competency("K05").name == "公關活動企劃書內容及注意事項"
    assert [(w.line, "K05" in w.message) for w in parsed.warnings] == [(22, True)]


def test_binary_text():
    with pytest.raises(StandardFormatError, match="binary"):
        parse_standard("\x00\x01\x02")


def test_join_text():
    assert join_text("記錄代理商", "執行品質") == "記錄代理商執行品質"
    assert join_text("press", "release") == "press release"
    assert join_text("熟悉", "Python") == "熟悉Python"
