"""The wheel works on its own: built, installed into a fresh venv with the `model` extra, run
from an empty folder with a fresh HOME (scripts/install_check.sh). Slow: it installs PyTorch
and sentence-transformers into a new environment."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_wheel_installs_and_matches_from_an_empty_folder(tmp_path):
    proc = subprocess.run(["bash", str(ROOT / "scripts" / "install_check.sh"), str(tmp_path)],
                          capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    line = next(x for x in proc.stdout.splitlines() if x.startswith("calibrated="))
    assert line.startswith("calibrated=True model=multilingual-e5-small@")
    assert line.endswith("S14=covered evidence=負責撰寫新聞稿、致詞稿及聲明書，並維護與媒體記者的良好關係。")
    # what the user built lives in the home: the model and the caches
    assert (tmp_path / "home/.local/share/icap-matcher/models/multilingual-e5-small/modules.json").is_file()
    assert (tmp_path / "home/.local/share/icap-matcher/cache").is_dir()
