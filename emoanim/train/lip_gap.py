"""The landmarks rig's inner lip gap as a differentiable function of ARKit weights, for training losses.

`emoanim.eval.landmark_lipsync` judges a closure on the default head: the distance between the inner lip points
62 and 66, over the outer inter-ocular distance (points 36-45), must reach `CLOSED_GAP`. The head's skin is linear
in the clipped weights (`DefaultHead.skin_points`: ``neutral + clip(w, 0, 1) @ deltas``; head pose is rigid and
changes no distance), so the same gap is a few dot products of the motion, and a loss can aim at exactly what the
metric measures. The ARKit proxy (`emoanim.eval.lipsync.lip_aperture`) leaves out shapes that part the lips on a
head without opening the jaw (mouthFunnel, mouthShrugUpper, mouthRollLower): a closure can pass on the curves and
fail on the face.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
import torch

from emoanim.eval.landmark_lipsync import LOWER_LIP_INNER, OUTER_EYE_CORNERS, UPPER_LIP_INNER
from emoanim.motion.channels import ARKIT_INDEX, ARKIT_NAMES

_POINTS = (UPPER_LIP_INNER, LOWER_LIP_INNER, *OUTER_EYE_CORNERS)


@lru_cache(maxsize=1)
def _head_points() -> tuple[np.ndarray, np.ndarray]:
    """Neutral ``(4, 3)`` and deltas ``(52, 4, 3)`` of the skin at points 62, 66, 36, 45 of the default head."""
    from emoanim.rigs.head import load_default_head

    head = load_default_head()
    rows = head.landmarks68[list(_POINTS)]  # landmark indices are rows of the skin part
    neutral = head.part("skin").vertices[rows]
    deltas = np.stack([head.shape_delta(name)[rows] for name in ARKIT_NAMES])
    return np.asarray(neutral, np.float64), np.asarray(deltas, np.float64)


def inner_lip_gap(motion: torch.Tensor) -> torch.Tensor:
    """``(B, T, 52)`` ARKit weights -> ``(B, T)`` inner lip gap of the default head in inter-ocular units, as
    `emoanim.eval.landmark_lipsync.performance_mouth` measures it (without gaze, which moves no lip point)."""
    if motion.shape[-1] != len(ARKIT_NAMES):
        raise ValueError(f"inner_lip_gap needs ARKit-52 motion, got {motion.shape[-1]} channels")
    neutral, deltas = _head_points()
    neutral_t = torch.as_tensor(neutral, dtype=motion.dtype, device=motion.device)
    deltas_t = torch.as_tensor(deltas, dtype=motion.dtype, device=motion.device)
    points = neutral_t + torch.einsum("btc,cpx->btpx", motion.clamp(0.0, 1.0), deltas_t)
    lips = points[..., 0, :] - points[..., 1, :]
    eyes = points[..., 2, :] - points[..., 3, :]
    # sqrt(x + eps): the gap of a sealed mouth is 0, where a plain norm's gradient is undefined
    return torch.sqrt((lips ** 2).sum(-1) + 1e-12) / torch.sqrt((eyes ** 2).sum(-1))


@lru_cache(maxsize=1)
def gap_per_jaw_unit() -> float:
    """The inner gap (IOD) one unit of jawOpen makes: converts IOD margins to the ARKit hinges' jaw units."""
    neutral, deltas = _head_points()
    jaw = deltas[ARKIT_INDEX["jawOpen"]]
    return float(np.linalg.norm(jaw[0] - jaw[1]) / np.linalg.norm(neutral[2] - neutral[3]))
