"""Savitzky–Golay smoothing that keeps lip closures and blinks.

A Savitzky–Golay filter (Savitzky & Golay 1964, "Smoothing and differentiation of data by simplified least squares
procedures", Anal. Chem. 36:1627) fits a low-order polynomial in a sliding window: it removes frame-to-frame jitter
while keeping peaks far better than a moving average. It still fills in a one- or two-frame event, and those are
exactly what viewers check first: a bilabial /p b m/ must show the lips shut, and a blink must close the eye.

So smoothing is guarded. A frame is *protected* when smoothing would move a guarded quantity across its "closed"
threshold, i.e. open shut lips, lower a closed lid, or close an open one between two blinks. Protected frames keep
their original values for their whole channel group (all mouth channels for the lips, both lids for blinks), and
the original fades into the smoothed signal over a few frames on each side, so no step is introduced.
"""
from __future__ import annotations

import numpy as np
from scipy.signal import savgol_filter

from emoanim.motion.channels import ARKIT_INDEX, ARKIT_NAMES
from emoanim.motion.frame_weights import taper
from emoanim.motion.lip_seal import CLOSED_APERTURE, lip_aperture
from emoanim.motion.performance import Performance

# Window: 5 frames at 30 fps, 9 at 60. Syllable-rate articulation (4-5 Hz) keeps ~96% of its amplitude at 30 fps;
# a 0.2 s window (7 frames) already loses ~16% at 4 Hz, eating visemes.
WINDOW_SECONDS = 0.15
POLYORDER = 3  # cubic: keeps peak heights and widths of speech-rate motion
TAPER_FRAMES = 2  # frames over which a protected frame blends back into the smoothed signal

LID_CLOSED = 0.5  # eyeBlink at or above this counts as closed
TOLERANCE = 0.02  # change smoothing may make at a guarded frame before it is protected

MOUTH_GROUP = tuple(i for i, name in enumerate(ARKIT_NAMES) if name.startswith(("mouth", "jaw")))
LID_GROUP = (ARKIT_INDEX["eyeBlinkLeft"], ARKIT_INDEX["eyeBlinkRight"])


def window_frames(fps: float) -> int:
    """Odd Savitzky–Golay window for ``fps``, at least ``POLYORDER + 2`` frames."""
    frames = max(POLYORDER + 2, int(round(WINDOW_SECONDS * fps)))
    return frames if frames % 2 == 1 else frames + 1


def savgol(values: np.ndarray, fps: float) -> np.ndarray:
    """``(T, C)`` -> ``(T, C)`` Savitzky–Golay smoothed along time; returned unchanged when shorter than a window."""
    window = window_frames(fps)
    if values.shape[0] < window:
        return values.astype(np.float64, copy=True)
    return savgol_filter(values.astype(np.float64), window, POLYORDER, axis=0, mode="interp")


def lip_closure_frames(original: np.ndarray, smoothed: np.ndarray) -> np.ndarray:
    """``(T,)`` bool: lips shut in ``original`` ``(T, 52)`` that ``smoothed`` would open (`lip_aperture`: the lip
    openers count too, so a sealed frame between wide-open ones keeps them at zero)."""
    aperture = lip_aperture(original)
    return (aperture <= CLOSED_APERTURE) & (lip_aperture(smoothed) > aperture + TOLERANCE)


def lid_frames(original: np.ndarray, smoothed: np.ndarray) -> np.ndarray:
    """``(T,)`` bool: frames where smoothing would carry either lid across `LID_CLOSED` (or lower a shut lid)."""
    lids, lids_smoothed = original[:, LID_GROUP], smoothed[:, LID_GROUP]
    closed = (lids >= LID_CLOSED) & (lids_smoothed < lids - TOLERANCE)
    opened = (lids < LID_CLOSED) & (lids_smoothed >= LID_CLOSED)
    return (closed | opened).any(axis=1)


def smooth_expression(expression: np.ndarray, fps: float) -> np.ndarray:
    """``(T, 52)`` -> smoothed ``(T, 52)`` in [0, 1] that keeps every lip closure and blink of the input."""
    smoothed = savgol(expression, fps)
    out = smoothed.copy()
    for group, protected in ((MOUTH_GROUP, lip_closure_frames(expression, smoothed)),
                             (LID_GROUP, lid_frames(expression, smoothed))):
        if protected.any():
            keep = taper(protected, TAPER_FRAMES)[:, None]
            columns = list(group)
            out[:, columns] = keep * expression[:, columns] + (1.0 - keep) * smoothed[:, columns]
    return np.clip(out, 0.0, 1.0)


def smooth_performance(performance: Performance) -> Performance:
    """A new `Performance` with every channel smoothed; lip closures and blinks kept (see module docstring)."""
    fps = performance.fps
    return performance.copy(
        expression=smooth_expression(performance.expression, fps).astype(performance.expression.dtype),
        head=savgol(performance.head, fps).astype(performance.head.dtype),
        head_translation=savgol(performance.head_translation, fps).astype(performance.head_translation.dtype),
        gaze=savgol(performance.gaze, fps).astype(performance.gaze.dtype),
    )
