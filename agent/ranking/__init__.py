"""Ranking candidates for one request: the interface and the rankers behind it."""
