"""Text out of uploaded files: TXT (UTF-8 / Big5), PDF and DOCX, in memory only.

The app and the CLI read files through :func:`extract_text`. The type comes from the
content (``%PDF-``, a ZIP package), the name only breaks ties. What a file may expand to is
bounded *before* it is parsed in full, so a small file cannot take the memory of a server:

* DOCX (a ZIP package): the declared uncompressed sizes of all members and their
  compression ratios are checked first; ``word/document.xml`` is then read by a streaming
  XML parser (no tree) that stops at the character limit; only a package within the bounds
  is handed to python-docx. ``zipfile`` never inflates a member past its declared size.
* PDF: page count first, then pypdf's decompression limits lowered for the call, and the
  decompressed content and the extracted characters capped page by page.

Every failure, ours or a third-party library's, becomes one :class:`~matcher.errors.InputError`
with a one-line message.
"""

from __future__ import annotations

import dataclasses
import io
import re
import zipfile
from contextlib import contextmanager
from typing import Iterator

from .errors import InputError, InputTooLargeError, MissingExtraError
from .text import MAX_CHARS, decode_bytes

MAX_UPLOAD_BYTES = 5 * 1024 * 1024  # 5 MB: a long résumé PDF is well under 1 MB
SUFFIXES = ("txt", "pdf", "docx")

# DOCX bounds (a 10-page résumé: document.xml 0.1-1 MB, the whole package a few MB with images)
DOCX_MAX_MEMBERS = 1_000
DOCX_MAX_TOTAL_BYTES = 40 * 1024 * 1024  # all members, declared uncompressed
DOCX_MAX_XML_BYTES = 5 * 1024 * 1024  # word/document.xml, declared uncompressed
DOCX_MAX_RATIO = 100  # uncompressed / compressed, for members over 1 MB (XML compresses ~10x)
DOCX_MAX_XML_ELEMENTS = 500_000
# PDF bounds
PDF_MAX_PAGES = 50
PDF_MAX_STREAM_BYTES = 8 * 1024 * 1024  # any one decompressed stream (pypdf's limits)
PDF_MAX_CONTENT_BYTES = 8 * 1024 * 1024  # all pages' content streams together

_MAGIC = {
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"\xd0\xcf\x11\xe0": "a Word 97-2003 (.doc) or other OLE file; save it as DOCX",
    b"{\\rtf": "an RTF file; save it as DOCX",
}


class ScannedPDFError(InputError):
    """A PDF whose pages hold no extractable text (a scan or an image)."""


def sniff(data: bytes) -> str:
    """``"pdf"``, ``"zip"`` or ``"text"`` from the first bytes; raises for known binary types."""
    if data[:1024].lstrip()[:5] == b"%PDF-":
        return "pdf"
    if data[:4] == b"PK\x03\x04":
        return "zip"
    for magic, what in _MAGIC.items():
        if data.startswith(magic):
            raise InputError(f"it is {what}")
    return "text"


