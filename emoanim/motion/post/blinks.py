"""Spontaneous blinks: when they happen, how the lids move, and how emotion changes both.

Pure functions: a numpy ``Generator`` in, arrays or events out. `apply` in this package wires them together.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from emoanim.motion.channels import ARKIT_INDEX
from emoanim.motion.post.activity import SpeechActivity

# Blink rate: EmoFace (Liu et al. 2024, "EmoFace: Audio-driven emotional 3D face animation", IEEE VR; their
# blink/data_analysis.py) fitted a log-normal to blinks per minute measured from each inter-blink interval of
# actors speaking: ln(rate) ~ N(3.518, 0.532²), clipped to 15-100 per minute. One draw per interval, with the
# blink's own duration added, gives ~25 blinks/min, in line with the ~26/min Bentivoglio et al. 1997 (Mov. Disord.
# 12:1028) measured during conversation (17/min at rest).
BLINK_RATE_LOG_MEAN = 3.518  # ln(blinks per minute)
BLINK_RATE_LOG_STD = 0.532
BLINK_RATE_RANGE = (15.0, 100.0)  # blinks per minute

# Lid profile: the down phase is faster than the up phase (Evinger, Manning & Sibony 1991, "Eyelid movements:
# mechanisms and normal data", IOVS 32:387-400): close in ~60-100 ms, reopen in ~150-250 ms.
CLOSE_SECONDS = (0.06, 0.10)
HOLD_SECONDS = (0.0, 0.03)  # lids fully shut between the phases; design choice, short enough to stay subliminal
OPEN_SECONDS = (0.15, 0.25)
# Both lids move together; the small left/right differences are a design choice, kept below one frame at 60 fps.
RIGHT_LID_DELAY_SECONDS = 0.004
RIGHT_LID_GAIN_SPREAD = 0.03
MIN_GAP_SECONDS = 0.1  # lid fully open between two blinks for at least this long (no overlap)

# Blinks cluster at speech pauses and ends of phrases (Ponder & Kennedy 1927, "On the act of blinking", Q. J. Exp.
# Physiol. 18:89; Nakano & Kitazawa 2010, "Eyeblink entrainment at breakpoints of speech", Exp. Brain Res.
# 205:577). The weights below (relative blink intensity) are design choices; the clip's mean rate is kept.
SPEECH_WEIGHT = 1.0
PAUSE_WEIGHT = 2.0
PHRASE_END_WEIGHT = 3.5  # first PHRASE_END_SECONDS of a pause, right after the phrase ends
PHRASE_END_SECONDS = 0.5
# Double blinks: a second blink right after the first (design choice for variety; rate not from a source).
DOUBLE_BLINK_PROBABILITY = 0.08
DOUBLE_BLINK_GAP_SECONDS = (0.05, 0.12)  # long enough to show one open frame at 24-30 fps

# Emotion effects on the lids, rows in EMOTIONS order (neutral, happy, sad, surprised, fear, disgusted, angry,
# contempt); columns: blink-rate factor, eyeWide level, lid droop (eyeBlink level at rest).
# Upper-lid raise (AU5) belongs to surprise, fear and anger prototypes, lid droop (AU41/43) to sadness (Ekman,
# Friesen & Hager 2002, FACS investigator's guide, EMFACS prototypes). Surprise and focused attention inhibit
# blinking, anxiety raises the rate (Stern, Walrath & Goldstein 1984, "The endogenous eyeblink", Psychophysiology
# 21:22-33). Magnitudes are design choices.
EMOTION_LIDS = np.array([
    # rate, wide, droop
    [1.00, 0.00, 0.00],  # neutral
    [1.00, 0.00, 0.00],  # happy (eye narrowing from cheek raise belongs to the animator's expression)
    [0.90, 0.00, 0.25],  # sad
    [0.50, 0.55, 0.00],  # surprised
    [1.30, 0.40, 0.00],  # fear
    [1.00, 0.00, 0.10],  # disgusted
    [0.85, 0.20, 0.00],  # angry
    [1.00, 0.00, 0.08],  # contempt
])

_BLINK = (ARKIT_INDEX["eyeBlinkLeft"], ARKIT_INDEX["eyeBlinkRight"])
_WIDE = (ARKIT_INDEX["eyeWideLeft"], ARKIT_INDEX["eyeWideRight"])


@dataclass(frozen=True)
class Blink:
    """One blink (seconds). The left lid is shut at ``peak``; the right one lags by ``right_delay``."""

    start: float
    close: float
    hold: float
    open: float
    right_delay: float
    right_gain: float

    @property
    def peak(self) -> float:
        return self.start + self.close

    @property
    def end(self) -> float:
        return self.start + self.close + self.hold + self.open + max(self.right_delay, 0.0)


def blink_intensity(activity: SpeechActivity, emotion_weights: np.ndarray) -> np.ndarray:
    """``(T,)`` relative blink intensity: speech vs pause weights with mean 1, times the emotion's rate factor."""
    weight = np.where(activity.speaking, SPEECH_WEIGHT, PAUSE_WEIGHT)
    weight = np.where(activity.seconds_since_pause_start() < PHRASE_END_SECONDS, PHRASE_END_WEIGHT, weight)
    weight = weight / weight.mean() if len(weight) else weight  # keeps the log-normal's overall rate
    return weight * (emotion_weights @ EMOTION_LIDS[:, 0])


def _open_interval(rng: np.random.Generator) -> float:
    """Seconds the eyes stay open until the next blink, from one log-normal rate draw.

    Like EmoFace's generator, the interval runs from the end of one blink to the start of the next.
    """
    rate = np.clip(rng.lognormal(BLINK_RATE_LOG_MEAN, BLINK_RATE_LOG_STD), *BLINK_RATE_RANGE)
    return float(60.0 / rate)


