"""Batch scoring of posting datasets: streaming, resumable, loss-free.

``score_file(INPUT, OUTPUT, ...)`` reads CSV/TSV, JSONL, Parquet or XLSX in chunks,
scores each chunk with one :class:`~matcher.pipeline.Matcher` (clauses deduplicated by
content hash across the whole run, encoded in bulk), and writes each finished chunk
as a part file under ``OUTPUT.parts/``. A run that is interrupted (Ctrl-C, kill, crash)
resumes at the first unfinished chunk; when every chunk is done the parts are merged,
in input order, into OUTPUT. So a resumed run's output is byte for byte the output of
an uninterrupted one.

Every input row yields exactly one output row: ``row`` (0-based input position), ``id``,
``status`` (ok / empty / error), ``message``, ``fit``, one ``task_<id>`` coverage column
per task, and the ``covered`` / ``partial`` item ids. A malformed row is reported, never
dropped, and never stops the run.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
import sys
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Iterable, Iterator

from .errors import DatasetError, InputError, MatcherError, MissingExtraError
from .text import check_input

FORMATS = ("csv", "tsv", "jsonl", "parquet", "xlsx")
CHUNK_ROWS = 256
MAX_CELL_CHARS = 20_000


@dataclass(frozen=True)
class BatchConfig:
    text_columns: tuple[str, ...] = ()  # joined with a line break; empty: guess
    id_column: str | None = None
    standard: str | None = None
    chunk_rows: int = CHUNK_ROWS
    rank: bool = False  # also rank every catalogued standard (columns ranked, best_standard)

    def key(self) -> str:
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()[:16]


@dataclass
class RowIn:
    row: int
    values: dict[str, object]
    error: str = ""  # a row the reader could not parse


@dataclass
class Stats:
    rows: int = 0
    ok: int = 0
    empty: int = 0
    error: int = 0
    clauses_encoded: int = 0
    seconds: float = 0.0
    chunks_skipped: int = 0
    statuses: dict = field(default_factory=dict)


def detect_format(path: Path) -> str:
    suffix = path.suffix.lower().lstrip(".")
    if suffix in ("csv", "txt"):
        return "csv"
    if suffix in ("tsv", "tab"):
        return "tsv"
    if suffix in ("jsonl", "ndjson", "json"):
        return "jsonl"
    if suffix in ("parquet", "pq"):
        return "parquet"
    if suffix in ("xlsx", "xlsm"):
        return "xlsx"
    raise DatasetError(f"{path}: cannot tell the format from '.{suffix}'; use one of {', '.join(FORMATS)}")


def detect_encoding(path: Path) -> str:
    """utf-8-sig, utf-8 or cp950 (Big5), from the first 1 MB.

    Text that is UTF-8 but for a few damaged bytes (under 1% of characters) stays
    UTF-8; its damaged bytes become U+FFFD and the rows holding them say so.
    """
    head = _head(path, 1 << 20)
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        head.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start > len(head) - 4 and len(head) == 1 << 20:  # cut mid-character at the 1 MB boundary
            return "utf-8"
    text = head.decode("utf-8", errors="replace")
    if text.count("\ufffd") <= max(1, len(text) // 100):
        return "utf-8"
    try:
        head.decode("cp950")
        return "cp950"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(head).best()
    return best.encoding if best else "utf-8"


def _head(path: Path, n: int) -> bytes:
    with path.open("rb") as fh:
        return fh.read(n)


# ---- readers ------------------------------------------------------------------------------------------
def read_rows(path: str | Path, fmt: str | None = None) -> Iterator[RowIn]:
    """Stream the rows of a dataset; unreadable rows come back with ``error`` set."""
    path = Path(path)
    if not path.is_file():
        raise DatasetError(f"{path}: no such file")
    fmt = fmt or detect_format(path)
    if fmt in ("csv", "tsv"):
        yield from _read_csv(path, "\t" if fmt == "tsv" else ",")
    elif fmt == "jsonl":
        yield from _read_jsonl(path)
    elif fmt == "parquet":
        yield from _read_parquet(path)
    elif fmt == "xlsx":
        yield from _read_xlsx(path)
    else:
        raise DatasetError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")


def _read_csv(path: Path, delimiter: str) -> Iterator[RowIn]:
    enc = detect_encoding(path)
    csv.field_size_limit(1 << 30)
    with path.open(encoding=enc, errors="replace", newline="") as fh:
        reader = csv.reader(fh, delimiter=delimiter)
        try:
            header = next(reader)
        except StopIteration:
            return
        header = [h.strip().lstrip("\ufeff") for h in header]
        for i, cells in enumerate(reader):
            if len(cells) == 0:
                yield RowIn(i, {}, "")  # a blank line is a row with no text
                continue
            values = dict(zip(header, cells))
            err = ""
            if len(cells) != len(header):
                err = f"malformed row: {len(cells)} fields, the header has {len(header)}"
            yield RowIn(i, values, err)


def _read_jsonl(path: Path) -> Iterator[RowIn]:
    enc = detect_encoding(path)
    with path.open(encoding=enc, errors="replace") as fh:
        for i, line in enumerate(fh):
            if not line.strip():
                yield RowIn(i, {}, "")
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                yield RowIn(i, {}, f"invalid JSON: {exc.msg} at column {exc.colno}")
                continue
            if not isinstance(obj, dict):
                yield RowIn(i, {}, f"expected a JSON object, got {type(obj).__name__}")
                continue
            yield RowIn(i, obj)


def _read_parquet(path: Path) -> Iterator[RowIn]:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise MissingExtraError("pyarrow", "batch") from None
    i = 0
    for batch in pq.ParquetFile(path).iter_batches(batch_size=CHUNK_ROWS):
        for rec in batch.to_pylist():
            yield RowIn(i, rec)
            i += 1


def _read_xlsx(path: Path) -> Iterator[RowIn]:
    try:
        import openpyxl
    except ImportError:
        raise MissingExtraError("openpyxl", "batch") from None
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    ws = wb.worksheets[0]
    rows = ws.iter_rows(values_only=True)
    try:
        header = [str(h).strip() if h is not None else f"column{j}" for j, h in enumerate(next(rows))]
    except StopIteration:
        return
    for i, cells in enumerate(rows):
        yield RowIn(i, {h: ("" if v is None else v) for h, v in zip(header, cells)})
    wb.close()


def count_rows(path: Path, fmt: str) -> int | None:
    """Row count where it is cheap (Parquet metadata, XLSX dimensions); None otherwise."""
    try:
        if fmt == "parquet":
            import pyarrow.parquet as pq

            return pq.ParquetFile(path).metadata.num_rows
    except Exception:
        return None
    return None


TEXT_COLUMN_GUESSES = ("text", "job_content", "jobDescription", "requirements", "description", "工作內容", "內容", "content")


def guess_text_columns(columns: Iterable[str]) -> tuple[str, ...]:
    cols = list(columns)
    for name in TEXT_COLUMN_GUESSES:
        if name in cols:
            return (name,)
    raise DatasetError(f"no text column given and none of {', '.join(TEXT_COLUMN_GUESSES)} exists; columns: {cols}; use --text-column")


# ---- scoring ---------------------------------------------------------------------------------------------
RANK_COLUMNS = ("ranked", "best_standard")
RANKED_CODES = 10  # codes written to the ranked column, best first


def output_columns(task_ids: list[str], rank: bool = False) -> list[str]:
    cols = ["row", "id", "status", "message", "fit"] + [f"task_{t}" for t in task_ids] + ["covered", "partial"]
    return cols + list(RANK_COLUMNS) if rank else cols


def row_text(values: dict, columns: tuple[str, ...]) -> str:
    parts = []
    for c in columns:
        v = values.get(c)
        if v is None:
            continue
        s = str(v)
        if s.strip() and s.strip().lower() not in ("nan", "none", "null"):
            parts.append(s)
    return "\n".join(parts)


def score_chunk(matcher, rows: list[RowIn], cfg: BatchConfig, task_ids: list[str]) -> list[dict]:
    """One output dict per input row, in order."""
    out: list[dict] = []
    todo: list[tuple[int, str]] = []
    for k, r in enumerate(rows):
        rid = r.values.get(cfg.id_column) if cfg.id_column else None
        base = {"row": r.row, "id": "" if rid is None else str(rid), "status": "", "message": "", "fit": None}
        base.update({f"task_{t}": None for t in task_ids})
        base.update({"covered": "", "partial": ""})
        if cfg.rank:
            base.update({"ranked": "", "best_standard": ""})
        out.append(base)
        if r.error:
            base.update(status="error", message=r.error)
            continue
        text = row_text(r.values, cfg.text_columns)
        notes = []
        if "\ufffd" in text:
            notes.append("bytes that were not valid in the file's encoding were replaced with \ufffd")
        if len(text) > MAX_CELL_CHARS:
            notes.append(f"text cut to {MAX_CELL_CHARS:,} of {len(text):,} characters")
            text = text[:MAX_CELL_CHARS]
        base["message"] = "; ".join(notes)
        try:
            check_input(text)
        except InputError as exc:
            base.update(status="empty" if "empty" in str(exc) or "no words" in str(exc) else "error", message=str(exc))
            continue
        todo.append((k, text))
    if todo:
        try:
            reports = matcher.match_many([t for _, t in todo], standard=cfg.standard)
        except MatcherError:
            raise
        except Exception:  # isolate the row that breaks the chunk
            reports = []
            for _, t in todo:
                try:
                    reports.append(matcher.match_many([t], standard=cfg.standard)[0])
                except Exception as exc:  # noqa: BLE001 - reported in the row
                    reports.append(exc)
        for (k, _), rep in zip(todo, reports):
            row = out[k]
            if isinstance(rep, Exception):
                row.update(status="error", message=f"{type(rep).__name__}: {rep}")
                continue
            row["status"] = "ok"
            row["fit"] = round(rep.fit, 4)
            for t in rep.tasks:
                row[f"task_{t.id}"] = round(t.coverage, 4)
            row["covered"] = " ".join(rep.covered_ids())
            row["partial"] = " ".join(r.item.id for r in rep.items if r.status == "partial")
        if cfg.rank:
            _rank_rows(matcher, todo, out)
    return out


def _rank_rows(matcher, todo: list[tuple[int, str]], out: list[dict]) -> None:
    """Fill ``ranked`` (the best codes, space-separated) and ``best_standard`` (empty when none fits)."""
    from .rank import NONE_FIT

    for k, text in todo:
        if out[k]["status"] != "ok":
            continue
        try:
            ranked = matcher.rank(text, top=RANKED_CODES)
        except Exception as exc:  # noqa: BLE001 - reported in the row
            out[k]["message"] = "; ".join(m for m in (out[k]["message"], f"rank: {type(exc).__name__}: {exc}") if m)
            continue
        out[k]["ranked"] = " ".join(r.code for r in ranked)
        out[k]["best_standard"] = ranked[0].code if ranked and ranked[0].fit >= NONE_FIT else ""


# ---- writers ----------------------------------------------------------------------------------------------
def write_rows(path: Path, rows: Iterable[dict], columns: list[str], fmt: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    if fmt in ("csv", "tsv"):
        with tmp.open("w", encoding="utf-8", newline="") as fh:
            w = csv.DictWriter(fh, columns, delimiter="\t" if fmt == "tsv" else ",")
            w.writeheader()
            for r in rows:
                w.writerow({k: ("" if r.get(k) is None else r.get(k)) for k in columns})
    elif fmt == "jsonl":
        with tmp.open("w", encoding="utf-8") as fh:
            for r in rows:
                fh.write(json.dumps({k: r.get(k) for k in columns}, ensure_ascii=False) + "\n")
    elif fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        schema = pa.schema(
            [(c, pa.float64() if c == "fit" or c.startswith("task_") else pa.int64() if c == "row" else pa.string()) for c in columns]
        )
        writer = pq.ParquetWriter(tmp, schema)
        buf: list[dict] = []
        written = False
        for r in rows:
            buf.append({k: r.get(k) for k in columns})
            if len(buf) >= 4096:
                writer.write_table(pa.Table.from_pylist(buf, schema=schema))
                buf, written = [], True
        if buf or not written:  # an empty output still gets its schema
            writer.write_table(pa.Table.from_pylist(buf, schema=schema))
        writer.close()
    elif fmt == "xlsx":
        import openpyxl

        wb = openpyxl.Workbook(write_only=True)
        ws = wb.create_sheet("scores")
        ws.append(columns)
        for r in rows:
            ws.append([r.get(k) for k in columns])
        wb.save(tmp)
    else:
        raise DatasetError(f"unknown output format {fmt!r}")
    os.replace(tmp, path)


# ---- the resumable driver -----------------------------------------------------------------------------------
def _fingerprint(path: Path, cfg: BatchConfig) -> str:
    st = path.stat()
    return hashlib.sha256(f"{path.resolve()}|{st.st_size}|{st.st_mtime_ns}|{cfg.key()}".encode()).hexdigest()[:16]


def _chunks(rows: Iterator[RowIn], n: int) -> Iterator[list[RowIn]]:
    buf: list[RowIn] = []
    for r in rows:
        buf.append(r)
        if len(buf) >= n:
            yield buf
            buf = []
    if buf:
        yield buf


class Progress:
    """rows/s and ETA on stderr, at most twice a second."""

    def __init__(self, total: int | None, enabled: bool = True):
        self.total, self.enabled = total, enabled and sys.stderr is not None
        self.start = time.time()
        self.last = 0.0
        self.done = 0

    def update(self, n: int) -> None:
        self.done += n
        now = time.time()
        if not self.enabled or now - self.last < 0.5:
            return
        self.last = now
        rate = self.done / max(now - self.start, 1e-9)
        if self.total:
            eta = (self.total - self.done) / max(rate, 1e-9)
            msg = f"\r{self.done:,}/{self.total:,} rows  {rate:,.1f} rows/s  ETA {eta:,.0f} s "
        else:
            msg = f"\r{self.done:,} rows  {rate:,.1f} rows/s "
        sys.stderr.write(msg)
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled and self.done:
            sys.stderr.write("\n")


def score_file(
    matcher,
    input_path: str | Path,
    output_path: str | Path,
    cfg: BatchConfig,
    *,
    input_format: str | None = None,
    output_format: str | None = None,
    progress: bool = True,
    restart: bool = False,
    stop_after_chunks: int | None = None,
) -> Stats:
    """Score a dataset into OUTPUT, resuming from OUTPUT.parts/ when a previous run stopped.

    ``stop_after_chunks`` ends the run early (as a crash would) after that many new
    chunks; used by the tests of resumption.
    """
    inp, out = Path(input_path), Path(output_path)
    if not inp.is_file():
        raise DatasetError(f"{inp}: no such file")
    in_fmt = input_format or detect_format(inp)
    out_fmt = output_format or detect_format(out)
    parts = out.with_name(out.name + ".parts")
    state_path = parts / "state.json"
    fp = _fingerprint(inp, cfg)
    if restart:
        shutil.rmtree(parts, ignore_errors=True)
    if state_path.is_file():
        state = json.loads(state_path.read_text())
        if state.get("fingerprint") != fp:
            raise DatasetError(
                f"{parts} holds a checkpoint of a different input or settings; delete it or pass --restart"
            )
    else:
        parts.mkdir(parents=True, exist_ok=True)
        state_path.write_text(json.dumps({"fingerprint": fp, "input": str(inp)}))
    std = matcher.standard(cfg.standard)
    task_ids = [t.id for t in std.tasks]
    columns = output_columns(task_ids, cfg.rank)
    stats = Stats()
    t0 = time.time()
    encoded0 = matcher.encoder.encoded if "encoder" in matcher.__dict__ else 0
    rows = read_rows(inp, in_fmt)
    first = next(rows, None)
    if first is None:
        write_rows(out, [], columns, out_fmt)
        shutil.rmtree(parts, ignore_errors=True)
        return stats
    if not cfg.text_columns:
        cfg = replace(cfg, text_columns=guess_text_columns(first.values.keys()))
    missing = [c for c in cfg.text_columns if c not in first.values] if not first.error and first.values else []
    if missing:
        raise DatasetError(f"text column(s) {missing} not in the input; columns: {list(first.values)}")
    if cfg.id_column and first.values and cfg.id_column not in first.values and not first.error:
        raise DatasetError(f"id column {cfg.id_column!r} not in the input; columns: {list(first.values)}")

    def all_rows() -> Iterator[RowIn]:
        yield first
        yield from rows

    bar = Progress(count_rows(inp, in_fmt), enabled=progress)
    new_chunks = 0
    try:
        for k, chunk in enumerate(_chunks(all_rows(), cfg.chunk_rows)):
            part = parts / f"part-{k:06d}.jsonl"
            if part.is_file():
                stats.chunks_skipped += 1
                bar.update(len(chunk))
                continue
            if stop_after_chunks is not None and new_chunks >= stop_after_chunks:
                raise KeyboardInterrupt
            scored = score_chunk(matcher, chunk, cfg, task_ids)
            tmp = part.with_suffix(".tmp")
            with tmp.open("w", encoding="utf-8") as fh:
                for r in scored:
                    fh.write(json.dumps(r, ensure_ascii=False) + "\n")
            os.replace(tmp, part)  # a chunk is done only once its part file exists
            new_chunks += 1
            bar.update(len(chunk))
    finally:
        bar.close()

    def merged() -> Iterator[dict]:
        for part in sorted(parts.glob("part-*.jsonl")):
            with part.open(encoding="utf-8") as fh:
                for line in fh:
                    r = json.loads(line)
                    stats.rows += 1
                    stats.statuses[r["status"]] = stats.statuses.get(r["status"], 0) + 1
                    yield r

    write_rows(out, merged(), columns, out_fmt)
    shutil.rmtree(parts, ignore_errors=True)
    stats.ok = stats.statuses.get("ok", 0)
    stats.empty = stats.statuses.get("empty", 0)
    stats.error = stats.statuses.get("error", 0)
    stats.seconds = time.time() - t0
    if "encoder" in matcher.__dict__:
        stats.clauses_encoded = matcher.encoder.encoded - encoded0
    return stats


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


def summarise(output_path: str | Path, standard, fmt: str | None = None, chart: str | None = None) -> tuple[list[dict], str]:
    """Per item: the share of scored postings that cover it. Returns (CSV rows, Markdown);
    ``chart`` names an image (e.g. the file :func:`summary_svg` was written to) to embed."""
    path = Path(output_path)
    fmt = fmt or detect_format(path)
    counts: dict[str, list[int]] = {}
    n = 0
    for r in read_rows(path, fmt):
        v = r.values
        if v.get("status") != "ok":
            continue
        n += 1
        for key, col in (("covered", 0), ("partial", 1)):
            for item_id in str(v.get(key) or "").split():
                counts.setdefault(item_id, [0, 0])[col] += 1
    rows = []
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
