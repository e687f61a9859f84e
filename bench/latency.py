"""Cold start and warm single-posting latency, ONNX Runtime against PyTorch (prints numbers; asserts nothing).

    .venv/bin/python bench/latency.py [--runs 20] [--cold-runs 5] [--backend onnx|torch|both]

Cold start: fresh processes of `matcher match FILE` on a ~600-character posting, wall time
as a user sees it, and the same steps timed inside a fresh process (import, model, index,
first match; peak RSS; whether torch was imported). Each cold run gets a fresh copy of a
cache that holds the built index but not the posting, so every run encodes the posting.
The backends alternate run by run, so load on the machine falls on both alike.
Warm: one process matches the posting again and again with every cache emptied, so each
run encodes all its clauses; the bare encoder on the same clauses is the baseline.
Also: `matcher --help` wall time.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

POSTING = """【工作內容】
1. 負責撰寫新聞稿、致詞稿及聲明書，並發布於各大媒體，維護與媒體記者、KOL之良好關係。
2. 規劃品牌記者會、新品上市發表會等公關活動，提出活動企劃書、預算與時程，並與各部門溝通協調。
3. 依採購規範辦理活動場地、印刷與媒體購買等採購作業，協助簽約、驗收、請款及核銷。
4. 執行年度公關活動，活動結束後彙整媒體露出與參與者回饋，撰寫成效分析報告並提出改善建議。
5. 建立並更新公關代理商資料，定期評估代理商執行品質，記錄待改善問題作為後續合作參考。
6. 經營官方社群媒體內容，熟悉各平台規範，協助品牌推廣與形象維護。
7. 擔任公司對外公共關係窗口，聯繫政府機關、產業公會與消費者團體，處理媒體採訪需求。
8. 蒐集國內外公關活動型態與應用趨勢，整理公司歷年公關活動執行成果，作為年度規劃參考。
9. 突發事件時協助危機處理，撰寫對外聲明並即時回應媒體詢問。
10. 協助主管擬定年度公關計畫與預算，定期提交工作報告與媒體監測摘要。
11. 規劃企業社會責任活動與異業合作，提升品牌形象。
【條件要求】
- 具2年以上公關或媒體相關經驗，熟悉個資法與公平交易法等相關法規。
- 具備良好溝通協調能力、簡報製作能力與抗壓性，主動積極、細心負責。
- 中英文寫作能力佳，能撰寫英文 press release 者佳。
【福利制度】
週休二日、年終獎金、員工旅遊、勞健保、團保。
"""

COLD = """
import time, json, sys, resource
t0 = time.perf_counter()
from matcher.embed import load_encoder
from matcher.pipeline import Matcher
t1 = time.perf_counter()
m = Matcher(encoder=load_encoder(backend=sys.argv[2]))
m.encoder
t2 = time.perf_counter()
m.index
t3 = time.perf_counter()
r = m.match(sys.argv[1])
t4 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "model": t2 - t1, "index": t3 - t2, "first_match": t4 - t3, "total": t4 - t0,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "torch_imported": "torch" in sys.modules}))
"""

BACKENDS = ("torch", "onnx")  # torch first: the baseline


def _env(cache: Path) -> dict:
    return {**os.environ, "MATCHER_CACHE": str(cache), "PYTHONPATH": str(ROOT)}


def _fresh_cache(template: Path, parent: Path) -> Path:
    d = Path(tempfile.mkdtemp(dir=parent))
    shutil.rmtree(d)
    shutil.copytree(template, d)
    return d


def cold_steps(template: Path, parent: Path, backend: str) -> dict:
    out = subprocess.run([sys.executable, "-c", COLD, POSTING, backend], cwd=ROOT, capture_output=True, text=True,
                         check=True, env=_env(_fresh_cache(template, parent)))
    return json.loads(out.stdout.strip().splitlines()[-1])


def cold_cli(template: Path, parent: Path, backend: str, posting: Path) -> float:
    env = _env(_fresh_cache(template, parent))
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "matcher.cli", "match", str(posting), "--backend", backend], cwd=ROOT,
                   stdout=subprocess.DEVNULL, check=True, env=env)
    return time.perf_counter() - t


def help_time() -> float:
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "matcher.cli", "--help"], cwd=ROOT, stdout=subprocess.DEVNULL, check=True,
                   env={**os.environ, "PYTHONPATH": str(ROOT)})
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=20, help="warm runs per backend")
    ap.add_argument("--cold-runs", type=int, default=5, help="fresh processes per backend and measure")
    ap.add_argument("--backend", choices=(*BACKENDS, "both"), default="both")
    args = ap.parse_args()
    backends = BACKENDS if args.backend == "both" else (args.backend,)
    med = statistics.median
    print(f"posting: {len(POSTING)} characters; {os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f} at start")
    helps = [help_time() for _ in range(5)]
    print(f"`matcher --help`  median {med(helps):.2f} s  (5 fresh processes)")

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        posting = tmp / "posting.txt"
        posting.write_text(POSTING, encoding="utf-8")
        template = tmp / "cache-template"
        subprocess.run([sys.executable, "-c", "from matcher.pipeline import Matcher; Matcher().warm()"], cwd=ROOT,
                       check=True, env=_env(template))  # builds the index (both backends share the model name)
        cli = {b: [] for b in backends}
        steps = {b: [] for b in backends}
        for _ in range(args.cold_runs):
            for b in backends:
                cli[b].append(cold_cli(template, tmp, b, posting))
                steps[b].append(cold_steps(template, tmp, b))
    print(f"\ncold start, median of {args.cold_runs} fresh processes each (backends alternating)")
    print(f"{'':28s}" + "".join(f"{b:>10s}" for b in backends) + ("   onnx/torch" if len(backends) == 2 else ""))

    def row(label: str, values: dict, fmt: str = "{:10.2f}") -> None:
        ratio = f"   {values['onnx'] / values['torch']:.2f}x" if len(backends) == 2 and values["torch"] else ""
        print(f"{label:28s}" + "".join(fmt.format(values[b]) for b in backends) + ratio)

    row("`matcher match FILE` wall s", {b: med(cli[b]) for b in backends})
    for key in ("import", "model", "index", "first_match", "total"):
        row(f"  in-process {key} s", {b: med(s[key] for s in steps[b]) for b in backends})
    row("  peak RSS MB", {b: med(s["peak_rss_mb"] for s in steps[b]) for b in backends}, "{:10.0f}")
    print(f"{'  torch imported':28s}" + "".join(f"{str(steps[b][0]['torch_imported']):>10s}" for b in backends))

    from matcher.embed import load_encoder
    from matcher.pipeline import Matcher
    from matcher.text import split_clauses

    clauses = [c.norm for c in split_clauses(POSTING) if not c.boilerplate]
    ms = lambda xs: f"median {med(xs) * 1000:6.0f} ms  p90 {sorted(xs)[int(0.9 * len(xs)) - 1] * 1000:6.0f} ms"  # noqa: E731
    print(f"\nwarm, {args.runs} runs each, caches emptied ({len(clauses)} content clauses)")
    warm_med = {}
    for b in backends:
        m = Matcher(encoder=load_encoder(backend=b), persist_cache=False).warm()
        m.match(POSTING)
        warm, bare = [], []
        for _ in range(args.runs):
            m.encoder._memory.clear()
            t = time.perf_counter()
            m.match(POSTING)
            warm.append(time.perf_counter() - t)
            t = time.perf_counter()
            m.encoder.inner.encode(clauses, kind="passage")
            bare.append(time.perf_counter() - t)
        warm_med[b] = med(warm)
        print(f"{b:6s} warm match {ms(warm)}   bare encoder, same clauses {ms(bare)}   ({type(m.encoder.inner).__name__})")
    if len(backends) == 2:
        print(f"warm match onnx/torch: {warm_med['onnx'] / warm_med['torch']:.2f}x the time")
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
