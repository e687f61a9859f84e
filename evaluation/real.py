"""Item labels for real postings in ``../shared/data/postings`` (held-out test sets).

The postings are third-party text: only our labels live in the project
(``evaluation/real_labels.txt`` and ``real_labels_2.txt``: source:id, a hash of the text
that was labelled, the labels, the ambiguous items); the text is read from ``../shared``
at run time. A posting whose text no longer hashes to the recorded value is reported and
left out.
"""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

from matcher.errors import MatcherError
from matcher.standard import Standard

from .devset import Doc

LABELS_PATH = Path(__file__).resolve().parent / "real_labels.txt"
LABELS_2_PATH = Path(__file__).resolve().parent / "real_labels_2.txt"
# (name, labels file, what it checks); see the head of each file for how it was made
TEST_SETS = (
    ("real set 1", LABELS_PATH,
     "46 postings (all 36 Cake 2025 postings with their own text, 10 of the 104 2023 ones: marketing, social media, "
     "brand, data analysis, engineering, sales, accounting; English and Vietnamese among them), labelled after the "
     "Chinese glossary was frozen. Its English false negatives then prompted the English glossary terms and cues, "
     "so for the current matcher it is no longer a clean check"),
    ("real set 2", LABELS_2_PATH,
     "52 postings (the other 37 distinct 104 2023 postings, mostly data analysis, and 15 random 104 2018 engineering "
     "ones), labelled after the English glossary terms and cues were frozen and before the matcher was run on them: "
     "the clean check of the current matcher"),
)
SHARED_POSTINGS = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "postings"


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def read_postings(root: Path = SHARED_POSTINGS, engineering: bool = False) -> dict[str, tuple[str, str]]:
    """``source:id`` -> (title, text) for the Cake 2025 and 104 2023 postings, and with
    ``engineering`` the 104 2018 engineering ones (ids: Cake's own id; for the 104 files
    the 1-based row number). Empty when ``root`` is absent."""
    out: dict[str, tuple[str, str]] = {}
    cake = root / "cake_2025.jsonl"
    if cake.is_file():
        for line in cake.read_text(encoding="utf-8").splitlines():
            r = json.loads(line)
            if r.get("requirements_shared_with_earlier_id"):
                continue  # the scraper paired this text with another posting's title
            out[f"cake_2025:{r['id']}"] = (r.get("title", ""), r.get("requirements", ""))
    p104 = root / "104_2023.csv"
    if p104.is_file():
        with p104.open(encoding="utf-8", newline="") as fh:
            for i, r in enumerate(csv.DictReader(fh), 1):
                text = "\n".join(x for x in (r["job_content"], r["job_require"]) if x)
                out[f"104_2023:{i}"] = (r["job_name"], text)
    eng = root / "104_2018_engineering.csv"
    if engineering and eng.is_file():
        with eng.open(encoding="utf-8", newline="") as fh:
            for i, r in enumerate(csv.DictReader(fh), 1):
                out[f"104_2018_engineering:{i}"] = (r["jobname"], r["jobDescription"])
    return out


def load_real(standard: Standard, root: Path = SHARED_POSTINGS, path: Path = LABELS_PATH) -> tuple[list[Doc], list[str]]:
    """The labelled real postings present under ``root`` and a list of problems (missing or
    changed postings). Tasks are added from their indicators, as in the development set."""
    known = {i.id for i in standard.items()}
    task_of = {p.id: t.id for t in standard.tasks for p in t.indicators}
    postings = read_postings(root, engineering=True)
    docs, problems = [], []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = [p.strip() for p in line.split("|")]
        if len(parts) != 4:
            raise MatcherError(f"{path}:{n}: expected 'source:id | hash | labels | ambiguous', got {line!r}")
        key, digest, labels, ambiguous = parts[0], parts[1], set(parts[2].split()), set(parts[3].split())
        unknown = (labels | ambiguous) - known
        if unknown:
            raise MatcherError(f"{path}:{n}: {key} names items the standard does not have: {sorted(unknown)}")
        if key not in postings:
            problems.append(f"{key}: not in {root}")
            continue
        title, text = postings[key]
        if text_hash(text) != digest:
            problems.append(f"{key}: its text changed since it was labelled; left out")
            continue
        labels |= {task_of[i] for i in labels if i in task_of}
        labels -= ambiguous
        docs.append(Doc(key, "posting", "real", frozenset({"real"}), frozenset(labels), frozenset(ambiguous), text))
    return docs, problems
