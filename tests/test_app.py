"""The Streamlit app, driven headless by streamlit.testing (real default model)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from matcher.resources import default_model_dir

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest  # noqa: E402

pytestmark = pytest.mark.model
if not (default_model_dir() / "modules.json").is_file():  # pragma: no cover
    pytest.skip("default model not built: run `matcher model build`", allow_module_level=True)

APP = str(Path(__file__).resolve().parent.parent / "app.py")
POSTING = "【工作內容】\n1. 負責撰寫新聞稿、致詞稿及聲明書，並維護媒體關係。\n2. 規劃記者會並管理公關代理商。\n【福利】年終獎金、勞健保"
RESUME = "王小明 公關專員\n- 撰寫新品上市新聞稿與聲明稿\n- 擔任媒體聯繫窗口"


@pytest.fixture()
def app():
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception
    return at


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_recruiter_mode(app):
    app.text_area(key="main_text").input(POSTING)
    app.button(key="run").click().run()
    assert not app.exception and not app.error
    m = metrics(app)
    assert float(m["整體契合度（fit）"]) > 0.8
    highlighted = next(x.value for x in app.markdown if "class='highlighted'" in x.value)
    assert '<mark id="ev-' in highlighted and "負責撰寫新聞稿、致詞稿及聲明書，並維護媒體關係。</mark>" in highlighted
    assert "年終獎金" in highlighted and "年終獎金</mark>" not in highlighted  # boilerplate is never evidence
    assert any("建議在職缺描述中補充" in x.value for x in app.markdown)
    labels = [d.label for d in app.get("download_button")]
    assert labels == ["JSON", "Markdown", "CSV"]


def test_candidate_mode_with_uploaded_docx(app):
    docx = pytest.importorskip("docx")
    doc = docx.Document()
    for line in RESUME.splitlines():
        doc.add_paragraph(line)
    buf = io.BytesIO()
    doc.save(buf)
    app.sidebar.radio(key="mode").set_value("求職者：履歷 × 職能基準").run()
    app.file_uploader(key="main_file").set_value(("cv.docx", buf.getvalue(), "application/octet-stream"))
    app.button(key="run").click().run()
    assert not app.exception and not app.error
    assert any("可補強的經歷" in h.value for h in app.subheader)
    highlighted = next(x.value for x in app.markdown if "class='highlighted'" in x.value)
    assert "撰寫新品上市新聞稿與聲明稿</mark>" in highlighted


def test_fit_mode(app):
    app.sidebar.radio(key="mode").set_value("履歷 × 職缺（經由職能基準）").run()
    app.text_area(key="resume_text").input(RESUME)
    app.text_area(key="posting_text").input(POSTING)
    app.button(key="run").click().run()
    assert not app.exception and not app.error
    m = metrics(app)
    assert set(m) == {"職缺契合度", "履歷契合度", "履歷涵蓋職缺所需"}
    assert m["履歷涵蓋職缺所需"].endswith("%")


def test_auto_standard(app):
    app.sidebar.selectbox(key="standard").set_value("自動推薦（依契合度排序）").run()
    app.text_area(key="main_text").input(POSTING)
    app.button(key="run").click().run()
    assert not app.exception
    assert app.info and app.info[0].value.startswith("依契合度推薦：KMC2432-004v2")


def test_empty_input_message(app):
    app.text_area(key="main_text").input("   ")
    app.button(key="run").click().run()
    assert not app.exception
    assert [e.value for e in app.error] == ["無法分析：the input is empty (nothing but whitespace); paste a posting or a résumé"]


def test_scanned_pdf_message(app):
    fpdf = pytest.importorskip("fpdf")
    pdf = fpdf.FPDF()
    pdf.add_page()
    pdf.rect(10, 10, 100, 50, style="F")  # an image-only page: no text layer
    app.file_uploader(key="main_file").set_value(("scan.pdf", bytes(pdf.output()), "application/pdf"))
    app.button(key="run").click().run()
    assert not app.exception
    assert app.error and "no extractable text" in app.error[0].value and "scan" in app.error[0].value
    assert not app.metric  # never an empty or invented result


def test_oversized_and_binary_upload_messages(app):
    app.file_uploader(key="main_file").set_value(("big.txt", b"a" * (6 * 1024 * 1024), "text/plain"))
    app.button(key="run").click().run()
    assert app.error and "the limit is 5 MB" in app.error[0].value
    app.file_uploader(key="main_file").set_value(("x.txt", b"\x00\x01\x02\x03" * 100, "text/plain"))
    app.button(key="run").click().run()
    assert app.error and "binary" in app.error[0].value


def test_fit_mode_needs_both_texts(app):
    app.sidebar.radio(key="mode").set_value("履歷 × 職缺（經由職能基準）").run()
    app.text_area(key="resume_text").input(RESUME)
    app.button(key="run").click().run()
    assert [e.value for e in app.error] == ["請同時提供履歷與職缺內容。"]


def test_batch_tab(app):
    csv_bytes = ("id,內容\n1," + POSTING.replace("\n", " ") + "\n2,\n3,負責韌體開發與除錯\n").encode("cp950")
    app.file_uploader(key="batch_file").set_value(("jobs.csv", csv_bytes, "text/csv"))
    app.run()
    app.multiselect(key="batch_text_cols").set_value(["內容"])
    app.selectbox(key="batch_id_col").set_value("id")
    app.button(key="batch_run").click().run()
    assert not app.exception
    df = app.dataframe[-1].value
    assert df["id"].tolist() == ["1", "2", "3"]
    assert df["status"].tolist() == ["ok", "empty", "ok"]
    assert df["fit"].iloc[0] > df["fit"].iloc[2]


def test_server_config_keeps_everything_local():
    import tomllib

    cfg = tomllib.loads((Path(APP).parent / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert cfg["browser"]["gatherUsageStats"] is False
    assert cfg["server"]["address"] == "localhost"


def test_auto_choice_can_be_switched(app):
    app.sidebar.selectbox(key="standard").set_value("自動推薦（依契合度排序）").run()
    app.text_area(key="main_text").input(POSTING)
    app.button(key="run").click().run()
    choice = app.radio(key="auto_choice")
    assert len(choice.options) == 1  # the bundled catalogue holds one standard
    assert app.caption and any("KMC2432-004v2" in c.value for c in app.caption)
    choice.set_value("KMC2432-004v2").run()  # the results stay on screen without a new click
    assert not app.exception and metrics(app)


def test_catalogue_browser(app):
    app.text_input(key="catalog_search").input("公關").run()
    assert not app.exception
    assert app.selectbox(key="catalog_pick").value == "KMC2432-004v2"
    assert any("T1 規劃公關活動" in e.label for e in app.expander)
    app.text_input(key="catalog_search").input("沒有這個").run()
    assert any("符合 0 項" in c.value for c in app.caption)