def extract_text(filename: str, data: bytes) -> str:
    """Return the text of an uploaded file; raises InputError with a user-facing reason."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise InputTooLargeError(
            f"{filename} is {len(data) / 1024 / 1024:.1f} MB; the limit is {MAX_UPLOAD_BYTES // 1024 // 1024} MB"
        )
    if not data:
        raise InputError(f"{filename} is empty")
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    try:
        kind = sniff(data)
    except InputError as exc:
        named = f" .{suffix}" if suffix else ""
        raise InputError(f"{filename}: unsupported file type{named} ({exc}); give TXT, PDF or DOCX") from None
    if kind == "pdf":
        return _pdf(filename, data)
    if kind == "zip":
        return _docx(filename, data)
    if suffix == "pdf":
        raise InputError(f"{filename} is not a readable PDF (it does not start with %PDF-)")
    if suffix == "docx":
        raise InputError(f"{filename} is not a readable DOCX file (it is not a ZIP package)")
    return decode_bytes(data)


def _too_long(filename: str) -> InputTooLargeError:
    return InputTooLargeError(
        f"{filename} holds more than {MAX_CHARS:,} characters of text; the limit is {MAX_CHARS:,}. "
        "Split it into smaller parts."
    )


# ---- PDF --------------------------------------------------------------------------------------------
@contextmanager
def _pypdf_limits() -> Iterator[None]:
    """Lower pypdf's decompression limits for this call (pypdf >= 6: a context variable, so
    other threads and other users of pypdf are not affected)."""
    import pypdf

    apply = getattr(pypdf, "apply_configuration", None)
    if apply is None:  # older pypdf: its own 75 MB limits, plus our content cap below
        yield
        return
    names = {f.name for f in dataclasses.fields(pypdf.Configuration)}
    limits = {
        k: PDF_MAX_STREAM_BYTES
        for k in (
            "maximum_declared_stream_length", "array_based_stream_maximum_output_length", "jbig2_maximum_output_length",
            "lzw_maximum_output_length", "run_length_maximum_output_length", "zlib_maximum_output_length",
            "brotli_maximum_output_length", "image_maximum_buffer_size",
        )
        if k in names
    }
    with apply(**limits):
        yield


def _pdf(filename: str, data: bytes) -> str:
    try:
        from pypdf import PdfReader
        from pypdf.errors import LimitReachedError, PyPdfError
    except ImportError:
        raise MissingExtraError("pypdf", "app") from None
    try:
        with _pypdf_limits():
            reader = PdfReader(io.BytesIO(data))
            if reader.is_encrypted:
                try:
                    reader.decrypt("")
                except Exception:
                    raise InputError(f"{filename} is password-protected; remove the password and upload it again") from None
            n = len(reader.pages)
            if n > PDF_MAX_PAGES:
                raise InputTooLargeError(f"{filename} has {n} pages; the limit is {PDF_MAX_PAGES}")
            pages, chars, content = [], 0, 0
            for page in reader.pages:
                stream = page.get_contents()
                content += len(stream.get_data()) if stream is not None else 0
                if content > PDF_MAX_CONTENT_BYTES:
                    raise _expands(filename, "PDF")
                text = page.extract_text() or ""
                chars += len(text)
                if chars > MAX_CHARS:
                    raise _too_long(filename)
                pages.append(text)
    except InputError:
        raise
    except LimitReachedError:
        raise _expands(filename, "PDF") from None
    except PyPdfError as exc:
        raise InputError(f"{filename} is not a readable PDF ({_first_line(exc)})") from None
    except (MemoryError, RecursionError) as exc:
        raise _expands(filename, f"PDF ({type(exc).__name__})") from None
    except Exception as exc:  # noqa: BLE001 - pypdf raises many types for a broken file; none may escape
        raise InputError(f"{filename} is not a readable PDF ({type(exc).__name__}: {_first_line(exc)})") from None
    text = "\n".join(pages)
    if len(re.sub(r"\s", "", text)) < 10:
        raise ScannedPDFError(
            f"{filename} has no extractable text ({len(pages)} page(s)); it looks like a scan or an image. "
            "Paste the text instead, or run OCR on it first."
        )
    return text


def _expands(filename: str, what: str) -> InputTooLargeError:
    return InputTooLargeError(f"{filename}: this {what} expands past the size limit for an upload; it was not read")


def _first_line(exc: BaseException) -> str:
    s = str(exc).strip()
    return (s.splitlines()[0] if s else type(exc).__name__)[:200]


# ---- DOCX -------------------------------------------------------------------------------------------
def _docx(filename: str, data: bytes) -> str:
    try:
        import docx
    except ImportError:
        raise MissingExtraError("python-docx", "app") from None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            _check_package(filename, zf)
            _check_document_xml(filename, zf)
        doc = docx.Document(io.BytesIO(data))
        lines = [p.text for p in doc.paragraphs]
        for table in doc.tables:
            for row in table.rows:
                lines.append("\t".join(cell.text for cell in row.cells))
    except InputError:
        raise
    except (MemoryError, RecursionError) as exc:
        raise _expands(filename, f"DOCX ({type(exc).__name__})") from None
    except Exception as exc:  # noqa: BLE001 - zipfile/python-docx/lxml raise many types for a broken package
        raise InputError(f"{filename} is not a readable DOCX file ({type(exc).__name__})") from None
    text = "\n".join(lines)
    if not text.strip():
        raise InputError(f"{filename} has no text")
    return text


def _check_package(filename: str, zf: zipfile.ZipFile) -> None:
    """Refuse a package whose declared sizes or compression ratios are past the bounds."""
    infos = zf.infolist()
    if len(infos) > DOCX_MAX_MEMBERS:
        raise _expands(filename, f"DOCX ({len(infos)} parts)")
    total = sum(i.file_size for i in infos)
    if total > DOCX_MAX_TOTAL_BYTES:
        raise _expands(filename, "DOCX")
    for i in infos:
        if i.file_size > 1024 * 1024 and i.file_size > DOCX_MAX_RATIO * max(i.compress_size, 1):
            raise _expands(filename, "DOCX")
    names = {i.filename for i in infos}
    if "word/document.xml" not in names:
        raise InputError(f"{filename} is not a readable DOCX file (no word/document.xml; is it another ZIP file?)")
    if zf.getinfo("word/document.xml").file_size > DOCX_MAX_XML_BYTES:
        raise _expands(filename, "DOCX")


def _check_document_xml(filename: str, zf: zipfile.ZipFile) -> None:
    """Stream word/document.xml through expat, counting text characters and elements, without
    building a tree; refuse DTDs (entity expansion) and text past the character limit."""
    import xml.parsers.expat

    counts = {"chars": 0, "elements": 0}
    in_text = [False]

    def start(name: str, attrs: dict) -> None:
        counts["elements"] += 1
        if counts["elements"] > DOCX_MAX_XML_ELEMENTS:
            raise _expands(filename, "DOCX")
        in_text[0] = name.endswith("}t")

    def end(name: str) -> None:
        in_text[0] = False

    def chars(s: str) -> None:
        if in_text[0]:
            counts["chars"] += len(s)
            if counts["chars"] > MAX_CHARS:
                raise _too_long(filename)

    def doctype(*_args) -> None:
        raise InputError(f"{filename} is not a readable DOCX file (its XML declares a DTD)")

    parser = xml.parsers.expat.ParserCreate(namespace_separator="}")
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = doctype
    with zf.open("word/document.xml") as fh:  # inflates at most the declared size (checked above)
        while chunk := fh.read(64 * 1024):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
