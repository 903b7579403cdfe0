"""``--style landmarks``: the driven landmarks themselves drawn on a plain background, frame by frame.

Useful to inspect the motion (lip closure, blinks, gaze, head turns) without the photo, and as the conditioning
image a neural generator would take (contour maps like these drive e.g. Wang et al. 2018, "Video-to-Video
Synthesis"). Each iBUG part gets its own colour so left/right and upper/lower stay readable.
"""
from __future__ import annotations

import numpy as np

from emoanim.render.portrait.raster import Window, disc_coverage, stroke_coverage

BACKGROUND = np.array([18.0, 20.0, 26.0])
# (first, last + 1, closed, RGB): the iBUG 68 parts (Sagonas et al. 2013).
PARTS = (
    (0, 17, False, (200, 200, 200)),   # jaw line
    (17, 22, False, (255, 170, 60)),   # right brow
    (22, 27, False, (255, 170, 60)),   # left brow
    (27, 31, False, (170, 200, 255)),  # nose ridge
    (31, 36, False, (170, 200, 255)),  # nostrils
    (36, 42, True, (80, 220, 255)),    # right eye
    (42, 48, True, (80, 220, 255)),    # left eye
    (48, 60, True, (255, 80, 90)),     # outer lips
    (60, 68, True, (255, 170, 190)),   # inner lips
)
IRIS_COLOUR = np.array([90.0, 255.0, 120.0])
GAZE_COLOUR = np.array([255.0, 235.0, 80.0])


def _over(frame: np.ndarray, window: Window, coverage: np.ndarray, colour) -> None:
    region = frame[window.slices]
    alpha = coverage[..., None]
    region[...] = region * (1.0 - alpha) + np.asarray(colour, np.float32) * alpha


def draw_landmarks(points68: np.ndarray, iris: np.ndarray, gaze_tips: np.ndarray, height: int, width: int
                   ) -> np.ndarray:
    """One ``(H, W, 3)`` uint8 frame: ``(68, 2)`` landmarks, ``(2, 2)`` irises and gaze-ray ends, in pixels."""
    frame = np.empty((height, width, 3), np.float32)
    frame[...] = BACKGROUND
    stroke = max(1.5, min(height, width) / 256.0)
    shape = (height, width)
    for first, last, closed, colour in PARTS:
        line = np.asarray(points68[first:last], np.float64)
        window = Window.around(line, stroke + 1.0, shape)
        if not window.empty:
            _over(frame, window, stroke_coverage(line, stroke, window, closed=closed), colour)
    for centre, tip in zip(np.asarray(iris, np.float64), np.asarray(gaze_tips, np.float64)):
        ray = np.stack([centre, tip])
        window = Window.around(ray, stroke + 1.0, shape)
        if not window.empty:
            _over(frame, window, stroke_coverage(ray, 0.75 * stroke, window), GAZE_COLOUR)
        window = Window.around(centre[None], 2.0 * stroke + 1.0, shape)
        if not window.empty:
            _over(frame, window, disc_coverage(centre, 1.6 * stroke, window), IRIS_COLOUR)
    return np.clip(frame + 0.5, 0, 255).astype(np.uint8)
