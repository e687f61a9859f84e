"""Warm time from pressing 開始分析 to rendered results, in headless Chromium (prints numbers).

    .venv/bin/python bench/app_latency.py [--runs 5] [--backend onnx|torch]

Starts `streamlit run app.py` on a free local port with an empty embedding cache, does
one analysis to warm up, then times `runs` analyses of distinct postings (the PR postings
of the development set), so every clause is encoded as it would be for a new posting.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from latency import POSTING  # noqa: E402

from evaluation.corpus import available, load_written  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--backend", choices=("onnx", "torch"), help="MATCHER_BACKEND for the server (default: its own choice)")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    from tests.test_browser import _free_port

    port = _free_port()
    import tempfile

    # PR postings of the written corpus (../shared/labelling), else the bench posting alone
    written = load_written() if available() else []
    texts = [POSTING] + [d.text for d in written if d.group == "pr" and d.kind == "posting" and d.split == "train"]
    texts = texts[: args.runs + 1]
    cache = tempfile.mkdtemp()
    env = {**os.environ, "MATCHER_CACHE": cache, **({"MATCHER_BACKEND": args.backend} if args.backend else {})}
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
                             "--server.address", "127.0.0.1"], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(180):
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                    break
            except OSError:
                time.sleep(0.5)
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path=shutil.which("chromium") or "/usr/bin/chromium",
                                  args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
            page = b.new_page(viewport={"width": 1400, "height": 1400})
            t = time.perf_counter()
            page.goto(url)
            area = page.locator("textarea").first
            area.wait_for(timeout=180_000)
            print(f"first page ready (text area drawn) {time.perf_counter() - started:.1f} s after `streamlit run` "
                  f"started ({time.perf_counter() - t:.1f} s after navigation); backend {args.backend or 'default'}")
            times = []
            for k, text in enumerate(texts):
                marker = text.strip().splitlines()[-1][-8:]
                area.fill(text)
                area.press("Control+Enter")
                page.wait_for_timeout(300)
                t = time.perf_counter()
                page.get_by_role("button", name="開始分析").click()
                page.wait_for_function(
                    "m => { const d = document.querySelector('.highlighted'); return d && d.innerText.includes(m); }",
                    arg=marker, timeout=120_000)
                if k:
                    times.append(time.perf_counter() - t)
            print(f"button to rendered results, warm: median {statistics.median(times):.2f} s, "
                  f"max {max(times):.2f} s ({len(times)} distinct postings, mean {statistics.mean(map(len, texts[1:])):.0f} "
                  "characters, empty embedding cache)")
            b.close()
    finally:
        proc.terminate()


if __name__ == "__main__":
    main()
