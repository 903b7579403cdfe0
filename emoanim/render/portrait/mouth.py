"""The inner mouth a closed-mouth photo lacks: a dark cavity, upper and lower teeth and a tongue, painted inside the
output's inner-lip outline (iBUG 60-67) as the lips part.

Everything is laid out in the mouth's own coordinates: ``u`` runs from corner 60 (-1) to corner 64 (+1) and ``v``
from the upper inner lip (0) to the lower one (1), so the parts stay in place as the mouth opens, stretches or
turns. Proportions are relative to the mouth's width: an adult mouth is about 50 mm wide and the upper incisors
show about 2-4 mm below the relaxed upper lip when speaking, more when the jaw drops (Vig & Brundo 1978, "The kinetics
of anterior tooth display"), so the upper teeth take at most ``UPPER_TEETH`` of the width. Colours are scaled to the
photo's own lips and skin, so a dim photo gets dim teeth.

Only the *extra* opening over the photo's own is painted, so the neutral frame keeps the photo's mouth untouched.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from emoanim.render.portrait.raster import Window, polygon_coverage, smooth_closed_curve

INNER_LIPS = slice(60, 68)
OUTER_LIPS = slice(48, 60)
UPPER_TEETH = 0.13  # visible upper-incisor height / mouth width, at most
LOWER_TEETH = 0.07
TEETH_HALF_WIDTH = 0.72  # the dental arch turns away beyond this |u|: corners show cavity, not teeth
FULL_OPEN = 0.06  # extra opening (height / width) at which the cavity reaches full strength
TEETH_COLOUR = np.array([232.0, 226.0, 212.0])
CAVITY_DARKNESS = 0.16  # cavity = lip colour x this, darker still towards the throat
TONGUE_TINT = np.array([1.0, 0.55, 0.58])


def _opening(inner: np.ndarray) -> tuple[float, float]:
    """(mean opening height, width) in pixels of an inner-lip outline ``(8, 2)``."""
    width = float(np.linalg.norm(inner[4] - inner[0]))
    x, y = inner[:, 0], inner[:, 1]
    area = 0.5 * abs(float(x @ np.roll(y, -1) - y @ np.roll(x, -1)))
    return area / max(width, 1e-6), width


def mouth_coordinates(inner: np.ndarray, window: Window) -> tuple[np.ndarray, np.ndarray, float]:
    """``(h, w)`` u in [-1, 1] corner to corner, v (0 at the upper inner lip, 1 at the lower), and the gap (px)."""
    px, py = window.pixel_centres()
    left, right = inner[0], inner[4]
    axis = (right - left) / max(np.linalg.norm(right - left), 1e-6)
    normal = np.array([-axis[1], axis[0]])  # points down the image for an upright face
    along = lambda p: (p - left) @ axis  # noqa: E731 - two tiny projections
    across = lambda p: (p - left) @ normal  # noqa: E731
    upper = inner[[0, 1, 2, 3, 4]]
    lower = inner[[0, 7, 6, 5, 4]]
    ux, uy = np.maximum.accumulate(along(upper)), across(upper)
    lx, ly = np.maximum.accumulate(along(lower)), across(lower)
    pa = (px - left[0]) * axis[0] + (py - left[1]) * axis[1]
    pc = (px - left[0]) * normal[0] + (py - left[1]) * normal[1]
    top, bottom = np.interp(pa, ux, uy), np.interp(pa, lx, ly)
    gap = np.maximum(bottom - top, 1e-3)
    width = max(ux[-1], 1e-6)
    return 2.0 * pa / width - 1.0, (pc - top) / gap, float(gap.max())


@dataclass
class MouthPainter:
    """Paints the inner mouth for one photo (``(H, W, 3)`` uint8) with landmarks ``source68`` ``(68, 2)``."""

    image: np.ndarray
    source68: np.ndarray

    def __post_init__(self) -> None:
        inner, outer = self.source68[INNER_LIPS], self.source68[OUTER_LIPS]
        self.source_opening, _ = _opening(inner)
        window = Window.around(outer, 1.0, self.image.shape[:2])
        lips = polygon_coverage(outer, window) * (1.0 - polygon_coverage(inner, window))
        pixels = self.image[window.slices].reshape(-1, 3).astype(np.float64)
        weights = lips.ravel()
        self.lip_colour = (pixels * weights[:, None]).sum(0) / max(weights.sum(), 1e-6)
        if weights.sum() < 1.0:
            self.lip_colour = np.array([150.0, 80.0, 80.0])
        # Teeth no brighter than the photo's light allows: scale by the face's brightest lip-region luminance.
        brightness = np.percentile(self.image[window.slices].mean(2), 95) / 200.0
        self.teeth_colour = TEETH_COLOUR * float(np.clip(brightness, 0.45, 1.0))

    def strength(self, inner: np.ndarray) -> float:
        """0..1: how far the output's lips have parted beyond the photo's own opening."""
        opening, width = _opening(inner)
        return float(np.clip((opening - self.source_opening) / max(FULL_OPEN * width, 1e-6), 0.0, 1.0))

    def paint(self, frame: np.ndarray, points68: np.ndarray) -> float:
        """Paint into ``frame`` ``(H, W, 3)`` float32 in place; return the strength used (0 = nothing painted)."""
        inner = np.asarray(points68[INNER_LIPS], np.float64)
        strength = self.strength(inner)
        if strength <= 0.0:
            return 0.0
        window = Window.around(inner, 2.0, frame.shape[:2])
        if window.empty:
            return 0.0
        outline = smooth_closed_curve(inner, 4)
        coverage = polygon_coverage(outline, window)
        if coverage.max() <= 0.0:
            return 0.0
        u, v, gap = mouth_coordinates(inner, window)
        _, width = _opening(inner)
        colour = self._shade(u, v, gap, width)
        alpha = (coverage * strength)[..., None]
        region = frame[window.slices]
        region[...] = region * (1.0 - alpha) + colour * alpha
        return strength

    def _shade(self, u: np.ndarray, v: np.ndarray, gap: float, width: float) -> np.ndarray:
        """``(h, w, 3)`` colours of cavity, tongue and teeth at mouth coordinates (u, v)."""
        depth = np.clip(1.0 - np.abs(u), 0.0, 1.0) * np.clip(1.0 - np.abs(2.0 * v - 1.0), 0.0, 1.0)
        cavity = self.lip_colour * CAVITY_DARKNESS * (1.0 - 0.6 * depth)[..., None]
        # Tongue: a low mound in the back of the lower half, lit from above.
        tongue_top = 0.62 - 0.12 * (1.0 - u ** 2)
        tongue = np.clip((v - tongue_top) * 6.0, 0.0, 1.0) * np.clip(1.0 - np.abs(u) / 0.75, 0.0, 1.0)
        tongue_colour = self.lip_colour * TONGUE_TINT * (0.35 + 0.25 * np.clip(1.0 - v, 0, 1))[..., None]
        colour = cavity * (1.0 - tongue[..., None]) + tongue_colour * tongue[..., None]
        # Teeth: bands hanging from the upper lip and standing on the lower one, in pixels.
        pixel_v = v * gap
        arch = np.clip((TEETH_HALF_WIDTH - np.abs(u)) * 8.0, 0.0, 1.0)
        upper_height = min(UPPER_TEETH * width, 0.55 * gap)
        lower_height = min(LOWER_TEETH * width, 0.3 * gap) * np.clip(gap / (0.25 * width), 0.0, 1.0)
        upper = np.clip(upper_height - pixel_v + 0.5, 0.0, 1.0) * arch
        lower = np.clip(lower_height - (gap - pixel_v) + 0.5, 0.0, 1.0) * arch
        # Teeth darken towards the corners as the arch turns away, and under the upper lip's shadow.
        side_shade = (1.0 - 0.45 * np.abs(u) ** 1.5)[..., None]
        incisor_gaps = 1.0 - 0.18 * np.exp(-((np.abs(u) * 4.5 + 0.5) % 1.0 - 0.5) ** 2 / 0.004)[..., None]
        lip_shadow = (0.75 + 0.25 * np.clip(pixel_v / max(0.05 * width, 1e-6), 0.0, 1.0))[..., None]
        upper_colour = self.teeth_colour * side_shade * incisor_gaps * lip_shadow
        lower_colour = self.teeth_colour * side_shade * 0.78
        colour = colour * (1.0 - upper[..., None]) + upper_colour * upper[..., None]
        colour = colour * (1.0 - lower[..., None]) + lower_colour * lower[..., None]
        return colour.astype(np.float32)
