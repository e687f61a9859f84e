"""End to end in a real headless Chromium (Debian's package) driven by Playwright.

Starts `streamlit run app.py` on a free local port, pastes a posting, checks the fit
and a highlighted evidence clause, downloads the JSON report, uploads a PDF résumé
made by the test, and saves screenshots under artifacts/screenshots/ (ignored by git).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from matcher.resources import default_model_dir

pytestmark = [pytest.mark.browser, pytest.mark.model]

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = ROOT / "artifacts" / "screenshots"
POSTING = (
    "【公司簡介】我們是成立於1998年的連鎖烘焙品牌。\n【工作內容】\n"
    "1. 負責撰寫新聞稿、致詞稿及聲明書，並發布於各大媒體。\n"
    "2. 規劃品牌記者會與新品上市活動，提出企劃書與預算。\n"
    "3. 管理公關代理商，記錄其執行品質與待改善問題。\n【福利制度】年終獎金、勞健保"
)
RESUME_HTML = """<html><body style="font-family:'WenQuanYi Zen Hei'">
<h1>王小明 公關專員</h1><ul>
<li>撰寫新品上市新聞稿與聲明稿，年發稿超過四十篇</li>
<li>規劃並執行品牌記者會，負責企劃書與預算編列</li>
<li>擔任媒體聯繫窗口，與各部門溝通協調</li></ul></body></html>"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (bash scripts/setup.sh dev installs it)")
    pytest.importorskip("playwright")
    if not (default_model_dir() / "modules.json").is_file():
        pytest.skip("default model not built")
    port = _free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                break
        except OSError:
            time.sleep(0.5)
    else:
        proc.terminate()
        pytest.fail("streamlit did not start within 90 s")
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )
        yield b
        b.close()


def _analyse(page) -> None:
    page.get_by_role("button", name="開始分析").click()
    page.wait_for_selector("mark.evidence", timeout=120_000)


def test_posting_end_to_end(server, browser, tmp_path):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1400, "height": 4200}, accept_downloads=True)
    page.goto(server)
    area = page.locator("textarea").first
    area.wait_for(timeout=120_000)
    area.fill(POSTING)
    area.press("Control+Enter")
    t0 = time.time()
    _analyse(page)
    seconds = time.time() - t0
    fit_metric = page.locator('[data-testid="stMetric"]').first
    assert "整體契合度" in fit_metric.inner_text()
    fit = float(fit_metric.locator('[data-testid="stMetricValue"]').inner_text())
    assert fit > 0.8
    marks = page.locator("mark.evidence").all_inner_texts()
    assert "負責撰寫新聞稿、致詞稿及聲明書，並發布於各大媒體。" in marks
    assert not any("年終獎金" in m for m in marks)
    page.screenshot(path=str(SHOTS / "recruiter.png"), full_page=True)
    with page.expect_download() as dl:
        page.get_by_role("button", name="JSON").click()
    report = json.loads(Path(dl.value.path()).read_text(encoding="utf-8"))
    assert report["standard"]["code"] == "KMC2432-004v2"
    assert next(i for i in report["items"] if i["id"] == "S14")["status"] == "covered"
    print(f"\nbrowser: button to results {seconds:.2f} s (first analysis in this server)")


def test_pdf_resume_upload(server, browser, tmp_path):
    maker = browser.new_page()
    maker.set_content(RESUME_HTML)
    pdf = tmp_path / "resume.pdf"
    maker.pdf(path=str(pdf))
    maker.close()
    page = browser.new_page(viewport={"width": 1400, "height": 4200})
    page.goto(server)
    page.locator("textarea").first.wait_for(timeout=120_000)
    page.get_by_text("求職者：履歷 × 職能基準").click()
    page.locator('input[type="file"]').first.set_input_files(str(pdf))
    page.wait_for_timeout(1000)
    _analyse(page)
    marks = page.locator("mark.evidence").all_inner_texts()
    assert any("新聞稿" in m for m in marks)
    page.screenshot(path=str(SHOTS / "candidate-pdf.png"), full_page=True)
