"""Serving the chat model over HTTP: vLLM's OpenAI-compatible server from its own environment."""
