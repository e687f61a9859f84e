from __future__ import annotations

import json

import numpy as np
import pytest

from matcher.catalog import Catalog
from matcher.errors import StandardFormatError
from matcher.glossary import Glossary, load_glossary
from matcher.score import FEATURES


def test_terms_match_normalised_text_and_whole_latin_words():
    g = Glossary("X", {"S13": ("IG", "粉絲專頁"), "S14": ("press release", "新聞稿")})
    assert g.matched("S13", "經營ＩＧ與粉絲專頁") == ("IG", "粉絲專頁")  # full-width folded by NFKC
    assert g.matched("S13", "UI design") == ()  # "ig" inside a word is not the term
    assert g.matched("S14", "Write PRESS RELEASES") == ("press release",)  # an inflection
    assert g.matched("S14", "write a Press Release.") == ("press release",)
    assert g.matched("S14", "press releaser") == ()  # another word
    assert g.matched("K01", "anything") == ()
    assert g.merged({"S13": ["IG", "Threads"]}).terms["S13"] == ("IG", "粉絲專頁", "Threads")
    hits = g.hits(["S13", "S14", "K01"], ["IG 小編", "撰寫新聞稿", ""])
    assert hits.dtype == np.float32 and hits.tolist() == [[1, 0, 0], [0, 1, 0], [0, 0, 0]]


def test_bundled_glossary_loads_and_names_only_items_of_its_standard():
    cat = Catalog()
    std = cat.get("KMC2432-004v2")
    g = cat.glossary("KMC2432-004v2")
    ids = {i.id for i in std.items()}
    assert g.terms and set(g.terms) <= ids
    assert "新聞稿" in g.terms["S14"]


def test_missing_glossary_is_empty_and_bad_one_names_the_file(tmp_path):
    assert load_glossary(tmp_path, "X").terms == {}
    path = tmp_path / "glossary" / "X.json"
    path.parent.mkdir()
    path.write_text(json.dumps({"standard": "X", "items": {"S01": "not a list"}}), encoding="utf-8")
    with pytest.raises(StandardFormatError, match=r"X\.json.*S01"):
        load_glossary(tmp_path, "X")
    path.write_text(json.dumps({"standard": "X", "items": {"Z99": ["詞"]}}), encoding="utf-8")
    with pytest.raises(StandardFormatError, match="Z99"):
        load_glossary(tmp_path, "X", known_items=["S01"])
    path.write_text("{broken", encoding="utf-8")
    with pytest.raises(StandardFormatError, match="fix or delete it"):
        load_glossary(tmp_path, "X")


def test_terms_are_found_in_simplified_and_full_width_input(fake_matcher):
    # clauses are matched on their normalised text: Simplified -> Traditional, full-width -> half-width
    text = "负责撰写新闻稿与声明稿\n经营ＦＡＣＥＢＯＯＫ粉丝专页"
    std = fake_matcher.standard(None)
    feats, _ = fake_matcher.features(fake_matcher.analyse([text])[0], std)
    items = [it.id for it in fake_matcher.item_layout(std)]
    term = feats[..., FEATURES.index("term")]  # the glossary feature, per item and clause
    assert term[items.index("S14")].tolist() == [1.0, 0.0]
    assert term[items.index("S13")].tolist() == [0.0, 1.0]
    assert "新聞稿" in fake_matcher.match(text).item("S14").terms()
