#!/usr/bin/env bash
# Install the package the way a user would and run it away from the checkout:
# `pip wheel .`, a fresh venv with the wheel and its `model` extra, an empty folder and a
# fresh HOME; then `matcher model build` and a match of a press-release posting, which must
# give a calibrated report with S14 evidenced. tests/test_install.py runs this (slow tier).
#   bash scripts/install_check.sh [WORKDIR]     (default: a new temporary folder)
set -euo pipefail
src="$(cd "$(dirname "$0")/.." && pwd)"
PY=${PYTHON:-python3}
work=${1:-$(mktemp -d)}
mkdir -p "$work"
work="$(cd "$work" && pwd)"

"$PY" -m pip wheel -q --no-deps -w "$work/wheels" "$src"
wheel=$(ls "$work"/wheels/icap_matcher-*.whl)
"$PY" -m venv "$work/venv"
# CPU PyTorch first (on this project's machines pip takes it from local disk; elsewhere add
# --index-url https://download.pytorch.org/whl/cpu)
"$work/venv/bin/python" -m pip install -q torch==2.13.0
"$work/venv/bin/python" -m pip install -q "$wheel[model]"

mkdir -p "$work/empty" "$work/home"
cp "$src/examples/posting_pr.txt" "$work/empty/posting.txt"
cd "$work/empty"
# a fresh home and none of the project's variables: everything comes from the wheel
env -i PATH="$work/venv/bin:/usr/bin:/bin" HOME="$work/home" LANG=C.UTF-8 \
  "$work/venv/bin/matcher" model build
env -i PATH="$work/venv/bin:/usr/bin:/bin" HOME="$work/home" LANG=C.UTF-8 \
  "$work/venv/bin/matcher" match posting.txt --format json > "$work/report.json"
"$work/venv/bin/python" - "$work/report.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1], encoding="utf-8"))
s14 = next(i for i in r["items"] if i["id"] == "S14")
ok = r["calibrated"] and s14["status"] == "covered" and s14["evidence"] and "新聞稿" in s14["evidence"][0]["text"]
print(f"calibrated={r['calibrated']} model={r['model']} S14={s14['status']} evidence={s14['evidence'][0]['text'] if s14['evidence'] else None}")
sys.exit(0 if ok else 1)
PY
ls "$work/home/.local/share/icap-matcher"
echo "install check passed ($work)"
