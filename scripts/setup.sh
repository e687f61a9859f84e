#!/usr/bin/env bash
# Set up icap-matcher in ./.venv and build the default model.
#   bash scripts/setup.sh        the app, the CLI and batch scoring
#   bash scripts/setup.sh dev    + test tools, Ray, and Debian's chromium for the browser test
# Re-running is cheap: pip skips what is installed, the model build skips a built folder.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
mode=${1:-app}

if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
# CPU build of PyTorch. On this project's machines pip takes it from local disk; elsewhere:
#   .venv/bin/pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu
.venv/bin/python -m pip install -q torch==2.13.0
extras="model,onnx,app,batch"
if [ "$mode" = dev ]; then
  extras="$extras,ray,dev"
fi
.venv/bin/python -m pip install -q -e ".[$extras]"
# the developer's model lives in the checkout (models/ is ignored by git); an installed package
# builds into $MATCHER_HOME/models instead (see matcher/resources.py); with it, its ONNX export
# (models/multilingual-e5-small/onnx/)
.venv/bin/matcher model build --out models/multilingual-e5-small

# the browser test drives Debian's chromium; a CJK font makes its screenshots and PDFs readable
if [ "$mode" = dev ] && { ! command -v chromium >/dev/null 2>&1 || ! fc-list :lang=zh 2>/dev/null | grep -q .; }; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-zenhei >/dev/null
  else
    echo "note: sudo apt-get install chromium fonts-wqy-zenhei to run the browser test" >&2
  fi
fi
echo "setup done ($mode)"
