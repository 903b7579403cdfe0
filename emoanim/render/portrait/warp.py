"""Piecewise-affine image warp: the photo follows its control points, the background stays put.

The backward map (for each output pixel, where to read the photo) is affine inside each triangle of one fixed
Delaunay triangulation (scipy.spatial) of the control points and anchors; each output triangle is rasterised
over its bounding box, and the photo is then read with bilinear ``torch.nn.functional.grid_sample`` over the
moving region only.

Fixed anchors hold the background still: the image's border and a ring (an ellipse grown around the face's points)
map to themselves, so every triangle with only anchors for corners is the identity, and pixels outside the
triangles that touch a moving point are copied untouched. The ring sits far enough out (``RING_MARGIN``) that the
strip between the jaw and the ring, which absorbs the head's motion, is wide and its stretch gentle.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from scipy.spatial import Delaunay

from emoanim.render.portrait.raster import Window, inside_polygon

RING_POINTS = 36
# Ring semi-axes: the face points' half-extents plus this fraction of the larger one. About 3 cm on a real face:
# more than the chin travels when the jaw drops (2.6 cm at jawOpen = 1 on the default head).
RING_MARGIN = 0.3
BORDER_POINTS_PER_SIDE = 8


def ring_anchors(points: np.ndarray, margin: float = RING_MARGIN, count: int = RING_POINTS) -> np.ndarray:
    """``(count, 2)`` points on an axis-aligned ellipse around ``points`` ``(K, 2)``, ``margin`` x the larger
    half-extent out from them."""
    lo, hi = points.min(0), points.max(0)
    centre, half = (lo + hi) / 2.0, (hi - lo) / 2.0
    half = half + margin * half.max()
    angle = np.linspace(0.0, 2.0 * np.pi, count, endpoint=False)
    return centre + half * np.stack([np.cos(angle), np.sin(angle)], axis=1)


def border_anchors(height: int, width: int, per_side: int = BORDER_POINTS_PER_SIDE) -> np.ndarray:
    """Points along the image's outer edge (corners included), in the pixel-edge frame [0, W] x [0, H]."""
    t = np.linspace(0.0, 1.0, per_side + 1)[:-1]
    w, h = float(width), float(height)
    sides = [np.stack([t * w, np.zeros_like(t)], 1), np.stack([np.full_like(t, w), t * h], 1),
             np.stack([w - t * w, np.full_like(t, h)], 1), np.stack([np.zeros_like(t), h - t * h], 1)]
    return np.concatenate(sides)


