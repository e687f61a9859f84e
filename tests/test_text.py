from __future__ import annotations

import pytest

from matcher.errors import BinaryInputError, EmptyInputError, InputTooLargeError
from matcher.text import check_input, decode_bytes, is_simplified, normalize, split_clauses, to_traditional

POSTING = """【公司介紹】
我們是一家專注於品牌溝通的整合行銷公司，成立於2010年。
【工作內容】
1. 負責撰寫新聞稿、致詞稿及聲明書，並維護媒體關係。
2、規劃記者會、產品上市會等公關活動
(3) 經營官方社群媒體（FB/IG），熟悉Python者佳
④ 管理代理商；協助採購與核銷作業
● 具1.5年以上公關經驗 • press release writing
工作內容： 1. 蒐集產業趨勢 2. 協助主管完成企劃書
【福利待遇】
月薪 NT$38,000~45,000，年終獎金，勞健保
上班地點：台北市信義區松仁路100號5樓
應徵方式：請將履歷寄至 hr@example.com
"""


def test_clauses_exact_spans_and_sections():
    got = [(c.text, c.section, c.boilerplate) for c in split_clauses(POSTING)]
    assert got == [
        ("我們是一家專注於品牌溝通的整合行銷公司，成立於2010年。", "公司介紹", "company"),
        ("負責撰寫新聞稿、致詞稿及聲明書，並維護媒體關係。", "工作內容", ""),
        ("規劃記者會、產品上市會等公關活動", "工作內容", ""),
        ("經營官方社群媒體（FB/IG），熟悉Python者佳", "工作內容", ""),
        ("管理代理商；", "工作內容", ""),
        ("協助採購與核銷作業", "工作內容", ""),
        ("具1.5年以上公關經驗", "工作內容", ""),
        ("press release writing", "工作內容", ""),
        ("蒐集產業趨勢", "工作內容", ""),
        ("協助主管完成企劃書", "工作內容", ""),
        ("月薪 NT$38,000~45,000，年終獎金，勞健保", "福利待遇", "benefits"),
        ("台北市信義區松仁路100號5樓", "上班地點", "address"),
        ("請將履歷寄至 hr@example.com", "應徵方式", "apply"),
    ]


def test_offsets_index_the_original_text():
    for c in split_clauses(POSTING):
        assert POSTING[c.start : c.end] == c.text
    crlf = POSTING.replace("\n", "\r\n")
    for c in split_clauses(crlf):
        assert crlf[c.start : c.end] == c.text


def test_boilerplate_without_headings():
    text = "負責撰寫新聞稿\n本公司成立於1990年，為上市公司\n享勞健保、年終獎金\n聯絡電話 02-2345-6789\n"
    assert [(c.text, c.boilerplate) for c in split_clauses(text)] == [
        ("負責撰寫新聞稿", ""),
        ("本公司成立於1990年，為上市公司", "company"),
        ("享勞健保、年終獎金", "benefits"),
        ("聯絡電話 02-2345-6789", "contact"),
    ]


@pytest.mark.parametrize(
    "line",
    ["1. 撰寫新聞稿", "1、撰寫新聞稿", "(1) 撰寫新聞稿", "（一）撰寫新聞稿", "① 撰寫新聞稿", "● 撰寫新聞稿",
     "• 撰寫新聞稿", "‧撰寫新聞稿", "- 撰寫新聞稿", "■ 撰寫新聞稿", "一、撰寫新聞稿", "１．撰寫新聞稿", "★撰寫新聞稿"],
)
def test_every_list_marker_is_stripped(line):
    assert [c.text for c in split_clauses(line)] == ["撰寫新聞稿"]


def test_long_clause_is_cut_at_commas():
    text = "依組織公共關係政策與目標，提出公關活動宣傳需求與預算，規劃公關活動企劃書及簡報，並與各部門溝通協調提案內容，取得主管同意後完成企劃書，最後執行活動並追蹤成效與回饋意見。"
    parts = [c.text for c in split_clauses(text)]
    assert len(text) > 80 and len(parts) > 1
    assert "".join(parts).replace("，", "") == text.replace("，", "")


def test_normalize():
    assert normalize("熟悉ＰＹＴＨＯＮ　與ＳＱＬ") == "熟悉PYTHON 與SQL"
    assert normalize("负责撰写新闻稿") == "負責撰寫新聞稿"
    # Traditional text is never rewritten by OpenCC's phrase tables
    assert normalize("規劃新聞發布會與記者會") == "規劃新聞發布會與記者會"
    assert is_simplified("负责策划发布会") and not is_simplified("負責策劃發布會")
    assert to_traditional("Python") == "Python"


