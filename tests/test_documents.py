from __future__ import annotations

import io

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


def test_pdf_with_text():
    fpdf = pytest.importorskip("fpdf")
    pdf = fpdf.FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text="Wrote press releases and speeches for the CEO")
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
