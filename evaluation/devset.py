"""Read ``evaluation/devset.txt``: documents with the standard items they evidence."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from matcher.errors import MatcherError
from matcher.standard import Standard

DEVSET_PATH = Path(__file__).resolve().parent / "devset.txt"
KINDS = ("posting", "resume")
GROUPS = ("pr", "neighbour", "unrelated")


@dataclass(frozen=True)
class Doc:
    id: str
    kind: str
    group: str
    tags: frozenset[str]
    labels: frozenset[str]  # items evidenced (tasks added from their indicators)
    ambiguous: frozenset[str]  # items left out of scoring for this document
    text: str


def load_devset(standard: Standard, path: Path = DEVSET_PATH) -> list[Doc]:
    known = {i.id for i in standard.items()}
    task_of = {p.id: t.id for t in standard.tasks for p in t.indicators}
    docs: list[Doc] = []
    blocks = path.read_text(encoding="utf-8").split("\n=== ")
    for block in blocks[1:]:
        head, sep, body = block.partition("\n---\n")
        if not sep:
            raise MatcherError(f"{path}: record {block.splitlines()[0]!r} has no '---' line")
        lines = head.splitlines()
        doc_id = lines[0].strip()
        fields = {}
        for line in lines[1:]:
            key, _, value = line.partition(":")
            fields[key.strip()] = value.strip()
        labels = set(fields.get("labels", "").split())
        ambiguous = set(fields.get("ambiguous", "").split())
        unknown = (labels | ambiguous) - known
        if unknown:
            raise MatcherError(f"{path}: {doc_id} names items the standard does not have: {sorted(unknown)}")
        labels |= {task_of[i] for i in labels if i in task_of}
        labels -= ambiguous
        kind, group = fields.get("kind", ""), fields.get("group", "")
        if kind not in KINDS or group not in GROUPS:
            raise MatcherError(f"{path}: {doc_id} has kind {kind!r} / group {group!r}")
        text = body.strip("\n")
        docs.append(Doc(doc_id, kind, group, frozenset(fields.get("tags", "").split()), frozenset(labels),
                        frozenset(ambiguous), text))
    ids = [d.id for d in docs]
    if len(set(ids)) != len(ids):
        raise MatcherError(f"{path}: duplicate document ids")
    return docs
