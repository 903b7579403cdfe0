"""Frame labels the critics train on (see `emoanim.models.critics`):

- `viseme_frames`: per frame, the index in `VISEMES` of the viseme being spoken (from the exact phones), or
  `UNKNOWN` where there are no phones (FACEGOOD's real animation carries none);
- `emotion_target`: per window, the emotion the window was labelled with, as a distribution over the 8 classes
  (the mean of its per-frame `EmotionTrack` weights: "happy:0.5" is half happy, half neutral).
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from emoanim.animators.phonetic.coarticulation import normalise_label
from emoanim.animators.phonetic.visemes import PHONE_VISEMES, VISEMES
from emoanim.phonetics.types import Phone

UNKNOWN = -1  # frame label ignored by the losses
SILENT_VISEME = VISEMES.index("sil")
# HH has no mouth shape of its own (it takes the next vowel's), so its frames are left unlabelled
_PHONE_INDEX = {phone: VISEMES.index(targets[0]) for phone, targets in PHONE_VISEMES.items() if targets}


def viseme_frames(phones: Sequence[Phone] | None, fps: float, frames: int) -> np.ndarray:
    """``(frames,)`` int64 viseme indices: each frame takes the phone whose span holds its time (a diphthong's
    first viseme); frames outside every phone are silent; ``phones=None`` -> all `UNKNOWN`."""
    labels = np.full(frames, UNKNOWN if phones is None else SILENT_VISEME, np.int64)
    if phones is None:
        return labels
    times = np.arange(frames) / fps
    for phone in phones:
        index = _PHONE_INDEX.get(normalise_label(phone.label), UNKNOWN)
        labels[(times >= phone.start) & (times < phone.end)] = index
    return labels


def emotion_target(weights: np.ndarray) -> np.ndarray:
    """``(W, 8)`` per-frame emotion weights -> ``(8,)`` the window's class distribution."""
    mean = weights.mean(axis=0)
    return (mean / max(float(mean.sum()), 1e-9)).astype(np.float32)


__all__ = ["UNKNOWN", "emotion_target", "viseme_frames"]
