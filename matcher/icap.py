"""Parse the text export of an iCAP 職能基準 into a :class:`~matcher.standard.Standard`.

The export is a tab-separated rendering of the standard's web tables:

* a metadata block (version table, 職能基準代碼, 職業, 所屬類別 ..., 工作描述, 基準級別);
* the competency table, one row per task, under the header
  ``主要職責 工作任務 工作產出 行為指標 職能級別 職能內涵(K) 職能內涵(S)``; the header
  repeats at page breaks, and a row may continue after it (a cell that spills over);
* ``職能內涵 (A=attitude 態度)`` with one ``A01 name：description`` line per attitude;
* ``說明與補充事項``: suggested qualifications and footnotes ``【註N】term：text``.

Cells may hold HTML fragments (``<p>``, ``<u>``), footnote markers (``^{【註1】}``),
full-width spaces and several items each ("P1.2.1 ... P1.2.2 ..."). A row is read as
TSV with embedded line breaks, so cells wrapped over several lines, CRLF line ends
and blank lines give the same structure. Items are recognised by their ids (T1,
T1.1, O1.1.1, P1.1.1, K01, S01); text without an id continues the last item of its
column, which is how a row split by a page break is put back together.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .errors import StandardFormatError
from .standard import (
    Classification,
    Competency,
    Duty,
    Footnote,
    Indicator,
    Output,
    Standard,
    Task,
    Version,
)

__all__ = ["ParseWarning", "ParsedStandard", "parse_standard", "read_standard"]

_ID_RE = re.compile(
    r"(?<![A-Za-z0-9.])"
    r"(T\d+\.\d+|T\d+|O\d+\.\d+\.\d+|P\d+\.\d+\.\d+|K\d{2,3}|S\d{2,3})"
    r"(?=[\s\u3000]|$|[^\x00-\x7f]|<)"
)
_FOOTNOTE_REF_RE = re.compile(r"\^?\{?\s*【\s*註\s*(\d+)\s*】\s*\}?")
_TAG_RE = re.compile(r"</?[A-Za-z][^<>]*>")
_FOOTNOTE_DEF_RE = re.compile(r"^【\s*註\s*(\d+)\s*】\s*(.*)$")
_ATTITUDE_RE = re.compile(r"^(A\d{2,3})\s*([^：:]*?)\s*(?:[：:]\s*(.*))?$")
_BULLET_RE = re.compile(r"^(?:[-*•‧·●■◆]\s*)+")

_CJK = (
    "\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3100-\u312f\u3400-\u4dbf"
    "\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
)
_CJK_SPACE_RE = re.compile(rf"(?<=[{_CJK}])\s+(?=[{_CJK}])")

_COLUMN_ROLES = (
    ("主要職責", "duty"),
    ("工作任務", "task"),
    ("工作產出", "output"),
    ("行為指標", "indicator"),
    ("職能級別", "level"),
    ("K=", "knowledge"),
    ("知識", "knowledge"),
    ("S=", "skill"),
    ("技能", "skill"),
)
_DEFAULT_ROLES = ("duty", "task", "output", "indicator", "level", "knowledge", "skill")

_META_KEYS = {
    "職能基準代碼": "code",
    "職類": "name_category",
    "職業": "name_occupation",
    "職類別": "category",
    "職類別代碼": "category_code",
    "職業別": "occupation",
    "職業別代碼": "occupation_code",
    "行業別": "industry",
    "行業別代碼": "industry_code",
    "工作描述": "description",
    "基準級別": "level",
}


@dataclass(frozen=True)
class ParseWarning:
    line: int | None
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


@dataclass(frozen=True)
class ParsedStandard:
    standard: Standard
    warnings: tuple[ParseWarning, ...] = ()


def is_cjk(ch: str) -> bool:
    return bool(ch) and re.match(f"[{_CJK}]", ch) is not None


def join_text(a: str, b: str) -> str:
    """Join two fragments of one sentence: no space between CJK, one between words."""
    a, b = a.rstrip(), b.lstrip()
    if not a or not b:
        return a + b
    if is_cjk(a[-1]) or is_cjk(b[0]):
        return a + b
    return f"{a} {b}"


def _clean(raw: str) -> tuple[str, tuple[int, ...]]:
    """Strip HTML and footnote markers from a cell fragment; return text and footnote numbers."""
    notes = tuple(int(n) for n in _FOOTNOTE_REF_RE.findall(raw))
    text = _FOOTNOTE_REF_RE.sub(" ", raw)
    text = _TAG_RE.sub(" ", text)
    text = text.replace("\u3000", " ").replace("\xa0", " ")
    text = re.sub(r"\s+", " ", text).strip()
    text = _CJK_SPACE_RE.sub("", text)
    return text, notes


def _split_cells(line: str) -> list[str]:
    return line.split("\t") if "\t" in line else re.split(r" {2,}", line)


@dataclass
class _Item:
    kind: str
    id: str
    text: str
    line: int
    footnotes: list[int] = field(default_factory=list)


@dataclass
class _Task:
    item: _Item
    level: int | None = None
    outputs: list[_Item] = field(default_factory=list)
    indicators: list[_Item] = field(default_factory=list)
    knowledge: list[str] = field(default_factory=list)
    skills: list[str] = field(default_factory=list)
    refs: list[tuple[str, int]] = field(default_factory=list)  # (K/S id, line)


@dataclass
class _Duty:
    item: _Item
    tasks: list[_Task] = field(default_factory=list)


class _Parser:
    def __init__(self, text: str, source: str | None):
        self.source = source
        text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
        self.lines = text.split("\n")
        self.warnings: list[ParseWarning] = []

    def error(self, message: str, line: int | None) -> StandardFormatError:
        return StandardFormatError(message, line=line, source=self.source)

    def warn(self, message: str, line: int | None) -> None:
        self.warnings.append(ParseWarning(line, message))

    # ---- sections ---------------------------------------------------------------
    def parse(self) -> ParsedStandard:
        if not any(line.strip() for line in self.lines):
            raise self.error(
                "the text is empty; expected an iCAP 職能基準 text export (metadata, the "
                "'主要職責 工作任務 … 行為指標' table, attitudes)",
                1,
            )
        header_at = next((i for i, line in enumerate(self.lines) if self._is_header(line)), None)
        if header_at is None:
            raise self.error(
                "no competency table found: expected a header row "
                "'主要職責<TAB>工作任務<TAB>工作產出<TAB>行為指標<TAB>職能級別<TAB>職能內涵 (K…)<TAB>職能內涵 (S…)'. "
                "Is this an iCAP 職能基準 text export?",
                len(self.lines),
            )
        att_at = next(
            (i for i, line in enumerate(self.lines) if i > header_at and self._is_attitude_header(line)), None
        )
        notes_at = next(
            (i for i, line in enumerate(self.lines) if i > header_at and line.strip().startswith("說明與補充事項")),
            None,
        )
        table_end = min(x for x in (att_at, notes_at, len(self.lines)) if x is not None)
        meta = self._parse_meta(self.lines[:header_at], header_at)
        roles = self._roles(self.lines[header_at], header_at + 1)
        duties, knowledge, skills = self._parse_table(header_at, table_end, roles)
        if att_at is None:
            raise self.error(
                "expected the attitude section '職能內涵 (A=attitude 態度)' after the competency table; "
                "the text looks truncated",
                len(self.lines),
            )
        att_end = notes_at if notes_at is not None and notes_at > att_at else len(self.lines)
        attitudes = self._parse_attitudes(att_at + 1, att_end)
        footnotes, quals, notes = self._parse_notes(notes_at + 1 if notes_at is not None else len(self.lines))
        self._check_footnotes(duties, knowledge, skills, footnotes)
        standard = self._build(meta, duties, knowledge, skills, attitudes, footnotes, quals, notes)
        return ParsedStandard(standard, tuple(self.warnings))

    @staticmethod
    def _is_header(line: str) -> bool:
        s = line.strip()
        return s.startswith("主要職責") and "行為指標" in s

    @staticmethod
    def _is_attitude_header(line: str) -> bool:
        s = line.replace(" ", "").strip()
        return s.startswith("職能內涵(A") or s.startswith("職能內涵（A")

    def _roles(self, header: str, lineno: int) -> tuple[str, ...]:
        roles = []
        for cell in _split_cells(header.strip()):
            role = next((r for key, r in _COLUMN_ROLES if key in cell), None)
            if role is None:
                raise self.error(f"unknown column {cell.strip()!r} in the table header", lineno)
            roles.append(role)
        if "indicator" not in roles or "task" not in roles:
            raise self.error("the table header lacks the 工作任務 or 行為指標 column", lineno)
        return tuple(roles)

    # ---- metadata ---------------------------------------------------------------
    def _parse_meta(self, lines: list[str], header_at: int) -> dict:
        meta: dict = {"versions": [], "title": None}
        for n, line in enumerate(lines, 1):
            if not line.strip():
                continue
            cells = [c.replace("\u3000", " ").strip() for c in _split_cells(line)]
            if cells[0] == "版本":  # the version table's header
                continue
            if re.fullmatch(r"[Vv]\d+", cells[0]) and len(cells) >= 3:
                cells += [""] * (6 - len(cells))
                meta["versions"].append(Version(cells[0].upper(), cells[1], cells[2], cells[3], cells[4], cells[5]))
                continue
            if len([c for c in cells if c]) == 1 and meta["title"] is None and cells[0] and cells[0].endswith("職能基準"):
                meta["title"] = cells[0][: -len("職能基準")].strip()
                continue
            for i, cell in enumerate(cells):
                key = _META_KEYS.get(re.sub(r"\s*[(（].*$", "", cell))
                if key is None or key in meta:
                    continue
                value = next((c for c in cells[i + 1 :] if c), "")
                if re.sub(r"\s*[(（].*$", "", value) in _META_KEYS:
                    value = ""
                meta[key] = (value, n)
        if "code" not in meta or not meta["code"][0]:
            raise self.error(
                "no '職能基準代碼<TAB>CODE' line before the competency table; expected the standard's "
                "code (e.g. KMC2432-004v2) in the metadata block",
                header_at + 1,
            )
        if meta.get("level"):
            value, n = meta["level"]
            if not value.isdigit():
                raise self.error(f"基準級別 must be a number, got {value!r}", n)
        return meta

    # ---- the competency table -----------------------------------------------------
    def _rows(self, start: int, end: int, ncols: int):
        """Yield rows as lists of (cell_text, line_no), reading TSV with embedded newlines."""
        row: list[list] = []
        for i in range(start, end):
            line = self.lines[i].replace("\u3000", " ")
            n = i + 1
            if self._is_header(line):
                if row:
                    yield row
                    row = []
                continue
            if not line.strip():
                continue
            parts = line.split("\t")
            if row and len(row) + len(parts) - 1 <= ncols:
                row[-1][0] += "\n" + parts[0]
                row.extend([p, n] for p in parts[1:])
            else:
                if row:
                    yield row
                row = [[p, n] for p in parts]
        if row:
            yield row

    def _parse_table(self, header_at: int, end: int, roles: tuple[str, ...]):
        duties: list[_Duty] = []
        knowledge: dict[str, _Item] = {}
        skills: dict[str, _Item] = {}
        seen: dict[str, int] = {}
        last: dict[str, _Item] = {}  # role -> last item written in that column
        duty: _Duty | None = None
        task: _Task | None = None

        def check_new(item_id: str, line: int) -> None:
            if item_id in seen:
                raise self.error(f"duplicate id {item_id} (first defined on line {seen[item_id]})", line)
            seen[item_id] = line

        for row in self._rows(header_at + 1, end, len(roles)):
            if len(row) > len(roles):
                raise self.error(
                    f"row has {len(row)} cells but the table header has {len(roles)} columns", row[0][1]
                )
            for (raw, line), role in zip(row, roles):
                if not raw.strip():
                    continue
                if role == "level":
                    text, _ = _clean(raw)
                    if not text.isdigit():
                        raise self.error(f"職能級別 must be a number, got {text!r}", line)
                    if task is None:
                        raise self.error("職能級別 given before any task (T1.1 …)", line)
                    task.level = int(text)
                    continue
                matches = list(_ID_RE.finditer(raw))
                lead = raw[: matches[0].start()] if matches else raw
                lead_text, lead_notes = _clean(lead)
                if lead_text or lead_notes:
                    target = last.get(role)
                    if target is None:
                        raise self.error(
                            f"text {lead_text[:30]!r} in the {role} column has no item id (expected e.g. "
                            f"{_EXAMPLE_ID[role]}) and continues no earlier item",
                            line,
                        )
                    target.text = join_text(target.text, lead_text)
                    target.footnotes.extend(lead_notes)
                for k, m in enumerate(matches):
                    piece_end = matches[k + 1].start() if k + 1 < len(matches) else len(raw)
                    item_id = m.group(1)
                    text, notes = _clean(raw[m.end() : piece_end])
                    pline = line + raw[: m.start()].count("\n")
                    item = _Item(_kind_of(item_id), item_id, text, pline, list(notes))
                    if item.kind == "duty":
                        check_new(item_id, pline)
                        duty = _Duty(item)
                        duties.append(duty)
                        task = None
                    elif item.kind == "task":
                        check_new(item_id, pline)
                        if duty is None:
                            raise self.error(f"task {item_id} comes before any duty (T1 …)", pline)
                        if not item_id.startswith(duty.item.id + "."):
                            self.warn(f"task {item_id} is listed under duty {duty.item.id}", pline)
                        task = _Task(item)
                        duty.tasks.append(task)
                    elif item.kind in ("output", "indicator"):
                        check_new(item_id, pline)
                        if task is None:
                            raise self.error(f"{item_id} comes before any task (T1.1 …)", pline)
                        if not item_id[1:].startswith(task.item.id[1:] + "."):
                            self.warn(f"{item_id} is listed under task {task.item.id}", pline)
                        (task.outputs if item.kind == "output" else task.indicators).append(item)
                        if not text:
                            raise self.error(f"{item_id} has no text", pline)
                    else:  # knowledge / skill reference, possibly with its name
                        if task is None:
                            raise self.error(f"{item_id} comes before any task (T1.1 …)", pline)
                        table = knowledge if item.kind == "knowledge" else skills
                        refs = task.knowledge if item.kind == "knowledge" else task.skills
                        if item_id in refs:
                            self.warn(f"task {task.item.id} lists {item_id} twice", pline)
                        else:
                            refs.append(item_id)
                            task.refs.append((item_id, pline))
                        known = table.get(item_id)
                        if known is None or not known.text:
                            if known is not None:
                                item.footnotes = known.footnotes + item.footnotes
                            table[item_id] = item
                        else:
                            if text and text != known.text:
                                self.warn(
                                    f"{item_id} is named {text!r} here but {known.text!r} on line {known.line}; "
                                    "keeping the first",
                                    pline,
                                )
                            for f in notes:
                                if f not in known.footnotes:
                                    known.footnotes.append(f)
                            item = known
                    last[role] = item

        if not duties:
            raise self.error("the competency table has no duty rows (T1 …)", header_at + 1)
        for d in duties:
            if not d.tasks:
                raise self.error(f"duty {d.item.id} has no tasks; the text looks truncated", d.item.line)
            for t in d.tasks:
                if not t.indicators:
                    raise self.error(
                        f"task {t.item.id} has no behaviour indicators (P…); the text looks truncated",
                        t.item.line,
                    )
                if t.level is None:
                    self.warn(f"task {t.item.id} has no 職能級別", t.item.line)
                for ref, line in t.refs:
                    table = knowledge if ref.startswith("K") else skills
                    if not table[ref].text:
                        raise self.error(
                            f"task {t.item.id} refers to {ref}, which is never defined with a name "
                            f"(expected '{ref} <name>' in the {'K' if ref[0] == 'K' else 'S'} column)",
                            line,
                        )
        return duties, knowledge, skills

    # ---- attitudes and notes ------------------------------------------------------
    def _parse_attitudes(self, start: int, end: int) -> list[Competency]:
        out: list[list] = []
        seen: dict[str, int] = {}
        for i in range(start, end):
            line = _BULLET_RE.sub("", self.lines[i].replace("\u3000", " ").strip())
            if not line:
                continue
            m = _ATTITUDE_RE.match(line)
            if m:
                aid = m.group(1)
                if aid in seen:
                    raise self.error(f"duplicate id {aid} (first defined on line {seen[aid]})", i + 1)
                seen[aid] = i + 1
                name, notes = _clean(m.group(2))
                desc, notes2 = _clean(m.group(3) or "")
                out.append([aid, name, desc, list(notes + notes2), i + 1])
            elif out:
                text, notes = _clean(line)
                out[-1][2] = join_text(out[-1][2], text)
                out[-1][3].extend(notes)
            else:
                raise self.error(f"expected an attitude line 'A01 名稱：說明', got {line[:30]!r}", i + 1)
        if not out:
            raise self.error(
                "the attitude section has no items (expected lines like 'A01 親和力：…'); the text looks truncated",
                start,
            )
        return [Competency(a, n, d, tuple(dict.fromkeys(f))) for a, n, d, f, _ in out]

    def _parse_notes(self, start: int):
        footnotes: list[Footnote] = []
        quals: list[str] = []
        notes: list[str] = []
        section = None
        for i in range(start, len(self.lines)):
            line = self.lines[i].replace("\u3000", " ").strip()
            line = _BULLET_RE.sub("", line).replace("**", "").strip()
            if not line:
                continue
            if line.startswith("建議擔任"):
                section = "qual"
                continue
            if line.startswith("其他補充說明"):
                section = "other"
                continue
            m = _FOOTNOTE_DEF_RE.match(line)
            if m:
                body, _ = _clean(m.group(2))
                term, _, text = body.replace("：", ":", 1).partition(":") if re.search("[：:]", body) else (body, "", "")
                footnotes.append(Footnote(int(m.group(1)), term.strip(), body[len(body) - len(text):].strip() if text else ""))
                continue
            text, _ = _clean(line)
            (quals if section == "qual" else notes).append(text)
        return footnotes, quals, notes

    def _check_footnotes(self, duties, knowledge, skills, footnotes) -> None:
        defined = {f.number for f in footnotes}
        items = [d.item for d in duties]
        for d in duties:
            for t in d.tasks:
                items += [t.item, *t.outputs, *t.indicators]
        items += [*knowledge.values(), *skills.values()]
        for it in items:
            for n in it.footnotes:
                if n not in defined:
                    self.warn(f"{it.id} refers to 【註{n}】, which the notes do not define", it.line)

    # ---- assembly -----------------------------------------------------------------
    def _build(self, meta, duties, knowledge, skills, attitudes, footnotes, quals, notes) -> Standard:
        def val(key: str) -> str:
            return meta[key][0] if key in meta else ""

        def clsf(name_key: str) -> Classification | None:
            name, code = val(name_key), val(name_key + "_code")
            return Classification(name, code) if name or code else None

        name_kind = "職業" if val("name_occupation") else "職類"
        name = val("name_occupation") or val("name_category") or (meta["title"] or "")
        if not name:
            vers = [v.name for v in meta["versions"] if v.code == val("code")]
            name = vers[0] if vers else ""
        if not name:
            raise self.error("the standard has no name (職業 / 職類 line)", None)

        def comp(it: _Item) -> Competency:
            return Competency(it.id, it.text, "", tuple(dict.fromkeys(it.footnotes)))

        def ordered(table: dict[str, _Item]) -> tuple[Competency, ...]:
            return tuple(comp(table[k]) for k in sorted(table, key=lambda x: int(x[1:])))

        def fn(it: _Item) -> tuple[int, ...]:
            return tuple(dict.fromkeys(it.footnotes))

        return Standard(
            code=val("code"),
            name=name,
            name_kind=name_kind,
            level=int(val("level")) if val("level") else None,
            description=_clean(val("description"))[0],
            versions=tuple(meta["versions"]),
            category=clsf("category"),
            occupation=clsf("occupation"),
            industry=clsf("industry"),
            duties=tuple(
                Duty(
                    d.item.id,
                    d.item.text,
                    tuple(
                        Task(
                            t.item.id,
                            t.item.text,
                            t.level,
                            tuple(Output(o.id, o.text, fn(o)) for o in t.outputs),
                            tuple(Indicator(p.id, p.text, fn(p)) for p in t.indicators),
                            tuple(t.knowledge),
                            tuple(t.skills),
                            fn(t.item),
                        )
                        for t in d.tasks
                    ),
                    fn(d.item),
                )
                for d in duties
            ),
            knowledge=ordered(knowledge),
            skills=ordered(skills),
            attitudes=tuple(attitudes),
            footnotes=tuple(footnotes),
            qualifications=tuple(quals),
            notes=tuple(notes),
        )


_EXAMPLE_ID = {
    "duty": "T1",
    "task": "T1.1",
    "output": "O1.1.1",
    "indicator": "P1.1.1",
    "knowledge": "K01",
    "skill": "S01",
}


def _kind_of(item_id: str) -> str:
    if item_id[0] == "T":
        return "task" if "." in item_id else "duty"
    return {"O": "output", "P": "indicator", "K": "knowledge", "S": "skill"}[item_id[0]]


def parse_standard(text: str, *, source: str | None = None) -> ParsedStandard:
    """Parse the text of an iCAP 職能基準 export.

    Raises :class:`StandardFormatError` (naming the line) when the text is not a
    usable standard; problems that leave it usable are returned as warnings.
    """
    if "\x00" in text:
        raise StandardFormatError("the file is binary, not text", line=None, source=source)
    return _Parser(text, source).parse()


def read_standard_text(path: str | Path) -> str:
    """The text of a standard's file (UTF-8, UTF-8 with BOM, or Big5/CP950); StandardFormatError otherwise."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise StandardFormatError(f"cannot read the file: {exc.strerror}", source=str(p)) from None
    if b"\x00" in data:
        raise StandardFormatError("the file is binary, not text", source=str(p))
    for enc in ("utf-8-sig", "cp950"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise StandardFormatError("the file is neither UTF-8 nor Big5/CP950 text", source=str(p))


def read_standard(path: str | Path) -> ParsedStandard:
    """Read and parse a text export from a file (UTF-8, UTF-8 with BOM, or Big5/CP950)."""
    return parse_standard(read_standard_text(path), source=str(Path(path)))
