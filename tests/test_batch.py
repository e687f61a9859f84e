from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from matcher.batch import BatchConfig, score_file
from matcher.batch_io import detect_encoding, read_rows
from matcher.summary import summarise
from tests.conftest import ROOT

PR = "負責撰寫新聞稿、致詞稿及聲明書；管理公關代理商"
ENG = "負責韌體開發與除錯，熟悉C語言"


def _rows(n: int) -> list[dict]:
    texts = [PR, ENG, "", "規劃記者會與公關活動，提出企劃書與預算", "   "]
    return [{"id": f"job-{i}", "text": texts[i % len(texts)]} for i in range(n)]


def interrupt_after(n: int):
    """An ``on_chunk`` callback that stops the run like Ctrl-C once ``n`` chunks are saved."""

    def on_chunk(k: int) -> None:
        if k + 1 >= n:
            raise KeyboardInterrupt

    return on_chunk


def _read_out(path: Path) -> list[dict]:
    return [r.values for r in read_rows(path)]


def test_csv_with_every_kind_of_bad_row(fake_matcher, tmp_path):
    src = tmp_path / "in.csv"
    huge = "新聞稿撰寫。" * 6000  # 36,000 characters in one cell
    src.write_text(
        "id,text\n"
        f"1,{PR}\n"
        "2,\n"  # empty text
        "\n"  # blank line
        '3,"broken "quote" in the middle",extra\n'  # stray quotes and an extra field
        f"4,{huge}\n"
        "5\n"  # a missing field
        f'6,"{ENG}"\n',
        encoding="utf-8",
    )
    out = tmp_path / "out.csv"
    stats = score_file(fake_matcher, src, out, BatchConfig(("text",), "id"), progress=False)
    rows = _read_out(out)
    assert stats.rows == len(rows) == 7
    assert [r["row"] for r in rows] == [str(i) for i in range(7)]
    assert [r["status"] for r in rows] == ["ok", "empty", "empty", "error", "ok", "error", "ok"]
    assert rows[3]["message"] == "malformed row: 3 fields, the header has 2"
    assert rows[4]["message"] == "text cut to 20,000 of 36,000 characters"
    assert "S14" in rows[0]["covered"].split()
    assert not (tmp_path / "out.csv.parts").exists()


def test_big5_and_bom_inputs(fake_matcher, tmp_path):
    for name, enc in (("big5.csv", "cp950"), ("bom.csv", "utf-8-sig")):
        src = tmp_path / name
        with src.open("w", encoding=enc, newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["編號", "工作內容"])
            for r in _rows(6):
                w.writerow([r["id"], r["text"]])
        assert detect_encoding(src) == enc
        out = tmp_path / f"{name}.out.jsonl"
        score_file(fake_matcher, src, out, BatchConfig(("工作內容",), "編號"), progress=False)
        rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
        assert [r["id"] for r in rows] == [f"job-{i}" for i in range(6)]
        assert rows[0]["status"] == "ok" and "S14" in rows[0]["covered"]


