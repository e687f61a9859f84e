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
