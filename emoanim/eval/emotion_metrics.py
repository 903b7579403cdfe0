"""Emotion and liveliness: does each emotion show its own action units, does intensity scale them, and do blinks
and head motion look human?

EMFACS prototype score. The emotional part of a face is ``median over frames of (expression - neutral)``: the same
speech animated with the emotion and with neutral, same seed, so speech shapes cancel, and the median drops blinks
(brief, and differently timed when emotion changes the blink rate). That ``(52,)`` difference is decomposed into
FACS action units by non-negative least squares on the AU -> ARKit table of emoanim.emotion.prototypes, each AU
with a column per face side (so a one-sided AU, contempt's, is found whole). An AU counts as shown at
`AU_SHOWN` = 0.1: just under FACS intensity A ("trace"), which that module reads as 0.15. The emotion passes when
every AU of its EMFACS prototype is shown and no other AU is (Ekman & Friesen's EMFACS-7 prototypes, via that
module).

Blink statistics. Spontaneous blink rate is about 17 per minute at rest and 26 during conversation, with wide
individual spread (Bentivoglio et al. 1997, Mov. Disord. 12:1028); we call 10-40 per minute human (design choice
bracketing both means). A blink lasts roughly 100-400 ms from the lid starting to fall to its reopening (Caffier,
Erdmann & Ullsperger 2003, Eur. J. Appl. Physiol. 89:319; Evinger et al. 1991, IOVS 32:387).

Head motion. Amplitude is the standard deviation (and 5-95 % range) of each rotation in degrees; the spectrum is a
Welch periodogram of each axis. Natural head sway has most of its power below 1 Hz with a falling, 1/f-like slope
(Yehia et al. 2002; Duarte & Zatsiorsky 2001): the log-log slope between 0.1 and 5 Hz and the share of power above
2 Hz (jitter) tell a drifting head from a shaking one.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import nnls
from scipy.signal import welch

from emoanim.emotion.prototypes import AU_TO_ARKIT, EMFACS_PROTOTYPES, PROTOTYPE_MATRIX, SIDES
from emoanim.emotion.classes import EMOTION_INDEX
from emoanim.emotion.spec import canonical_emotion
from emoanim.motion.channels import ARKIT_INDEX, ARKIT_NAMES

AU_SHOWN = 0.1  # AU activation at or above this = shown (module docstring)
HUMAN_BLINKS_PER_MINUTE = (10.0, 40.0)
HUMAN_BLINK_SECONDS = (0.1, 0.4)
BLINK_PEAK = 0.5  # a blink closes the lid at least half-way from its resting level
BLINK_EDGE = 0.1  # a blink starts and ends where the lid is 10 % of the way from rest to shut
SLOPE_BAND_HZ = (0.1, 5.0)
JITTER_HZ = 2.0


@dataclass(frozen=True)
class EmfacsScore:
    emotion: str
    activations: dict[int, float]  # AU -> activation (max over sides), every AU in the table
    prototype: tuple[int, ...]  # the emotion's EMFACS AUs
    shown: tuple[int, ...]  # prototype AUs at or above AU_SHOWN
    missing: tuple[int, ...]  # prototype AUs below it
    intruding: tuple[int, ...]  # non-prototype AUs at or above it
    selectivity: float  # share of total activation that lies in prototype AUs (1.0 when nothing is active)

    @property
    def passed(self) -> bool:
        return not self.missing and not self.intruding


@dataclass(frozen=True)
class Monotonicity:
    intensities: tuple[float, ...]
    strengths: tuple[float, ...]
    spearman: float  # rank correlation of strength with intensity
    monotone: bool  # every step up in intensity gives a strength at least as large (within `tolerance`)


@dataclass(frozen=True)
class BlinkStats:
    count: int
    per_minute: float
    durations_s: tuple[float, ...]
    mean_duration_s: float  # NaN without blinks
    rate_human: bool
    duration_human: bool


@dataclass(frozen=True)
class HeadMotionStats:
    """Per axis (pitch, yaw, roll), degrees and Hz."""

    std_deg: tuple[float, float, float]
    range_deg: tuple[float, float, float]  # 5th to 95th percentile
    speed_deg_s: float  # RMS angular speed over the three axes
    peak_hz: tuple[float, float, float]
    spectral_slope: float  # log-power vs log-frequency slope in SLOPE_BAND_HZ, axes pooled
    jitter_share: float  # share of power above JITTER_HZ


def _au_basis() -> tuple[list[int], np.ndarray]:
    """Columns: one per AU and face side (bilateral shapes split), as ``(52, K)``; and the AU of each column."""
    aus, columns = [], []
    for au, shapes in AU_TO_ARKIT.items():
        sided = any(name.endswith(SIDES) for name in shapes)
        for side in SIDES if sided else (None,):
            column = np.zeros(len(ARKIT_NAMES))
            for name, amount in shapes.items():
                if side is None or not name.endswith(SIDES) or name.endswith(side):
                    column[ARKIT_INDEX[name]] += amount
            aus.append(au)
            columns.append(column)
    return aus, np.stack(columns, axis=1)


_AUS, _BASIS = _au_basis()


def au_activations(offset: np.ndarray) -> dict[int, float]:
    """ARKit weight offset ``(52,)`` -> activation of each AU in [0, ∞) (max over its sides), by NNLS."""
    x = np.asarray(offset, np.float64)
    if x.shape != (len(ARKIT_NAMES),):
        raise ValueError(f"offset must be ({len(ARKIT_NAMES)},), got {x.shape}")
    weights, _ = nnls(_BASIS, x)
    out: dict[int, float] = {}
    for au, weight in zip(_AUS, weights):
        out[au] = max(out.get(au, 0.0), float(weight))
    return out


def emotion_offset(expression: np.ndarray, neutral: np.ndarray) -> np.ndarray:
    """``(52,)`` median over frames of ``expression - neutral`` (both ``(T, 52)``, same speech and seed)."""
    a, b = np.asarray(expression, np.float64), np.asarray(neutral, np.float64)
    if a.shape != b.shape or a.ndim != 2 or a.shape[1] != len(ARKIT_NAMES):
        raise ValueError(f"need two (T, 52) arrays of the same length, got {a.shape} and {b.shape}")
    return np.median(a - b, axis=0)


def emfacs_score(expression: np.ndarray, neutral: np.ndarray, emotion: str) -> EmfacsScore:
    """Which AUs the emotion adds over neutral, against its EMFACS prototype (module docstring)."""
    name = canonical_emotion(emotion)
    activations = au_activations(emotion_offset(expression, neutral))
    prototype = tuple(sorted(EMFACS_PROTOTYPES[name]))
    shown = tuple(au for au in prototype if activations[au] >= AU_SHOWN)
    missing = tuple(au for au in prototype if activations[au] < AU_SHOWN)
    intruding = tuple(au for au, a in sorted(activations.items()) if au not in prototype and a >= AU_SHOWN)
    total = sum(activations.values())
    selectivity = sum(activations[au] for au in prototype) / total if total > 1e-9 else 1.0
    return EmfacsScore(name, activations, prototype, shown, missing, intruding, float(selectivity))


def prototype_strength(expression: np.ndarray, neutral: np.ndarray, emotion: str) -> float:
    """How far the emotion's offset goes along its full-intensity prototype: 1.0 = the whole prototype."""
    row = PROTOTYPE_MATRIX[EMOTION_INDEX[canonical_emotion(emotion)]]
    norm = float(row @ row)
    if norm == 0.0:
        raise ValueError(f"{emotion} has no prototype to measure strength along")
    return float(emotion_offset(expression, neutral) @ row / norm)


