"""Read the other published forms of an iCAP 職能基準, detected from content.

Three forms reach the catalogue:

* ``export``: the text export of the standard's web tables (the seed's form), read by
  :mod:`matcher.icap`;
* ``outline``: a flattened parse of the standard's PDF: ``key: value`` metadata,
  ``## T1 duty``, ``### T1.1 task [職能級別 N]``, ``O…``/``P…`` lines, per task
  ``K: K01 name; …`` and ``S: …``, then ``## 態度 (A)`` and ``## 說明與補充事項``;
* ``partial``: description plus one line per duty, task, output and indicator, in
  table order, with no codes, levels or K/S/A (below a ``--- T/O/P lines`` marker).

A partial standard comes back with ``partial=True`` and ``generated_ids=True``. Its
indicators are the lines ending in "。", kept verbatim (footnote markers aside) and in
order. The name lines before a run of indicators are read as ``[duty,] task,
outputs…``; whether the first of them opens a new duty cannot always be told from the
text, and every such reading is recorded in ``Standard.import_notes``. Damage (a cut
last line, a code glued to its text, a missing 。) is returned as warnings naming the
line, and nothing is dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from .errors import StandardFormatError
from .icap import ParsedStandard, ParseWarning, join_text, parse_standard, read_standard_text
from .standard import Classification, Competency, Duty, Footnote, Indicator, Output, Standard, Task, Version

__all__ = ["FORMS", "detect_form", "parse_any", "read_any", "parse_outline", "parse_partial"]

FORMS = ("export", "outline", "partial")
PARTIAL_MARKER = "--- T/O/P lines"

_FOOTNOTE_REF_RE = re.compile(r"\^?\{?\s*【\s*註\s*(\d+)\s*】\s*\}?")
_CJK = "\u2e80-\u2fff\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
_CJK_SPACE_RE = re.compile(rf"(?<=[{_CJK}])[ \u3000]+(?=[{_CJK}])")
# a transcriber's remark after the value: "   (defect: …)", "   (line split as stored)"
_REMARK_RE = re.compile(r"\s{2,}\(([^()]*(?:\([^()]*\)[^()]*)*)\)\s*$")


def _clean(text: str) -> tuple[str, tuple[int, ...]]:
    """Footnote markers out (their numbers returned), stray spaces between CJK characters removed."""
    notes = tuple(int(n) for n in _FOOTNOTE_REF_RE.findall(text))
    text = _FOOTNOTE_REF_RE.sub("", text).replace("\u3000", " ").strip()
    return _CJK_SPACE_RE.sub("", text), notes


def _body_lines(text: str) -> list[tuple[int, str]]:
    """(1-based line number, text) of every non-blank line that is not a ``# …`` comment (``##`` heads a section)."""
    out = []
    for n, line in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), 1):
        s = line.strip().lstrip("\ufeff")
        if s and not (s.startswith("#") and not s.startswith("##")):
            out.append((n, s))
    return out


def detect_form(text: str) -> str:
    """``partial``, ``outline`` or ``export``, from the text itself."""
    body = "\n".join(s for _, s in _body_lines(text))
    if PARTIAL_MARKER in body:
        return "partial"
    if re.search(r"^##\s+T\d+\s", body, re.M) and re.search(r"^###\s+T\d+\.\d+\s", body, re.M):
        return "outline"
    return "export"


def parse_any(text: str, *, source: str | None = None) -> ParsedStandard:
    if "\x00" in text:
        raise StandardFormatError("the file is binary, not text", source=source)
    form = detect_form(text)
    if form == "partial":
        return parse_partial(text, source=source)
    if form == "outline":
        return parse_outline(text, source=source)
    return parse_standard(text, source=source)


def read_any(path: str | Path) -> ParsedStandard:
    """Read a standard in any of :data:`FORMS` from a file (UTF-8, UTF-8 with BOM, or Big5/CP950)."""
    return parse_any(read_standard_text(path), source=str(Path(path)))


# ---- shared metadata ----------------------------------------------------------------------------------
_CODE_RE = re.compile(r"^[A-Z]{3}\d{4}-\d{3}v\d+$")


def _meta(lines: list[tuple[int, str]], warn) -> dict[str, tuple[int, str]]:
    """``key: value`` lines (ASCII or full-width colon) -> {key: (line, value)}."""
    out: dict[str, tuple[int, str]] = {}
    for n, s in lines:
        m = re.match(r"^([^:：]{1,30})[:：]\s*(.*)$", s)
        if m:
            out[m.group(1).strip()] = (n, _unremark(n, m.group(2), warn))
    return out


