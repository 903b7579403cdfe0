"""Anti-aliased coverage masks for polygons, strokes and discs, computed with numpy over a small pixel window.

Coverage is ``clip(0.5 + signed distance in pixels, 0, 1)``: a one-pixel ramp across every edge, which is what a box
filter over a straight edge gives, and enough to keep painted mouths, lids and landmark strokes free of jaggies.
Every function works on a window (``y0, x0, height, width``) so the cost is proportional to the shape, not the frame.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Window:
    """A pixel window ``[y0, y0 + height) x [x0, x0 + width)`` clipped to an image; empty when height or width is 0."""

    y0: int
    x0: int
    height: int
    width: int

    @classmethod
    def around(cls, points: np.ndarray, pad: float, shape: tuple[int, int]) -> "Window":
        """The window holding ``points`` ``(N, 2)`` (x, y pixels) grown by ``pad`` pixels, clipped to ``shape``."""
        points = np.asarray(points, np.float64).reshape(-1, 2)
        x0 = int(np.clip(np.floor(points[:, 0].min() - pad), 0, shape[1]))
        x1 = int(np.clip(np.ceil(points[:, 0].max() + pad) + 1, 0, shape[1]))
        y0 = int(np.clip(np.floor(points[:, 1].min() - pad), 0, shape[0]))
        y1 = int(np.clip(np.ceil(points[:, 1].max() + pad) + 1, 0, shape[0]))
        return cls(y0, x0, max(0, y1 - y0), max(0, x1 - x0))

    @property
    def empty(self) -> bool:
        return self.height == 0 or self.width == 0

    @property
    def slices(self) -> tuple[slice, slice]:
        return slice(self.y0, self.y0 + self.height), slice(self.x0, self.x0 + self.width)

    def pixel_centres(self) -> tuple[np.ndarray, np.ndarray]:
        """``(h, w)`` x and y of the pixel centres (pixel (i, j) covers [j, j+1) x [i, i+1), centre j + 0.5)."""
        ys = np.arange(self.y0, self.y0 + self.height, dtype=np.float64) + 0.5
        xs = np.arange(self.x0, self.x0 + self.width, dtype=np.float64) + 0.5
        return np.meshgrid(xs, ys)


def _segment_distance(px: np.ndarray, py: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Distance from every pixel to the segment ``a``-``b``."""
    d = b - a
    length2 = float(d @ d)
    t = np.zeros_like(px) if length2 == 0 else np.clip(((px - a[0]) * d[0] + (py - a[1]) * d[1]) / length2, 0, 1)
    return np.hypot(px - (a[0] + t * d[0]), py - (a[1] + t * d[1]))


def inside_polygon(px: np.ndarray, py: np.ndarray, polygon: np.ndarray) -> np.ndarray:
    """Even-odd rule: which points (``px``, ``py``, any one shape) lie inside the closed ``polygon`` ``(N, 2)``."""
    inside = np.zeros(np.shape(px), bool)
    for a, b in zip(polygon, np.roll(polygon, -1, axis=0)):
        crosses = (a[1] > py) != (b[1] > py)
        with np.errstate(divide="ignore", invalid="ignore"):
            x_at = a[0] + (py - a[1]) * (b[0] - a[0]) / (b[1] - a[1])
        inside ^= crosses & (px < x_at)
    return inside


def polygon_signed_distance(polygon: np.ndarray, window: Window) -> np.ndarray:
    """``(h, w)`` signed distance (pixels, + inside) to the closed ``polygon`` ``(N, 2)`` (even-odd rule)."""
    px, py = window.pixel_centres()
    polygon = np.asarray(polygon, np.float64)
    distance = np.full(px.shape, np.inf)
    for a, b in zip(polygon, np.roll(polygon, -1, axis=0)):
        distance = np.minimum(distance, _segment_distance(px, py, a, b))
    return np.where(inside_polygon(px, py, polygon), distance, -distance)


def polygon_coverage(polygon: np.ndarray, window: Window) -> np.ndarray:
    """``(h, w)`` anti-aliased coverage in [0, 1] of the closed ``polygon`` ``(N, 2)`` (x, y pixels)."""
    return np.clip(0.5 + polygon_signed_distance(polygon, window), 0.0, 1.0)


def stroke_coverage(polyline: np.ndarray, width: float, window: Window, closed: bool = False) -> np.ndarray:
    """``(h, w)`` coverage of a ``width``-pixel stroke along ``polyline`` ``(N, 2)``."""
    px, py = window.pixel_centres()
    polyline = np.asarray(polyline, np.float64)
    ends = np.roll(polyline, -1, axis=0) if closed else polyline[1:]
    distance = np.full(px.shape, np.inf)
    for a, b in zip(polyline, ends):
        distance = np.minimum(distance, _segment_distance(px, py, a, b))
    return np.clip(0.5 + width / 2.0 - distance, 0.0, 1.0)


def disc_coverage(centre: np.ndarray, radius: float, window: Window) -> np.ndarray:
    """``(h, w)`` coverage of a disc."""
    px, py = window.pixel_centres()
    return np.clip(0.5 + radius - np.hypot(px - centre[0], py - centre[1]), 0.0, 1.0)


def smooth_closed_curve(points: np.ndarray, samples_per_edge: int = 6) -> np.ndarray:
    """A closed Catmull-Rom spline through ``points`` ``(N, 2)``: rounder eye and lip outlines than the raw polygon
    of 6 or 8 landmarks. ``(N * samples_per_edge, 2)``."""
    p = np.asarray(points, np.float64)
    p0, p1, p2, p3 = np.roll(p, 1, 0), p, np.roll(p, -1, 0), np.roll(p, -2, 0)
    t = (np.arange(samples_per_edge) / samples_per_edge)[None, :, None]
    curve = 0.5 * (2 * p1[:, None] + (p2 - p0)[:, None] * t + (2 * p0 - 5 * p1 + 4 * p2 - p3)[:, None] * t ** 2
                   + (3 * p1 - p0 - 3 * p2 + p3)[:, None] * t ** 3)
    return curve.reshape(-1, 2)