def _one_blink(rng: np.random.Generator, start: float, fps: float) -> Blink:
    close = rng.uniform(*CLOSE_SECONDS)
    # Put the left lid's closed instant on a frame, so every blink shows fully shut at any frame rate.
    peak = np.round((start + close) * fps) / fps
    return Blink(start=float(peak - close), close=float(close), hold=float(rng.uniform(*HOLD_SECONDS)),
                 open=float(rng.uniform(*OPEN_SECONDS)),
                 right_delay=float(rng.uniform(-RIGHT_LID_DELAY_SECONDS, RIGHT_LID_DELAY_SECONDS)),
                 right_gain=float(1.0 - rng.uniform(0.0, RIGHT_LID_GAIN_SPREAD)))


def plan_blinks(rng: np.random.Generator, intensity: np.ndarray, fps: float) -> list[Blink]:
    """Blink events over a clip with per-frame ``intensity`` ``(T,)`` (see `blink_intensity`).

    A renewal process in warped time: open-eye intervals come from the log-normal rate, and time runs faster where
    the intensity is high, so blinks gather in pauses while the clip's average rate stays the fitted one.
    """
    frames = len(intensity)
    duration = frames / fps
    if frames < 2:
        return []
    warped = np.concatenate([[0.0], np.cumsum(np.maximum(intensity, 1e-6))[:-1] / fps])  # Λ(t) at frame times
    times = np.arange(frames) / fps

    blinks: list[Blink] = []
    next_warped = rng.uniform() * _open_interval(rng)  # as if the process had been running before the clip
    free_from = 0.0  # earliest start that keeps the lid open MIN_GAP_SECONDS after the previous blink
    while True:
        onset = float(np.interp(next_warped, warped, times, right=np.inf))
        if not onset < duration:
            break
        blink = _one_blink(rng, max(onset, free_from), fps)
        if blink.start < free_from:  # rounding the peak to a frame moved it earlier: one frame later instead
            blink = _one_blink(rng, blink.start + 1.0 / fps, fps)
        if blink.peak >= duration:
            break
        blinks.append(blink)
        if rng.uniform() < DOUBLE_BLINK_PROBABILITY:
            second = _one_blink(rng, blink.end + rng.uniform(*DOUBLE_BLINK_GAP_SECONDS), fps)
            if second.start > blink.end and second.peak < duration:
                blinks.append(second)
        free_from = blinks[-1].end + MIN_GAP_SECONDS
        next_warped = float(np.interp(blinks[-1].end, times, warped)) + _open_interval(rng)
    return blinks


def _lid_shape(t: np.ndarray, close: float, hold: float, opening: float) -> np.ndarray:
    """Closure 0..1 at ``t`` seconds after blink start: raised-cosine close, hold, slower decelerating open."""
    out = np.zeros_like(t)
    closing = (t >= 0) & (t < close)
    out[closing] = 0.5 * (1.0 - np.cos(np.pi * t[closing] / close))
    out[(t >= close) & (t <= close + hold)] = 1.0
    reopening = (t > close + hold) & (t < close + hold + opening)
    u = (t[reopening] - close - hold) / opening
    out[reopening] = 0.5 * (1.0 + np.cos(np.pi * u ** 0.8))  # u**0.8: quick release, long settling tail
    return out


def render_blinks(blinks: list[Blink], fps: float, frames: int) -> np.ndarray:
    """``(T, 2)`` left/right lid closure in [0, 1] from blink events."""
    closure = np.zeros((frames, 2))
    for blink in blinks:
        lo = max(0, int(np.floor((blink.start - RIGHT_LID_DELAY_SECONDS) * fps)))
        hi = min(frames, int(np.ceil(blink.end * fps)) + 1)
        t = np.arange(lo, hi) / fps - blink.start
        closure[lo:hi, 0] = np.maximum(closure[lo:hi, 0], _lid_shape(t, blink.close, blink.hold, blink.open))
        right = blink.right_gain * _lid_shape(t - blink.right_delay, blink.close, blink.hold, blink.open)
        closure[lo:hi, 1] = np.maximum(closure[lo:hi, 1], right)
    return closure


def emotion_lid_posture(emotion_weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(T,)`` lid droop (eyeBlink level) and ``(T,)`` eyeWide level that the emotion holds the lids at."""
    posture = emotion_weights @ EMOTION_LIDS[:, 1:]
    return posture[:, 1], posture[:, 0]


def compose_eyelids(expression: np.ndarray, closure: np.ndarray, droop: np.ndarray, wide: np.ndarray) -> np.ndarray:
    """New ``(T, 52)`` expression with the lids set from blinks and posture.

    closure: ``(T, 2)`` blink closure; droop, wide: ``(T, 2)`` resting lid levels (emotion, gaze).
    A blink closes the lid the rest of the way from its resting droop, and relaxes eyeWide while shut; each channel
    is combined by max with what the animator put there, so an animator's own blinks survive.
    """
    out = expression.copy()
    droop = np.clip(droop, 0.0, 1.0)
    lid = droop + (1.0 - droop) * np.clip(closure, 0.0, 1.0)
    for side in (0, 1):
        out[:, _BLINK[side]] = np.maximum(out[:, _BLINK[side]], lid[:, side])
        widened = np.maximum(out[:, _WIDE[side]], np.clip(wide[:, side], 0.0, 1.0))
        out[:, _WIDE[side]] = widened * (1.0 - np.clip(closure[:, side], 0.0, 1.0))
    return np.clip(out, 0.0, 1.0)
