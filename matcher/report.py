"""Reports and their renderings: a standard as text; a MatchReport and a FitReport as JSON,
Markdown, text and CSV rows; the gap advice."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from .score import coverage as coverage_of
from .standard import Item, Standard


def render_standard_text(s: Standard) -> str:
    notes = {f.number: f for f in s.footnotes}

    def fn(refs: tuple[int, ...]) -> str:
        return "".join(f"【註{n}】" for n in refs)

    lines = [f"{s.code}  {s.name}（{s.version}，基準級別 {s.level}）"]
    if s.description:
        lines.append(f"工作描述：{s.description}")
    for label, cls in (("職類別", s.category), ("職業別", s.occupation), ("行業別", s.industry)):
        if cls:
            lines.append(f"{label}：{cls.name}（{cls.code}）")
    for v in s.versions:
        lines.append(f"版本 {v.version} {v.code} {v.status} {v.date}")
    for d in s.duties:
        lines.append("")
        lines.append(f"{d.id} {d.name}{fn(d.footnotes)}")
        for t in d.tasks:
            lines.append(f"  {t.id} {t.name}{fn(t.footnotes)}（職能級別 {t.level}）")
            for o in t.outputs:
                lines.append(f"    {o.id} {o.name}")
            for p in t.indicators:
                lines.append(f"    {p.id} {p.text}{fn(p.footnotes)}")
            lines.append(f"    知識 {' '.join(t.knowledge)}；技能 {' '.join(t.skills)}")
    for title, group in (("知識", s.knowledge), ("技能", s.skills), ("態度", s.attitudes)):
        lines.append("")
        lines.append(title)
        for c in group:
            desc = f"：{c.description}" if c.description else ""
            lines.append(f"  {c.id} {c.name}{fn(c.footnotes)}{desc}")
    if s.qualifications:
        lines.append("")
        lines.append("建議條件")
        lines.extend(f"  {q}" for q in s.qualifications)
    if notes:
        lines.append("")
        lines.extend(f"【註{n}】{f.term}：{f.text}" for n, f in sorted(notes.items()))
    return "\n".join(lines) + "\n"


# ---- match reports ------------------------------------------------------------------------------
TYPE_LABELS = {
    "task": "工作任務",
    "output": "工作產出",
    "indicator": "行為指標",
    "knowledge": "知識",
    "skill": "技能",
    "attitude": "態度",
}
BASIS_LABELS = {"stated": "明述", "implied": "推論"}
STATUS_LABELS = {"covered": "已涵蓋", "partial": "部分涵蓋", "missing": "未提及"}


@dataclass(frozen=True)
class Evidence:
    text: str
    start: int  # offsets into the analysed input text
    end: int
    score: float
    terms: tuple[str, ...] = ()  # glossary terms of the item found in this clause
    basis: str = "stated"  # "stated": the clause itself says it; "implied": a duty that needs the item

    def to_dict(self) -> dict:
        """The evidence object of the JSON contract: text, start, end (into the input), score,
        terms (the item's glossary terms found in the text), basis (stated or implied)."""
        return {"text": self.text, "start": self.start, "end": self.end, "score": round(self.score, 4),
                "terms": list(self.terms), "basis": self.basis}


@dataclass(frozen=True)
class ItemResult:
    item: Item
    status: str  # covered / partial / missing
    score: float  # calibrated probability that the text evidences the item
    evidence: tuple[Evidence, ...] = ()

    def terms(self) -> tuple[str, ...]:
        """The glossary terms found in the evidence clauses, in order, once each."""
        return tuple(dict.fromkeys(t for e in self.evidence for t in e.terms))


@dataclass(frozen=True)
class TaskCoverage:
    id: str
    name: str
    duty_id: str
    coverage: float
    covered: int
    partial: int
    total: int


@dataclass(frozen=True)
class Gap:
    group: str  # duty id, or "K"/"S"/"A"
    group_name: str
    task_id: str | None
    task_name: str | None
    items: tuple[ItemResult, ...]
    advice: str


@dataclass(frozen=True)
class StandardRef:
    code: str
    name: str
    version: str


@dataclass(frozen=True)
class MatchReport:
    standard: StandardRef
    kind: str  # posting / resume
    fit: float
    items: tuple[ItemResult, ...]
    tasks: tuple[TaskCoverage, ...]
    duties: tuple[TaskCoverage, ...]
    gaps: tuple[Gap, ...]
    clauses: int  # content clauses analysed
    boilerplate: int  # clauses set aside as boilerplate
    model: str
    calibrated: bool
    warnings: tuple[str, ...] = field(default=())
    partial: bool = False  # the standard was imported from a partial text (no K/S/A, generated ids)

    def item(self, item_id: str) -> ItemResult:
        for r in self.items:
            if r.item.id == item_id:
                return r
        raise KeyError(item_id)

    def covered_ids(self, *, include_partial: bool = False) -> list[str]:
        ok = ("covered", "partial") if include_partial else ("covered",)
        return [r.item.id for r in self.items if r.status in ok]

    # ---- renderings -------------------------------------------------------------------------
    def to_dict(self) -> dict:
        def item_dict(r: ItemResult) -> dict:
            return {
                "id": r.item.id,
                "type": r.item.type,
                "text": r.item.text,
                "task_id": r.item.task_id,
                "status": r.status,
                "score": round(r.score, 4),
                "evidence": [e.to_dict() for e in r.evidence],
            }

        return {
            "standard": {"code": self.standard.code, "name": self.standard.name, "version": self.standard.version},
            "kind": self.kind,
            "partial": self.partial,
            "fit": round(self.fit, 4),
            "items": [item_dict(r) for r in self.items],
            "tasks": [
                {"id": t.id, "name": t.name, "duty_id": t.duty_id, "coverage": round(t.coverage, 4),
                 "covered": t.covered, "partial": t.partial, "total": t.total}
                for t in self.tasks
            ],
            "duties": [{"id": d.id, "name": d.name, "coverage": round(d.coverage, 4)} for d in self.duties],
            "gaps": [
                {
                    "group": g.group,
                    "group_name": g.group_name,
                    "task_id": g.task_id,
                    "task_name": g.task_name,
                    "advice": g.advice,
                    "items": [{"id": r.item.id, "type": r.item.type, "text": r.item.text, "status": r.status}
                              for r in g.items],
                }
                for g in self.gaps
            ],
            "summary": {
                "covered": sum(r.status == "covered" for r in self.items),
                "partial": sum(r.status == "partial" for r in self.items),
                "missing": sum(r.status == "missing" for r in self.items),
                "clauses": self.clauses,
                "boilerplate_clauses": self.boilerplate,
            },
            "model": self.model,
            "calibrated": self.calibrated,
            "warnings": list(self.warnings),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2) + "\n"

    def to_markdown(self) -> str:
        who = "職缺" if self.kind == "posting" else "履歷"
        s = self.standard
        lines = [
            f"# 職能比對：{s.name}（{s.code}）",
            "",
            f"- 分析對象：{who}",
            *(["- 職能基準：部分版本（僅工作任務、產出與行為指標；無知識、技能、態度，代碼由匯入程式編號）"] if self.partial else []),
            f"- 整體契合度（fit）：**{self.fit:.2f}**",
            f"- 已涵蓋 {sum(r.status == 'covered' for r in self.items)}、部分涵蓋 "
            f"{sum(r.status == 'partial' for r in self.items)}、未提及 {sum(r.status == 'missing' for r in self.items)} 項",
            f"- 分析子句 {self.clauses} 句（另有 {self.boilerplate} 句職稱、公司介紹、福利、聯絡等不列入）",
            "",
            "## 工作任務涵蓋率",
            "",
            "| 任務 | 名稱 | 涵蓋率 |",
            "|---|---|---|",
        ]
        lines += [f"| {t.id} | {t.name} | {t.coverage:.0%} |" for t in self.tasks]
        lines += ["", "## 逐項結果", "", "| 項目 | 類型 | 內容 | 狀態 | 分數 | 依據 |", "|---|---|---|---|---|---|"]
        for r in self.items:
            ev = "；".join(f"「{e.text}」（{BASIS_LABELS.get(e.basis, e.basis)}）" for e in r.evidence[:2])
            if r.terms():
                ev += f"（關鍵詞：{'、'.join(r.terms())}）"
            ev = ev.replace("|", "｜")
            lines.append(
                f"| {r.item.id} | {TYPE_LABELS[r.item.type]} | {r.item.text.replace('|', '｜')} | "
                f"{STATUS_LABELS[r.status]} | {r.score:.2f} | {ev} |"
            )
        if self.gaps:
            lines += ["", "## 缺口與建議", ""]
            for g in self.gaps:
                head = f"{g.task_id} {g.task_name}" if g.task_id else g.group_name
                lines.append(f"### {head}")
                lines.append("")
                lines.append(g.advice)
                lines.append("")
                lines += [f"- {r.item.id} {r.item.text}（{STATUS_LABELS[r.status]}）" for r in g.items]
                lines.append("")
        if not self.calibrated:
            lines += ["", "> 注意：此模型尚未校準，狀態門檻為預設值。"]
        return "\n".join(lines).rstrip() + "\n"

    def to_text(self) -> str:
        s = self.standard
        lines = [f"{s.code} {s.name}  fit={self.fit:.2f}  ({self.kind}, {self.clauses} clauses)"]
        if self.partial:
            lines.append("  partial standard: tasks, outputs and indicators only (no K/S/A; ids generated on import)")
        for t in self.tasks:
            lines.append(f"  {t.id} {t.name}: {t.coverage:.0%}")
        for r in self.items:
            mark = {"covered": "✔", "partial": "△", "missing": "✘"}[r.status]
            e0 = r.evidence[0] if r.evidence else None
            ev = f"  ←「{e0.text}」[{e0.start}:{e0.end}]" + ("（推論）" if e0.basis == "implied" else "") if e0 else ""
            lines.append(f"{mark} {r.item.id:7s} {r.score:.2f} {r.item.text}{ev}")
        if self.gaps:
            lines.append("gaps:")
            for g in self.gaps:
                head = f"{g.task_id} {g.task_name}" if g.task_id else g.group_name
                lines.append(f"  {head}: " + ", ".join(r.item.id for r in g.items))
        return "\n".join(lines) + "\n"

    def to_csv_rows(self) -> list[dict]:
        return [
            {
                "id": r.item.id, "type": r.item.type, "task_id": r.item.task_id or "", "text": r.item.text,
                "status": r.status, "score": round(r.score, 4),
                "evidence": " | ".join(e.text for e in r.evidence),
                "evidence_spans": " ".join(f"{e.start}-{e.end}" for e in r.evidence),
                "terms": " | ".join(r.terms()),
                "basis": " | ".join(e.basis for e in r.evidence),
            }
            for r in self.items
        ]


# ---- fit reports (a résumé against what a posting asks for) ---------------------------------------
@dataclass(frozen=True)
class FitItem:
    item: Item
    posting: ItemResult
    resume: ItemResult


@dataclass(frozen=True)
class FitReport:
    standard: StandardRef
    posting_fit: float
    resume_fit: float
    items: tuple[FitItem, ...]  # the items the posting asks for

    @property
    def coverage(self) -> float:
        return coverage_of([f.resume.status for f in self.items]) if self.items else 0.0

    def to_dict(self) -> dict:
        def side(r: ItemResult) -> dict:
            return {
                "status": r.status,
                "score": round(r.score, 4),
                "evidence": [e.to_dict() for e in r.evidence],
            }

        return {
            "standard": {"code": self.standard.code, "name": self.standard.name, "version": self.standard.version},
            "posting_fit": round(self.posting_fit, 4),
            "resume_fit": round(self.resume_fit, 4),
            "coverage": round(self.coverage, 4),
            "items": [
                {"id": f.item.id, "type": f.item.type, "text": f.item.text, "posting": side(f.posting), "resume": side(f.resume)}
                for f in self.items
            ],
            "missing": [f.item.id for f in self.items if f.resume.status == "missing"],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2) + "\n"

    def to_text(self) -> str:
        lines = [
            f"{self.standard.code} {self.standard.name}: posting fit {self.posting_fit:.2f}, résumé fit "
            f"{self.resume_fit:.2f}; the résumé evidences {self.coverage:.0%} of what the posting asks for"
        ]
        for f in self.items:
            mark = {"covered": "✔", "partial": "△", "missing": "✘"}[f.resume.status]
            ev = f"  ←「{f.resume.evidence[0].text}」" if f.resume.evidence else ""
            lines.append(f"{mark} {f.item.id:7s} {f.item.text}{ev}")
        return "\n".join(lines) + "\n"


# ---- gap advice ---------------------------------------------------------------------------------
def gap_advice(std: Standard, results: list[ItemResult], kind: str) -> list[Gap]:
    """What is not covered, grouped by task (then K, S, A), with advice worded for a recruiter
    (``kind="posting"``) or a candidate (``kind="resume"``)."""
    verb = "在職缺描述中補充" if kind == "posting" else "在履歷中以具體經歷佐證"
    gaps = []
    missing = {r.item.id: r for r in results if r.status != "covered"}
    for d in std.duties:
        for t in d.tasks:
            rs = [missing[i] for i in [*(o.id for o in t.outputs), *(p.id for p in t.indicators)] if i in missing]
            if t.id in missing:
                rs.insert(0, missing[t.id])
            if rs:
                what = "、".join(r.item.text.rstrip("。") for r in rs if r.item.type == "output") or t.name
                gaps.append(Gap(d.id, d.name, t.id, t.name, tuple(rs), f"建議{verb}「{t.name}」的工作內容（如：{what}）。"))
    for prefix, label in (("knowledge", "知識"), ("skill", "技能"), ("attitude", "態度")):
        rs = [r for r in results if r.item.type == prefix and r.status != "covered"]
        if rs:
            names = "、".join(r.item.text for r in rs[:5])
            gaps.append(Gap(prefix[0].upper(), label, None, None, tuple(rs), f"建議{verb}以下{label}：{names}{'等' if len(rs) > 5 else ''}。"))
    return gaps
