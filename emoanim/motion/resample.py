"""Resampling animation curves in time: one rule for every stage that changes a frame rate (learned animators running
at their model's rate, training targets, comparisons)."""
from __future__ import annotations

import numpy as np


def resample(values: np.ndarray, fps_from: float, fps_to: float, frames: int | None = None) -> np.ndarray:
    """``(T, C)`` (or ``(T,)``) sampled at ``fps_from`` -> the same signal at ``fps_to``, linear interpolation.

    ``frames`` sets the output length (default: the same duration, ``round(T * fps_to / fps_from)``); times past
    the last input frame hold its value. Linear, not band-limited: animation curves are smooth at 24-60 fps and
    a sinc resampler would ring on the sharp lip closures we measure.
    """
    x = np.asarray(values, np.float64)
    if fps_from <= 0 or fps_to <= 0:
        raise ValueError(f"resample: frame rates must be positive, got {fps_from} and {fps_to}")
    if len(x) == 0:
        raise ValueError("resample: no frames")
    count = frames if frames is not None else max(1, int(round(len(x) * fps_to / fps_from)))
    source = np.arange(len(x)) / fps_from
    target = np.arange(count) / fps_to
    if x.ndim == 1:
        return np.interp(target, source, x)
    return np.stack([np.interp(target, source, column) for column in x.T], axis=1)
