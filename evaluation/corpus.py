"""The double-labelled corpora in ``../shared/labelling`` (read at run time, never copied).

* ``written.jsonl``: 240 postings and résumés written for the project by eight writers
  (W1–W8), each labelled by two annotators who did not write it;
* ``real_postings.jsonl``: 182 real third-party postings from ``../shared/data/postings``,
  labelled the same way; only ids, text hashes and labels are in that file, the text is
  read from the postings and checked against the hash.

plus the project's own extension in ``evaluation/labels`` (``written_ext.jsonl``: writers
W9–W11, labelled by two further annotators under the same guideline and protocol; see
``evaluation/labels/README.md``), with its own fixed split.

Gold = the items both annotators gave; ``ambiguous`` = items only one gave (left out of
precision and recall). Each gold item has its evidence spans (offsets into the text) and
its basis (stated / implied / mixed). The ``split`` (train/test) is fixed in the files.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from matcher.errors import MatcherError

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
LABELLING = SHARED / "labelling"
POSTINGS = SHARED / "data" / "postings"
GUIDELINE = LABELLING / "GUIDELINE.md"
EXT = Path(__file__).resolve().parent / "labels"


@dataclass(frozen=True)
class LabelledDoc:
    id: str
    source: str  # "written" or "real"
    kind: str  # "posting" or "resume"
    group: str  # written: pr / neighbour / unrelated; real: "real"
    lang: str  # zh-TW, zh-CN, en, mixed ("" where unknown)
    writer: str  # W1..W8 for written documents, the posting source for real ones
    split: str  # "train" or "test"
    text: str
    positive: frozenset[str]
    ambiguous: frozenset[str]
    evidence: dict = field(default_factory=dict, compare=False, hash=False)  # item -> {basis, spans}
    annotator_a: frozenset[str] = frozenset()
    annotator_b: frozenset[str] = frozenset()
    corpus: str = "shared"  # "shared" (../shared/labelling) or "ext" (evaluation/labels)


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def available(root: Path = LABELLING) -> bool:
    return (root / "written.jsonl").is_file() and (root / "real_postings.jsonl").is_file()


def _doc(r: dict, source: str, text: str, kind: str, group: str, lang: str, writer: str,
         corpus: str = "shared") -> LabelledDoc:
    return LabelledDoc(corpus=corpus,
        id=r["id"], source=source, kind=kind, group=group, lang=lang, writer=writer, split=r["split"], text=text,
        positive=frozenset(r["positive"]), ambiguous=frozenset(r["ambiguous"]), evidence=r.get("evidence", {}),
        annotator_a=frozenset(r.get("annotator_a", ())), annotator_b=frozenset(r.get("annotator_b", ())),
    )


def load_written(root: Path = LABELLING, name: str = "written.jsonl", corpus: str = "shared") -> list[LabelledDoc]:
    path = root / name
    if not path.is_file():
        raise MatcherError(f"{path} is missing: the labelled corpora are read from ../shared/labelling "
                           "and evaluation/labels")
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            r = json.loads(line)
            out.append(_doc(r, "written", r["text"], r["kind"], r["group"], r.get("lang", ""), r["writer"], corpus))
    return out


def load_ext(root: Path = EXT) -> list[LabelledDoc]:
    """The project's extension (writers W9–W11); empty where its file is absent."""
    return load_written(root, "written_ext.jsonl", "ext") if (root / "written_ext.jsonl").is_file() else []


def read_real_texts(root: Path = POSTINGS) -> dict[str, str]:
    """``source:id`` -> the text that was labelled, as ``real_postings.jsonl`` defines it."""
    import csv

    out: dict[str, str] = {}
    cake = root / "cake_2025.jsonl"
    if cake.is_file():
        for line in cake.read_text(encoding="utf-8").splitlines():
            if line.strip():
                r = json.loads(line)
                if not r.get("requirements_shared_with_earlier_id"):
                    out[f"cake_2025:{r['id']}"] = r.get("requirements") or ""
    for name, cols in (("104_2023", ("job_content", "job_require")), ("104_2018_engineering", ("jobDescription",))):
        path = root / f"{name}.csv"
        if path.is_file():
            with path.open(encoding="utf-8", newline="") as fh:
                for i, r in enumerate(csv.DictReader(fh), 1):
                    out[f"{name}:{i}"] = "\n".join(r[c] for c in cols if r.get(c))
    return out


def load_real(root: Path = LABELLING, postings: Path = POSTINGS) -> tuple[list[LabelledDoc], list[str]]:
    """The labelled real postings whose text is present and unchanged, and the problems found."""
    path = root / "real_postings.jsonl"
    if not path.is_file():
        raise MatcherError(f"{path} is missing: the labelled corpora are read from ../shared/labelling")
    texts = read_real_texts(postings)
    docs, problems = [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        r = json.loads(line)
        text = texts.get(r["id"])
        if text is None:
            problems.append(f"{r['id']}: not in {postings}; left out")
            continue
        if text_hash(text) != r["sha256_12"]:
            problems.append(f"{r['id']}: its text changed since it was labelled; left out")
            continue
        docs.append(_doc(r, "real", text, "posting", "real", "", r["id"].split(":")[0]))
    return docs, problems


def load_all() -> tuple[list[LabelledDoc], list[str]]:
    real, problems = load_real()
    return load_written() + load_ext() + real, problems
