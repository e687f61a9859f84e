"""Cold start and warm single-posting latency of `Matcher.match` (prints numbers; asserts nothing).

    .venv/bin/python bench/latency.py [--runs 20]

Cold start: a fresh Python process imports the package, loads the model and the saved
index, and answers one posting (the index is built first if missing, and timed apart).
Warm: the same process matches a ~600-character posting again and again with every
cache emptied, so each run encodes all its clauses; the bare encoder on the same
clauses is timed in the same run as the baseline.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
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
import time, json, sys
t0 = time.perf_counter()
from matcher.pipeline import Matcher
t1 = time.perf_counter()
m = Matcher()
m.encoder
t2 = time.perf_counter()
m.index
t3 = time.perf_counter()
r = m.match(sys.argv[1])
t4 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "model": t2 - t1, "index": t3 - t2, "first_match": t4 - t3, "total": t4 - t0}))
"""


def cold_start() -> dict:
    out = subprocess.run([sys.executable, "-c", COLD, POSTING], cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=20)
    args = ap.parse_args()
    print(f"posting: {len(POSTING)} characters")
    cold_start()  # make sure the index exists (built and saved on first use)
    colds = [cold_start() for _ in range(3)]
    for key in ("import", "model", "index", "first_match", "total"):
        print(f"cold start {key:12s} median {statistics.median(c[key] for c in colds):6.2f} s   (3 fresh processes)")

    from matcher.pipeline import Matcher
    from matcher.text import split_clauses

    m = Matcher(persist_cache=False).warm()
    m.match(POSTING)
    clauses = [c.norm for c in split_clauses(POSTING) if not c.boilerplate]
    print(f"model: {m.encoder.name}; torch threads: {__import__('torch').get_num_threads()}")
    warm, bare = [], []
    for _ in range(args.runs):
        m.encoder._memory.clear()
        t = time.perf_counter()
        m.match(POSTING)
        warm.append(time.perf_counter() - t)
        t = time.perf_counter()
        m.encoder.inner.encode(clauses, kind="passage")
        bare.append(time.perf_counter() - t)
    import tempfile

    mc = Matcher(cache=Path(tempfile.mkdtemp())).warm()
    mc.match(POSTING)
    cached = []
    for _ in range(args.runs):
        t = time.perf_counter()
        mc.match(POSTING)
        cached.append(time.perf_counter() - t)
    ms = lambda xs: f"median {statistics.median(xs) * 1000:6.0f} ms  p90 {sorted(xs)[int(0.9 * len(xs)) - 1] * 1000:6.0f} ms"  # noqa: E731
    print(f"warm match, caches emptied  {ms(warm)}   ({len(clauses)} content clauses, {args.runs} runs)")
    print(f"bare encoder, same clauses  {ms(bare)}   (baseline: model time alone)")
    print(f"warm match, clauses cached  {ms(cached)}")


if __name__ == "__main__":
    main()
