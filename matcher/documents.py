"""Text out of uploaded files: TXT (UTF-8 / Big5), PDF and DOCX, in memory only."""

from __future__ import annotations

import io
import re

from .errors import InputError, InputTooLargeError, MissingExtraError
from .text import decode_bytes

MAX_UPLOAD_BYTES = 5 * 1024 * 1024  # 5 MB: a long résumé PDF is well under 1 MB
SUFFIXES = ("txt", "pdf", "docx")


class ScannedPDFError(InputError):
    """A PDF whose pages hold no extractable text (a scan or an image)."""


def extract_text(filename: str, data: bytes) -> str:
    """Return the text of an uploaded file; raises InputError with a user-facing reason."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise InputTooLargeError(
            f"{filename} is {len(data) / 1024 / 1024:.1f} MB; the limit is {MAX_UPLOAD_BYTES // 1024 // 1024} MB"
        )
    if not data:
        raise InputError(f"{filename} is empty")
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if suffix == "pdf" or data[:5] == b"%PDF-":
        return _pdf(filename, data)
    if suffix == "docx" or data[:2] == b"PK":
        return _docx(filename, data)
    if suffix in ("txt", "text", "md", ""):
        return decode_bytes(data)
    raise InputError(f"{filename}: unsupported file type .{suffix}; upload TXT, PDF or DOCX")


def _pdf(filename: str, data: bytes) -> str:
    try:
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError
    except ImportError:
        raise MissingExtraError("pypdf", "app") from None
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                reader.decrypt("")
            except Exception:
                raise InputError(f"{filename} is password-protected; remove the password and upload it again") from None
        pages = [page.extract_text() or "" for page in reader.pages]
    except PdfReadError as exc:
        raise InputError(f"{filename} is not a readable PDF ({exc})") from None
    text = "\n".join(pages)
    if len(re.sub(r"\s", "", text)) < 10:
        raise ScannedPDFError(
            f"{filename} has no extractable text ({len(pages)} page(s)); it looks like a scan or an image. "
            "Paste the text instead, or run OCR on it first."
        )
    return text


def _docx(filename: str, data: bytes) -> str:
    try:
        import docx
    except ImportError:
        raise MissingExtraError("python-docx", "app") from None
    try:
        doc = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises several types for a broken package
        raise InputError(f"{filename} is not a readable DOCX file ({type(exc).__name__})") from None
    lines = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            lines.append("\t".join(cell.text for cell in row.cells))
    text = "\n".join(lines)
    if not text.strip():
        raise InputError(f"{filename} has no text")
    return text
