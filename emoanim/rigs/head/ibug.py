"""Which skin vertices are the 68 iBUG landmarks and the dense set.

The iBUG 300-W 68-point layout (Sagonas et al. 2013, "300 Faces in-the-Wild Challenge") is defined on a frontal
image, with the subject's right on the image's left: 0-16 the jaw outline from the right ear to the left, 17-21 the
right brow (outer to inner), 22-26 the left brow (inner to outer), 27-30 the nose ridge down to the tip, 31-35 the
nostrils' lower edge right to left, 36-41 the right eye and 42-47 the left eye (each clockwise in the image from
the corner nearest the image's left), 48-59 the outer lip contour and 60-67 the inner one (clockwise from the right
corner). Here the subject's right is -x. Jaw points sit on the face's frontal silhouette; the inner lip and lid
points sit on the slit edges, so they part when the mouth or eyes open.
"""
from __future__ import annotations

import numpy as np

from emoanim.rigs.head.sculpt import MOUTH_Y
from emoanim.rigs.head.skin import KIND_SURFACE, Skin

CHIN_BOTTOM = -0.123  # metres: the sculpt's chin ends at about -0.121
DENSE_ROW_STEP, DENSE_COL_STEP = 3, 3  # every other grid row and column over the face


def _front_vertex(skin: Skin, x: float, y: float, radius: float = 0.003) -> int:
    """The surface vertex nearest (x, y) in the frontal view, taking the front-most among close candidates."""
    p = skin.vertices
    candidates = np.flatnonzero((skin.kind == KIND_SURFACE) & (p[:, 2] > 0.02))
    d = np.hypot(p[candidates, 0] - x, p[candidates, 1] - y)
    close = candidates[d <= max(d.min() * 1.5, radius)]
    return int(close[np.argmax(p[close, 2])])


def _silhouette_vertex(skin: Skin, angle_deg: float, center=(0.0, -0.028)) -> int:
    """The frontal-silhouette vertex in direction ``angle_deg`` (0 = straight down, + towards +x)."""
    p = skin.vertices
    # Above the chin's underside: below it the frontal outline would run down the neck.
    candidates = np.flatnonzero((skin.kind == KIND_SURFACE) & (p[:, 2] > 0.012) & (p[:, 1] > CHIN_BOTTOM))
    offset = p[candidates, :2] - np.array(center)
    a = np.radians(angle_deg)
    direction = np.array([np.sin(a), -np.cos(a)])
    along = offset @ direction
    across = np.abs(offset @ np.array([-direction[1], direction[0]]))
    score = along - 4.0 * across  # far along the direction, close to its line
    return int(candidates[np.argmax(score)])


def _slit(skin: Skin, row: int, lo_deg: float, hi_deg: float) -> tuple[np.ndarray, np.ndarray]:
    """The upper and lower edge vertices of the slit on ``row`` between azimuths ``lo_deg`` and ``hi_deg``."""
    columns = sorted(j for (r, j) in skin.lower_copy if r == row and lo_deg <= skin.cols_deg[j] <= hi_deg)
    j0, j1 = columns[0] - 1, columns[-1] + 1
    upper = np.array([skin.grid[row, j] for j in range(j0, j1 + 1)])
    lower = np.array([skin.lower_copy.get((row, j), skin.grid[row, j]) for j in range(j0, j1 + 1)])
    return upper, lower


def _at(edge: np.ndarray, fraction: float) -> int:
    return int(edge[int(round(fraction * (len(edge) - 1)))])


def landmarks68(skin: Skin) -> np.ndarray:
    """``(68,)`` skin vertex indices in iBUG order."""
    points: list[int] = [_silhouette_vertex(skin, a) for a in np.linspace(-102.0, 102.0, 17)]
    brow_x = [0.052, 0.043, 0.033, 0.023, 0.014]
    brow_y = [0.0205, 0.0255, 0.0275, 0.0265, 0.0235]
    points += [_front_vertex(skin, -x, y) for x, y in zip(brow_x, brow_y)]
    points += [_front_vertex(skin, x, y) for x, y in zip(brow_x[::-1], brow_y[::-1])]
    points += [_front_vertex(skin, 0.0, y) for y in (0.004, -0.009, -0.022, -0.035)]
    points += [_front_vertex(skin, x, y, radius=0.0012) for x, y in ((-0.010, -0.0425), (-0.005, -0.045),
                                                                     (0.0, -0.046), (0.005, -0.045), (0.010, -0.0425))]
    right_up, right_low = _slit(skin, skin.eye_row, -90, 0)  # ordered by azimuth: outer corner (-x) first
    points += [_at(right_up, f) for f in (0, 1 / 3, 2 / 3, 1)] + [_at(right_low, f) for f in (2 / 3, 1 / 3)]
    left_up, left_low = _slit(skin, skin.eye_row, 0, 90)  # inner corner first
    points += [_at(left_up, f) for f in (0, 1 / 3, 2 / 3, 1)] + [_at(left_low, f) for f in (2 / 3, 1 / 3)]
    mouth_up, mouth_low = _slit(skin, skin.mouth_row, -90, 90)
    points.append(_at(mouth_up, 0))
    points += [_front_vertex(skin, x, MOUTH_Y + dy) for x, dy in ((-0.016, 0.0060), (-0.007, 0.0085),
                                                                   (0.0, 0.0075), (0.007, 0.0085), (0.016, 0.0060))]
    points.append(_at(mouth_up, 1))
    points += [_front_vertex(skin, x, MOUTH_Y - dy) for x, dy in ((0.016, 0.0080), (0.008, 0.0105), (0.0, 0.0110),
                                                                   (-0.008, 0.0105), (-0.016, 0.0080))]
    points.append(_at(mouth_up, 0.06))
    points += [_at(mouth_up, f) for f in (0.3, 0.5, 0.7)]
    points.append(_at(mouth_up, 0.94))
    points += [_at(mouth_low, f) for f in (0.7, 0.5, 0.3)]
    result = np.array(points, dtype=np.int64)
    assert len(result) == 68
    return result


def dense_landmarks(skin: Skin) -> np.ndarray:
    """``(K,)`` skin vertex indices: a regular subsample of the face's grid (brows to chin, ear to ear), with both
    edges of every slit so that the set shows the mouth and eyes opening."""
    p = skin.vertices
    chosen = []
    for r in range(0, skin.grid.shape[0], DENSE_ROW_STEP):
        for j in range(0, skin.grid.shape[1], DENSE_COL_STEP):
            v = skin.grid[r, j]
            if p[v, 2] > 0.02 and -0.13 < p[v, 1] < 0.05 and abs(p[v, 0]) < 0.068:
                chosen.append(v)
    for (r, j), v in skin.lower_copy.items():
        chosen += [skin.grid[r, j], v]
    return np.unique(np.array(chosen, dtype=np.int64))