def _unremark(n: int, value: str, warn) -> str:
    """Take a transcriber's trailing remark off a value (as a warning); join a value split as stored."""
    m = _REMARK_RE.search(value)
    if not m:
        return value.strip()
    remark = m.group(1)
    value = value[: m.start()].strip()
    if remark.startswith("line split"):
        parts = [p.strip() for p in value.split(" / ")]
        joined = parts[0]
        for p in parts[1:]:
            joined = join_text(joined, p)
        warn(n, f"a value split over lines in the source was joined: {joined[:40]}")
        return joined
    warn(n, f"source remark: {remark}")
    return value


def _classification(value: str) -> Classification | None:
    """"AVA 藝文與影音傳播/視覺藝術" -> Classification("藝文與影音傳播/視覺藝術", "AVA")."""
    if not value:
        return None
    first = value.split(";")[0].strip()
    code, _, name = first.partition(" ")
    if not name:
        return Classification(first, "")
    return Classification(name.strip() if len(value.split(";")) == 1 else value.strip(), code.strip())


# ---- outline form -----------------------------------------------------------------------------------
@dataclass
class _OTask:
    id: str
    name: str
    level: int | None
    line: int
    footnotes: tuple[int, ...] = ()
    outputs: list[Output] = field(default_factory=list)
    indicators: list[Indicator] = field(default_factory=list)
    knowledge: list[str] = field(default_factory=list)
    skills: list[str] = field(default_factory=list)