def test_jsonl_with_bad_lines(fake_matcher, tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text(
        json.dumps({"id": 1, "a": PR, "b": "熟悉媒體生態"}, ensure_ascii=False) + "\n"
        "{not json}\n"
        "[1, 2]\n"
        "\n" + json.dumps({"id": 4, "a": None, "b": ENG}, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.jsonl"
    score_file(fake_matcher, src, out, BatchConfig(("a", "b"), "id"), progress=False)
    rows = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [(r["row"], r["status"]) for r in rows] == [(0, "ok"), (1, "error"), (2, "error"), (3, "empty"), (4, "ok")]
    assert rows[1]["message"].startswith("invalid JSON")


@pytest.mark.parametrize("fmt", ["parquet", "xlsx", "tsv"])
def test_other_formats_round_trip(fake_matcher, tmp_path, fmt):
    import pandas as pd

    df = pd.DataFrame(_rows(23))
    src = tmp_path / f"in.{fmt}"
    if fmt == "parquet":
        df.to_parquet(src)
    elif fmt == "xlsx":
        df.to_excel(src, index=False)
    else:
        df.to_csv(src, sep="\t", index=False)
    out = tmp_path / f"out.{fmt}"
    stats = score_file(fake_matcher, src, out, BatchConfig(("text",), "id", chunk_rows=5), progress=False)
    back = pd.read_parquet(out) if fmt == "parquet" else pd.read_excel(out) if fmt == "xlsx" else pd.read_csv(out, sep="\t")
    assert stats.rows == len(back) == 23
    assert back["id"].astype(str).tolist() == [f"job-{i}" for i in range(23)]
    assert back["status"].tolist() == ["ok", "ok", "empty", "ok", "empty"] * 4 + ["ok", "ok", "empty"]


def test_interrupted_run_resumes_to_the_same_output(fake_matcher, tmp_path):
    src = tmp_path / "in.csv"
    with src.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, ["id", "text"])
        w.writeheader()
        w.writerows(_rows(40))
    cfg = BatchConfig(("text",), "id", chunk_rows=7)
    clean = tmp_path / "clean.csv"
    score_file(fake_matcher, src, clean, cfg, progress=False)
    out = tmp_path / "out.csv"
    with pytest.raises(KeyboardInterrupt):
        score_file(fake_matcher, src, out, cfg, progress=False, on_chunk=interrupt_after(3))
    assert not out.exists() and len(list((tmp_path / "out.csv.parts").glob("part-*.jsonl"))) == 3
    stats = score_file(fake_matcher, src, out, cfg, progress=False)
    assert stats.chunks_skipped == 3
    assert out.read_bytes() == clean.read_bytes()


def test_checkpoint_of_another_input_is_refused(fake_matcher, tmp_path):
    from matcher.errors import DatasetError

    src = tmp_path / "in.csv"
    src.write_text("id,text\n1,撰寫新聞稿\n2,管理代理商\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    with pytest.raises(KeyboardInterrupt):
        score_file(fake_matcher, src, out, BatchConfig(("text",), "id", chunk_rows=1), progress=False,
                   on_chunk=interrupt_after(1))
    with pytest.raises(DatasetError, match="different input"):
        score_file(fake_matcher, src, out, BatchConfig(("text",), None, chunk_rows=1), progress=False)
    score_file(fake_matcher, src, out, BatchConfig(("text",), None, chunk_rows=1), progress=False, restart=True)
    assert len(_read_out(out)) == 2


@pytest.mark.slow  # a subprocess killed with SIGKILL mid-run: about 25 s
def test_killed_process_resumes_to_the_same_output(tmp_path):
    """SIGKILL a real `matcher batch` mid-run, run it again, compare with a clean run."""
    src = tmp_path / "in.csv"
    with src.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, ["id", "text"])
        w.writeheader()
        w.writerows(_rows(300))
    env = {**os.environ, "MATCHER_CACHE": str(tmp_path / "cache")}
    base = [sys.executable, "-m", "matcher.cli", "batch", str(src), "--text-column", "text", "--id-column", "id",
            "--model", "hashing", "--chunk-rows", "2", "--quiet"]
    out = tmp_path / "out.csv"
    proc = subprocess.Popen([*base, "-o", str(out)], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    parts = tmp_path / "out.csv.parts"
    deadline = time.time() + 60
    while time.time() < deadline and proc.poll() is None:
        if len(list(parts.glob("part-*.jsonl"))) >= 5:
            proc.send_signal(signal.SIGKILL)
            break
        time.sleep(0.01)
    proc.wait(timeout=30)
    killed = proc.returncode == -signal.SIGKILL
    if killed:
        assert not out.exists()
    subprocess.run([*base, "-o", str(out)], cwd=ROOT, env=env, check=True, capture_output=True)
    clean = tmp_path / "clean.csv"
    subprocess.run([*base, "-o", str(clean)], cwd=ROOT, env=env, check=True, capture_output=True)
    assert out.read_bytes() == clean.read_bytes()
    assert len(_read_out(out)) == 300
    assert killed, "the run finished before it could be killed; make the input larger"


def test_summary(fake_matcher, tmp_path, seed):
    src = tmp_path / "in.csv"
    with src.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, ["id", "text"])
        w.writeheader()
        w.writerows(_rows(10))
    out = tmp_path / "out.csv"
    score_file(fake_matcher, src, out, BatchConfig(("text",), "id"), progress=False)
    rows, md = summarise(out, seed)
    by_id = {r["id"]: r for r in rows}
    assert by_id["S14"]["evidenced_share"] == round(2 / 6, 4)  # 2 of the 6 ok rows are the PR text
    assert by_id["K03"]["evidenced_share"] == 0.0
    assert md.startswith("# 資料集摘要：公關企劃人員（KMC2432-004v2）") and "6 postings scored" in md
    from matcher.summary import summary_svg

    _, with_chart = summarise(out, seed, chart="out.summary.svg")
    assert "![share of postings evidencing each item](out.summary.svg)" in with_chart
    svg = summary_svg(rows, "title")
    assert svg.startswith("<svg") and svg.count("<rect") == 2 * len(rows) and ">S14 新聞稿、致詞稿、聲明書撰寫能力<" in svg


@pytest.mark.ray
def test_ray_engine_equals_local(tmp_path, monkeypatch):
    pytest.importorskip("ray")
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    from matcher.batch_ray import score_file_ray
    from matcher.pipeline import Matcher

    monkeypatch.setenv("MATCHER_CACHE", str(tmp_path / "cache"))  # the Ray workers inherit it
    src = tmp_path / "in.parquet"
    pq.write_table(pa.Table.from_pylist(_rows(57)), src, row_group_size=10)
    cfg = BatchConfig(("text",), "id", chunk_rows=4)
    local = tmp_path / "local.parquet"
    score_file(Matcher(model="hashing", cache=tmp_path / "cache"), src, local, cfg, progress=False)
    n = score_file_ray(src, tmp_path / "ray_out", cfg, model="hashing", workers=2)
    assert n == 57
    ray_rows = pd.read_parquet(tmp_path / "ray_out").sort_values("row").reset_index(drop=True)
    local_rows = pd.read_parquet(local)
    assert ray_rows["row"].tolist() == list(range(57))
    pd.testing.assert_frame_equal(ray_rows[local_rows.columns], local_rows, check_dtype=False)


def test_damaged_utf8_is_read_as_utf8_and_flagged(fake_matcher, tmp_path):
    src = tmp_path / "damaged.csv"
    good = "".join(f"{i},負責撰寫新聞稿與聲明書，規劃記者會與公關活動\n" for i in range(1, 40))
    src.write_bytes(("id,text\n" + good).encode("utf-8") + b"40,\xff\xfe broken \x81 bytes\n" + "41,管理代理商\n".encode("utf-8"))
    assert detect_encoding(src) == "utf-8"
    out = tmp_path / "out.jsonl"
    score_file(fake_matcher, src, out, BatchConfig(("text",), "id"), progress=False)
    rows = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 41 and rows[0]["status"] == rows[40]["status"] == "ok"
    assert rows[39]["id"] == "40" and "replaced" in rows[39]["message"]
    assert rows[0]["message"] == ""
