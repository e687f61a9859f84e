"""Where everything lives: the data shipped inside the package, and the user's own data.

Shipped with the package (read-only, read through :mod:`importlib.resources`), under
``matcher/data/``:

* ``standards/``     the bundled catalogue: ``<CODE>.json`` (+ its iCAP source ``.txt``) and
  ``glossary/<CODE>.json``
* ``calibration/``   one calibration per model (``python -m evaluation`` writes it)
* ``rank/``          the standard ranker's parameters, one per model
* ``judge/``         the item judge's parameters, where present
* ``background.txt`` generic job-ad sentences (the index's background)
* ``attitude_cues.json`` explicit-statement cues per attitude
* ``schema/standard.schema.json`` the catalogue JSON's schema

What users build or import lives in one per-user folder, the *home*: ``$MATCHER_HOME``, else
``$XDG_DATA_HOME/icap-matcher`` or ``~/.local/share/icap-matcher`` (macOS:
``~/Library/Application Support/icap-matcher``; Windows: ``%LOCALAPPDATA%\\icap-matcher``):

* ``models/``   built models (``matcher model build``)
* ``catalog/``  imported standards (``matcher standards import``), read before the bundled ones
* ``cache/``    embeddings of postings and the item index

``$MATCHER_MODEL``, ``$MATCHER_CATALOG`` and ``$MATCHER_CACHE`` still override one location
each. In a source checkout a model already built in ``models/`` (the developer setup) is
used in preference to the home's.
"""

from __future__ import annotations

import os
import re
import sys
from importlib.resources import files
from pathlib import Path

APP_NAME = "icap-matcher"
DEFAULT_MODEL_NAME = "multilingual-e5-small"
CHECKOUT = Path(__file__).resolve().parent.parent  # the source tree, when running from one


# ---- shipped with the package -------------------------------------------------------------------
def data_path(*parts: str) -> Path:
    """A file or folder of the package data (``matcher/data/...``)."""
    # the package is installed as plain files (setuptools wheels are unpacked), so the
    # resource is a real path; Path() makes that explicit for the stages that glob and open
    return Path(str(files("matcher").joinpath("data", *parts)))


def bundled_catalog_dir() -> Path:
    return data_path("standards")


def calibration_dir() -> Path:
    return data_path("calibration")


def rank_dir() -> Path:
    return data_path("rank")


def judge_dir() -> Path:
    return data_path("judge")


def background_path() -> Path:
    return data_path("background.txt")


def attitude_cues_path() -> Path:
    return data_path("attitude_cues.json")


def schema_path() -> Path:
    return data_path("schema", "standard.schema.json")


def model_slug(model: str) -> str:
    """A model name or path as a file name (calibrations, index folders)."""
    return re.sub(r"[^A-Za-z0-9._@-]+", "_", model)[-80:]


# ---- the user's home ------------------------------------------------------------------------------
def home() -> Path:
    """``$MATCHER_HOME``, else the platform's per-user data folder (not created here)."""
    env = os.environ.get("MATCHER_HOME")
    if env:
        return Path(env).expanduser()
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / APP_NAME


def catalog_dirs() -> tuple[Path, ...]:
    """The catalogue folders, first wins: ``$MATCHER_CATALOG`` alone when set, else
    ``<home>/catalog`` (imported standards) then the bundled catalogue. Imports go to the first."""
    env = os.environ.get("MATCHER_CATALOG")
    if env:
        return (Path(env),)
    return (home() / "catalog", bundled_catalog_dir())


def cache_dir() -> Path:
    """``$MATCHER_CACHE``, else ``<home>/cache``; created on first use."""
    env = os.environ.get("MATCHER_CACHE")
    path = Path(env) if env else home() / "cache"
    path.mkdir(parents=True, exist_ok=True)
    return path


def checkout_model_dir(name: str = DEFAULT_MODEL_NAME) -> Path | None:
    """``models/<name>`` of the source checkout this package runs from, if there is one."""
    if not (CHECKOUT / "pyproject.toml").is_file() or not (CHECKOUT / "matcher" / "resources.py").is_file():
        return None
    return CHECKOUT / "models" / name


def default_model_dir(name: str = DEFAULT_MODEL_NAME) -> Path:
    """Where the default model is read from and built to: the checkout's ``models/<name>`` when
    it holds a built model, else ``<home>/models/<name>``."""
    local = checkout_model_dir(name)
    if local is not None and (local / "modules.json").is_file():
        return local
    return home() / "models" / name