def parse_outline(text: str, *, source: str | None = None) -> ParsedStandard:
    """Parse the outline form (``## T1 …`` / ``### T1.1 … [職能級別 N]`` / O… / P… / K: / S:)."""
    warnings: list[ParseWarning] = []

    def warn(line: int | None, message: str) -> None:
        warnings.append(ParseWarning(line, message))

    lines = _body_lines(text)
    first_section = next((i for i, (_, s) in enumerate(lines) if s.startswith("## ")), len(lines))
    meta = _meta(lines[:first_section], warn)
    code = meta.get("職能基準代碼", (None, ""))[1].split()[0] if meta.get("職能基準代碼", (0, ""))[1] else ""
    if not code:
        raise StandardFormatError("no 職能基準代碼 line before the first duty", source=source)
    if not _CODE_RE.match(code):
        warn(meta["職能基準代碼"][0], f"code {code!r} is not of the form ABC1234-001v1")
    name_key = next((k for k in meta if k.startswith("職能基準名稱")), None)
    name = meta[name_key][1] if name_key else ""
    name_kind = "職類" if name_key and "職類" in name_key else "職業"
    if not name:
        raise StandardFormatError("no 職能基準名稱 line before the first duty", source=source)

    duties: list[tuple[str, str, tuple[int, ...], list[_OTask]]] = []
    knowledge: dict[str, Competency] = {}
    skills: dict[str, Competency] = {}
    attitudes: list[Competency] = []
    footnotes: list[Footnote] = []
    quals: list[str] = []
    notes: list[str] = []
    section = "table"
    task: _OTask | None = None

    def comp_refs(n: int, value: str, table: dict[str, Competency], prefix: str) -> list[str]:
        ids = []
        for part in (p.strip() for p in value.split(";")):
            if not part:
                continue
            m = re.match(rf"^({prefix}\d{{2,3}})\s*(.*)$", part)
            if not m:
                warn(n, f"cannot read {part[:30]!r} as a {prefix} item; kept as a note")
                notes.append(part)
                continue
            cid = m.group(1)
            cname, fns = _clean(m.group(2))
            if cid not in table:
                table[cid] = Competency(cid, cname, "", fns)
            elif fns and not table[cid].footnotes:
                table[cid] = replace(table[cid], footnotes=fns)
            ids.append(cid)
        return ids

    for n, raw in lines[first_section:]:
        s = _unremark(n, raw, warn)
        if s.startswith("## ") and not re.match(r"^##\s+T\d+\s", s):
            section = "attitudes" if "態度" in s else "notes"
            task = None
            continue
        if section == "attitudes":
            m = re.match(r"^(A\d{2,3})\s*([^：:]*?)\s*(?:[：:]\s*(.*))?$", s)
            if m:
                aname, fns = _clean(m.group(2))
                attitudes.append(Competency(m.group(1), aname, (m.group(3) or "").strip(), fns))
            else:
                warn(n, f"not an attitude line (A01 name：definition); kept as a note: {s[:30]}")
                notes.append(s)
            continue
        if section == "notes":
            m = re.match(r"^【\s*註\s*(\d+)\s*】\s*([^：:]*)[：:]\s*(.*)$", s)
            if m:
                footnotes.append(Footnote(int(m.group(1)), m.group(2).strip(), m.group(3).strip()))
            elif re.match(r"^應備資格", s):
                quals.append(re.sub(r"^應備資格(\([^)]*\))?\s*[:：]\s*", "", s))
            else:
                notes.append(s)
            continue
        m = re.match(r"^##\s+(T\d+)\s+(.*)$", s)
        if m:
            dname, fns = _clean(m.group(2))
            duties.append((m.group(1), dname, fns, []))
            task = None
            continue
        m = re.match(r"^###\s+(T\d+\.\d+)\s+(.*?)\s*(?:\[職能級別\s*([^\]]*)\])?$", s)
        if m:
            if not duties:
                raise StandardFormatError("a task before any duty (## T1 …)", line=n, source=source)
            tid, tname = m.group(1), m.group(2)
            tname, fns = _clean(tname)
            level = None
            if m.group(3):
                lv = re.findall(r"\d+", m.group(3))
                level = int(lv[0]) if lv else None
                if len(set(lv)) > 1:
                    warn(n, f"task {tid} level is uncertain ({m.group(3).strip()}); read as {level}")
            else:
                warn(n, f"task {tid} has no [職能級別 N]")
            did = duties[-1][0]
            if not tid.startswith(did + "."):
                warn(n, f"task {tid} is under duty {did}")
            task = _OTask(tid, tname, level, n, fns)
            duties[-1][3].append(task)
            continue
        if task is None:
            warn(n, f"text outside any task; kept as a note: {s[:30]}")
            notes.append(s)
            continue
        if re.match(r"^O\s*:\s*\(none\)$", s):
            continue
        m = re.match(r"^([OP])(\d+\.\d+\.\d+)\s*(.*)$", s)
        if m:
            kind, num, body = m.group(1), m.group(2), m.group(3)
            items = task.outputs if kind == "O" else task.indicators
            expected = f"{task.id[1:]}.{len(items) + 1}"
            iid = f"{kind}{num}"
            if num != expected:
                if num.startswith(expected) and num[len(expected):].isdigit():
                    glued = num[len(expected):]
                    warn(n, f"code {iid} read as {kind}{expected} with {glued!r} glued from its text")
                    body = glued + body
                elif num.rsplit(".", 1)[0] != task.id[1:]:
                    warn(n, f"code {iid} is under task {task.id}; renumbered {kind}{expected}")
                else:
                    warn(n, f"code {iid} out of sequence (expected {kind}{expected}); renumbered")
                iid = f"{kind}{expected}"
            body, fns = _clean(body)
            if not body:
                warn(n, f"{iid} has no text")
            elif kind == "O" and len(body) < 2:
                warn(n, f"{iid} name {body!r} looks truncated")
            items.append(Output(iid, body, fns) if kind == "O" else Indicator(iid, body, fns))  # type: ignore[arg-type]
            continue
        m = re.match(r"^([KS])\s*:\s*(.*)$", s)
        if m:
            if m.group(1) == "K":
                task.knowledge.extend(comp_refs(n, m.group(2), knowledge, "K"))
            else:
                task.skills.extend(comp_refs(n, m.group(2), skills, "S"))
            continue
        warn(n, f"unrecognised line in task {task.id}; kept as a note: {s[:30]}")
        notes.append(s)

    if not duties:
        raise StandardFormatError("no duties (## T1 …) found", source=source)
    for did, dname, _, tasks in duties:
        if not tasks:
            warn(None, f"duty {did} {dname} has no tasks")
        for t in tasks:
            if not t.indicators:
                warn(t.line, f"task {t.id} has no indicators")
    std = Standard(
        code=code,
        name=name,
        name_kind=name_kind,
        level=_int(meta.get("基準級別", (0, ""))[1]),
        description=meta.get("工作描述", (0, ""))[1],
        versions=_versions(meta.get("版本", (0, ""))[1]),
        category=_classification(meta.get("職類別", (0, ""))[1]),
        occupation=_classification(meta.get("職業別", (0, ""))[1]),
        industry=_classification(meta.get("行業別", (0, ""))[1]),
        duties=tuple(
            Duty(did, dname, tuple(
                Task(t.id, t.name, t.level, tuple(t.outputs), tuple(t.indicators),
                     tuple(dict.fromkeys(t.knowledge)), tuple(dict.fromkeys(t.skills)), t.footnotes)
                for t in tasks
            ), dfn)
            for did, dname, dfn, tasks in duties
        ),
        knowledge=tuple(sorted(knowledge.values(), key=lambda c: int(c.id[1:]))),
        skills=tuple(sorted(skills.values(), key=lambda c: int(c.id[1:]))),
        attitudes=tuple(attitudes),
        footnotes=tuple(footnotes),
        qualifications=tuple(quals),
        notes=tuple(notes),
        import_notes=tuple(str(w) for w in warnings),
    )
    return ParsedStandard(std, tuple(warnings))


