from __future__ import annotations

import io
import json

import pytest

from matcher.cli import main

POSTING = "【工作內容】\n1. 新聞稿、致詞稿、聲明書撰寫\n2. 代理商管理\n【福利】年終獎金、勞健保\n"


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("MATCHER_CACHE", str(tmp_path / "cache"))


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_match_json_from_file(tmp_path, capsys):
    f = tmp_path / "p.txt"
    f.write_text(POSTING, encoding="utf-8")
    code, out, err = run(capsys, "match", str(f), "--format", "json", "--model", "hashing")
    assert code == 0, err
    d = json.loads(out)
    assert d["standard"]["code"] == "KMC2432-004v2" and d["kind"] == "posting"
    s14 = next(i for i in d["items"] if i["id"] == "S14")
    assert s14["type"] == "skill"
    for ev in s14["evidence"]:
        assert POSTING[ev["start"] : ev["end"]] == ev["text"]
    assert d["calibrated"] is False and d["warnings"]


def test_match_stdin_markdown(monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(POSTING.encode("cp950")), encoding="cp950"))
    code, out, err = run(capsys, "match", "-", "--format", "markdown", "--model", "hashing")
    assert code == 0, err
    assert out.startswith("# 職能比對：公關企劃人員（KMC2432-004v2）")


def test_errors_are_one_line(tmp_path, capsys):
    empty = tmp_path / "e.txt"
    empty.write_text("  \n", encoding="utf-8")
    code, out, err = run(capsys, "match", str(empty), "--model", "hashing")
    assert code == 1 and out == "" and err.startswith("error: the input is empty") and err.count("\n") == 1
    binary = tmp_path / "b.bin"
    binary.write_bytes(b"\x00\x01\x02PK\x03\x04" * 50)
    code, _, err = run(capsys, "match", str(binary), "--model", "hashing")
    assert code == 1 and "binary" in err and "Traceback" not in err
    code, _, err = run(capsys, "match", str(tmp_path / "missing.txt"))
    assert code == 1 and err.startswith("error: cannot read")
    f = tmp_path / "p.txt"
    f.write_text(POSTING, encoding="utf-8")
    code, _, err = run(capsys, "match", str(f), "--standard", "XYZ", "--model", "hashing")
    assert code == 1 and "available: KMC2432-004v2" in err
    code, _, err = run(capsys, "match", str(f), "--model", "/no/such/model")
    assert code == 1 and "cannot load" in err


def test_rank_and_fit(tmp_path, capsys):
    p = tmp_path / "p.txt"
    p.write_text(POSTING, encoding="utf-8")
    r = tmp_path / "r.txt"
    r.write_text("曾負責新聞稿、致詞稿、聲明書撰寫", encoding="utf-8")
    code, out, err = run(capsys, "rank", str(p), "--format", "json", "--model", "hashing")
    assert code == 0, err
    assert [x["code"] for x in json.loads(out)] == ["KMC2432-004v2"]
    code, out, err = run(capsys, "fit", "--resume", str(r), "--posting", str(p), "--format", "json", "--model", "hashing")
    assert code == 0, err
    d = json.loads(out)
    assert {"posting_fit", "resume_fit", "coverage", "items", "missing"} <= set(d)


def test_batch_command(tmp_path, capsys):
    src = tmp_path / "jobs.csv"
    src.write_text("id,工作內容,條件\n1,新聞稿、致詞稿、聲明書撰寫,代理商管理\n2,,\n", encoding="utf-8")
    out = tmp_path / "scores.jsonl"
    code, stdout, err = run(capsys, "batch", str(src), "-o", str(out), "--text-column", "工作內容+條件",
                            "--id-column", "id", "--model", "hashing", "--quiet", "--summary")
    assert code == 0, err
    assert stdout.splitlines()[0].startswith("wrote 2 rows to ") and "1 ok, 1 empty, 0 error" in stdout
    rows = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [(r["id"], r["status"]) for r in rows] == [("1", "ok"), ("2", "empty")]
    assert (tmp_path / "scores.summary.md").is_file() and (tmp_path / "scores.summary.svg").is_file()
    code, _, err = run(capsys, "batch", str(src), "-o", str(out), "--text-column", "nope", "--model", "hashing")
    assert code == 1 and "text column(s) ['nope'] not in the input" in err
    code, _, err = run(capsys, "batch", str(tmp_path / "missing.csv"), "-o", str(out), "--model", "hashing")
    assert code == 1 and "no such file" in err
    code, _, err = run(capsys, "batch", str(src), "-o", str(src / "out.csv"), "--model", "hashing", "--quiet")
    assert code == 1 and err.startswith("error: Not a directory") and err.count("\n") == 1


def test_match_reads_docx_and_pdf_by_content(tmp_path, capsys):
    docx = pytest.importorskip("docx")
    fpdf = pytest.importorskip("fpdf")
    d = docx.Document()
    for line in POSTING.splitlines():
        d.add_paragraph(line)
    d.save(tmp_path / "job.docx")
    (tmp_path / "job.docx").rename(tmp_path / "job-no-suffix")  # the content decides, not the name
    code, out, err = run(capsys, "match", str(tmp_path / "job-no-suffix"), "--format", "json", "--model", "hashing")
    assert code == 0, err
    s14 = next(i for i in json.loads(out)["items"] if i["id"] == "S14")
    assert s14["evidence"][0]["text"] == "新聞稿、致詞稿、聲明書撰寫"

    pdf = fpdf.FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text="Wrote press releases and speeches; managed PR agencies")
    (tmp_path / "cv.pdf").write_bytes(bytes(pdf.output()))
    code, out, err = run(capsys, "fit", "--resume", str(tmp_path / "cv.pdf"), "--posting", str(tmp_path / "job-no-suffix"),
                         "--model", "hashing")
    assert code == 0, err

    scan = fpdf.FPDF()
    scan.add_page()
    scan.rect(10, 10, 50, 50, style="F")
    (tmp_path / "scan.pdf").write_bytes(bytes(scan.output()))
    code, out, err = run(capsys, "match", str(tmp_path / "scan.pdf"), "--kind", "resume", "--model", "hashing")
    assert (code, out) == (1, "")
    assert err == ("error: scan.pdf has no extractable text (1 page(s)); it looks like a scan or an image. "
                   "Paste the text instead, or run OCR on it first.\n")
