"""Errors between two vertex (or landmark) sequences, as the speech-driven 3D face papers define them.

Both sequences are ``(T, V, 3)`` in the same units and frame; results keep those units (squared where stated).

- LVE, lip vertex error (Richard et al. 2021, MeshTalk, ICCV; used by Fan et al. 2022, FaceFormer, CVPR, and Xing
  et al. 2023, CodeTalker, CVPR): per frame, the largest error over the lip vertices; averaged over frames. Their
  released evaluation code takes the *squared* L2 error, which is how their tables report it (e.g. "4.1e-5" in
  FLAME metres²); `lve` returns that and `lve_distance` the plain-distance version, easier to read in mm.
- MVE, mean vertex error: the L2 error averaged over every given vertex and frame (the whole-face counterpart that
  later papers report next to LVE, e.g. Stan et al. 2023, FaceDiffuser).
- FDD, upper-face dynamics deviation (CodeTalker): per upper-face vertex, the standard deviation over time of its
  squared displacement from the neutral template; FDD is the mean over those vertices of (ground truth's − the
  prediction's). Positive: the prediction's upper face moves less than the truth's; 0 is best.
"""
from __future__ import annotations

import numpy as np


def _pair(pred: np.ndarray, truth: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    p = np.asarray(pred, np.float64)
    g = np.asarray(truth, np.float64)
    if p.shape != g.shape or p.ndim != 3 or p.shape[2] != 3 or len(p) == 0:
        raise ValueError(f"vertex sequences must both be (T, V, 3) with T >= 1, got {p.shape} and {g.shape}")
    return p, g


def lve(pred: np.ndarray, truth: np.ndarray, lips: np.ndarray) -> float:
    """Mean over frames of the max over ``lips`` (indices) of the squared L2 error (units²), as MeshTalk et al."""
    p, g = _pair(pred, truth)
    squared = np.sum((p[:, lips] - g[:, lips]) ** 2, axis=2)  # (T, L)
    return float(squared.max(axis=1).mean())


def lve_distance(pred: np.ndarray, truth: np.ndarray, lips: np.ndarray) -> float:
    """Mean over frames of the max over ``lips`` of the L2 error (units, not squared)."""
    p, g = _pair(pred, truth)
    return float(np.linalg.norm(p[:, lips] - g[:, lips], axis=2).max(axis=1).mean())


def mve(pred: np.ndarray, truth: np.ndarray) -> float:
    """Mean over frames and vertices of the L2 error (units)."""
    p, g = _pair(pred, truth)
    return float(np.linalg.norm(p - g, axis=2).mean())


def fdd(pred: np.ndarray, truth: np.ndarray, template: np.ndarray, upper: np.ndarray) -> float:
    """CodeTalker's FDD over ``upper`` (indices), with the neutral ``template`` ``(V, 3)`` (units²)."""
    p, g = _pair(pred, truth)
    rest = np.asarray(template, np.float64)
    if rest.shape != p.shape[1:]:
        raise ValueError(f"template must be {p.shape[1:]}, got {rest.shape}")

    def dynamics(x: np.ndarray) -> np.ndarray:
        return np.sum((x[:, upper] - rest[upper]) ** 2, axis=2).std(axis=0)  # (U,)

    return float(np.mean(dynamics(g) - dynamics(p)))