def intensity_monotonicity(intensities, strengths, tolerance: float = 0.01) -> Monotonicity:
    """Does strength rise with intensity? Spearman rho and a strict step-by-step check (after sorting)."""
    from scipy.stats import spearmanr

    i = np.asarray(intensities, np.float64)
    s = np.asarray(strengths, np.float64)
    if i.shape != s.shape or i.ndim != 1 or len(i) < 2:
        raise ValueError("need matching 1-D intensities and strengths, at least two of each")
    order = np.argsort(i)
    i, s = i[order], s[order]
    rho = float(spearmanr(i, s).statistic) if np.ptp(s) > 0 else float("nan")
    return Monotonicity(tuple(i.tolist()), tuple(s.tolist()), rho, bool(np.all(np.diff(s) >= -tolerance)))


def blink_stats(expression: np.ndarray, fps: float) -> BlinkStats:
    """Blinks in ``(T, 52)`` ARKit weights (mean of both ``eyeBlink`` lids), measured from the lid's rest level."""
    x = np.asarray(expression, np.float64)
    lid = x[:, [ARKIT_INDEX["eyeBlinkLeft"], ARKIT_INDEX["eyeBlinkRight"]]].mean(axis=1)
    rest = float(np.median(lid))  # eyes are open most of the time; emotion may hold the lid part-closed
    span = max(1.0 - rest, 1e-6)
    above_edge = lid > rest + BLINK_EDGE * span
    durations = []
    # Runs of frames above the edge level that reach the peak level are blinks; duration counts one frame per
    # sample plus one (the lid crosses the edge level somewhere between samples at either end).
    padded = np.concatenate([[False], above_edge, [False]])
    starts = np.flatnonzero(padded[1:] & ~padded[:-1])
    ends = np.flatnonzero(~padded[1:] & padded[:-1])
    for start, end in zip(starts, ends):
        if lid[start:end].max() >= rest + BLINK_PEAK * span:
            durations.append(float((end - start + 1) / fps))
    minutes = len(lid) / fps / 60.0
    rate = len(durations) / minutes if minutes > 0 else 0.0
    mean = float(np.mean(durations)) if durations else float("nan")
    return BlinkStats(
        count=len(durations), per_minute=float(rate), durations_s=tuple(durations), mean_duration_s=mean,
        rate_human=bool(HUMAN_BLINKS_PER_MINUTE[0] <= rate <= HUMAN_BLINKS_PER_MINUTE[1]),
        duration_human=bool(durations) and bool(HUMAN_BLINK_SECONDS[0] <= mean <= HUMAN_BLINK_SECONDS[1]),
    )


