"""Batch scoring of posting datasets: streaming, resumable, loss-free.

``score_file(INPUT, OUTPUT, ...)`` reads CSV/TSV, JSONL, Parquet or XLSX in chunks,
scores each chunk with one :class:`~matcher.pipeline.Matcher` (clauses deduplicated by
content hash across the whole run, encoded in bulk), and writes each finished chunk
as a part file under ``OUTPUT.parts/``. A run that is interrupted (Ctrl-C, kill, crash)
resumes at the first unfinished chunk; when every chunk is done the parts are merged,
in input order, into OUTPUT. So a resumed run's output is byte for byte the output of
an uninterrupted one.

Reading and writing datasets is :mod:`matcher.batch_io`; the per-item summary of an output is
:mod:`matcher.summary`.

Every input row yields exactly one output row: ``row`` (0-based input position), ``id``,
``status`` (ok / empty / error), ``message``, ``fit``, one ``task_<id>`` coverage column
per task, and the ``covered`` / ``partial`` item ids. A malformed row is reported, never
dropped, and never stops the run.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator

from .batch_io import RowIn, count_rows, detect_format, guess_text_columns, read_rows, write_rows
from .errors import DatasetError, InputError, MatcherError
from .io import atomic_open
from .text import MAX_CHARS, check_input

if TYPE_CHECKING:
    from .pipeline import Matcher
    from .report import MatchReport

CHUNK_ROWS = 256


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
class Stats:
    rows: int = 0
    ok: int = 0
    empty: int = 0
    error: int = 0
    clauses_encoded: int = 0
    seconds: float = 0.0
    chunks_skipped: int = 0
    statuses: dict = field(default_factory=dict)


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


def score_chunk(matcher: Matcher, rows: list[RowIn], cfg: BatchConfig, task_ids: list[str]) -> list[dict]:
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
        if len(text) > MAX_CHARS:
            notes.append(f"text cut to {MAX_CHARS:,} of {len(text):,} characters")
            text = text[:MAX_CHARS]
        base["message"] = "; ".join(notes)
        try:
            check_input(text)
        except InputError as exc:
            base.update(status="empty" if "empty" in str(exc) or "no words" in str(exc) else "error", message=str(exc))
            continue
        todo.append((k, text))
    if todo:
        reports: list[MatchReport | Exception]
        try:
            reports = list(matcher.match_many([t for _, t in todo], standard=cfg.standard))
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
            for task in rep.tasks:
                row[f"task_{task.id}"] = round(task.coverage, 4)
            row["covered"] = " ".join(rep.covered_ids())
            row["partial"] = " ".join(r.item.id for r in rep.items if r.status == "partial")
        if cfg.rank:
            _rank_rows(matcher, todo, out)
    return out


def _rank_rows(matcher: Matcher, todo: list[tuple[int, str]], out: list[dict]) -> None:
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
    matcher: Matcher,
    input_path: str | Path,
    output_path: str | Path,
    cfg: BatchConfig,
    *,
    input_format: str | None = None,
    output_format: str | None = None,
    progress: bool = True,
    restart: bool = False,
    on_chunk: Callable[[int], None] | None = None,
) -> Stats:
    """Score a dataset into OUTPUT, resuming from OUTPUT.parts/ when a previous run stopped.

    ``on_chunk(k)`` is called after chunk ``k`` is scored and saved (not for chunks reused
    from a checkpoint).
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
    encoded0 = matcher.encoder.encoded if matcher.encoder_loaded else 0
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
    try:
        for k, chunk in enumerate(_chunks(all_rows(), cfg.chunk_rows)):
            part = parts / f"part-{k:06d}.jsonl"
            if part.is_file():
                stats.chunks_skipped += 1
                bar.update(len(chunk))
                continue
            scored = score_chunk(matcher, chunk, cfg, task_ids)
            with atomic_open(part) as fh:  # a chunk is done only once its part file exists
                for r in scored:
                    fh.write(json.dumps(r, ensure_ascii=False) + "\n")
            bar.update(len(chunk))
            if on_chunk is not None:
                on_chunk(k)
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
    if matcher.encoder_loaded:
        stats.clauses_encoded = matcher.encoder.encoded - encoded0
    return stats
