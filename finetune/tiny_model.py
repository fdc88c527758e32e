"""A tiny random-weight Llama built from a config with a real tokenizer: exercises the training,
ranking and online code paths in seconds (unit tests, smoke runs) without a real model."""

from __future__ import annotations

from pathlib import Path


def build_tiny_model(tokenizer_dir: Path, out: Path, seed: int = 0, hidden: int = 32, layers: int = 2) -> Path:
    """Save a random LlamaForCausalLM (hidden 32, 2 layers) and the tokenizer of `tokenizer_dir` to `out`."""
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    tokenizer = AutoTokenizer.from_pretrained(str(tokenizer_dir))
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=hidden, intermediate_size=2 * hidden,
                         num_hidden_layers=layers, num_attention_heads=4, num_key_value_heads=2,
                         max_position_embeddings=2048, tie_word_embeddings=True,
                         bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
                         pad_token_id=tokenizer.pad_token_id)
    torch.manual_seed(seed)
    LlamaForCausalLM(config).save_pretrained(str(out))
    tokenizer.save_pretrained(str(out))
    return out