def test_check_input_errors():
    with pytest.raises(EmptyInputError):
        check_input("")
    with pytest.raises(EmptyInputError):
        check_input(" \n\t　")
    with pytest.raises(EmptyInputError):
        check_input("。。。！！")
    with pytest.raises(BinaryInputError):
        check_input(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    with pytest.raises(InputTooLargeError, match="20,000"):
        check_input("字" * 20_001)
    assert check_input("負責撰寫新聞稿".encode("cp950")) == "負責撰寫新聞稿"
    assert check_input("\ufeff負責".encode("utf-8")) == "負責"


def test_decode_bytes_rejects_unknown_encodings():
    with pytest.raises(BinaryInputError):
        decode_bytes(bytes([0x81, 0x30, 0xFF, 0xFE, 0x81]) * 10)


def test_simplified_boilerplate_is_recognised():
    text = "【公司简介】\n我们是一家公关公司\n【工作内容】\n负责撰写新闻稿\n【福利待遇】\n周休二日、年终奖金\n【应征方式】\n请寄简历"
    got = [(c.norm, c.boilerplate) for c in split_clauses(text)]
    assert got == [("我們是一家公關公司", "company"), ("負責撰寫新聞稿", ""), ("週休二日、年終獎金", "benefits"), ("請寄簡歷", "apply")]


def test_first_line_title_is_not_evidence():
    got = [(c.text, c.boilerplate) for c in split_clauses("公關企劃專員（集團公關室）\n1. 撰寫新聞稿\n")]
    assert got == [("公關企劃專員（集團公關室）", "title"), ("撰寫新聞稿", "")]
    assert split_clauses("王小明｜公關專員\n- 撰寫新聞稿")[0].boilerplate == "title"
    assert split_clauses("PR Specialist 公關專員\n撰寫新聞稿")[0].boilerplate == "title"
    # a duty on the first line, a one-line text, or a heading is not a title
    assert split_clauses("負責撰寫新聞稿\n管理代理商")[0].boilerplate == ""
    assert split_clauses("公關企劃專員")[0].boilerplate == ""
    assert split_clauses("【工作內容】\n撰寫新聞稿")[0].section == "工作內容"


def _content(text):
    return [c.text for c in split_clauses(text) if not c.boilerplate]


def test_english_section_headings_end_the_company_section():
    posting = ("Corporate Communications Manager\n\nAbout us\n我們是半導體設備供應商，員工約3,200人。\n\n"
               "What you'll do\n- 撰寫中英文 press release 與 CEO speech\n- 管理外部 PR agency\n\n"
               "What we're looking for\n- 熟悉公平交易法\n\nBenefits\n- 員工分紅、彈性工時\n")
    assert _content(posting) == ["撰寫中英文 press release 與 CEO speech", "管理外部 PR agency", "熟悉公平交易法"]


def test_numbered_headings_and_one_line_fields():
    posting = ("■ 甄選職位：公共關係專員\n■ 工作地點：臺北市總管理處（企劃處公共關係組）\n\n一、工作內容\n"
               "1. 辦理新聞稿撰擬、發布及媒體聯繫。\n二、應具備專業知識\n（一）政府採購法及其施行細則\n四、甄試方式\n第一試：筆試\n")
    content = _content(posting)
    assert "辦理新聞稿撰擬、發布及媒體聯繫。" in content and "政府採購法及其施行細則" in content
    assert not any("臺北市總管理處" in c or "筆試" in c for c in content)


def test_a_location_field_does_not_swallow_the_responsibilities():
    posting = ("Events Executive\nCompany: Lumen Property Group\nLocation: Kowloon Bay\n\nResponsibilities\n"
               "• Plan and execute seasonal mall events\n")
    assert _content(posting) == ["Plan and execute seasonal mall events"]


def test_an_english_bullet_is_not_cut_into_fragments_at_every_comma():
    line = ("• Plan and execute seasonal mall events (Christmas, CNY, summer campaigns), from concept, "
            "vendor sourcing, to on-site management\n")
    assert len(_content("Responsibilities\n" + line)) == 1
    # a long Chinese clause is still cut at its commas
    zh = "負責" + "、".join(["新聞稿撰寫與發布"] * 4) + "，" + "，".join(["規劃並執行年度公關活動與記者會"] * 5) + "\n"
    assert len(_content("工作內容\n" + zh)) > 1