def _int(value: str) -> int | None:
    m = re.search(r"\d+", value or "")
    return int(m.group(0)) if m else None


def _versions(value: str) -> tuple[Version, ...]:
    """"V4 CODE name 最新版本 2023/12/15 | V3 …" -> Version rows (unreadable parts are skipped)."""
    out = []
    for part in (p.strip() for p in value.split("|") if p.strip()):
        m = re.match(r"^(V\d+)\s+(\S+)\s+(.*?)\s+(最新版本|歷史版本)\s+(\d{4}/\d{2}/\d{2})\s*(.*)$", part)
        if m:
            out.append(Version(m.group(1), m.group(2), m.group(3), m.group(4), m.group(6).strip(), m.group(5)))
    return tuple(out)


# ---- partial form -----------------------------------------------------------------------------------------
# Output names are nouns (企劃書, 報表, 紀錄 …); task names start with a verb.
_OUTPUT_END = re.compile(
    r"(書|表|單|報告|紀錄|記錄|文件|資料|清單|稿|圖|樣品|建議|分析|意見|方案|計畫|計劃|名單|合約|契約|檔案|簡報|手冊|"
    r"規範|素材|腳本|文案|企劃|提案|預算|指標|流程|報價|影片|作品|設計|規格|目標|策略|架構|對照|統計|內容|檔|冊|卡|案|函)"
    r"(\(.*\)|（.*）)?$"
)
_VERB_START = re.compile(
    r"^(執行|規劃|協助|進行|建立|維護|確立|確認|評估|調整|掌握|蒐集|收集|擬定|管理|撰寫|制定|訂定|發展|"
    r"推動|處理|監督|監控|追蹤|整合|溝通|協調|籌備|策劃|提出|提供|製作|產出|規畫|辦理|檢核|檢視|檢討|控管|"
    r"管控|運用|經營|採購|維繫|拓展|開發|研擬|完成|實施|落實|審核|督導|帶領|領導|培育|招募|評選|選擇|安排|準備|"
    r"操作|主持|參與|支援|洽談|議定|簽訂|導入|優化|改善|回應|應對|因應|預防|解決|判斷|研究|調查|觀察|定義|界定|"
    r"盤點|彙整|整理|驗收|呈現|傳達|輔導|指導|分配|編列|編製|"
    r"計算|估算|擬訂|決定|設定|定位|形塑|塑造|建構|架設|串連|連結|開拓|爭取|取得|申請|配合|依據|依照|依)"
)


def _is_indicator(s: str) -> bool:
    return s.endswith(("。", "."))


def _comma_outside_parens(s: str) -> bool:
    depth = 0
    for ch in s:
        if ch in "(（":
            depth += 1
        elif ch in ")）":
            depth = max(0, depth - 1)
        elif ch in ",，" and depth == 0:
            return True
    return False


def _looks_like_cut_indicator(s: str) -> bool:
    """A line without its 。 that reads as an indicator: a clause break outside brackets, sentence length."""
    return len(s) >= 15 and _comma_outside_parens(s)


def _output_like(s: str) -> bool:
    """A noun ending (書, 表, 紀錄 …) and no leading verb; short verb-noun names (回饋意見) are outputs too."""
    if not _OUTPUT_END.search(s):
        return False
    return not _VERB_START.match(s) or len(s) <= 5


