"""Text stage: input checks, clause splitting with offsets, normalisation, jieba tokens.

Clauses are cut from the ORIGINAL text, so ``text[c.start:c.end] == c.text`` always
holds and evidence offsets point into what the user gave us. Each clause also carries
``norm``: NFKC (full-width -> half-width), whitespace folded, and Simplified ->
Traditional when the clause is written in Simplified characters. Boilerplate
(the title line, company intro, 福利/待遇/薪資, 應徵方式, addresses, contact) is marked so that it
never counts as evidence.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from typing import Iterable

from .errors import BinaryInputError, EmptyInputError, InputTooLargeError

MAX_CHARS = 20_000  # about 8 pages of Chinese; a long posting is 1-3k, a résumé 2-8k
MIN_CLAUSE_CHARS = 2
LONG_CLAUSE_CHARS = 80  # longer clauses are also cut at commas


@dataclass(frozen=True)
class Clause:
    text: str  # exactly text[start:end] of the original input
    start: int
    end: int
    norm: str  # normalised Traditional form, used for matching
    section: str = ""  # the heading the clause stands under, normalised ("" if none)
    boilerplate: str = ""  # why it is boilerplate ("" if it is content)


# ---- input checks -----------------------------------------------------------------------
def decode_bytes(data: bytes) -> str:
    """Decode uploaded bytes: UTF-8 (with or without BOM), UTF-16 with BOM, or Big5/CP950."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if b"\x00" in data[:4096]:
        raise BinaryInputError("the input is binary, not text (it contains NUL bytes); give plain text, PDF or DOCX")
    for enc in ("utf-8-sig", "cp950"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise BinaryInputError("the input is neither UTF-8 nor Big5/CP950 text; save it as UTF-8 and try again")


def check_input(text: str | bytes, *, max_chars: int = MAX_CHARS) -> str:
    """Return the text if it can be analysed; raise a specific InputError otherwise."""
    if isinstance(text, (bytes, bytearray)):
        text = decode_bytes(bytes(text))
    if not isinstance(text, str):
        raise EmptyInputError(f"expected text, got {type(text).__name__}")
    if "\x00" in text:
        raise BinaryInputError("the input is binary, not text (it contains NUL bytes); give plain text, PDF or DOCX")
    controls = sum(1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\t\n\r\f\v")
    if text and controls / len(text) > 0.05:
        raise BinaryInputError("the input looks binary (many control characters); give plain text, PDF or DOCX")
    if not text.strip():
        raise EmptyInputError("the input is empty (nothing but whitespace); paste a posting or a résumé")
    if len(text) > max_chars:
        raise InputTooLargeError(
            f"the input is {len(text):,} characters; the limit is {max_chars:,}. "
            "Split it into smaller parts, or score many texts with `matcher batch`."
        )
    if not re.search(r"[\w]", text):
        raise EmptyInputError("the input has no words (only punctuation or symbols)")
    return text


# ---- normalisation ---------------------------------------------------------------------------
@functools.lru_cache(maxsize=1)
def _opencc():
    import opencc

    return opencc.OpenCC("s2tw"), opencc.OpenCC("t2s")


@functools.lru_cache(maxsize=1)
def _simplified_chars() -> tuple[frozenset[str], frozenset[str]]:
    """Characters that exist only in Simplified, and only in Traditional, writing."""
    s2t, t2s = _opencc()
    simp, trad = set(), set()
    for cp in range(0x4E00, 0xA000):
        ch = chr(cp)
        if s2t.convert(ch) != ch:
            simp.add(ch)
        if t2s.convert(ch) != ch:
            trad.add(ch)
    return frozenset(simp - trad), frozenset(trad - simp)


def is_simplified(text: str) -> bool:
    simp, trad = _simplified_chars()
    s = sum(ch in simp for ch in text)
    t = sum(ch in trad for ch in text)
    return s > t


def to_traditional(text: str) -> str:
    """Simplified -> Traditional (Taiwan variants), only for text written in Simplified.

    Traditional text is left exactly as is: OpenCC's phrase tables would otherwise
    rewrite Taiwanese wording (發布會 -> 釋出會).
    """
    if not is_simplified(text):
        return text
    out = _opencc()[0].convert(text)
    for pattern, repl in _TW_FIXES:
        out = pattern.sub(repl, out)
    return out


# OpenCC reads 并 as 併 ("merge") and 发布 as 發佈; Taiwanese usage writes the conjunction
# 並 ("並發布於各大媒體") and 發布 (the Ministry of Education's form). 併 stays where it is
# not a conjunction (併發症, 合併).
_TW_FIXES = (
    (re.compile(r"(^|(?<=[，,。；;：:、\s]))併"), "並"),
    (re.compile(r"發佈"), "發布"),
)


def normalize(text: str) -> str:
    """NFKC (full-width letters, digits and punctuation -> half-width), whitespace folded,
    Simplified -> Traditional. Chinese punctuation such as 、 and 。 is kept."""
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"[\u200b-\u200f\ufeff]", "", text)
    text = re.sub(r"\s+", " ", text).strip()
    return to_traditional(text)


# ---- clause splitting -----------------------------------------------------------------------
_BULLET_CHARS = "●•‧·・■□◆◇▪▫►▶▸➤✓✔✦★☆※○◎◉-–—*＊>＞+"
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳❶❷❸❹❺❻❼❽❾❿➊➋➌➍➎➏➐➑➒➓⑴⑵⑶⑷⑸⑹⑺⑻⑼⑽"
_CN_NUM = "一二三四五六七八九十"
# a list marker at the start of a line or after a sentence/space break
_MARKER = (
    rf"(?:[{re.escape(_BULLET_CHARS)}]+"
    rf"|[{_CIRCLED}]"
    r"|[(（]\s*(?:\d{1,2}|[一二三四五六七八九十]{1,3}|[a-zA-Z])\s*[)）]"
    r"|(?:\d{1,2}|[０-９]{1,2})(?:[.．、）)](?!\d)|\s*[、．])"
    rf"|[{_CN_NUM}]{{1,3}}[、．.]"
    r"|[a-zA-Z][.)](?=\s)"
    r"|(?:Step|STEP)\s*\d+[:：.]?)"
)
_MARKER_AT_START = re.compile(rf"^\s*{_MARKER}\s*")
# an inline marker: "…作業 2. 協助…", "…。2、…" (needs a space or punctuation before it)
_INLINE_MARKER = re.compile(
    rf"(?:(?<=\s)|(?<=[。；;！!？?：:，,]))(?={_MARKER}\s*\S)"
    r"(?<![\d.])"
)
_SENTENCE_END = re.compile(r"(?<=[。；;！!？?])")
_COMMA = re.compile(r"(?<=[，,])")
_HEADING_BRACKETS = re.compile(r"^\s*[【\[［〔〈《<＜]\s*([^】\]］〕〉》>＞]{1,20})\s*[】\]］〕〉》>＞]\s*")
_HEADING_COLON = re.compile(r"^\s*([^，。,.；;：:]{1,14})\s*[:：]\s*")

# headings whose sections are boilerplate, and the reason reported
_BOILERPLATE_HEADINGS = (
    (("公司介紹", "公司簡介", "關於我們", "關於公司", "企業簡介", "公司概況", "about us", "who we are", "company"), "company"),
    (("福利", "待遇", "薪資", "薪水", "薪酬", "員工福利", "benefit", "salary", "compensation", "perks", "highlights", "休假", "假期", "保險"), "benefits"),
    (("應徵方式", "應徵", "投遞", "面試", "甄試方式", "聯絡", "聯繫", "contact", "how to apply", "apply", "履歷請寄",
      "应聘", "投递"), "apply"),
    (("地址", "上班地點", "工作地點", "地點", "location", "address", "交通"), "address"),
    (("上班時段", "上班時間", "工作時間", "休假制度", "需求人數", "出差外派", "可上班日", "到職日"), "terms"),
)
_CONTENT_HEADINGS = (
    "工作內容", "職務說明", "職責", "工作職責", "主要職責", "職務內容", "工作項目", "條件", "要求",
    "資格", "必備", "加分", "技能", "專長", "經驗", "經歷", "學歷", "自傳", "工作經歷", "專案", "作品",
    "知識", "能力", "任務", "職缺說明", "工作說明",
    "responsibilities", "requirements", "qualifications", "what you", "you will", "job description",
    "skills", "experience", "education", "summary", "profile", "duties", "the role", "nice to have",
    "looking for", "who you are", "about you", "bonus points",
)
_BOILERPLATE_PATTERNS = (
    (re.compile(r"(月薪|年薪|時薪|底薪|薪資|薪水|待遇|NT\$|TWD|\d\s*萬\s*(元|以上|~|-|～)|\d[\d,]{3,}\s*元|面議)"), "benefits"),
    (re.compile(r"(勞健保|勞保|健保|勞退|年終|三節|員工旅遊|週休二日|周休二日|特休|生日禮金|團保|員工餐|福委會|尾牙|下午茶|彈性上下班)"), "benefits"),
    (re.compile(r"(\d{2,4}[-\s]?\d{3,4}[-\s]?\d{3,4}|[\w.+-]+@[\w-]+\.[\w.]+|https?://|www\.)"), "contact"),
    (re.compile(r"(市|縣).{0,8}(區|鄉|鎮|市).{0,12}(路|街|大道).{0,10}(號|樓)"), "address"),
    (re.compile(r"^(本公司|我們是|我們公司|公司成立於|成立於|公司創立|本集團|集團成立)"), "company"),
    (re.compile(r"(應徵|投遞履歷|請附|意者請|面試|來信|請寄|請將履歷)"), "apply"),
    (re.compile(r"(上班時間|工作時間|上班時段|\d{1,2}[:：]\d{2}\s*[~\-～至到]\s*\d{1,2}[:：]\d{2})"), "terms"),
)


_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def _width(s: str) -> float:
    """A clause's length in Chinese characters' worth: an English letter or space carries about
    0.4 of what a Chinese character does, so English clauses are cut as late as Chinese ones."""
    cjk = len(_CJK.findall(s))
    return cjk + 0.4 * (len(s) - cjk)


def _heading(line: str) -> tuple[str, int, bool]:
    """(heading text, length of the heading prefix, whether the heading opens a section) if the line
    starts with a heading, after any list marker ("一、工作內容", "■ 工作地點：台北", "1. Responsibilities").
    A "field: value" line ("工作地點：台北市", "Location: Kowloon Bay") names its own line only; a heading
    alone on its line, in brackets, or naming content ("工作內容：…"), opens a section that lasts until the
    next heading."""
    m0 = _MARKER_AT_START.match(line)
    lead = m0.end() if m0 else 0
    body = line[lead:]
    m = _HEADING_BRACKETS.match(body)
    # "【工作內容】", "[福利]"; not a title in 《》 that opens a sentence ("《冠弘人》雙月刊企劃與編輯")
    if m and (_section_kind(m.group(1)) is not None or not body[m.end():].strip()):
        return m.group(1).strip(), lead + m.end(), True
    m = _HEADING_COLON.match(body)
    kind = _section_kind(m.group(1)) if m else None
    if m and kind is not None:
        return m.group(1).strip(), lead + m.end(), kind == "content" or not body[m.end():].strip()
    stripped = body.strip().rstrip(":：").strip()
    if _is_bare_heading(stripped):
        return stripped, len(line), True
    return "", 0, False


_NOT_HEADING_START = ("負責", "具", "熟悉", "需", "能", "可", "協助", "擔任", "有", "曾", "會")


def _is_bare_heading(s: str) -> bool:
    """A line that is only a section name: short (8 characters of Chinese, 5 words of English), no digits
    or sentence punctuation, and beginning or ending with a known heading word ("工作內容", "福利制度",
    "工作經歷", "What you'll do", "Responsibilities")."""
    latin = not _CJK.search(s)
    limit = 32 if latin else 8
    if (not 0 < len(s) <= limit or (latin and len(s.split()) > 5) or re.search(r"[\d，。,；;、.!?]", s)
            or s.startswith(_NOT_HEADING_START)):
        return False
    h = normalize(s).lower()
    words = [w for ws, _ in _BOILERPLATE_HEADINGS for w in ws] + list(_CONTENT_HEADINGS)
    return any(h.startswith(w) or h.endswith(w) for w in words)


def _section_kind(heading: str) -> str | None:
    """'content', a boilerplate reason, or None when the heading is not recognised."""
    h = normalize(heading).lower()
    for words, reason in _BOILERPLATE_HEADINGS:
        if any(w in h for w in words):
            return reason
    if any(w in h for w in _CONTENT_HEADINGS):
        return "content"
    return None


def boilerplate_reason(text: str, section_kind: str | None = None) -> str:
    """Why a clause is boilerplate ("" if it is content); ``text`` may be Simplified or full-width."""
    if section_kind not in (None, "content"):
        return section_kind
    norm = normalize(text)
    for pattern, reason in _BOILERPLATE_PATTERNS:
        if pattern.search(norm):
            return reason
    return ""


def _pieces(line: str, offset: int) -> Iterable[tuple[int, int]]:
    """Split one line into clause spans (absolute offsets), markers and edges trimmed."""
    cuts = {0, len(line)}
    for rx in (_SENTENCE_END, _INLINE_MARKER):
        cuts.update(m.start() for m in rx.finditer(line))
    bounds = sorted(cuts)
    for a, b in zip(bounds, bounds[1:]):
        seg = line[a:b]
        m = _MARKER_AT_START.match(seg)
        if m:
            a += m.end()
            seg = line[a:b]
        lead = len(seg) - len(seg.lstrip())
        seg = seg.strip()
        a += lead
        b = a + len(seg)
        # trailing separators that belong to no clause
        while b > a and line[b - 1] in " \t，,、":
            b -= 1
        if b - a < MIN_CLAUSE_CHARS or not re.search(r"\w", line[a:b]):
            continue
        if _width(line[a:b]) > LONG_CLAUSE_CHARS:
            yield from _cut_long(line, a, b, offset)
        else:
            yield offset + a, offset + b


def _cut_long(line: str, a: int, b: int, offset: int) -> Iterable[tuple[int, int]]:
    cuts = [a] + [a + m.start() for m in _COMMA.finditer(line[a:b])] + [b]
    start = a
    for i, c in enumerate(cuts[1:], 1):
        if _width(line[start:c]) >= 12 or i == len(cuts) - 1:
            end = c
            s, e = start, end
            while e > s and line[e - 1] in " ，,、":
                e -= 1
            while s < e and line[s] == " ":
                s += 1
            if e - s >= MIN_CLAUSE_CHARS:
                yield offset + s, offset + e
            start = c


def _is_title(line: str) -> bool:
    """The first line of a posting or résumé, when it only names the job or the person:
    short, no sentence punctuation, no list marker ("公關企劃專員（集團公關室）",
    "王小明｜公關專員", "PR Specialist 公關專員"). A title says what the job is called,
    not what it involves, so it is never evidence of an item."""
    s = line.strip()
    limit = 30 if _CJK.search(s) else 60  # "Corporate Communications Manager"
    if not 0 < len(s) <= limit or re.search(r"[。，,；;：:！？!?]", s) or _MARKER_AT_START.match(s):
        return False
    return not normalize(s).startswith(_DUTY_VERBS)  # "負責撰寫新聞稿" is a duty, not a title


_DUTY_VERBS = (
    "負責", "協助", "規劃", "撰寫", "執行", "管理", "處理", "維護", "建立", "蒐集", "收集", "擔任", "熟悉",
    "具", "能", "需", "參與", "辦理", "統籌", "經營", "推動", "進行", "提出", "追蹤", "分析", "設計", "開發",
    "聯繫", "協調", "策劃", "籌備", "整理", "製作", "編輯", "企劃", "評估", "監督", "帶領", "主導", "曾",
)


def split_clauses(text: str) -> list[Clause]:
    """Cut a posting or résumé into clauses, with offsets into ``text`` and boilerplate marked."""
    clauses: list[Clause] = []
    section, section_kind = "", None
    pos = 0
    first = True
    for line in re.split(r"(?<=\n)", text):
        start = pos
        pos += len(line)
        body = line.rstrip("\r\n")
        if not body.strip():
            continue
        if first:
            first = False
            if not _heading(body)[0] and _is_title(body) and text.strip() != body.strip():
                a = start + len(body) - len(body.lstrip())
                raw = body.strip()
                clauses.append(Clause(raw, a, a + len(raw), normalize(raw), "", "title"))
                continue
        heading, cut, opens = _heading(body)
        line_section, line_kind = section, section_kind
        if heading:
            line_section, line_kind = normalize(heading), _section_kind(heading)
            if opens:
                section, section_kind = line_section, line_kind
        body_start = cut if heading else 0
        rest = body[body_start:]
        for a, b in _pieces(rest, start + body_start):
            raw = text[a:b]
            clauses.append(
                Clause(raw, a, b, normalize(raw), line_section, boilerplate_reason(raw, line_kind))
            )
    return clauses


# ---- tokens ------------------------------------------------------------------------------------
_LATIN = re.compile(r"[A-Za-z][A-Za-z0-9+#.\-]*[A-Za-z0-9+#]|[A-Za-z]")


class Tokenizer:
    """jieba with a Traditional-Chinese dictionary and the standards' own terms.

    jieba's bundled dictionary is Simplified; its entries converted to Traditional are
    added on first use (cached under the cache folder), and each standard's terms
    (新聞稿, 致詞稿, 代理商, 核銷 …) are added so that they stay whole. Latin words are
    kept as single lower-cased tokens ("python", "kol", "press", "release").
    """

    def __init__(self, terms: Iterable[str] = (), cache_dir=None):
        import jieba

        from .resources import cache_dir as default_cache

        jieba.setLogLevel(60)
        self._jieba = jieba.Tokenizer()
        path = (cache_dir or default_cache()) / "jieba_dict_tw.txt"
        if not path.is_file():
            _write_traditional_dict(path)
        self._jieba.set_dictionary(str(path))
        self._jieba.tmp_dir = str(path.parent)
        self._jieba.initialize()
        for t in sorted(set(terms)):
            if 2 <= len(t) <= 12:
                self._jieba.add_word(t, freq=50_000)

    def tokens(self, text: str) -> list[str]:
        norm = normalize(text).lower()
        out = []
        for tok in self._jieba.lcut(norm, HMM=False):
            tok = tok.strip()
            if not tok or not re.search(r"\w", tok):
                continue
            out.append(tok)
        return out


def _write_traditional_dict(path) -> None:
    import os

    import jieba

    from .io import atomic_open

    src = os.path.join(os.path.dirname(jieba.__file__), "dict.txt")
    s2t = _opencc()[0]
    lines = open(src, encoding="utf-8").read().splitlines()
    words: dict[str, tuple[int, str]] = {}
    for line in lines:
        parts = line.split(" ")
        if len(parts) < 2:
            continue
        words.setdefault(parts[0], (int(parts[1]), parts[2] if len(parts) > 2 else "n"))
    # one OpenCC call over all words, newline separated, is much faster than one per word
    simp = list(words)
    trad = s2t.convert("\n".join(simp)).split("\n")
    merged = dict(words)
    if len(trad) == len(simp):
        for s, t in zip(simp, trad):
            if t != s and t not in merged:
                merged[t] = words[s]
    with atomic_open(path) as fh:
        for w, (f, tag) in merged.items():
            fh.write(f"{w} {f} {tag}\n")


def standard_terms(items_text: Iterable[str]) -> set[str]:
    """Terms worth keeping whole, cut from item wordings at 、及與和/ and punctuation."""
    terms: set[str] = set()
    for text in items_text:
        for part in re.split(r"[、，。；：:()（）/\s]|及|與|和|並|或", text):
            part = re.sub(r"(能力|概念|注意事項|方法|規範|流程|作業)$", "", part)
            if 2 <= len(part) <= 8:
                terms.add(part)
    return terms
