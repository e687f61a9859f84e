from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEED_TXT = ROOT / "matcher" / "data" / "standards" / "KMC2432-004v2.txt"
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def seed_text() -> str:
    return SEED_TXT.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def seed(seed_text):
    from matcher.icap import parse_standard

    return parse_standard(seed_text).standard


# a fixed calibration for the hashing encoder: exact, model-independent expectations
def hashing_calibration():
    from matcher.score import Calibration

    return Calibration(
        model="hashing-char12-256",
        weights=(0.0, 8.0, 0.0, 0.0) + (0.0,) * 6,
        bias=-2.0,
        covered=0.8,
        partial=0.5,
        fit_weights=(6.0, 6.0, 0.0),
        fit_bias=-3.0,
        source="tests",
    )


@pytest.fixture()
def fake_matcher(tmp_path):
    from matcher.embed import HashingEncoder
    from matcher.pipeline import Matcher

    return Matcher(encoder=HashingEncoder(), calibration=hashing_calibration(), cache=tmp_path / "cache")
