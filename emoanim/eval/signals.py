"""Time-series primitives every comparison shares: Pearson r and the best lag between two signals (resampling is
`emoanim.motion.resample`).

All functions take frame-sampled float arrays and return plain numbers or arrays; none knows about rigs or audio.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MIN_STD = 1e-9  # a signal with less spread than this is constant: its correlation is undefined (NaN)


@dataclass(frozen=True)
class Lag:
    """The shift that best lines two signals up: ``frames`` > 0 means the second signal comes *later*."""

    frames: int
    r: float  # Pearson r at that shift (NaN when no shift had two varying overlaps)

    def ms(self, fps: float) -> float:
        return 1000.0 * self.frames / fps


def pearson(a: np.ndarray, b: np.ndarray) -> float:
    """Pearson r of two ``(T,)`` signals; NaN when either is constant (r is undefined there, not 0)."""
    a = np.asarray(a, np.float64).ravel()
    b = np.asarray(b, np.float64).ravel()
    if a.shape != b.shape:
        raise ValueError(f"pearson: shapes differ, {a.shape} vs {b.shape}")
    a = a - a.mean()
    b = b - b.mean()
    sa, sb = np.sqrt(np.mean(a * a)), np.sqrt(np.mean(b * b))
    if len(a) < 2 or sa < MIN_STD or sb < MIN_STD:
        return float("nan")
    return float(np.clip(np.mean(a * b) / (sa * sb), -1.0, 1.0))


def best_lag(reference: np.ndarray, delayed: np.ndarray, max_lag: int) -> Lag:
    """The lag in ``[-max_lag, max_lag]`` frames at which ``delayed`` correlates best with ``reference``.

    Positive: ``delayed[t + lag]`` follows ``reference[t]``, i.e. ``delayed`` lags behind. Both are ``(T,)``; each
    lag is scored on the overlap only (no wrap-around, no zero padding), so edge effects cannot pull the peak.
    """
    x = np.asarray(reference, np.float64).ravel()
    y = np.asarray(delayed, np.float64).ravel()
    if x.shape != y.shape:
        raise ValueError(f"best_lag: lengths differ, {x.shape} vs {y.shape}")
    limit = max(0, min(int(max_lag), len(x) - 2))
    best = Lag(0, float("nan"))
    for lag in range(-limit, limit + 1):
        r = pearson(x[: len(x) - lag], y[lag:]) if lag >= 0 else pearson(x[-lag:], y[: len(y) + lag])
        # Ties go to the smaller |lag|: the loop runs outwards from the most negative, so compare strictly and
        # prefer a smaller shift on equal r.
        if np.isfinite(r) and (not np.isfinite(best.r) or r > best.r + 1e-12
                               or (abs(r - best.r) <= 1e-12 and abs(lag) < abs(best.frames))):
            best = Lag(lag, r)
    return best