@dataclass
class PiecewiseAffineWarp:
    """Warps one photo ``(H, W, 3)`` uint8 whose control points sit at ``source`` ``(K, 2)`` (x, y pixels, pixel
    centres at j + 0.5).

    The triangles are fixed once, by a Delaunay triangulation of ``layout`` ``(K, 2)`` (default: ``source``): pass
    the points with the mouth and eyes held open, so that no triangle bridges an opening. A fixed mesh matters
    because the openings close to a line: a per-frame triangulation of coincident lid or lip points would pick
    triangles that span the opening and smear the iris or teeth across the closed lids. Triangles inside the
    ``openings`` (index groups, each a closed outline such as iBUG 60-67) are drawn first, so wherever a closing
    opening overlaps the skin around it, the skin wins.

    ``warp(target)`` -> ``(H, W, 3)`` float32 in [0, 255], the photo with its control points moved to ``target``.
    """

    image: np.ndarray
    source: np.ndarray
    layout: np.ndarray | None = None
    openings: tuple[np.ndarray, ...] = ()

    def __post_init__(self) -> None:
        height, width = self.image.shape[:2]
        self.source = np.asarray(self.source, np.float64)
        layout = self.source if self.layout is None else np.asarray(self.layout, np.float64)
        self.anchors = np.concatenate([ring_anchors(self.source), border_anchors(height, width)])
        self.moving = len(self.source)
        self.all_source = np.concatenate([self.source, self.anchors])
        triangles = Delaunay(np.concatenate([layout, self.anchors])).simplices
        triangles = triangles[(triangles < self.moving).any(axis=1)]  # the rest map to themselves
        in_opening = np.zeros(len(triangles), bool)
        points = np.concatenate([layout, self.anchors])
        for group in self.openings:
            group = np.asarray(group)
            centroids = points[triangles].mean(axis=1)
            in_opening |= np.isin(triangles, group).all(axis=1) & inside_polygon(centroids[:, 0], centroids[:, 1],
                                                                                     points[group])
        self.triangles = np.concatenate([triangles[in_opening], triangles[~in_opening]])
        self.still = self.image.astype(np.float32)
        self.texture = torch.from_numpy(np.ascontiguousarray(self.still.transpose(2, 0, 1)))[None]  # (1, 3, H, W)

    @property
    def shape(self) -> tuple[int, int]:
        return self.image.shape[:2]

    def backward_map(self, target: np.ndarray) -> tuple[Window, np.ndarray]:
        """Output window and ``(h, w, 2)`` photo coordinates (x, y pixels) to read for each of its pixels."""
        target = np.asarray(target, np.float64)
        if target.shape != self.source.shape:
            raise ValueError(f"target has shape {target.shape}, expected {self.source.shape}")
        output = np.concatenate([target, self.anchors])[self.triangles]  # (N, 3, 2)
        window = Window.around(output.reshape(-1, 2), 1.0, self.shape)
        if window.empty:
            return window, np.zeros((0, 0, 2))
        px, py = window.pixel_centres()
        mapped = np.stack([px, py], axis=-1)  # identity where no moving triangle lands
        # Per triangle, the affine map output -> source: [b1, b2] = M (p - a), source = s_a + b1 (s_b - s_a) + ...
        edges = output[:, 1:] - output[:, :1]  # (N, 2, 2) rows: b - a, c - a
        det = edges[:, 0, 0] * edges[:, 1, 1] - edges[:, 0, 1] * edges[:, 1, 0]
        source = self.all_source[self.triangles]
        lo = np.floor(output.min(axis=1) - 0.5).astype(int)
        hi = np.ceil(output.max(axis=1) + 0.5).astype(int)
        for n in np.flatnonzero(np.abs(det) > 1e-9):
            x0, y0 = max(lo[n, 0], window.x0), max(lo[n, 1], window.y0)
            x1 = min(hi[n, 0], window.x0 + window.width)
            y1 = min(hi[n, 1], window.y0 + window.height)
            if x1 <= x0 or y1 <= y0:
                continue
            rows, cols = slice(y0 - window.y0, y1 - window.y0), slice(x0 - window.x0, x1 - window.x0)
            dx = px[rows, cols] - output[n, 0, 0]
            dy = py[rows, cols] - output[n, 0, 1]
            (ux, uy), (vx, vy) = edges[n]
            b1 = (dx * vy - dy * vx) / det[n]
            b2 = (ux * dy - uy * dx) / det[n]
            inside = (b1 >= -1e-7) & (b2 >= -1e-7) & (b1 + b2 <= 1.0 + 1e-7)
            if not inside.any():
                continue
            s = source[n]
            read = s[0] + b1[..., None] * (s[1] - s[0]) + b2[..., None] * (s[2] - s[0])
            block = mapped[rows, cols]
            block[inside] = read[inside]
        return window, mapped

    def sample(self, coords: np.ndarray) -> np.ndarray:
        """Bilinear read of the photo at ``(h, w, 2)`` pixel coordinates -> ``(h, w, 3)`` float32."""
        height, width = self.shape
        grid = torch.from_numpy(coords.astype(np.float32))
        grid = torch.stack([grid[..., 0] * (2.0 / width) - 1.0, grid[..., 1] * (2.0 / height) - 1.0], dim=-1)
        out = F.grid_sample(self.texture, grid[None], mode="bilinear", padding_mode="border", align_corners=False)
        return out[0].permute(1, 2, 0).numpy()

    def warp(self, target: np.ndarray) -> np.ndarray:
        frame = self.still.copy()
        window, coords = self.backward_map(target)
        if not window.empty:
            frame[window.slices] = self.sample(coords)
        return frame
