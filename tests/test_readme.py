"""The README's Python section runs as written (with the hashing encoder here; with the real
model, and its printed line checked, in the model tier)."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest
from conftest import hashing_calibration

ROOT = Path(__file__).resolve().parent.parent


def readme_python() -> tuple[str, str]:
    """The Python section's code block and the output block that follows it."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Python\n", 1)[1].split("\n## ", 1)[0]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    output = re.search(r"```text\n(.*?)```", section, re.S).group(1)
    return code, output


def run_snippet(code: str) -> str:
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        exec(compile(code, "README.md", "exec"), {"__name__": "readme"})
    return buf.getvalue()


def test_public_api_names():
    import matcher

    for name in ("Matcher", "MatchReport", "Catalog", "Standard", "FitReport", "MatcherError", "__version__"):
        assert name in matcher.__all__
        assert getattr(matcher, name) is not None
    from matcher.pipeline import Matcher
    from matcher.report import FitReport, MatchReport

    assert (matcher.Matcher, matcher.MatchReport, matcher.FitReport) == (Matcher, MatchReport, FitReport)
    with pytest.raises(AttributeError):
        matcher.NoSuchName  # noqa: B018


def test_import_matcher_is_light():
    import subprocess
    import sys

    code = "import sys, matcher; print(sorted(m for m in ('numpy', 'torch', 'sentence_transformers', 'faiss') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True).stdout
    assert out.strip() == "[]"


def test_readme_snippet_runs_with_the_hashing_encoder(monkeypatch, tmp_path):
    import matcher
    from matcher.embed import HashingEncoder
    from matcher.pipeline import Matcher

    def fake(*args, **kwargs):
        return Matcher(*args, encoder=HashingEncoder(), calibration=hashing_calibration(), cache=tmp_path, **kwargs)

    monkeypatch.setattr(matcher, "Matcher", fake)
    monkeypatch.chdir(ROOT)
    code, _ = readme_python()
    out = run_snippet(code)
    # the hashing encoder finds the press-release clause lexically, as the real model does
    assert out == "KMC2432-004v2 covered 負責撰寫新聞稿、致詞稿及聲明書，並維護與媒體記者的良好關係。\n"


@pytest.mark.model
def test_readme_snippet_prints_what_the_readme_says(monkeypatch, tmp_path):
    from matcher.resources import default_model_dir

    if not (default_model_dir() / "modules.json").is_file():
        pytest.skip("default model not built (matcher model build)")
    monkeypatch.setenv("MATCHER_CACHE", str(tmp_path))
    monkeypatch.chdir(ROOT)
    code, output = readme_python()
    assert run_snippet(code) == output
