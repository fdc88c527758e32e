"""Benchmarks of whole chat turns: latency, guards, constraint extraction."""
