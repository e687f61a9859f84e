from __future__ import annotations

import numpy as np
import pytest

from matcher.cache import EmbeddingCache
from matcher.embed import CachedEncoder, HashingEncoder, SentenceTransformerEncoder
from matcher.errors import ModelError


def test_hashing_encoder_is_deterministic_and_normalised():
    enc = HashingEncoder()
    a = enc.encode(["撰寫新聞稿", "撰寫新聞稿", "管理代理商"])
    np.testing.assert_array_equal(a[0], a[1])
    np.testing.assert_allclose(np.linalg.norm(a, axis=1), 1.0, rtol=1e-5)
    assert a.dtype == np.float32 and a.shape == (3, 256)
    assert float(a[0] @ enc.encode(["撰寫新聞稿與致詞稿"])[0]) > float(a[0] @ a[2])


def test_cached_encoder_deduplicates_and_persists(tmp_path):
    inner = HashingEncoder()
    enc = CachedEncoder(inner, EmbeddingCache(tmp_path / "e.sqlite"))
    out = enc.encode(["甲乙", "丙丁", "甲乙", "甲乙"])
    assert enc.encoded == 2 and enc.requested == 4
    np.testing.assert_array_equal(out[0], out[2])
    fresh = CachedEncoder(HashingEncoder(), EmbeddingCache(tmp_path / "e.sqlite"))
    again = fresh.encode(["丙丁", "甲乙"])
    assert fresh.encoded == 0
    np.testing.assert_array_equal(again[1], out[0])


def test_personal_text_is_never_written(tmp_path):
    store = EmbeddingCache(tmp_path / "e.sqlite")
    enc = CachedEncoder(HashingEncoder(), store)
    enc.encode(["王小明 0912-345-678"], persist=False)
    enc.encode(["王小明 0912-345-678"], persist=False)
    assert enc.encoded == 2  # not even kept in memory
    import sqlite3

    assert sqlite3.connect(tmp_path / "e.sqlite").execute("SELECT COUNT(*) FROM emb").fetchone() == (0,)
    assert b"0912" not in (tmp_path / "e.sqlite").read_bytes()


def test_unknown_model_is_a_clear_error(tmp_path):
    with pytest.raises(ModelError, match="nothing is downloaded"):
        SentenceTransformerEncoder("no-such-org/no-such-model")
    with pytest.raises(ModelError, match="cannot load"):
        SentenceTransformerEncoder(str(tmp_path))


def test_length_batches_sort_and_bound_padding():
    from matcher.embed import length_batches

    lengths = [9, 3, 5, 3, 40, 8, 7]
    # shortest first; at most 3 items, and at most 24 tokens once padded to the longest
    assert length_batches(lengths, 3, 24) == [[1, 3, 2], [6, 5], [0], [4]]
    assert length_batches(lengths, 16, 1000) == [[1, 3, 2, 6, 5, 0, 4]]
    assert length_batches([], 16, 4096) == []


def _folder(tmp_path):
    d = tmp_path / "tiny-model"
    (d / "1_Pooling").mkdir(parents=True)
    (d / "config.json").write_text('{"hidden_size": 8}')
    (d / "1_Pooling" / "config.json").write_text('{"pooling_mode_mean_tokens": true}')
    (d / "model.safetensors").write_bytes(b"0" * 10)
    return d


def test_model_identity_leaves_the_onnx_export_out(tmp_path):
    from matcher.embed import model_identity

    d = _folder(tmp_path)
    before = model_identity(str(d))
    assert before.startswith("tiny-model@") and len(before) == len("tiny-model@") + 12
    (d / "onnx").mkdir()
    (d / "onnx" / "encoder.json").write_text('{"name": "x"}')
    assert model_identity(str(d)) == before  # both backends share caches, indexes and calibrations
    (d / "config.json").write_text('{"hidden_size": 16}')
    assert model_identity(str(d)) != before
    assert model_identity("some/hub-name") == "some/hub-name"


def test_choose_backend(tmp_path, monkeypatch):
    from matcher.embed import choose_backend, onnx_folder

    monkeypatch.delenv("MATCHER_BACKEND", raising=False)
    d = _folder(tmp_path)
    assert onnx_folder(str(d)) is None and choose_backend(str(d)) == "torch"
    (d / "onnx").mkdir()
    for f in ("model.onnx", "word_embeddings.npy", "tokenizer.json", "encoder.json"):
        (d / "onnx" / f).write_bytes(b"")
    assert onnx_folder(str(d)) == d / "onnx" and onnx_folder(str(d / "onnx")) == d / "onnx"
    pytest.importorskip("onnxruntime")
    assert choose_backend(str(d)) == "onnx"
    assert choose_backend(str(d), "torch") == "torch"
    monkeypatch.setenv("MATCHER_BACKEND", "torch")
    assert choose_backend(str(d)) == "torch"
    assert choose_backend(str(d), "onnx") == "onnx"  # the argument wins over the environment
    monkeypatch.setenv("MATCHER_BACKEND", "tensorflow")
    with pytest.raises(ModelError, match="unknown backend 'tensorflow'; choose one of onnx, torch"):
        choose_backend(str(d))


def test_onnx_backend_without_export_is_a_clear_error(tmp_path):
    from matcher.embed import OnnxEncoder, load_encoder

    with pytest.raises(ModelError, match="no ONNX export in .*run `matcher model build`"):
        OnnxEncoder(str(_folder(tmp_path)))
    with pytest.raises(ModelError, match="no ONNX export"):
        load_encoder(str(tmp_path), backend="onnx")
