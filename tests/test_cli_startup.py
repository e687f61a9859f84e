"""Commands that need no model answer without importing the heavy libraries (fresh processes)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT

HEAVY = ("torch", "sentence_transformers", "transformers", "faiss", "sklearn", "scipy", "onnxruntime", "tokenizers")

PROBE = """
import contextlib, io, json, sys
from matcher.cli import main
err = io.StringIO()
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
    try:
        code = main(sys.argv[1:])
    except SystemExit as exc:
        code = exc.code
print(json.dumps({"code": code, "err": err.getvalue(), "heavy": sorted(m for m in %r if m in sys.modules)}))
""" % (HEAVY,)


def probe(*argv: str) -> dict:
    out = subprocess.run([sys.executable, "-c", PROBE, *argv], cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    "argv, code",
    [
        (["--help"], 0),
        (["match", "--help"], 0),
        (["standards", "list"], 0),
        (["match", "--backend", "tensorflow", "x.txt"], 2),  # argument error
        (["match", "no-such-file.txt"], 1),  # input error: found before any model loads
        (["frobnicate"], 2),
    ],
)
def test_no_heavy_imports(argv, code):
    r = probe(*argv)
    assert (r["code"], r["heavy"]) == (code, [])


def test_input_error_before_model_load():
    r = probe("match", "no-such-file.txt", "--backend", "onnx")
    assert r["err"] == "error: cannot read no-such-file.txt: No such file or directory\n"
