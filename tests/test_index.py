from __future__ import annotations

import numpy as np

from matcher.embed import HashingEncoder
from matcher.index import ItemIndex, content_fingerprint, index_dir, item_views, load_or_build, read_background


def test_item_views(seed):
    views = dict((item.id, texts) for item, texts in item_views(seed))
    assert len(views) == 5 + 6 + 14 + 16 + 15 + 6
    assert views["P2.1.2"] == [
        "依相關法令規範及組織規範，執行媒體/社群媒體內容、公關事務性工作及內外關係經營。",
        "依相關法令規範及組織規範，執行媒體/社群媒體內容、公關事務性工作及內外關係經營。（公關事務性工作：如撰寫新聞稿、致詞稿、聲明書、整合組織內外公關資訊...等。）",
    ]
    assert views["O1.3.2"] == ["成效分析（執行並管控公關活動品質）"]
    assert views["A05"][0].startswith("謹慎細心：對於任務的執行過程")
    assert len(views["K06"]) == 2 and len(views["T1.1"]) == 1  # T1's 【註1】 stays with the duty


def test_dense_equals_brute_force_and_round_trip(seed, tmp_path):
    enc = HashingEncoder()
    ix = ItemIndex.build([seed], enc, "fp")
    clauses = enc.encode(["負責撰寫新聞稿", "管理代理商", "熟悉Python"])
    brute = ix.vectors[ix.standard_rows(seed.code)] @ clauses.T
    np.testing.assert_allclose(ix.dense(seed.code, clauses), brute, atol=1e-5)
    ix.save(tmp_path / "ix")
    again = ItemIndex.load(tmp_path / "ix")
    assert again.views == ix.views and again.model == ix.model and again.fingerprint == "fp"
    np.testing.assert_array_equal(again.vectors, ix.vectors)
    np.testing.assert_allclose(again.dense(seed.code, clauses), brute, atol=1e-5)
    a = ix.lexical.transform(["撰寫新聞稿"]).toarray()
    b = again.lexical.transform(["撰寫新聞稿"]).toarray()
    np.testing.assert_allclose(a, b)


def test_search_top_k(seed):
    enc = HashingEncoder()
    ix = ItemIndex.build([seed], enc, "fp")
    scores, rows = ix.search(seed.code, enc.encode(["代理商管理能力"]), k=3)
    assert ix.views[rows[0][0]].item_id == "S15"
    assert scores[0][0] >= scores[0][1] >= scores[0][2]


def test_load_or_build_rebuilds_when_stale(seed, tmp_path):
    enc = HashingEncoder()
    first = load_or_build([seed], enc, tmp_path)
    assert (index_dir(tmp_path, enc.name) / "meta.json").is_file()
    calls = enc.calls
    again = load_or_build([seed], enc, tmp_path)
    assert enc.calls == calls  # loaded, not re-encoded
    assert again.fingerprint == first.fingerprint == content_fingerprint([seed], read_background())
    from dataclasses import replace

    changed = replace(seed, attitudes=seed.attitudes[:-1])
    rebuilt = load_or_build([changed], enc, tmp_path)
    assert enc.calls > calls and rebuilt.fingerprint != first.fingerprint
    assert "A06" not in {v.item_id for v in rebuilt.views}


def test_lexical_transform_equals_scikit_learn(seed):
    """The sklearn-free transform gives TfidfVectorizer's matrix, bit for bit."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    from matcher.index import Lexical, _lex_prep

    texts = [t for _, views in item_views(seed) for t in views] + read_background()
    lex = Lexical.fit(texts)
    vec = TfidfVectorizer(analyzer="char", ngram_range=lex.ngram_range, sublinear_tf=True,
                          vocabulary=lex.vocabulary, preprocessor=_lex_prep)
    vec.idf_ = lex.idf
    queries = texts[:200] + ["", "  ", "撰寫新聞稿  與\t\t致詞稿", "Press  Release！！", "新聞稿新聞稿新聞稿", "ｐｒｅｓｓ"]
    ours, theirs = lex.transform(queries), vec.transform(queries)
    assert ours.shape == theirs.shape == (len(queries), len(lex.vocabulary)) and ours.nnz > 1000
    np.testing.assert_array_equal(ours.indptr, theirs.indptr)
    np.testing.assert_array_equal(ours.indices, theirs.indices)
    np.testing.assert_array_equal(ours.data, theirs.data)
