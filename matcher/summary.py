"""The dataset summary of a batch output: per item, the share of scored postings that evidence
it, as CSV rows, Markdown and an SVG bar chart (no plotting dependency)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from .batch_io import detect_format, read_rows
from .io import atomic_open, write_atomic
from .standard import Standard


# ---- dataset summary --------------------------------------------------------------------------------------------
def summary_svg(rows: list[dict], title: str) -> str:
    """A horizontal bar chart (SVG, no dependencies): per item, the share of postings evidencing it."""
    from html import escape

    rows = sorted(rows, key=lambda r: -r["evidenced_share"])
    bar_h, left, width = 18, 330, 360
    height = 40 + bar_h * len(rows) + 30
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 60}" height="{height}" '
           'font-family="Noto Sans CJK TC, WenQuanYi Zen Hei, PingFang TC, Microsoft JhengHei, sans-serif" font-size="11">',
           f'<text x="10" y="20" font-size="14">{escape(title)}</text>']
    for k, r in enumerate(rows):
        y = 40 + k * bar_h
        label = f"{r['id']} {r['text'][:22]}"
        out.append(f'<text x="{left - 6}" y="{y + 12}" text-anchor="end">{escape(label)}</text>')
        out.append(f'<rect x="{left}" y="{y + 2}" width="{width * r["covered_share"]:.1f}" height="{bar_h - 5}" fill="#1b7f3b"/>')
        extra = width * (r["evidenced_share"] - r["covered_share"])
        out.append(f'<rect x="{left + width * r["covered_share"]:.1f}" y="{y + 2}" width="{extra:.1f}" '
                   f'height="{bar_h - 5}" fill="#e0b84a"/>')
        out.append(f'<text x="{left + width * r["evidenced_share"] + 4:.1f}" y="{y + 12}">{r["evidenced_share"]:.0%}</text>')
    y = 40 + bar_h * len(rows) + 16
    out.append(f'<text x="{left}" y="{y}">green: covered · amber: partial · scale 0–100%</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def summarise(output_path: str | Path, standard: Standard, fmt: str | None = None, chart: str | None = None) -> tuple[list[dict], str]:
    """Per item: the share of scored postings that cover it. Returns (CSV rows, Markdown);
    ``chart`` names an image (e.g. the file :func:`summary_svg` was written to) to embed."""
    path = Path(output_path)
    fmt = fmt or detect_format(path)
    counts: dict[str, list[int]] = {}
    n = 0
    for row in read_rows(path, fmt):
        v = row.values
        if v.get("status") != "ok":
            continue
        n += 1
        for key, col in (("covered", 0), ("partial", 1)):
            for item_id in str(v.get(key) or "").split():
                counts.setdefault(item_id, [0, 0])[col] += 1
    rows: list[dict] = []
    for item in standard.items():
        if item.type == "duty":
            continue
        c, p = counts.get(item.id, [0, 0])
        rows.append({
            "id": item.id, "type": item.type, "text": item.text,
            "covered_share": round(c / n, 4) if n else 0.0,
            "evidenced_share": round((c + p) / n, 4) if n else 0.0,
        })
    md = [f"# 資料集摘要：{standard.name}（{standard.code}）", "", f"{n} postings scored (status ok).", "",
          "Share of postings that evidence each item (covered or partial); the bar is that share.", "",
          *([f"![share of postings evidencing each item]({chart})", ""] if chart else []),
          "| item | type | wording | evidenced | covered | |", "|---|---|---|---|---|---|"]
    for r in sorted(rows, key=lambda r: -r["evidenced_share"]):
        bar = "█" * round(r["evidenced_share"] * 20)
        md.append(f"| {r['id']} | {r['type']} | {r['text'][:40]} | {r['evidenced_share']:.0%} | {r['covered_share']:.0%} | {bar} |")
    never = [r["id"] for r in rows if r["evidenced_share"] == 0]
    md += ["", f"Never evidenced in this dataset: {', '.join(never) if never else '(none)'}"]
    return rows, "\n".join(md) + "\n"


@dataclass(frozen=True)
class SummaryFiles:
    markdown: Path
    csv: Path
    svg: Path


def write_summary(output_path: str | Path, standard: Standard) -> SummaryFiles:
    """Write ``OUTPUT.summary.md``, ``.summary.csv`` and ``.summary.svg`` beside a batch output."""
    base = Path(output_path)
    files = SummaryFiles(*(base.with_name(f"{base.stem}.summary.{ext}") for ext in ("md", "csv", "svg")))
    rows, md = summarise(base, standard, chart=files.svg.name)
    title = f"{standard.code} {standard.name}: share of postings evidencing each item"
    write_atomic(files.svg, summary_svg(rows, title))
    write_atomic(files.markdown, md)
    with atomic_open(files.csv, "w", newline="") as fh:
        w = csv.DictWriter(fh, list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return files
