"""The catalogue: folders of standards as canonical JSON, each beside its source text.

``<CODE>.json`` is what the matcher loads; ``<CODE>.txt`` is the text it was parsed from (an
iCAP export, the outline form or the partial form, see :mod:`matcher.formats`), kept so that
the JSON can be regenerated; ``glossary/<CODE>.json``, where present, lists evidence terms per
item (see :mod:`matcher.glossary`). By default the standards a user imported
(``<home>/catalog``) come first, then the ones bundled with the package
(``matcher/data/standards``); ``$MATCHER_CATALOG`` or ``--catalog`` names one folder that
replaces both (see :mod:`matcher.resources`).
"""

from __future__ import annotations

from pathlib import Path

from . import resources
from .errors import StandardExistsError, StandardFormatError, UnknownStandardError
from .formats import read_any
from .glossary import Glossary, load_glossary
from .icap import ParsedStandard
from .io import write_atomic
from .standard import Standard

DEFAULT_CODE = "KMC2432-004v2"  # the standard served when none is named


def bundled_catalog_dir() -> Path:
    """The catalogue that ships with the matcher (the seed standard)."""
    return resources.bundled_catalog_dir()


def default_catalog_dir() -> Path:
    """Where imports go by default: ``$MATCHER_CATALOG`` if set, else ``<home>/catalog``."""
    return resources.catalog_dirs()[0]


class Catalog:
    """Standards by code. ``directory`` names the one folder to use; by default the user's
    imported standards, then the bundled ones (the first folder holding a code wins)."""

    def __init__(self, directory: str | Path | None = None):
        self.directories = (Path(directory),) if directory is not None else resources.catalog_dirs()
        self.directory = self.directories[0]  # where imports are written
        self._cache: dict[str, Standard] = {}
        self._glossaries: dict[str, Glossary] = {}

    def codes(self) -> list[str]:
        found = {p.stem for d in self.directories if d.is_dir() for p in d.glob("*.json") if not p.name.startswith(".")}
        return sorted(found)

    def default_code(self) -> str:
        """The seed standard when catalogued, else the first code (the seed's code when empty)."""
        codes = self.codes()
        return DEFAULT_CODE if DEFAULT_CODE in codes or not codes else codes[0]

    def folder(self, code: str) -> Path:
        """The folder that holds standard ``code``."""
        for d in self.directories:
            if (d / f"{code}.json").is_file():
                return d
        raise UnknownStandardError(code, self.codes())

    def get(self, code: str) -> Standard:
        if code not in self._cache:
            path = self.folder(code) / f"{code}.json"
            std = Standard.from_json(path.read_text(encoding="utf-8"))
            if std.code != code:
                raise StandardFormatError(f"{path} holds standard {std.code}, not {code}")
            self._cache[code] = std
        return self._cache[code]

    def glossary(self, code: str) -> Glossary:
        """The evidence terms of standard ``code`` (empty when it has no glossary file)."""
        if code not in self._glossaries:
            std = self.get(code)
            self._glossaries[code] = load_glossary(self.folder(code), code, [i.id for i in std.items()])
        return self._glossaries[code]

    def search(self, query: str) -> list[Standard]:
        """Standards whose code or name holds ``query`` (case-insensitive), then those whose
        description, duty or task names hold it; in catalogue order within each group."""
        q = query.strip().lower()
        if not q:
            return self.all()
        first, second = [], []
        for s in self.all():
            if q in s.code.lower() or q in s.name.lower():
                first.append(s)
            elif q in s.description.lower() or any(q in d.name.lower() for d in s.duties) or any(
                q in t.name.lower() for t in s.tasks
            ):
                second.append(s)
        return first + second

    def all(self) -> list[Standard]:
        return [self.get(c) for c in self.codes()]

    def fingerprint(self) -> str:
        """A short hash of every catalogued standard's JSON: changes whenever the catalogue does."""
        import hashlib

        h = hashlib.sha256()
        for code in self.codes():
            h.update(code.encode() + b"\x1f" + (self.folder(code) / f"{code}.json").read_bytes())
        return h.hexdigest()[:12]

    def import_file(self, path: str | Path, *, replace: bool = False) -> ParsedStandard:
        """Parse a standard (export, outline or partial form) and save it (JSON + source text)
        into the first catalogue folder.

        A code that is already catalogued is replaced only with ``replace=True``
        (re-importing the same content is a no-op); otherwise :class:`StandardExistsError`.
        """
        parsed = read_any(path)
        source = Path(path).read_bytes()
        code = parsed.standard.code
        if code in self.codes() and not replace:
            old = self.get(code)
            if old == parsed.standard:
                return parsed
            raise StandardExistsError(code, old.partial, parsed.standard.partial, str(path))
        write_atomic(self.directory / f"{code}.txt", source)
        write_atomic(self.directory / f"{code}.json", parsed.standard.to_json())
        self._cache.pop(code, None)
        self._glossaries.pop(code, None)
        return parsed
