"""Exceptions raised by the matcher. The CLI turns each into a one-line message."""

from __future__ import annotations


class MatcherError(Exception):
    """Base class: every error a user can cause or fix is one of these."""


class StandardFormatError(MatcherError):
    """A competency-standard text could not be read.

    ``line`` is the 1-based line of the source text where the problem was found
    (``None`` when it concerns the whole document).
    """

    def __init__(self, message: str, *, line: int | None = None, source: str | None = None):
        self.line = line
        self.source = source
        self.reason = message
        where = ""
        if source:
            where += f"{source}:"
        if line is not None:
            where += f"line {line}: "
        elif where:
            where += " "
        super().__init__(f"{where}{message}")


class UnknownStandardError(MatcherError):
    """A standard code is not in the catalogue."""

    def __init__(self, code: str, available: list[str]):
        self.code = code
        self.available = available
        listed = ", ".join(available) if available else "(the catalogue is empty)"
        super().__init__(
            f"unknown standard {code!r}; available: {listed}. "
            "Import one with `matcher standards import PATH`."
        )


class StandardExistsError(MatcherError):
    """Importing a standard whose code is already catalogued, without asking to replace it."""

    def __init__(self, code: str, old_partial: bool, new_partial: bool, source: str | None = None):
        self.code = code
        old = "a partial" if old_partial else "the complete"
        new = "partial " if new_partial else ""
        where = f"{source}: " if source else ""
        super().__init__(
            f"{where}{code} is already catalogued ({old} standard); not replaced by this {new}text. "
            "Add --replace to replace it."
        )


class InputError(MatcherError):
    """Text given to the matcher cannot be analysed."""


class EmptyInputError(InputError):
    """The input holds no text to analyse."""


class InputTooLargeError(InputError):
    """The input is over the size limit."""


class BinaryInputError(InputError):
    """The input is not text (a binary file, or an encoding we cannot read)."""


class ModelError(MatcherError):
    """The embedding model could not be found or loaded."""


class IndexError_(MatcherError):
    """The item index is missing, stale or corrupt."""


class DatasetError(MatcherError):
    """A batch input or output could not be read or written."""


class MissingExtraError(MatcherError):
    """An optional dependency is not installed."""

    def __init__(self, module: str, extra: str):
        super().__init__(
            f"{module} is not installed; run `pip install 'icap-matcher[{extra}]'` (or `pip install -e '.[{extra}]'` in a checkout)"
        )
