"""A linear combination of ranking features whose weights are learned, not set by hand.

Fitted as pairwise logistic regression (the target should outscore each negative of its list) on
standardised features, so each signal's contribution to a score is simply weight x value and can
be shown to the shopper and in logs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from agent.ranking.features import FEATURES, SIGNAL_OF


@dataclass
class LinearCombiner:
    names: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray

    def standardize(self, features: np.ndarray) -> np.ndarray:
        return (features - self.mean) / self.scale

    def score(self, features: np.ndarray) -> np.ndarray:
        return self.standardize(features) @ self.weights

    def contributions(self, features: np.ndarray) -> list[dict[str, float]]:
        """Per row: signal group -> summed weight x standardised value."""
        parts = self.standardize(features) * self.weights
        rows = []
        for row in parts:
            grouped: dict[str, float] = {}
            for name, value in zip(self.names, row):
                grouped[SIGNAL_OF.get(name, name)] = grouped.get(SIGNAL_OF.get(name, name), 0.0) + float(value)
            rows.append(grouped)
        return rows

    def to_dict(self) -> dict:
        return {"names": list(self.names), "mean": self.mean.tolist(), "scale": self.scale.tolist(),
                "weights": self.weights.tolist()}

    @classmethod
    def from_dict(cls, data: dict) -> "LinearCombiner":
        return cls(tuple(data["names"]), np.array(data["mean"]), np.array(data["scale"]), np.array(data["weights"]))


def fit_pairwise(lists: list[np.ndarray], regularization: float = 1.0, seed: int = 0) -> LinearCombiner:
    """Each list is a feature matrix whose row 0 is the item the shopper chose next."""
    from sklearn.linear_model import LogisticRegression

    stacked = np.vstack(lists)
    mean, scale = stacked.mean(axis=0), stacked.std(axis=0)
    scale = np.where(scale > 1e-9, scale, 1.0)
    differences = np.vstack([((matrix[0] - matrix[1:]) / scale) for matrix in lists if len(matrix) > 1])
    rng = np.random.default_rng(seed)
    signs = rng.choice([-1.0, 1.0], size=len(differences))
    model = LogisticRegression(C=regularization, fit_intercept=False, max_iter=2000)
    model.fit(differences * signs[:, None], (signs > 0).astype(int))
    return LinearCombiner(FEATURES if stacked.shape[1] == len(FEATURES) else tuple(map(str, range(stacked.shape[1]))),
                          mean, scale, model.coef_[0].copy())
