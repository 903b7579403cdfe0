"""Per-frame weights from frame masks: a guarded event held at full weight, eased in and out over a few frames.

Used where one signal must win over another on some frames without a step at their edges: smoothing keeping the
animator's lip closures and blinks (`emoanim.motion.post.smoothing`), and the lip seal on bilabials
(`emoanim.motion.lip_seal`).
"""
from __future__ import annotations

import numpy as np


def taper(mask: np.ndarray, frames: int) -> np.ndarray:
    """``(T,)`` weight 1 on ``mask``'s frames, falling linearly to 0 over ``frames`` frames on each side."""
    weight = mask.astype(np.float64)
    length = len(weight)
    for shift in range(1, min(frames, length - 1) + 1):
        level = 1.0 - shift / (frames + 1)
        weight[shift:] = np.maximum(weight[shift:], mask[:-shift] * level)
        weight[:-shift] = np.maximum(weight[:-shift], mask[shift:] * level)
    return weight