def parse_partial(text: str, *, source: str | None = None) -> ParsedStandard:
    """Parse the partial form: metadata, a ``--- T/O/P lines`` marker, then one line per element."""
    warnings: list[ParseWarning] = []
    ambiguities: list[str] = []

    def warn(line: int | None, message: str) -> None:
        warnings.append(ParseWarning(line, message))

    lines = _body_lines(text)
    at = next((i for i, (_, s) in enumerate(lines) if s.startswith(PARTIAL_MARKER)), None)
    if at is None:
        raise StandardFormatError(f"no {PARTIAL_MARKER!r} line: not the partial form", source=source)
    meta = _meta(lines[:at], warn)
    code = meta.get("職能基準代碼", (0, ""))[1].strip()
    name = next((v for k, (_, v) in meta.items() if k.startswith("職能基準名稱")), "").strip()
    if not code:
        raise StandardFormatError("no 職能基準代碼 line before the T/O/P lines", source=source)
    if not name:
        raise StandardFormatError("no 職能基準名稱 line before the T/O/P lines", source=source)
    if not _CODE_RE.match(code):
        warn(meta["職能基準代碼"][0], f"code {code!r} is not of the form ABC1234-001v1")
    body = lines[at + 1 :]
    if not body:
        raise StandardFormatError("no duty, task or indicator lines after the marker", line=lines[at][0], source=source)

    # 1. every line is a name or an indicator
    kinds: list[str] = []
    for k, (n, s) in enumerate(body):
        if _is_indicator(s):
            kinds.append("P")
        elif _looks_like_cut_indicator(s):
            where = "the last line" if k == len(body) - 1 else "a line"
            warn(n, f"{where} without its closing 。 read as an indicator (cut or merged in the source): {s[:30]}")
            kinds.append("P")
        else:
            kinds.append("N")
    # 2. blocks: a run of names, then the run of indicators that follows it
    blocks: list[tuple[list[tuple[int, str]], list[tuple[int, str]]]] = []
    for (n, s), kind in zip(body, kinds):
        if kind == "N":
            if not blocks or blocks[-1][1]:
                blocks.append(([], []))
            blocks[-1][0].append((n, s))
        else:
            if not blocks:
                warn(n, "indicator before any duty or task name; put under a task named by the standard")
                blocks.append(([(n, name)], []))
            blocks[-1][1].append((n, s))
    # 3. each block: [duty,] task, outputs…
    duties: list[tuple[str, tuple[int, ...], list[Task]]] = []
    for b, (names, inds) in enumerate(blocks):
        new_duty = False
        if b == 0:
            if len(names) == 1:
                ambiguities.append(f"line {names[0][0]}: one name line opens the standard; read as both duty and task")
                names = [names[0], names[0]]
            new_duty = True
        elif len(names) >= 2:
            first, second = names[0][1], names[1][1]
            second_output = _output_like(second)
            second_task = bool(_VERB_START.match(second)) and not second_output
            new_duty = second_task or (not second_output and len(names) >= 3)
            reading = "a new duty, then task" if new_duty else "a task, then outputs"
            ambiguities.append(
                f"line {names[0][0]}: {first!r} then {second!r} read as {reading} (duty/task/output not marked)"
            )
        if not inds:
            where = "end of the text" if b == len(blocks) - 1 else "next name line"
            warn(names[-1][0], f"names with no indicators before the {where}: {' / '.join(s for _, s in names)[:60]}")
        if new_duty:
            dname, dfn = _clean(names[0][1])
            duties.append((dname, dfn, []))
            names = names[1:]
        d = len(duties)
        tasks = duties[-1][2]
        t = len(tasks) + 1
        tname, tfn = _clean(names[0][1])
        outputs = []
        for o, (_, s) in enumerate(names[1:], 1):
            oname, ofn = _clean(s)
            outputs.append(Output(f"O{d}.{t}.{o}", oname, ofn))
        indicators = []
        for p, (_, s) in enumerate(inds, 1):
            ptext, pfn = _clean(s)
            indicators.append(Indicator(f"P{d}.{t}.{p}", ptext, pfn))
        tasks.append(Task(f"T{d}.{t}", tname, None, tuple(outputs), tuple(indicators), (), (), tfn))

    std = Standard(
        code=code,
        name=name,
        description=meta.get("工作描述", (0, ""))[1],
        duties=tuple(Duty(f"T{i}", dn, tuple(ts), dfn) for i, (dn, dfn, ts) in enumerate(duties, 1)),
        partial=True,
        generated_ids=True,
        import_notes=tuple([*ambiguities, *(str(w) for w in warnings)]),
    )
    return ParsedStandard(std, tuple(warnings))
