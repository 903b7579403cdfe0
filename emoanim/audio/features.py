"""Frame-level audio features sampled at the animation frame rate."""
from __future__ import annotations

import numpy as np

from emoanim.audio.types import Audio

SILENCE_FLOOR_DB = -60.0  # dBFS treated as silence; quieter frames clip here


def frame_rms_db(audio: Audio, fps: float, frames: int, window_seconds: float = 0.03) -> np.ndarray:
    """``(frames,)`` RMS level in dBFS around each frame time, floored at `SILENCE_FLOOR_DB`.

    A 30 ms window is about one pitch period of low voices plus margin, short enough to follow syllables.
    """
    samples = audio.samples.astype(np.float64)
    half = max(1, int(round(window_seconds * audio.sample_rate / 2)))
    # Cumulative sum of squares makes every window O(1), so a 10-minute clip costs one pass.
    energy = np.concatenate([[0.0], np.cumsum(samples * samples)])
    centres = np.round(np.arange(frames) / fps * audio.sample_rate).astype(np.int64)
    lo = np.clip(centres - half, 0, len(samples))
    hi = np.clip(centres + half, 0, len(samples))
    width = np.maximum(hi - lo, 1)
    rms = np.sqrt(np.maximum((energy[hi] - energy[lo]) / width, 0.0))
    db = 20.0 * np.log10(np.maximum(rms, 1e-12))
    return np.maximum(db, SILENCE_FLOOR_DB).astype(np.float32)
