"""Eyes for a talking portrait: irises that move with gaze, and lids that cover them in blinks.

Lids: the warp already closes them. In a blink the rig brings the upper-lid points (37, 38 / 43, 44) down onto the
lower ones, so the output's eye opening shrinks to a line and the triangles above it stretch the photo's own upper
lid skin over the eye. What the warp gets wrong is the iris, which it squashes instead of hiding; so each frame the
eye opening (iBUG 36-41 / 42-47 of the output, smoothed) is repainted from the photo with the iris unsquashed and
clipped by the lids: anything outside that opening is lid skin.

Irises: the photo's iris is taken as a disc (radius `IRIS_RADIUS` of the eye's corner-to-corner width: an adult
iris is about 11.7 mm across in a 28-30 mm wide eye opening) and moved to where gaze puts it; the place it leaves
is filled with the sclera's colour from the photo.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from emoanim.render.portrait.raster import Window, disc_coverage, polygon_coverage, smooth_closed_curve

EYES = (slice(36, 42), slice(42, 48))  # iBUG right eye (image left) first
IRIS_RADIUS = 0.22  # of the eye's corner-to-corner width, a little generous so no iris rim is left behind
SCLERA_PERCENTILE = 70  # sclera = the brighter pixels of the opening outside the iris disc


def _similarity_from_corners(a0: np.ndarray, a1: np.ndarray, b0: np.ndarray, b1: np.ndarray) -> np.ndarray:
    """``(2, 3)`` similarity taking segment a0-a1 onto b0-b1 (as complex numbers: z -> k z + c)."""
    za, zb = complex(*(a1 - a0)), complex(*(b1 - b0))
    k = zb / za if abs(za) > 1e-9 else 1.0 + 0j
    c = complex(*b0) - k * complex(*a0)
    return np.array([[k.real, -k.imag, c.real], [k.imag, k.real, c.imag]])


@dataclass
class _Eye:
    outline: np.ndarray  # (6, 2) source landmarks
    iris: np.ndarray  # (2,) source iris centre
    radius: float
    texture: torch.Tensor  # (1, 3, h, w) the photo around this eye, iris removed (sclera-filled)
    origin: np.ndarray  # (2,) pixel (x, y) of the texture's top-left corner


@dataclass
class EyePainter:
    """Repaints both eye openings of one photo (``(H, W, 3)`` uint8) with landmarks ``source68`` ``(68, 2)`` and
    iris centres ``iris`` ``(2, 2)`` (iBUG right eye first)."""

    image: np.ndarray
    source68: np.ndarray
    iris: np.ndarray

    def __post_init__(self) -> None:
        photo = self.image.astype(np.float32)
        self.photo = torch.from_numpy(np.ascontiguousarray(photo.transpose(2, 0, 1)))[None]
        self.eyes = [self._prepare(photo, np.asarray(self.source68[s], np.float64), np.asarray(c, np.float64))
                     for s, c in zip(EYES, self.iris)]

    def _prepare(self, photo: np.ndarray, outline: np.ndarray, iris: np.ndarray) -> _Eye:
        radius = IRIS_RADIUS * float(np.linalg.norm(outline[3] - outline[0]))
        window = Window.around(np.concatenate([outline, iris[None]]), radius + 2.0, photo.shape[:2])
        crop = photo[window.slices].copy()
        disc = disc_coverage(iris, radius, window)
        opening = polygon_coverage(smooth_closed_curve(outline), window)
        sclera_pixels = crop[(opening > 0.5) & (disc < 0.5)]
        if len(sclera_pixels):
            luminance = sclera_pixels.mean(1)
            bright = sclera_pixels[luminance >= np.percentile(luminance, SCLERA_PERCENTILE)]
            sclera = np.median(bright, axis=0)
        else:  # the iris fills the whole opening: a pale default, dimmed to the photo's light
            sclera = np.full(3, 0.85 * float(np.percentile(crop, 90)))
        crop = (crop * (1.0 - disc[..., None]) + sclera * disc[..., None]).astype(np.float32)
        texture = torch.from_numpy(np.ascontiguousarray(crop.transpose(2, 0, 1)))[None]
        return _Eye(outline, iris, radius, texture, np.array([window.x0, window.y0], np.float64))

    def paint(self, frame: np.ndarray, points68: np.ndarray, iris: np.ndarray) -> None:
        """Repaint the openings in ``frame`` ``(H, W, 3)`` float32 in place, irises centred at ``iris`` ``(2, 2)``."""
        for eye, part, centre in zip(self.eyes, EYES, np.asarray(iris, np.float64)):
            self._paint_eye(frame, eye, np.asarray(points68[part], np.float64), centre)

    def _paint_eye(self, frame: np.ndarray, eye: _Eye, outline: np.ndarray, centre: np.ndarray) -> None:
        to_source = _similarity_from_corners(outline[0], outline[3], eye.outline[0], eye.outline[3])
        to_output = _similarity_from_corners(eye.outline[0], eye.outline[3], outline[0], outline[3])
        wide_open = eye.outline @ to_output[:, :2].T + to_output[:, 2]  # the photo's opening, carried along
        window = Window.around(np.concatenate([outline, wide_open]), 2.0, frame.shape[:2])
        if window.empty:
            return
        px, py = window.pixel_centres()
        sx = to_source[0, 0] * px + to_source[0, 1] * py + to_source[0, 2]
        sy = to_source[1, 0] * px + to_source[1, 1] * py + to_source[1, 2]
        coverage = polygon_coverage(smooth_closed_curve(outline), window)
        self._paint_lids(frame, eye, window, coverage, polygon_coverage(smooth_closed_curve(wide_open), window),
                         sx, sy)
        if coverage.max() <= 0.0:
            return  # closed: the lids cover everything
        iris_here = to_source[:, :2] @ centre + to_source[:, 2]  # where the iris should be, in photo pixels
        shift = iris_here - eye.iris
        inside_iris = np.clip(0.5 + eye.radius - np.hypot(sx - iris_here[0], sy - iris_here[1]), 0.0, 1.0)
        iris_colour = self._sample(self.photo, np.stack([sx - shift[0], sy - shift[1]], -1), np.zeros(2))
        sclera_colour = self._sample(eye.texture, np.stack([sx, sy], -1), eye.origin)
        colour = iris_colour * inside_iris[..., None] + sclera_colour * (1.0 - inside_iris[..., None])
        alpha = coverage[..., None]
        region = frame[window.slices]
        region[...] = region * (1.0 - alpha) + colour * alpha

    def _paint_lids(self, frame: np.ndarray, eye: _Eye, window: Window, opening: np.ndarray, wide_open: np.ndarray,
                    sx: np.ndarray, sy: np.ndarray) -> None:
        """Cover what the photo showed of the eye but the output's lids now hide with lid skin: the photo's skin
        one opening-height above the same spot (just over the upper lid). The warp alone leaves a line of iris
        where the closing lids meet."""
        lid = np.clip(wide_open - opening, 0.0, 1.0)
        if lid.max() <= 0.0:
            return
        height = float(np.ptp(eye.outline[:, 1])) + 1.5
        skin = self._sample(self.photo, np.stack([sx, sy - height], -1), np.zeros(2))
        region = frame[window.slices]
        region[...] = region * (1.0 - lid[..., None]) + skin * lid[..., None]

    @staticmethod
    def _sample(texture: torch.Tensor, coords: np.ndarray, origin: np.ndarray) -> np.ndarray:
        """Bilinear read of ``texture`` ``(1, 3, h, w)`` at ``(H, W, 2)`` pixel coords (texture's corner at origin)."""
        height, width = texture.shape[2:]
        local = torch.from_numpy((coords - origin).astype(np.float32))
        grid = torch.stack([local[..., 0] * (2.0 / width) - 1.0, local[..., 1] * (2.0 / height) - 1.0], -1)
        out = F.grid_sample(texture, grid[None], mode="bilinear", padding_mode="border", align_corners=False)
        return out[0].permute(1, 2, 0).numpy()
