"""Datasets in and out for batch scoring: format and encoding detection, streaming readers
(CSV/TSV, JSONL, Parquet, XLSX) that report unreadable rows instead of dropping them, and
writers that replace their output atomically."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

from .errors import DatasetError, MissingExtraError
from .io import atomic_open, atomic_path

FORMATS = ("csv", "tsv", "jsonl", "parquet", "xlsx")
READ_BATCH_ROWS = 256  # Parquet record batch size when streaming


@dataclass
class RowIn:
    row: int
    values: dict[str, object]
    error: str = ""  # a row the reader could not parse


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
            values: dict[str, object] = dict(zip(header, cells))
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
    for batch in pq.ParquetFile(path).iter_batches(batch_size=READ_BATCH_ROWS):
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


# ---- writers ----------------------------------------------------------------------------------------------
def write_rows(path: Path, rows: Iterable[dict], columns: list[str], fmt: str) -> None:
    """Write rows (dicts) with these columns; readers of ``path`` never see a half-written file."""
    if fmt in ("csv", "tsv"):
        with atomic_open(path, "w", newline="") as fh:
            w = csv.DictWriter(fh, columns, delimiter="\t" if fmt == "tsv" else ",")
            w.writeheader()
            for r in rows:
                w.writerow({k: ("" if r.get(k) is None else r.get(k)) for k in columns})
    elif fmt == "jsonl":
        with atomic_open(path, "w") as fh:
            for r in rows:
                fh.write(json.dumps({k: r.get(k) for k in columns}, ensure_ascii=False) + "\n")
    elif fmt == "parquet":
        _write_parquet(path, rows, columns)
    elif fmt == "xlsx":
        import openpyxl

        wb = openpyxl.Workbook(write_only=True)
        ws = wb.create_sheet("scores")
        ws.append(columns)
        for r in rows:
            ws.append([r.get(k) for k in columns])
        with atomic_path(path) as tmp:
            wb.save(tmp)
    else:
        raise DatasetError(f"unknown output format {fmt!r}")


def _write_parquet(path: Path, rows: Iterable[dict], columns: list[str]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema(
        [(c, pa.float64() if c == "fit" or c.startswith("task_") else pa.int64() if c == "row" else pa.string()) for c in columns]
    )
    with atomic_path(path) as tmp:
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
