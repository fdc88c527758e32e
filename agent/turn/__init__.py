"""One chat turn end to end: understand, retrieve, rank, guard, show items, explain (streamed)."""
