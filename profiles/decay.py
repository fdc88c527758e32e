"""Recency decay shared by profiles and ranking features: an event loses half its weight per half-life."""

from __future__ import annotations

import numpy as np

DAY = 86_400.0


def decay_factors(ts, reference: float, half_life_days: float) -> np.ndarray:
    """0.5 ** (age / half-life) for each timestamp, age measured back from `reference`."""
    age = np.maximum(0.0, reference - np.asarray(ts, dtype=np.float64))
    return np.power(0.5, age / (half_life_days * DAY))
