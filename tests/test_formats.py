"""The outline and partial forms of iCAP standards (read from ../shared; skipped where it is absent)."""

from __future__ import annotations

import pytest

from matcher.formats import detect_form, parse_any, read_any
from matcher.standard import Standard
from tests.conftest import SHARED

STANDARDS = SHARED / "data" / "standards"
needs_shared = pytest.mark.skipif(not STANDARDS.is_dir(), reason="../shared/data/standards is absent")

TINY_PARTIAL = """# a comment
職能基準代碼: XYZ1234-001v1
職能基準名稱: 測試人員
工作描述: 測試。
--- T/O/P lines (verbatim, structure implicit) ---
規劃測試
撰寫測試計畫
測試計畫書
蒐集需求,撰寫測試計畫。
執行測試
執行測試案例
測試報告
依計畫執行測試並記錄結果。
提出改善建議與檢討報告,作為後續活動
"""


def test_tiny_partial_structure_ids_and_notes():
    parsed = parse_any(TINY_PARTIAL)
    s = parsed.standard
    assert (s.code, s.name, s.description, s.partial, s.generated_ids) == ("XYZ1234-001v1", "測試人員", "測試。", True, True)
    assert [(d.id, d.name) for d in s.duties] == [("T1", "規劃測試"), ("T2", "執行測試")]
    assert [(t.id, t.name, [o.name for o in t.outputs]) for t in s.tasks] == [
        ("T1.1", "撰寫測試計畫", ["測試計畫書"]), ("T2.1", "執行測試案例", ["測試報告"])]
    # the cut last line is kept as an indicator, and said so
    assert [(p.id, p.text) for p in s.indicators] == [
        ("P1.1.1", "蒐集需求,撰寫測試計畫。"), ("P2.1.1", "依計畫執行測試並記錄結果。"), ("P2.1.2", "提出改善建議與檢討報告,作為後續活動")]
    assert [str(w) for w in parsed.warnings] == [
        "line 14: the last line without its closing 。 read as an indicator (cut or merged in the source): 提出改善建議與檢討報告,作為後續活動"]
    assert s.import_notes[0] == "line 10: '執行測試' then '執行測試案例' read as a new duty, then task (duty/task/output not marked)"
    assert (s.knowledge, s.skills, s.attitudes) == ((), (), ())
    assert Standard.from_dict(s.to_dict()) == s
    assert s.to_dict()["partial"] is True and s.to_dict()["generated_ids"] is True


def test_forms_are_detected():
    assert detect_form(TINY_PARTIAL) == "partial"
    assert detect_form("職能基準代碼: A\n## T1 x\n### T1.1 y [職能級別 3]\nP1.1.1 z。\n") == "outline"
    assert detect_form("職能基準代碼\tKMC2432-004v2\n") == "export"


@needs_shared
def test_partial_seed_has_the_seeds_indicators(seed):
    s = read_any(STANDARDS / "partial" / "KMC2432-004v2.txt").standard
    assert s.partial and s.code == seed.code and s.name == seed.name
    assert [p.text.replace(",", "，") for p in s.indicators] == [p.text for p in seed.indicators]
    assert [p.id for p in s.indicators] == [p.id for p in seed.indicators]
    assert [(t.id, t.name) for t in s.tasks] == [(t.id, t.name) for t in seed.tasks]
    assert [o.name for o in s.outputs] == [o.name for o in seed.outputs]
    assert s.task("T2.2").footnotes == (5,)  # 維護代理商【註5】關係: the marker becomes a footnote reference
    assert len(s.import_notes) == 4  # every duty/task/output reading that rests on wording is recorded


@needs_shared
@pytest.mark.parametrize("code,level,counts,warnings", [
    ("AVA2173-001v4", 4, (3, 6, 5, 15, 12, 12, 6), 7),
    ("APP7322-001v4", 4, (5, 11, 18, 11, 21, 19, 7), 6),
    ("MEM3400-001v1", 3, (3, 8, 7, 30, 25, 22, 5), 3),
])
def test_outline_standards(code, level, counts, warnings):
    parsed = read_any(STANDARDS / "full" / f"{code}.txt")
    s = parsed.standard
    assert (s.code, s.level, s.partial, s.generated_ids) == (code, level, False, False)
    assert (len(s.duties), len(s.tasks), len(s.outputs), len(s.indicators), len(s.knowledge), len(s.skills),
            len(s.attitudes)) == counts
    assert len(parsed.warnings) == warnings
    assert all(t.level in (3, 4) for t in s.tasks)
    assert Standard.from_dict(s.to_dict()) == s


@needs_shared
def test_damaged_codes_are_repaired_and_reported():
    parsed = read_any(STANDARDS / "full" / "AVA2173-001v4.txt")
    s = parsed.standard
    assert [(o.id, o.name) for o in s.task("T2.3").outputs] == [("O2.3.1", "3D設計初稿")]
    assert "line 47: code O2.3.13 read as O2.3.1 with '3' glued from its text" in [str(w) for w in parsed.warnings]
    assert s.competency("K01").footnotes == (1,) and s.competency("K01").name == "珠寶屬性相關知識"
    assert s.task("T2.1").level == 3
    mem = read_any(STANDARDS / "full" / "MEM3400-001v1.txt").standard
    assert [o.id for o in mem.task("T2.1").outputs] == ["O2.1.1"]
