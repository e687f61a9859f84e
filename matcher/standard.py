"""The typed model of an iCAP 職能基準 (occupational competency standard).

Everything is a frozen dataclass holding tuples, so a parsed standard is hashable,
comparable with ``==`` and safe to share between threads. ``to_dict``/``from_dict``
give the canonical JSON form (schema: ``matcher/data/schema/standard.schema.json``);
``Standard.from_dict(s.to_dict()) == s`` holds for every standard.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Iterator

SCHEMA_VERSION = 1

ITEM_TYPES = ("duty", "task", "output", "indicator", "knowledge", "skill", "attitude")


@dataclass(frozen=True)
class Version:
    """One row of the standard's version table."""

    version: str  # "V2"
    code: str  # "KMC2432-004v2"
    name: str
    status: str  # 最新版本 / 歷史版本
    note: str
    date: str  # as written, e.g. "2023/12/15"


@dataclass(frozen=True)
class Classification:
    """A named, coded classification (職類別, 職業別, 行業別)."""

    name: str
    code: str


@dataclass(frozen=True)
class Footnote:
    """【註N】term：text."""

    number: int
    term: str
    text: str


@dataclass(frozen=True)
class Output:
    id: str
    name: str
    footnotes: tuple[int, ...] = ()


@dataclass(frozen=True)
class Indicator:
    id: str
    text: str
    footnotes: tuple[int, ...] = ()


@dataclass(frozen=True)
class Competency:
    """A knowledge (K), skill (S) or attitude (A) item."""

    id: str
    name: str
    description: str = ""
    footnotes: tuple[int, ...] = ()

    @property
    def kind(self) -> str:
        return {"K": "knowledge", "S": "skill", "A": "attitude"}[self.id[0]]


@dataclass(frozen=True)
class Task:
    id: str
    name: str
    level: int | None
    outputs: tuple[Output, ...] = ()
    indicators: tuple[Indicator, ...] = ()
    knowledge: tuple[str, ...] = ()  # K ids
    skills: tuple[str, ...] = ()  # S ids
    footnotes: tuple[int, ...] = ()


@dataclass(frozen=True)
class Duty:
    id: str
    name: str
    tasks: tuple[Task, ...] = ()
    footnotes: tuple[int, ...] = ()


@dataclass(frozen=True)
class Item:
    """One matchable item of a standard, flattened for indexing and reports."""

    id: str
    type: str  # one of ITEM_TYPES
    text: str  # the wording a user sees
    duty_id: str | None = None
    task_id: str | None = None
    description: str = ""  # attitudes: the definition; others: ""


