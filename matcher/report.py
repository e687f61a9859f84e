"""Human-readable renderings: a standard as text; a MatchReport as JSON, Markdown, text."""

from __future__ import annotations

from .standard import Standard


def render_standard_text(s: Standard) -> str:
    notes = {f.number: f for f in s.footnotes}

    def fn(refs: tuple[int, ...]) -> str:
        return "".join(f"【註{n}】" for n in refs)

    lines = [f"{s.code}  {s.name}（{s.version}，基準級別 {s.level}）"]
    if s.description:
        lines.append(f"工作描述：{s.description}")
    for label, c in (("職類別", s.category), ("職業別", s.occupation), ("行業別", s.industry)):
        if c:
            lines.append(f"{label}：{c.name}（{c.code}）")
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