def head_motion_stats(head: np.ndarray, fps: float) -> HeadMotionStats:
    """Amplitude and spectrum of ``(T, 3)`` pitch/yaw/roll in degrees at ``fps``."""
    h = np.asarray(head, np.float64)
    if h.ndim != 2 or h.shape[1] != 3 or len(h) < 4:
        raise ValueError(f"head must be (T, 3) degrees with T >= 4, got {h.shape}")
    speed = np.sqrt(np.mean(np.sum((np.diff(h, axis=0) * fps) ** 2, axis=1)))
    frequencies, power = welch(h - h.mean(axis=0), fs=fps, nperseg=min(len(h), int(round(8 * fps))), axis=0)
    peak = frequencies[np.argmax(power[1:], axis=0) + 1]  # skip 0 Hz: the mean was removed
    pooled = power.sum(axis=1)
    band = (frequencies >= SLOPE_BAND_HZ[0]) & (frequencies <= min(SLOPE_BAND_HZ[1], fps / 2)) & (pooled > 0)
    slope = float(np.polyfit(np.log(frequencies[band]), np.log(pooled[band]), 1)[0]) if band.sum() >= 3 \
        else float("nan")
    total = pooled[1:].sum()
    jitter = float(pooled[frequencies > JITTER_HZ].sum() / total) if total > 0 else 0.0
    low, high = np.percentile(h, [5, 95], axis=0)
    return HeadMotionStats(
        std_deg=tuple(h.std(axis=0).tolist()), range_deg=tuple((high - low).tolist()), speed_deg_s=float(speed),
        peak_hz=tuple(peak.tolist()), spectral_slope=slope, jitter_share=jitter,
    )
