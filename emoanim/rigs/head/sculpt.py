"""The head's shape as an implicit field: a smooth union of ellipsoids (skull, face, jaw, nose, brows, cheeks, lips,
ears, neck) with the eye sockets carved out and closed-lid spheres put back over the eyes.

Proportions are those of an average adult (the head 15 cm wide, 19-20 cm deep, 23 cm from crown to chin; eyes
6.2 cm apart at mid-height; mouth a third of the way from the nose to the chin), written in metres in the frame of
model.py. The field is a signed-distance approximation: negative inside, positive outside, about metres near the
surface, which is all the ray caster in skin.py needs.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

EYE_RADIUS = 0.0120  # adult eyeball, 24 mm across (Bekerman et al. 2014, J. Ophthalmology: 23.5-24 mm)
LID_GAP = 0.0018  # eyelid thickness over the eyeball
EYE_CENTERS = np.array([[0.031, 0.0, 0.066], [-0.031, 0.0, 0.066]])  # left (+x), right
LID_RADIUS = EYE_RADIUS + LID_GAP
MOUTH_Y = -0.068  # height of the lip line at the midline
JAW_PIVOT = np.array([0.0, -0.022, 0.002])  # temporomandibular joints, just in front of the ears
NECK_PIVOT = np.array([0.0, -0.095, -0.025])  # top of the cervical spine, below and behind the head's centre


@dataclass(frozen=True)
class Ellipsoid:
    center: tuple[float, float, float]
    radii: tuple[float, float, float]
    tilt_deg: float = 0.0  # about +x: positive tips the front (+z) end down
    mirrored: bool = False  # also place its mirror image at -x

    def distance(self, points: np.ndarray) -> np.ndarray:
        """Approximate signed distance ``(N,)`` of ``points`` ``(N, 3)``; the union of both sides when mirrored."""
        d = self._one(points, np.array(self.center))
        if self.mirrored:
            d = np.minimum(d, self._one(points, np.array(self.center) * [-1, 1, 1]))
        return d

    def _one(self, points: np.ndarray, center: np.ndarray) -> np.ndarray:
        local = points - center
        if self.tilt_deg:
            a = np.radians(self.tilt_deg)
            y, z = local[:, 1].copy(), local[:, 2].copy()
            local[:, 1], local[:, 2] = y * np.cos(a) + z * np.sin(a), -y * np.sin(a) + z * np.cos(a)
        radii = np.array(self.radii)
        k0 = np.linalg.norm(local / radii, axis=1)
        k1 = np.linalg.norm(local / radii**2, axis=1)
        # Inigo Quilez's ellipsoid bound: exact on the surface, a fair distance near it.
        return np.where(k1 > 0, k0 * (k0 - 1.0) / np.maximum(k1, 1e-12), -min(self.radii))


def smooth_union(a: np.ndarray, b: np.ndarray, k: float) -> np.ndarray:
    """Polynomial smooth minimum: blends the two surfaces over about ``k`` metres (a fillet, not a crease)."""
    h = np.clip(0.5 + 0.5 * (b - a) / k, 0.0, 1.0)
    return b * (1 - h) + a * h - k * h * (1 - h)


def smooth_subtract(a: np.ndarray, b: np.ndarray, k: float) -> np.ndarray:
    """``a`` with ``b`` carved out, filleted over about ``k`` metres."""
    return -smooth_union(-a, b, k)


# (primitive, blend width in metres). Order matters only through the blends.
SKULL = Ellipsoid((0.0, 0.012, -0.008), (0.074, 0.104, 0.099))
FACE = [
    (Ellipsoid((0.0, -0.052, 0.018), (0.061, 0.062, 0.072), tilt_deg=18.0), 0.025),  # cheeks and jaw mass
    (Ellipsoid((0.0, -0.104, 0.062), (0.024, 0.017, 0.018)), 0.018),  # chin
    (Ellipsoid((0.0, -0.003, 0.078), (0.009, 0.030, 0.016), tilt_deg=-22.0), 0.010),  # nose bridge
    (Ellipsoid((0.0, -0.035, 0.098), (0.011, 0.010, 0.011)), 0.008),  # nose tip
    (Ellipsoid((0.0125, -0.038, 0.087, ), (0.0075, 0.007, 0.009), mirrored=True), 0.006),  # nostril wings
    (Ellipsoid((0.030, 0.020, 0.079), (0.024, 0.008, 0.011), mirrored=True), 0.012),  # brow ridges
    (Ellipsoid((0.043, -0.022, 0.060), (0.022, 0.016, 0.020), mirrored=True), 0.015),  # cheekbones
    (Ellipsoid((0.0, -0.0615, 0.082), (0.024, 0.0075, 0.011)), 0.006),  # upper lip
    (Ellipsoid((0.0, -0.0755, 0.080), (0.021, 0.0080, 0.011)), 0.006),  # lower lip
    (Ellipsoid((0.074, -0.008, -0.012), (0.010, 0.028, 0.016), mirrored=True), 0.008),  # ears
    (Ellipsoid((0.0, -0.150, -0.022), (0.050, 0.090, 0.048)), 0.030),  # neck
]
EYE_SOCKET = Ellipsoid((0.031, 0.001, 0.075), (0.019, 0.014, 0.016), mirrored=True)
LIDS = Ellipsoid(tuple(EYE_CENTERS[0]), (LID_RADIUS,) * 3, mirrored=True)
# The fold of skin between the upper lid and the brow. Without it the brow ridge overhangs the socket, rays from
# skin.py's origin skip the hidden part, and the mesh there came out stair-stepped.
LID_FOLD = Ellipsoid((0.031, 0.010, 0.072), (0.019, 0.009, 0.012), mirrored=True)


def head_field(points: np.ndarray) -> np.ndarray:
    """Signed distance ``(N,)`` to the closed-eyed, closed-mouthed head at ``points`` ``(N, 3)`` metres."""
    field = SKULL.distance(points)
    for primitive, blend in FACE:
        field = smooth_union(field, primitive.distance(points), blend)
    field = smooth_subtract(field, EYE_SOCKET.distance(points), 0.004)
    field = smooth_union(field, LIDS.distance(points), 0.003)
    return smooth_union(field, LID_FOLD.distance(points), 0.004)


def cast_rays(origin: np.ndarray, directions: np.ndarray, reach: float = 0.26, step: float = 0.0015) -> np.ndarray:
    """``(N,)`` distance along each unit ray ``(N, 3)`` from ``origin`` to the outermost surface of the head.

    March inwards from ``reach`` until inside, then bisect: the outermost crossing is the skin.
    """
    n = len(directions)
    outside = np.full(n, reach)
    inside = np.full(n, np.nan)
    for t in np.arange(reach, 0.0, -step):
        todo = np.isnan(inside)
        if not todo.any():
            break
        hit = head_field(origin + directions[todo] * t) < 0
        index = np.flatnonzero(todo)
        inside[index[hit]] = t
        outside[index[~hit]] = t
    if np.isnan(inside).any():
        raise RuntimeError("a ray from the head's centre never entered the head: the sculpt is broken")
    for _ in range(24):
        middle = 0.5 * (inside + outside)
        hit = head_field(origin + directions * middle[:, None]) < 0
        inside = np.where(hit, middle, inside)
        outside = np.where(hit, outside, middle)
    return 0.5 * (inside + outside)
