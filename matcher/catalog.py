"""The catalogue: a folder of standards as canonical JSON, each beside its source text.

``data/standards/<CODE>.json`` is what the matcher loads (the bundled default; any
folder can be a catalogue, chosen with ``$MATCHER_CATALOG`` or ``--catalog``);
``<CODE>.txt`` is the text it was parsed from (an iCAP export, the outline form or the
partial form, see :mod:`matcher.formats`), kept so that the JSON can be regenerated;
``glossary/<CODE>.json``, where present, lists evidence terms per item (see
:mod:`matcher.glossary`).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .errors import StandardExistsError, StandardFormatError, UnknownStandardError
from .formats import read_any
from .glossary import Glossary, load_glossary
from .icap import ParsedStandard
from .standard import Standard

DEFAULT_CODE = "KMC2432-004v2"


def bundled_catalog_dir() -> Path:
    """The catalogue that ships with the matcher (the seed standard)."""
    return Path(__file__).resolve().parent.parent / "data" / "standards"


def default_catalog_dir() -> Path:
    """``$MATCHER_CATALOG`` if set, else the bundled catalogue."""
    env = os.environ.get("MATCHER_CATALOG")
    if env:
        return Path(env)
    return bundled_catalog_dir()


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write a file so that readers see the old or the new content, never a half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class Catalog:
    def __init__(self, directory: str | Path | None = None):
        self.directory = Path(directory) if directory is not None else default_catalog_dir()
        self._cache: dict[str, Standard] = {}
        self._glossaries: dict[str, Glossary] = {}

    def codes(self) -> list[str]:
        if not self.directory.is_dir():
            return []
        return sorted(p.stem for p in self.directory.glob("*.json") if not p.name.startswith("."))

    def default_code(self) -> str:
        """The seed standard when catalogued, else the first code (the seed's code when empty)."""
        codes = self.codes()
        return DEFAULT_CODE if DEFAULT_CODE in codes or not codes else codes[0]

    def get(self, code: str) -> Standard:
        if code not in self._cache:
            path = self.directory / f"{code}.json"
            if not path.is_file():
                raise UnknownStandardError(code, self.codes())
            std = Standard.from_json(path.read_text(encoding="utf-8"))
            if std.code != code:
                raise StandardFormatError(f"{path} holds standard {std.code}, not {code}")
            self._cache[code] = std
        return self._cache[code]

    def glossary(self, code: str) -> Glossary:
        """The evidence terms of standard ``code`` (empty when it has no glossary file)."""
        if code not in self._glossaries:
            std = self.get(code)
            self._glossaries[code] = load_glossary(self.directory, code, [i.id for i in std.items()])
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
            h.update(code.encode() + b"\x1f" + (self.directory / f"{code}.json").read_bytes())
        return h.hexdigest()[:12]

    def import_file(self, path: str | Path, *, replace: bool = False) -> ParsedStandard:
        """Parse a standard (export, outline or partial form) and save it (JSON + source text).

        A code that is already catalogued is replaced only with ``replace=True``
        (re-importing the same content is a no-op); otherwise :class:`StandardExistsError`.
        """
        parsed = read_any(path)
        source = Path(path).read_bytes()
        code = parsed.standard.code
        target = self.directory / f"{code}.json"
        if target.is_file() and not replace:
            old = Standard.from_json(target.read_text(encoding="utf-8"))
            if old == parsed.standard:
                return parsed
            raise StandardExistsError(code, old.partial, parsed.standard.partial, str(path))
        write_atomic(self.directory / f"{code}.txt", source)
        write_atomic(self.directory / f"{code}.json", parsed.standard.to_json())
        self._cache.pop(code, None)
        return parsed
