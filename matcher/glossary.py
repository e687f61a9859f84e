"""Lexical evidence terms: the concrete words postings and résumés use for an item.

An item's wording is abstract ("S01 資料蒐集與分析"); the text that evidences it is
concrete ("市場調查", "競品分析", "Google Analytics"). A glossary lists such terms per
item, written once per standard from the standard's own text and the labelling
guideline, and lives beside the standard: ``<catalogue>/glossary/<CODE>.json``::

    {"standard": "KMC2432-004v2", "about": "...", "items": {"S14": ["新聞稿", "press release"], ...}}

A term matches a clause when it occurs in the clause's normalised text (NFKC, lower
case); a term in Latin letters or digits must stand as a whole word, give or take an
English inflection ("IG" does not match "design"; "press release" matches "press releases").
A standard without a glossary simply has no term evidence.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from .errors import StandardFormatError


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def _pattern(term: str) -> re.Pattern[str]:
    folded = _fold(term)
    # Latin/digit ends must not continue into a longer word; CJK has no word boundaries
    left = r"(?<![a-z0-9])" if re.match(r"[a-z0-9]", folded) else ""
    right = r"(?:s|es|ed|ing)?(?![a-z0-9])" if re.search(r"[a-z0-9]$", folded) else ""
    return re.compile(left + re.escape(folded) + right)


@dataclass(frozen=True)
class Glossary:
    standard: str
    terms: dict[str, tuple[str, ...]] = field(default_factory=dict)  # item id -> terms

    @cached_property
    def _compiled(self) -> dict[str, list[tuple[str, re.Pattern[str]]]]:
        return {i: [(t, _pattern(t)) for t in ts] for i, ts in self.terms.items()}

    def matched(self, item_id: str, text: str) -> tuple[str, ...]:
        """The item's terms found in ``text`` (in glossary order)."""
        folded = _fold(text)
        return tuple(t for t, p in self._compiled.get(item_id, ()) if p.search(folded))

    def hits(self, item_ids: Sequence[str], texts: Sequence[str]) -> np.ndarray:
        """(n_items, n_texts) float32: 1 where a text holds one of the item's terms."""
        folded = [_fold(t) for t in texts]
        out = np.zeros((len(item_ids), len(texts)), dtype=np.float32)
        for i, item in enumerate(item_ids):
            pats = self._compiled.get(item)
            if not pats:
                continue
            for j, t in enumerate(folded):
                if any(p.search(t) for _, p in pats):
                    out[i, j] = 1.0
        return out

    def merged(self, extra: Mapping[str, Sequence[str]]) -> "Glossary":
        """This glossary with more terms for some items (e.g. attitude cues)."""
        terms = dict(self.terms)
        for item, ts in extra.items():
            terms[item] = tuple(dict.fromkeys((*terms.get(item, ()), *ts)))
        return Glossary(self.standard, terms)

    def to_json(self, about: str = "") -> str:
        d = {"standard": self.standard, "about": about, "items": {k: list(v) for k, v in self.terms.items()}}
        return json.dumps(d, ensure_ascii=False, indent=1) + "\n"


def glossary_path(catalog_dir: Path, code: str) -> Path:
    return Path(catalog_dir) / "glossary" / f"{code}.json"


def load_glossary(catalog_dir: Path, code: str, known_items: Sequence[str] | None = None) -> Glossary:
    """The glossary of standard ``code``; an empty one when the file does not exist."""
    path = glossary_path(catalog_dir, code)
    if not path.is_file():
        return Glossary(code)
    try:
        d = json.loads(path.read_text(encoding="utf-8"))
        items = d["items"]
        if d.get("standard") != code or not isinstance(items, dict):
            raise ValueError(f"it should hold {{'standard': {code!r}, 'items': {{item id: [terms]}}}}")
        terms = {}
        for item, ts in items.items():
            if not isinstance(ts, list) or not all(isinstance(t, str) and t.strip() for t in ts):
                raise ValueError(f"the terms of {item} must be a list of non-empty strings")
            terms[item] = tuple(t.strip() for t in ts)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise StandardFormatError(f"cannot read the glossary {path}: {exc}; fix or delete it") from None
    if known_items is not None:
        unknown = sorted(set(terms) - set(known_items))
        if unknown:
            raise StandardFormatError(f"the glossary {path} names items {code} does not have: {', '.join(unknown)}")
    return Glossary(code, terms)
