"""Fit the default head's landmarks to a photo's 68 points, then drive them with a `Performance`.

Camera: orthographic with a scale (weak perspective), the usual choice for a single portrait where the face's depth
is small against the camera distance. The head's frame (metres, +x the character's left, +y up; see
emoanim/rigs/head/model.py) maps to pixels as ``p = s * Q @ (x, -y) + t`` with ``Q`` an in-plane rotation: a 2D
similarity found by least squares (Umeyama 1991, "Least-squares estimation of transformation parameters between
two point patterns").

Identity: whatever the similarity leaves over (this person's face is not the default head's) is kept as a
per-point offset in the head frame, lifted to 3D with z = 0 and carried by the head pose. So frame t is
``project(rig point at t + R_t @ offset)``: the rig's own motion (expression, gaze, head pose) applied to the
photo's face, and the neutral frame lands exactly on the photo's landmarks.

Control points: the 68 iBUG landmarks plus forehead and temple points of the default head, so the brow-to-hairline
skin follows the head when it turns; their offsets are borrowed from the nearest brow or jaw landmark.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from emoanim.motion.performance import Performance
from emoanim.rigs.head import load_default_head
from emoanim.rigs.head.model import CM_PER_M, rotation_matrices

LANDMARK_COUNT = 68
RIGHT_EYE, LEFT_EYE = slice(36, 42), slice(42, 48)  # iBUG: the subject's right eye (image left) first
INNER_LIPS = slice(60, 68)
OUTER_LIPS = slice(48, 60)
# (x, y) metres on the default head, front-most skin vertex taken: forehead rows and temples.
EXTRA_POINTS_XY = (
    (-0.045, 0.050), (-0.022, 0.055), (0.0, 0.056), (0.022, 0.055), (0.045, 0.050),
    (-0.040, 0.078), (0.0, 0.084), (0.040, 0.078), (-0.064, 0.032), (0.064, 0.032),
)
# Which landmark lends each extra point its identity offset (brows for the forehead, brow ends for the temples).
EXTRA_OFFSET_FROM = (17, 19, 21, 24, 26, 18, 27, 25, 0, 16)
# iBUG right eye is the head's eye_right (index 1 in DefaultHead.eye_centers, which lists left, right).
HEAD_EYE_OF_IBUG_EYE = (1, 0)
GAZE_RAY = 0.05  # metres: the length of the drawn gaze rays, about two eye widths


@dataclass(frozen=True)
class PortraitFit:
    """The default head fitted to one photo.

    scale: pixels per metre; rotation ``(2, 2)`` in-plane; translation ``(2,)`` pixels.
    indices ``(K,)``: skin vertices of the control points (68 landmarks first, then the extra points).
    offsets ``(K, 3)``: identity offsets in the head frame (metres). source ``(K, 2)``: the control points in the
    photo (the first 68 are the photo's landmarks exactly). iris_offsets ``(2, 3)`` and iris_source ``(2, 2)``: the
    same for each iris centre (iBUG right eye first). eyeball_radius: metres, from the head's eye mesh.
    """

    scale: float
    rotation: np.ndarray
    translation: np.ndarray
    indices: np.ndarray
    offsets: np.ndarray
    source: np.ndarray
    iris_offsets: np.ndarray
    iris_source: np.ndarray
    eyeball_radius: float

    def project(self, points: np.ndarray) -> np.ndarray:
        """``(..., 3)`` head-frame metres -> ``(..., 2)`` photo pixels."""
        flat = np.stack([points[..., 0], -points[..., 1]], axis=-1)
        return self.scale * flat @ self.rotation.T + self.translation

    def unproject_offset(self, pixels: np.ndarray) -> np.ndarray:
        """``(..., 2)`` pixel displacements -> ``(..., 3)`` head-frame displacements with z = 0."""
        flat = pixels @ self.rotation / self.scale
        return np.stack([flat[..., 0], -flat[..., 1], np.zeros_like(flat[..., 0])], axis=-1)


@dataclass(frozen=True)
class FaceMotion:
    """Where the photo's points go, frame by frame: points ``(T, K, 2)`` pixels (same order as
    `PortraitFit.source`), iris ``(T, 2, 2)`` iris centres in pixels (iBUG right eye first), gaze_tips ``(T, 2, 2)``
    the far end of each eye's gaze ray (`GAZE_RAY` metres long) in pixels."""

    points: np.ndarray
    iris: np.ndarray
    gaze_tips: np.ndarray

    @property
    def frames(self) -> int:
        return len(self.points)


def _front_vertex(vertices: np.ndarray, x: float, y: float) -> int:
    """The front-most skin vertex within 4 mm of (x, y) in the frontal view (or the nearest one)."""
    front = np.flatnonzero(vertices[:, 2] > 0.0)
    d = np.hypot(vertices[front, 0] - x, vertices[front, 1] - y)
    close = front[d <= max(d.min() * 1.5, 0.004)]
    return int(close[np.argmax(vertices[close, 2])])


@lru_cache(maxsize=1)
def control_indices() -> np.ndarray:
    """``(K,)`` skin vertex indices: the 68 landmarks, then `EXTRA_POINTS_XY`."""
    head = load_default_head()
    skin = head.part("skin").vertices
    extra = [_front_vertex(skin, x, y) for x, y in EXTRA_POINTS_XY]
    return np.concatenate([head.landmarks68, np.array(extra, np.int64)])


