"""Paired comparisons of two methods scored on the same held-out rows.

A method "beats" another only when the 95% bootstrap interval of the mean per-row difference lies
above zero: with 64 rows, one request moves a constraint F1 by up to 0.016 and a ranking NDCG by
up to 0.016, so a bare difference of means says little. Rows are resampled with their pairing kept
(scipy.stats.bootstrap on the per-row differences, percentile interval: BCa is undefined when every
difference is equal, e.g. two methods that agree on every row).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Mapping, Sequence

import numpy as np

RESAMPLES = 5_000
CONFIDENCE = 0.95


@dataclass(frozen=True)
class PairedDifference:
    metric: str
    method: str
    baseline: str
    rows: int
    mean_difference: float          # method minus baseline, averaged over the rows
    ci95_low: float
    ci95_high: float

    @property
    def verdict(self) -> str:
        if self.ci95_low > 0:
            return "better"
        if self.ci95_high < 0:
            return "worse"
        return "no clear difference"

    def as_dict(self) -> dict:
        return {**asdict(self), "verdict": self.verdict}


def paired_difference(values: Sequence[float], baseline_values: Sequence[float], *, metric: str = "",
                      method: str = "", baseline: str = "", seed: int = 0) -> PairedDifference:
    """Mean of `values - baseline_values` (row by row) with its 95% bootstrap interval."""
    from scipy.stats import bootstrap

    if len(values) != len(baseline_values):
        raise ValueError(f"paired rows differ in number: {len(values)} vs {len(baseline_values)}")
    if not values:
        raise ValueError("no rows to compare")
    differences = np.asarray(values, dtype=float) - np.asarray(baseline_values, dtype=float)
    if len(differences) == 1:
        low = high = float(differences[0])
    else:
        interval = bootstrap((differences,), np.mean, n_resamples=RESAMPLES, confidence_level=CONFIDENCE,
                             method="percentile", rng=np.random.default_rng(seed)).confidence_interval
        low, high = float(interval.low), float(interval.high)
    return PairedDifference(metric, method, baseline, len(differences), float(differences.mean()), low, high)


def compare_methods(per_row: Mapping[str, Mapping[str, Sequence[float]]],
                    pairs: Sequence[tuple[str, str]]) -> list[PairedDifference]:
    """For each (method, baseline) pair, every metric both were scored on over the same rows."""
    compared = []
    for method, baseline in pairs:
        if method not in per_row or baseline not in per_row:
            continue
        for metric, values in per_row[method].items():
            baseline_values = per_row[baseline].get(metric)
            if baseline_values is not None and len(baseline_values) == len(values) and values:
                compared.append(paired_difference(values, baseline_values, metric=metric, method=method,
                                                  baseline=baseline))
    return compared
