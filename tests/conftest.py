from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEED_TXT = ROOT / "data" / "standards" / "KMC2432-004v2.txt"
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def seed_text() -> str:
    return SEED_TXT.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def seed(seed_text):
    from matcher.icap import parse_standard

    return parse_standard(seed_text).standard