def similarity(model: np.ndarray, target: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """Least-squares ``target ≈ s * Q @ model + t`` for ``(N, 2)`` point sets (Umeyama 1991); Q a rotation."""
    mu_m, mu_t = model.mean(0), target.mean(0)
    m, t = model - mu_m, target - mu_t
    u, sigma, vt = np.linalg.svd(t.T @ m / len(model))
    d = np.diag([1.0, np.sign(np.linalg.det(u @ vt))])  # no reflections
    rotation = u @ d @ vt
    scale = float(np.trace(np.diag(sigma) @ d) / (m ** 2).sum(1).mean())
    return scale, rotation, mu_t - scale * rotation @ mu_m


def _neutral_points(indices: np.ndarray) -> np.ndarray:
    head = load_default_head()
    return head.skin_points(np.zeros(52), np.zeros(3), np.zeros(3), indices)[0]


def _iris_neutral(head) -> np.ndarray:
    """``(2, 3)`` front poles of the eyeballs looking ahead, iBUG right eye first."""
    radius = _eyeball_radius(head)
    return np.stack([head.eye_centers[e] + np.array([0.0, 0.0, radius]) for e in HEAD_EYE_OF_IBUG_EYE])


def _eyeball_radius(head) -> float:
    vertices = head.part("eye_left").vertices
    return float(vertices[:, 2].max() - head.eye_centers[0][2])


def eye_iris_guess(points68: np.ndarray) -> np.ndarray:
    """``(2, 2)`` iris centres when the detector gives none: the centroid of each eye's six points."""
    return np.stack([points68[RIGHT_EYE].mean(0), points68[LEFT_EYE].mean(0)])


def order_iris(iris: np.ndarray, points68: np.ndarray) -> np.ndarray:
    """``iris`` ``(2, 2)`` reordered so row 0 is the iBUG right eye (36-41), whichever order a detector used."""
    guess = eye_iris_guess(points68)
    straight = np.linalg.norm(iris - guess, axis=1).sum()
    swapped = np.linalg.norm(iris[::-1] - guess, axis=1).sum()
    return iris if straight <= swapped else iris[::-1]


def fit_portrait(points68: np.ndarray, iris: np.ndarray | None = None) -> PortraitFit:
    """Fit to a photo's ``(68, 2)`` iBUG landmarks (pixels) and optional ``(2, 2)`` iris centres."""
    points68 = np.asarray(points68, np.float64)
    if points68.shape != (LANDMARK_COUNT, 2) or not np.isfinite(points68).all():
        raise ValueError(f"expected (68, 2) finite landmarks, got {points68.shape}")
    head = load_default_head()
    indices = control_indices()
    neutral = _neutral_points(indices)
    flat = np.stack([neutral[:, 0], -neutral[:, 1]], axis=-1)
    scale, rotation, translation = similarity(flat[:LANDMARK_COUNT], points68)
    fit = PortraitFit(scale, rotation, translation, indices, np.zeros_like(neutral), np.zeros((len(indices), 2)),
                      np.zeros((2, 3)), np.zeros((2, 2)), _eyeball_radius(head))
    residual = points68 - fit.project(neutral[:LANDMARK_COUNT])
    residual = np.concatenate([residual, residual[list(EXTRA_OFFSET_FROM)]])
    offsets = fit.unproject_offset(residual)
    source = fit.project(neutral) + residual
    iris = eye_iris_guess(points68) if iris is None else order_iris(np.asarray(iris, np.float64), points68)
    iris_neutral = _iris_neutral(head)
    iris_offsets = fit.unproject_offset(iris - fit.project(iris_neutral))
    return PortraitFit(scale, rotation, translation, indices, offsets, source, iris_offsets, iris, fit.eyeball_radius)


def drive(fit: PortraitFit, performance: Performance) -> FaceMotion:
    """The fitted photo's control points and irises at every frame of ``performance``."""
    head = load_default_head()
    rig_points = head.skin_points(performance.expression, performance.head, performance.head_translation,
                                  fit.indices, gaze=performance.gaze)  # (T, K, 3), posed
    rotations = rotation_matrices(performance.head)  # (T, 3, 3)
    points = fit.project(rig_points + np.einsum("tij,kj->tki", rotations, fit.offsets))
    # Iris: the front pole of each eyeball, turned by gaze and head, plus the photo's own iris offset.
    directions = head.gaze_directions(performance.gaze, performance.head)  # (T, 2, 3) left, right
    centres = np.stack([head.eye_centers[e] for e in HEAD_EYE_OF_IBUG_EYE])  # (2, 3)
    placed = (centres[None] - head.neck_pivot) @ rotations.transpose(0, 2, 1) + head.neck_pivot
    placed = placed + np.asarray(performance.head_translation, np.float64)[:, None, :] / CM_PER_M
    poles = placed + fit.eyeball_radius * directions[:, list(HEAD_EYE_OF_IBUG_EYE)]
    iris_points = poles + np.einsum("tij,kj->tki", rotations, fit.iris_offsets)
    iris = fit.project(iris_points)
    tips = fit.project(iris_points + GAZE_RAY * directions[:, list(HEAD_EYE_OF_IBUG_EYE)])
    return FaceMotion(points=points.astype(np.float32), iris=iris.astype(np.float32),
                      gaze_tips=tips.astype(np.float32))
