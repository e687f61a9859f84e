from __future__ import annotations

import io
from pathlib import Path

import pytest

from matcher.documents import MAX_UPLOAD_BYTES, ScannedPDFError, extract_text
from matcher.errors import BinaryInputError, InputError, InputTooLargeError


def test_txt_utf8_and_big5():
    assert extract_text("a.txt", "負責撰寫新聞稿".encode("utf-8")) == "負責撰寫新聞稿"
    assert extract_text("a.txt", "負責撰寫新聞稿".encode("cp950")) == "負責撰寫新聞稿"
    with pytest.raises(BinaryInputError):
        extract_text("a.txt", b"\x00\x01" * 10)


def test_docx_paragraphs_and_tables():
    docx = pytest.importorskip("docx")
    d = docx.Document()
    d.add_paragraph("王小明 公關專員")
    t = d.add_table(rows=1, cols=2)
    t.rows[0].cells[0].text = "2021–2024"
    t.rows[0].cells[1].text = "撰寫新聞稿"
    buf = io.BytesIO()
    d.save(buf)
    assert extract_text("cv.docx", buf.getvalue()) == "王小明 公關專員\n2021–2024\t撰寫新聞稿"


def test_pdf_without_text_is_a_scan():
    fpdf = pytest.importorskip("fpdf")
    pdf = fpdf.FPDF()
    pdf.add_page()
    pdf.rect(10, 10, 50, 50, style="F")
    with pytest.raises(ScannedPDFError, match="no extractable text"):
        extract_text("scan.pdf", bytes(pdf.output()))


def _pdf_with_text(text: str):
    fpdf = pytest.importorskip("fpdf")
    pdf = fpdf.FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text=text)
    return pdf


def test_pdf_with_text():
    pdf = _pdf_with_text("Wrote press releases and speeches for the CEO")
    assert "press releases" in extract_text("cv.pdf", bytes(pdf.output()))


def test_bad_files():
    with pytest.raises(InputError, match="not a readable PDF"):
        extract_text("x.pdf", b"%PDF-1.4 garbage")
    with pytest.raises(InputError, match="not a readable DOCX"):
        extract_text("x.docx", b"PK\x03\x04 not a zip")
    with pytest.raises(InputError, match="unsupported file type .png"):
        extract_text("x.png", b"\x89PNG....")
    with pytest.raises(InputTooLargeError, match="the limit is 5 MB"):
        extract_text("x.txt", b"a" * (MAX_UPLOAD_BYTES + 1))
    with pytest.raises(InputError, match="is empty"):
        extract_text("x.txt", b"")


# ---- bounds: what an upload may expand to ------------------------------------------------------------
def docx_bomb(path, inflated_mb: int) -> None:
    """A valid DOCX whose word/document.xml inflates to ``inflated_mb`` MB (written streaming)."""
    import zipfile

    docx = pytest.importorskip("docx")
    buf = io.BytesIO()
    docx.Document().save(buf)
    src = zipfile.ZipFile(buf)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out:
        for info in src.infolist():
            if info.filename != "word/document.xml":
                out.writestr(info, src.read(info))
        with out.open("word/document.xml", "w", force_zip64=True) as fh:
            fh.write(b'<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>')
            para = b"<w:p><w:r><w:t>" + "撰寫新聞稿".encode() * 20 + b"</w:t></w:r></w:p>"
            block = para * (1024 * 1024 // len(para) + 1)
            for _ in range(inflated_mb):
                fh.write(block)
            fh.write(b"</w:body></w:document>")


def pdf_bomb(path, inflated_mb: int) -> None:
    """A one-page PDF whose content stream is a Flate stream inflating to ``inflated_mb`` MB."""
    import zlib

    comp = zlib.compressobj(9)
    chunk = b"BT /F1 12 Tf 72 712 Td (press release) Tj ET\n" * 20000
    stream = b"".join(comp.compress(chunk) for _ in range(inflated_mb * 1024 * 1024 // len(chunk) + 1)) + comp.flush()
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for k, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % k + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    path.write_bytes(bytes(out))


# run in a fresh interpreter: peak RSS above the RSS after imports, and the wall time of the call
MEASURE = """
import sys, time
from pathlib import Path
import docx, pypdf
from matcher.documents import extract_text
from matcher.errors import MatcherError

def status(key):  # kB, from /proc: VmHWM is this process's own peak (ru_maxrss would include the parent's)
    return next(int(line.split()[1]) for line in open('/proc/self/status') if line.startswith(key + ':'))

path = Path(sys.argv[1])
data = path.read_bytes()
rss = status('VmRSS')
t0 = time.perf_counter()
try:
    extract_text(path.name, data)
    msg = 'NO ERROR'
except MatcherError as exc:
    msg = str(exc)
dt = time.perf_counter() - t0
print(f"{dt:.3f} {max(status('VmHWM') - rss, 0) / 1024:.1f}")
print(msg)
"""


def measure(path) -> tuple[float, float, str]:
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent
    out = subprocess.run([sys.executable, "-c", MEASURE, str(path)], capture_output=True, text=True, cwd=root, check=True)
    head, msg = out.stdout.splitlines()[:2]
    seconds, mb = map(float, head.split())
    return seconds, mb, msg


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="RSS from /proc (Linux)")
def test_docx_bomb_is_refused_fast_in_little_memory(tmp_path):
    path = tmp_path / "bomb.docx"
    docx_bomb(path, 300)  # 300 MB of XML in a file of about 0.5 MB
    assert path.stat().st_size < MAX_UPLOAD_BYTES
    seconds, mb, msg = measure(path)
    assert msg == "bomb.docx: this DOCX expands past the size limit for an upload; it was not read"
    assert seconds < 1.0 and mb < 200, (seconds, mb)


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="RSS from /proc (Linux)")
def test_pdf_stream_bomb_is_refused_fast_in_little_memory(tmp_path):
    path = tmp_path / "bomb.pdf"
    pdf_bomb(path, 300)  # a 300 MB content stream in a file of about 1 MB
    assert path.stat().st_size < MAX_UPLOAD_BYTES
    seconds, mb, msg = measure(path)
    assert msg == "bomb.pdf: this PDF expands past the size limit for an upload; it was not read"
    assert seconds < 1.0 and mb < 200, (seconds, mb)


def test_docx_within_the_size_bounds_but_over_the_character_limit():
    docx = pytest.importorskip("docx")
    d = docx.Document()
    for _ in range(500):
        d.add_paragraph("負責撰寫新聞稿、致詞稿及聲明書，並維護與媒體記者的良好關係。" * 2)  # 500 x 60 characters
    buf = io.BytesIO()
    d.save(buf)
    with pytest.raises(InputTooLargeError, match="long.docx holds more than 20,000 characters of text"):
        extract_text("long.docx", buf.getvalue())


def test_docx_with_a_dtd_is_refused():
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaa">]><d>&a;</d>')
    with pytest.raises(InputError, match="declares a DTD"):
        extract_text("x.docx", buf.getvalue())


def test_type_comes_from_the_content():
    pdf = _pdf_with_text("Wrote press releases and speeches for the CEO")
    assert "press releases" in extract_text("cv.txt", bytes(pdf.output()))  # a PDF named .txt is read as a PDF
    with pytest.raises(InputError, match=r"unsupported file type \.doc \(it is a Word 97-2003"):
        extract_text("cv.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    with pytest.raises(InputError, match="not a readable PDF"):
        extract_text("cv.pdf", "負責撰寫新聞稿".encode())
