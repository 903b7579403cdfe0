"""The head's inner parts: eyeballs, upper and lower teeth, the mouth cavity and the tongue.

All are simple swept or latitude-longitude surfaces in the frame of model.py, placed relative to the sculpt's
eye centres and lip line (sculpt.py) so that a closed mouth hides them and an open one shows no hole.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from emoanim.rigs.head.sculpt import EYE_CENTERS, EYE_RADIUS, MOUTH_Y

SCLERA = np.array([238, 234, 226, 255])
IRIS = np.array([86, 112, 138, 255])
LIMBUS = np.array([52, 62, 74, 255])
PUPIL = np.array([12, 12, 14, 255])
TOOTH = np.array([240, 236, 222, 255])
TOOTH_GAP = np.array([196, 188, 170, 255])
GUM = np.array([196, 104, 110, 255])
CAVITY_FRONT = np.array([92, 36, 40, 255])
CAVITY_BACK = np.array([26, 10, 12, 255])
TONGUE = np.array([196, 96, 104, 255])

PUPIL_DEG, IRIS_DEG = 11.0, 29.0  # angular radii from the eye's axis: a 4.6 mm pupil, 11.6 mm iris
CORNEA_BULGE = 0.0009  # metres the cornea stands proud of the eyeball sphere

# Dental arch, metres: incisors' front surface, molars' half-width and depth behind the incisors.
UPPER_ARCH = (0.0785, 0.0250, 0.032)
LOWER_ARCH = (0.0748, 0.0222, 0.030)
TOOTH_COUNT = 14  # per arch; enough for the tooth gaps to read on a preview
CAVITY_CENTER = np.array([0.0, MOUTH_Y - 0.004, 0.040])
CAVITY_RADII = np.array([0.040, 0.030, 0.050])
CAVITY_RIM_Z = 0.078  # the cavity is open in front of this plane, behind the lips
TONGUE_CENTER = np.array([0.0, MOUTH_Y - 0.0125, 0.048])
TONGUE_RADII = np.array([0.020, 0.0065, 0.026])


@dataclass
class Mesh:
    vertices: np.ndarray  # (V, 3) metres
    faces: np.ndarray  # (F, 3) int32, counter-clockwise seen from the side meant to be seen
    colors: np.ndarray  # (V, 4) uint8


def _grid_faces(rows: int, cols: int, wrap: bool, flip: bool = False) -> np.ndarray:
    """Two triangles per cell of a ``rows x cols`` vertex grid (columns wrap around when ``wrap``)."""
    faces = []
    last = cols if wrap else cols - 1
    for r in range(rows - 1):
        for c in range(last):
            a, b = r * cols + c, r * cols + (c + 1) % cols
            d, e = a + cols, b + cols
            faces += [(a, e, b), (a, d, e)] if flip else [(a, b, e), (a, e, d)]
    return np.array(faces, dtype=np.int32)


def _colour_ramp(x: np.ndarray, stops: list[tuple[float, np.ndarray]]) -> np.ndarray:
    xs = np.array([s for s, _ in stops])
    table = np.array([c for _, c in stops], dtype=np.float64)
    return np.stack([np.interp(x, xs, table[:, k]) for k in range(4)], axis=1).round().astype(np.uint8)


def eyeball(eye: int) -> Mesh:
    """A sphere around ``EYE_CENTERS[eye]`` whose axis is +z: pupil, iris and sclera as vertex colours, with a
    cornea bulge. Rings are dense where the colours change so the iris edge stays round."""
    polar = np.concatenate([[0.5, 4, 8, 10, 11.5, 14, 18, 22, 26, 28, 29.5, 31, 34, 40], np.arange(50, 180, 10),
                            [179.5]])
    azimuth = np.radians(np.arange(0, 360, 10.0))
    p, a = np.meshgrid(np.radians(polar), azimuth, indexing="ij")
    bulge = CORNEA_BULGE * np.clip(np.cos(np.minimum(p / np.radians(32.0), 1.0) * np.pi / 2), 0, 1) ** 2
    radius = EYE_RADIUS + bulge
    local = np.stack([radius * np.sin(p) * np.cos(a), radius * np.sin(p) * np.sin(a), radius * np.cos(p)], -1)
    vertices = local.reshape(-1, 3)
    faces = _grid_faces(len(polar), len(azimuth), wrap=True, flip=True)
    front, back = len(vertices), len(vertices) + 1  # pole caps
    vertices = np.concatenate([vertices, [[0, 0, radius.max()], [0, 0, -EYE_RADIUS]]]) + EYE_CENTERS[eye]
    n = len(azimuth)
    caps = [(front, (c + 1) % n, c) for c in range(n)]
    last = (len(polar) - 1) * n
    caps += [(back, last + c, last + (c + 1) % n) for c in range(n)]
    faces = np.concatenate([faces, np.array(caps, dtype=np.int32)])
    angle = np.concatenate([np.repeat(polar, n), [0.0, 180.0]])
    colors = _colour_ramp(angle, [(PUPIL_DEG - 0.5, PUPIL), (PUPIL_DEG + 1.0, IRIS), (IRIS_DEG - 2.5, IRIS),
                                  (IRIS_DEG - 0.5, LIMBUS), (IRIS_DEG + 1.5, SCLERA)])
    return Mesh(vertices.astype(np.float32), faces, colors)


def teeth(upper: bool) -> Mesh:
    """A row of teeth swept along a dental arch: a band 2.5 mm thick, gums along its root edge."""
    front_z, half_width, depth = UPPER_ARCH if upper else LOWER_ARCH
    samples_per_tooth = 4
    s = np.linspace(-1.0, 1.0, TOOTH_COUNT * samples_per_tooth + 1)
    angle = s * np.radians(80.0)
    x = half_width * np.sin(angle) / np.sin(np.radians(80.0))
    z = front_z - depth * (1 - np.cos(angle)) / (1 - np.cos(np.radians(80.0)))
    tangent = np.stack([np.gradient(x), np.gradient(z)], 1)
    outward = np.stack([tangent[:, 1], -tangent[:, 0]], 1)  # to the lips' side of the arch
    outward /= np.linalg.norm(outward, axis=1, keepdims=True)
    if upper:  # root (gum) edge up; the biting edge overlaps the lower teeth (overbite)
        heights = [MOUTH_Y + 0.011, MOUTH_Y - 0.0030]
    else:
        heights = [MOUTH_Y - 0.012, MOUTH_Y + 0.0015]  # tips behind the upper teeth at rest
    thickness = 0.0025
    # Cross-section: outer root, outer edge, inner edge, inner root (a closed loop).
    section = [(0.0, heights[0]), (0.0, heights[1]), (-thickness, heights[1]), (-thickness, heights[0])]
    rings = []
    for offset, y in section:
        rings.append(np.stack([x + outward[:, 0] * offset, np.full_like(x, y), z + outward[:, 1] * offset], 1))
    vertices = np.stack(rings, 0).reshape(-1, 3)
    faces = _grid_faces(len(section), len(x), wrap=False, flip=not upper)
    n = len(x)
    ring_faces = []
    a, b = 3 * n, 0  # close the loop: inner root back to outer root
    for c in range(n - 1):
        ring_faces += [(a + c, b + c + 1, b + c), (a + c, a + c + 1, b + c + 1)] if upper else \
            [(a + c, b + c, b + c + 1), (a + c, b + c + 1, a + c + 1)]
    faces = np.concatenate([faces, np.array(ring_faces, dtype=np.int32)])
    gap = (np.arange(n) % samples_per_tooth == 0).astype(np.float64)
    tooth = TOOTH * (1 - gap[:, None]) + TOOTH_GAP * gap[:, None]
    root = np.array([0, 3])
    colors = np.tile(tooth, (len(section), 1))
    for ring in root:
        colors[ring * n:(ring + 1) * n] = GUM
    return Mesh(vertices.astype(np.float32), faces, np.round(colors).astype(np.uint8))


def mouth_cavity() -> Mesh:
    """The inside of the mouth: an ellipsoidal bag open towards the lips, faces turned inwards, dark at the back."""
    rim = np.arccos((CAVITY_CENTER[2] - CAVITY_RIM_Z) / CAVITY_RADII[2])
    polar = np.linspace(0.05, rim, 12)  # from the back (-z) forwards to the rim
    azimuth = np.radians(np.arange(0, 360, 12.0))
    p, a = np.meshgrid(polar, azimuth, indexing="ij")
    local = np.stack([np.sin(p) * np.cos(a), np.sin(p) * np.sin(a), -np.cos(p)], -1) * CAVITY_RADII
    vertices = np.concatenate([local.reshape(-1, 3), [[0, 0, -CAVITY_RADII[2]]]]) + CAVITY_CENTER
    n = len(azimuth)
    faces = _grid_faces(len(polar), n, wrap=True, flip=True)
    back = len(vertices) - 1
    faces = np.concatenate([faces, np.array([(back, (c + 1) % n, c) for c in range(n)], dtype=np.int32)])
    depth = np.clip((vertices[:, 2] - (CAVITY_CENTER[2] - CAVITY_RADII[2])) / (CAVITY_RIM_Z - CAVITY_CENTER[2]
                                                                               + CAVITY_RADII[2]), 0, 1)
    colors = _colour_ramp(depth, [(0.2, CAVITY_BACK), (1.0, CAVITY_FRONT)])
    return Mesh(vertices.astype(np.float32), faces, colors)


def tongue() -> Mesh:
    """A flattened ellipsoid lying on the floor of the mouth, its tip just behind the lower teeth."""
    polar = np.radians(np.linspace(4, 176, 18))  # from the tip (+z) backwards
    azimuth = np.radians(np.arange(0, 360, 15.0))
    p, a = np.meshgrid(polar, azimuth, indexing="ij")
    local = np.stack([np.sin(p) * np.cos(a), np.sin(p) * np.sin(a), np.cos(p)], -1) * TONGUE_RADII
    # A flat top and a rounder underside read better as a tongue than a plain ellipsoid.
    local[..., 1] = np.where(local[..., 1] > 0, local[..., 1] * 0.7, local[..., 1])
    vertices = np.concatenate([local.reshape(-1, 3), [[0, 0, TONGUE_RADII[2]], [0, 0, -TONGUE_RADII[2]]]])
    vertices += TONGUE_CENTER
    n = len(azimuth)
    faces = _grid_faces(len(polar), n, wrap=True, flip=True)
    tip, back = len(vertices) - 2, len(vertices) - 1
    last = (len(polar) - 1) * n
    caps = [(tip, (c + 1) % n, c) for c in range(n)] + [(back, last + c, last + (c + 1) % n) for c in range(n)]
    faces = np.concatenate([faces, np.array(caps, dtype=np.int32)])
    colors = np.tile(TONGUE, (len(vertices), 1)).astype(np.uint8)
    return Mesh(vertices.astype(np.float32), faces, colors)
