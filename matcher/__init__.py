"""職能比對 icap-matcher: match Traditional Chinese job postings and résumés against iCAP 職能基準.

The ordinary use::

    from matcher import Matcher
    report = Matcher().match(text, kind="posting")   # -> MatchReport
    print(report.to_text())

Names are imported on first use (PEP 562), so ``import matcher`` stays light: the model,
numpy-heavy stages and optional extras load only when something needs them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name -> the module that defines it
_EXPORTS = {
    "Matcher": "pipeline",
    "Analysed": "pipeline",
    "RankedStandard": "rank",
    "MatchReport": "report",
    "FitReport": "report",
    "FitItem": "report",
    "ItemResult": "report",
    "Evidence": "report",
    "Gap": "report",
    "TaskCoverage": "report",
    "Catalog": "catalog",
    "Standard": "standard",
    "Item": "standard",
    "Calibration": "score",
    "Encoder": "embed",
    "HashingEncoder": "embed",
    "MatcherError": "errors",
    "InputError": "errors",
    "EmptyInputError": "errors",
    "InputTooLargeError": "errors",
    "BinaryInputError": "errors",
    "StandardFormatError": "errors",
    "UnknownStandardError": "errors",
    "ModelError": "errors",
    "DatasetError": "errors",
    "MissingExtraError": "errors",
}

__all__ = ["__version__", *_EXPORTS]

if TYPE_CHECKING:  # for type checkers and IDEs; at run time names load lazily
    from .catalog import Catalog
    from .embed import Encoder, HashingEncoder
    from .errors import (
        BinaryInputError,
        DatasetError,
        EmptyInputError,
        InputError,
        InputTooLargeError,
        MatcherError,
        MissingExtraError,
        ModelError,
        StandardFormatError,
        UnknownStandardError,
    )
    from .pipeline import Analysed, Matcher
    from .rank import RankedStandard
    from .report import Evidence, FitItem, FitReport, Gap, ItemResult, MatchReport, TaskCoverage
    from .score import Calibration
    from .standard import Item, Standard


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'matcher' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