@dataclass(frozen=True)
class Standard:
    code: str
    name: str
    level: int | None = None
    description: str = ""
    name_kind: str = "職業"  # 職業 or 職類, which the standard names
    versions: tuple[Version, ...] = ()
    category: Classification | None = None  # 職類別
    occupation: Classification | None = None  # 職業別
    industry: Classification | None = None  # 行業別
    duties: tuple[Duty, ...] = ()
    knowledge: tuple[Competency, ...] = ()
    skills: tuple[Competency, ...] = ()
    attitudes: tuple[Competency, ...] = ()
    footnotes: tuple[Footnote, ...] = ()
    qualifications: tuple[str, ...] = ()  # 建議擔任此職類/職業之學歷/經驗/或能力條件
    notes: tuple[str, ...] = field(default=())  # other supplementary lines
    # a standard read from a partial text (no codes, levels or K/S/A in its source)
    partial: bool = False
    generated_ids: bool = False  # ids (T1, T1.1, O1.1.1, P1.1.1) numbered by the importer
    import_notes: tuple[str, ...] = ()  # what the importer could not tell apart, and damage it met

    # ---- navigation -------------------------------------------------------------
    @property
    def version(self) -> str:
        """The version of this standard (e.g. "V2"), from the version table or the code."""
        for v in self.versions:
            if v.code == self.code:
                return v.version
        tail = self.code.rsplit("v", 1)
        return f"V{tail[1]}" if len(tail) == 2 and tail[1].isdigit() else ""

    @property
    def tasks(self) -> tuple[Task, ...]:
        return tuple(t for d in self.duties for t in d.tasks)

    @property
    def indicators(self) -> tuple[Indicator, ...]:
        return tuple(p for t in self.tasks for p in t.indicators)

    @property
    def outputs(self) -> tuple[Output, ...]:
        return tuple(o for t in self.tasks for o in t.outputs)

    def competency(self, item_id: str) -> Competency:
        for c in (*self.knowledge, *self.skills, *self.attitudes):
            if c.id == item_id:
                return c
        raise KeyError(item_id)

    def task(self, task_id: str) -> Task:
        for t in self.tasks:
            if t.id == task_id:
                return t
        raise KeyError(task_id)

    def items(self) -> Iterator[Item]:
        """Every matchable item, in document order: per task its outputs and indicators,
        then K, S and A. Duties and tasks themselves are items too."""
        for d in self.duties:
            yield Item(d.id, "duty", d.name, duty_id=d.id)
            for t in d.tasks:
                yield Item(t.id, "task", t.name, duty_id=d.id, task_id=t.id)
                for o in t.outputs:
                    yield Item(o.id, "output", o.name, duty_id=d.id, task_id=t.id)
                for p in t.indicators:
                    yield Item(p.id, "indicator", p.text, duty_id=d.id, task_id=t.id)
        for c in self.knowledge:
            yield Item(c.id, "knowledge", c.name)
        for c in self.skills:
            yield Item(c.id, "skill", c.name)
        for c in self.attitudes:
            yield Item(c.id, "attitude", c.name, description=c.description)

    def footnote(self, number: int) -> Footnote | None:
        for f in self.footnotes:
            if f.number == number:
                return f
        return None

    # ---- JSON --------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        def cls(c: Classification | None) -> dict[str, str] | None:
            return None if c is None else {"name": c.name, "code": c.code}

        def comp(c: Competency) -> dict[str, Any]:
            d: dict[str, Any] = {"id": c.id, "name": c.name}
            if c.id.startswith("A") or c.description:
                d["description"] = c.description
            d["footnotes"] = list(c.footnotes)
            return d

        out: dict[str, Any] = {
            "schema_version": SCHEMA_VERSION,
            "code": self.code,
            "name": self.name,
            "name_kind": self.name_kind,
            "version": self.version,
            "level": self.level,
            "description": self.description,
            "versions": [vars(v).copy() for v in self.versions],
            "category": cls(self.category),
            "occupation": cls(self.occupation),
            "industry": cls(self.industry),
            "duties": [
                {
                    "id": d.id,
                    "name": d.name,
                    "footnotes": list(d.footnotes),
                    "tasks": [
                        {
                            "id": t.id,
                            "name": t.name,
                            "level": t.level,
                            "footnotes": list(t.footnotes),
                            "outputs": [
                                {"id": o.id, "name": o.name, "footnotes": list(o.footnotes)}
                                for o in t.outputs
                            ],
                            "indicators": [
                                {"id": p.id, "text": p.text, "footnotes": list(p.footnotes)}
                                for p in t.indicators
                            ],
                            "knowledge": list(t.knowledge),
                            "skills": list(t.skills),
                        }
                        for t in d.tasks
                    ],
                }
                for d in self.duties
            ],
            "knowledge": [comp(c) for c in self.knowledge],
            "skills": [comp(c) for c in self.skills],
            "attitudes": [comp(c) for c in self.attitudes],
            "footnotes": [vars(f).copy() for f in self.footnotes],
            "qualifications": list(self.qualifications),
            "notes": list(self.notes),
        }
        # written only when set, so the JSON of a complete standard is unchanged
        if self.partial:
            out["partial"] = True
        if self.generated_ids:
            out["generated_ids"] = True
        if self.import_notes:
            out["import_notes"] = list(self.import_notes)
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2) + "\n"

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Standard":
        from .errors import StandardFormatError

        try:
            if d.get("schema_version", SCHEMA_VERSION) != SCHEMA_VERSION:
                raise StandardFormatError(
                    f"schema_version {d.get('schema_version')} is not supported (expected {SCHEMA_VERSION}); "
                    "re-import the standard's text with `matcher standards import`"
                )

            def clsf(x: dict[str, str] | None) -> Classification | None:
                return None if x is None else Classification(x["name"], x["code"])

            def comp(x: dict[str, Any]) -> Competency:
                return Competency(x["id"], x["name"], x.get("description", ""), tuple(x.get("footnotes", ())))

            return cls(
                code=d["code"],
                name=d["name"],
                name_kind=d.get("name_kind", "職業"),
                level=d.get("level"),
                description=d.get("description", ""),
                versions=tuple(Version(**v) for v in d.get("versions", ())),
                category=clsf(d.get("category")),
                occupation=clsf(d.get("occupation")),
                industry=clsf(d.get("industry")),
                duties=tuple(
                    Duty(
                        id=du["id"],
                        name=du["name"],
                        footnotes=tuple(du.get("footnotes", ())),
                        tasks=tuple(
                            Task(
                                id=t["id"],
                                name=t["name"],
                                level=t.get("level"),
                                footnotes=tuple(t.get("footnotes", ())),
                                outputs=tuple(
                                    Output(o["id"], o["name"], tuple(o.get("footnotes", ()))) for o in t.get("outputs", ())
                                ),
                                indicators=tuple(
                                    Indicator(p["id"], p["text"], tuple(p.get("footnotes", ())))
                                    for p in t.get("indicators", ())
                                ),
                                knowledge=tuple(t.get("knowledge", ())),
                                skills=tuple(t.get("skills", ())),
                            )
                            for t in du.get("tasks", ())
                        ),
                    )
                    for du in d.get("duties", ())
                ),
                knowledge=tuple(comp(x) for x in d.get("knowledge", ())),
                skills=tuple(comp(x) for x in d.get("skills", ())),
                attitudes=tuple(comp(x) for x in d.get("attitudes", ())),
                footnotes=tuple(Footnote(**f) for f in d.get("footnotes", ())),
                qualifications=tuple(d.get("qualifications", ())),
                notes=tuple(d.get("notes", ())),
                partial=bool(d.get("partial", False)),
                generated_ids=bool(d.get("generated_ids", False)),
                import_notes=tuple(d.get("import_notes", ())),
            )
        except (KeyError, TypeError) as exc:
            raise StandardFormatError(f"standard JSON is missing or has a malformed field: {exc}") from None

    @classmethod
    def from_json(cls, text: str) -> "Standard":
        from .errors import StandardFormatError

        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise StandardFormatError(f"not valid JSON: {exc.msg}", line=exc.lineno) from None
        if not isinstance(data, dict):
            raise StandardFormatError("standard JSON must be an object")
        return cls.from_dict(data)
