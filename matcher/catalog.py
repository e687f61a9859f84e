"""The catalogue: a folder of standards as canonical JSON, each beside its source text.

``data/standards/<CODE>.json`` is what the matcher loads; ``<CODE>.txt`` is the iCAP
text export it was parsed from, kept so that the JSON can be regenerated and checked;
``glossary/<CODE>.json``, where present, lists evidence terms per item (see
:mod:`matcher.glossary`).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .errors import StandardFormatError, UnknownStandardError
from .glossary import Glossary, load_glossary
from .icap import ParsedStandard, read_standard
from .standard import Standard

DEFAULT_CODE = "KMC2432-004v2"


def default_catalog_dir() -> Path:
    """``$MATCHER_CATALOG`` if set, else the repository's ``data/standards``."""
    env = os.environ.get("MATCHER_CATALOG")
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent / "data" / "standards"


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

    def all(self) -> list[Standard]:
        return [self.get(c) for c in self.codes()]

    def import_file(self, path: str | Path) -> ParsedStandard:
        """Parse an iCAP text export and save it (JSON + source text) into the catalogue."""
        parsed = read_standard(path)
        source = Path(path).read_bytes()
        code = parsed.standard.code
        write_atomic(self.directory / f"{code}.txt", source)
        write_atomic(self.directory / f"{code}.json", parsed.standard.to_json())
        self._cache.pop(code, None)
        return parsed
