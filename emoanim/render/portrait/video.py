"""The talking portrait: one photo + a `Performance` -> an MP4 with the speech in it.

    portrait = load_portrait("photo.jpg")                       # read, find the face, crop to 512²
    render_portrait(portrait, performance, "talk.mp4", audio=speech)

Per frame: the fitted landmarks are driven (fit.py), the photo is warped onto them (warp.py), then the inner mouth
(mouth.py) and the eye openings (eyes.py) are painted. ``style="landmarks"`` draws the driven landmarks instead
(landmark_video.py). Frames are made one at a time and streamed to ffmpeg, so memory does not grow with length.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import numpy as np
import torch
import torch.nn.functional as F

from emoanim.audio.types import Audio
from emoanim.errors import InputError
from emoanim.motion.channels import ARKIT_INDEX
from emoanim.motion.performance import Performance
from emoanim.render.portrait.eyes import EyePainter
from emoanim.render.portrait.fit import FaceMotion, PortraitFit, drive, eye_iris_guess, fit_portrait, order_iris
from emoanim.render.portrait.landmark_video import draw_landmarks
from emoanim.render.portrait.mouth import MouthPainter
from emoanim.render.portrait.warp import PiecewiseAffineWarp
from emoanim.render.video import write_mp4

from emoanim.render.portrait.options import DEFAULT_SIZE, FACE_CROP, STYLES
MIN_SIZE, MAX_SIZE = 64, 4096
# Crop side / the landmarks' larger extent: room for the forehead and hair above the brows (the 68 points stop at
# the brows) and for head turns, as in the loosely cropped portraits talking-head methods are trained on.
CROP_GROWTH = 2.0
CROP_RAISE = 0.12  # crop centre moved up by this fraction of its side: the face's top third has no landmarks


# Mesh layout: the photo's points with the jaw dropped and the eyes wide, so no triangle bridges the mouth or eyes.
LAYOUT_EXPRESSION = {"jawOpen": 0.35, "eyeWideLeft": 0.8, "eyeWideRight": 0.8}
OPENINGS = (np.arange(60, 68), np.arange(36, 42), np.arange(42, 48))


def open_layout(fit: PortraitFit) -> np.ndarray:
    """``(K, 2)`` the fitted control points with the mouth and eyes held open (`LAYOUT_EXPRESSION`)."""
    opened = Performance.still(1, 30.0)
    for name, weight in LAYOUT_EXPRESSION.items():
        opened.expression[0, ARKIT_INDEX[name]] = weight
    return drive(fit, opened).points[0].astype(np.float64)


def check_size(size: int | str) -> int | str:
    """``size`` as given if valid (an even side in pixels, or "face-crop"); InputError otherwise."""
    if size == FACE_CROP:
        return size
    try:
        side = int(size)
    except (TypeError, ValueError):
        raise InputError(f"--size must be a number of pixels or {FACE_CROP!r}, got {size!r}",
                         hint="e.g. --size 512") from None
    if not MIN_SIZE <= side <= MAX_SIZE or side % 2:
        raise InputError(f"--size must be an even number of pixels from {MIN_SIZE} to {MAX_SIZE}, got {size}",
                         hint="e.g. --size 512 (H.264 video needs even sides)")
    return side


def crop_face(image: np.ndarray, points68: np.ndarray, size: int | str) -> tuple[np.ndarray, float, np.ndarray]:
    """A square crop around the face, resized to ``size`` (or kept at its own even side for "face-crop").

    Returns the crop ``(S, S, 3)`` uint8, the scale and the offset that map photo pixels into it:
    ``crop_xy = (photo_xy - offset) * scale``. Parts of the square beyond the photo repeat its edge pixels.
    """
    lo, hi = points68.min(0), points68.max(0)
    side = int(round(CROP_GROWTH * float((hi - lo).max())))
    side += side % 2
    centre = (lo + hi) / 2.0 - np.array([0.0, CROP_RAISE * side])
    x0, y0 = (np.round(centre - side / 2.0)).astype(int)
    height, width = image.shape[:2]
    pad = max(0, -x0, -y0, x0 + side - width, y0 + side - height)
    padded = np.pad(image, ((pad, pad), (pad, pad), (0, 0)), mode="edge") if pad else image
    crop = padded[y0 + pad: y0 + pad + side, x0 + pad: x0 + pad + side]
    target = side if size == FACE_CROP else int(size)
    if target != side:
        tensor = torch.from_numpy(np.ascontiguousarray(crop.transpose(2, 0, 1))).float()[None]
        tensor = F.interpolate(tensor, size=(target, target), mode="bilinear", antialias=target < side,
                               align_corners=False)
        crop = tensor[0].permute(1, 2, 0).round().clamp(0, 255).to(torch.uint8).numpy()
    return np.ascontiguousarray(crop), target / side, np.array([x0, y0], np.float64)


@dataclass
class Portrait:
    """One photo ready to animate: ``image`` ``(S, S, 3)`` uint8, its ``points68`` ``(68, 2)`` and ``iris``
    ``(2, 2)`` in the image's pixels (iBUG right eye first), and the detector's warnings."""

    image: np.ndarray
    points68: np.ndarray
    iris: np.ndarray | None = None
    warnings: list[str] = field(default_factory=list)
    source: str | None = None

    def __post_init__(self) -> None:
        height, width = self.image.shape[:2]
        if self.image.dtype != np.uint8 or self.image.ndim != 3 or height % 2 or width % 2:
            raise ValueError(f"portrait image must be (H, W, 3) uint8 with even sides, got {self.image.shape}")
        self.points68 = np.asarray(self.points68, np.float64)
        self.iris = (eye_iris_guess(self.points68) if self.iris is None
                     else order_iris(np.asarray(self.iris, np.float64), self.points68))
        self.fit: PortraitFit = fit_portrait(self.points68, self.iris)
        self._painters: tuple | None = None

    @property
    def size(self) -> tuple[int, int]:
        return self.image.shape[:2]

    def motion(self, performance: Performance) -> FaceMotion:
        return drive(self.fit, performance)

    def photo_frames(self, motion: FaceMotion) -> Iterator[np.ndarray]:
        """``(H, W, 3)`` uint8 frames of the warped, painted photo."""
        if self._painters is None:
            self._painters = (PiecewiseAffineWarp(self.image, self.fit.source, layout=open_layout(self.fit),
                                                  openings=OPENINGS),
                              MouthPainter(self.image, self.points68), EyePainter(self.image, self.points68, self.iris))
        warp, mouth, eyes = self._painters
        for t in range(motion.frames):
            frame = warp.warp(motion.points[t])
            mouth.paint(frame, motion.points[t])
            eyes.paint(frame, motion.points[t], motion.iris[t])
            yield np.clip(frame + 0.5, 0, 255).astype(np.uint8)

    def landmark_frames(self, motion: FaceMotion) -> Iterator[np.ndarray]:
        """``(H, W, 3)`` uint8 frames of the driven landmarks on a plain background."""
        height, width = self.size
        for t in range(motion.frames):
            yield draw_landmarks(motion.points[t], motion.iris[t], motion.gaze_tips[t], height, width)

    def frames(self, performance: Performance, style: str = "photo") -> Iterator[np.ndarray]:
        if style not in STYLES:
            raise InputError(f"unknown portrait style {style!r}", hint=f"use one of: {', '.join(STYLES)}")
        motion = self.motion(performance)
        return self.photo_frames(motion) if style == "photo" else self.landmark_frames(motion)


def load_portrait(photo_path: str | Path, *, size: int | str = DEFAULT_SIZE, backend: str = "auto") -> Portrait:
    """Read ``photo_path``, find its face (emoanim.render.portrait.detect) and crop it to ``size``."""
    from emoanim.render.portrait.detect import detect_landmarks
    from emoanim.render.portrait.photo import read_photo

    size = check_size(size)
    image = read_photo(photo_path)
    found = detect_landmarks(image, backend=backend, source=photo_path)
    crop, scale, offset = crop_face(image, np.asarray(found.points, np.float64), size)
    points = (np.asarray(found.points, np.float64) - offset) * scale
    iris = None if found.iris is None else (np.asarray(found.iris, np.float64) - offset) * scale
    return Portrait(crop, points, iris, warnings=list(found.warnings), source=str(photo_path))


def render_portrait(photo_path: str | Path | Portrait, performance: Performance, out_path: str | Path,
                    audio: str | Path | Audio | None = None, *, style: str = "photo",
                    size: int | str = DEFAULT_SIZE, backend: str = "auto") -> Path:
    """Write the talking-portrait MP4 of ``performance`` at its fps, with ``audio`` muxed in; return its path.

    ``photo_path`` may be a `Portrait` from `load_portrait` (then ``size`` and ``backend`` are already spent).
    ``style``: "photo" (the warped photo) or "landmarks" (the landmark drawing).
    """
    if style not in STYLES:
        raise InputError(f"unknown portrait style {style!r}", hint=f"use one of: {', '.join(STYLES)}")
    portrait = photo_path if isinstance(photo_path, Portrait) else load_portrait(photo_path, size=size,
                                                                                 backend=backend)
    return write_mp4(portrait.frames(performance, style), performance.fps, out_path, audio=audio)
