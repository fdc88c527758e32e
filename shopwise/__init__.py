"""Shopwise: a conversational shopping assistant that recommends from a shop's own catalog."""

__version__ = "0.1.0"
