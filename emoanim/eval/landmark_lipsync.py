"""Lip-sync metrics measured on 68 iBUG landmarks, so every animator (and a real face in video) is judged alike.

Distances come from the iBUG 300-W points (Sagonas et al. 2013; order in emoanim/rigs/head/ibug.py) and are divided
by the outer inter-ocular distance (points 36-45), the face-size normaliser of the 300-W error measure, so the
numbers mean the same on the default head, on another rig and on a photo:

- inner lip gap ``|62 - 66|`` (mouth opening), outer lip gap ``|51 - 57|``, mouth width ``|48 - 54|``;
- labiodental distance ``|57 - 62|``: from the lower lip's outer edge to the upper lip's inner edge, which is where
  the upper incisors sit. For /f v/ the lower lip rises and tucks under the upper teeth, so this distance falls to
  the lower lip's own height or less;
- jaw opening ``|8 - 33|`` (chin to the base of the nose).

Thresholds, in inter-ocular units (IOD). Adult anthropometry (Farkas 1994, "Anthropometry of the Head and Face"):
outer inter-ocular width ex-ex ≈ 88-91 mm, lower vermilion height sto-li ≈ 8-10 mm, so the lower lip is ~0.1 IOD.

- `CLOSED_GAP` = 0.02 IOD (≈ 1.8 mm): lips count as sealed at or below it; landmark jitter on a closed mouth in
  video is about this size, and a visibly parted mouth is > 0.04.
- `LABIODENTAL_CONTACT` = 0.13 IOD: contact when the lower lip's outer edge is within one lower-lip height (+30 %
  for how far a lip can roll) of the upper lip's edge. With closed relaxed lips the distance *is* the lip height
  (0.105 on the default head); with the jaw a quarter open it is ~0.2.

The audio-visual offset is the lag of maximum cross-correlation between the speech envelope (frame RMS in dB) and
the inner lip gap (Chandrasekaran et al. 2009, "The natural statistics of audiovisual speech", PLoS Comput. Biol.
5:e1000436, correlate mouth area with the envelope the same way). Positive = the mouth moves *after* the sound.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from emoanim.audio.features import frame_rms_db
from emoanim.audio.types import Audio
from emoanim.eval.lipsync import BILABIALS, OPEN_VOWELS, phones_labelled, frames_of
from emoanim.eval.signals import best_lag
from emoanim.motion.performance import Performance
from emoanim.phonetics.types import Phone, PhoneTrack
from emoanim.rigs.curves import Curves

CLOSED_GAP = 0.02  # IOD; inner lip gap at or below this = lips sealed (module docstring)
LABIODENTAL_CONTACT = 0.13  # IOD; labiodental distance at or below this = lower lip on the upper teeth
MAX_AV_LAG_S = 0.3  # search ±300 ms: wider than any plausible sync error, narrower than a syllable pair
LABIODENTALS = frozenset({"F", "V"})

# iBUG 300-W indices
OUTER_EYE_CORNERS = (36, 45)
UPPER_LIP_OUTER, LOWER_LIP_OUTER = 51, 57
UPPER_LIP_INNER, LOWER_LIP_INNER = 62, 66
MOUTH_CORNERS = (48, 54)
CHIN, NOSE_BASE = 8, 33


@dataclass(frozen=True)
class MouthTrack:
    """Per-frame mouth measures ``(T,)`` in inter-ocular units, at ``fps``."""

    fps: float
    inner_gap: np.ndarray
    outer_gap: np.ndarray
    width: np.ndarray
    labiodental: np.ndarray
    jaw: np.ndarray

    @property
    def frames(self) -> int:
        return len(self.inner_gap)


@dataclass(frozen=True)
class LandmarkLipSync:
    """Rates in [0, 1] with the count they were measured on (0.0 when the count is 0); distances in IOD."""

    bilabial_closure: float  # /p b m/ with a sealed frame
    bilabials: int
    labiodental_contact: float  # /f v/ with a frame of lower lip on the upper teeth
    labiodentals: int
    false_closure: float  # open vowels (AA AE AH AO AW AY) sealed in every frame: lower is better
    open_vowels: int
    jaw_contrast: float  # mean peak jaw opening in open vowels minus mean least opening in bilabials (IOD)
    av_offset_frames: int | None  # None without audio; lag of max cross-correlation, envelope -> inner lip gap; + = mouth after sound
    av_offset_ms: float
    av_r: float  # the correlation at that lag (NaN without audio or with a still mouth)


def mouth_track(points: np.ndarray, fps: float) -> MouthTrack:
    """68 iBUG landmarks ``(T, 68, 2|3)`` (any unit) -> `MouthTrack` in inter-ocular units."""
    p = np.asarray(points, np.float64)
    if p.ndim != 3 or p.shape[1] != 68 or p.shape[2] not in (2, 3) or len(p) == 0:
        raise ValueError(f"landmarks must be (T, 68, 2 or 3) iBUG points, got {p.shape}")

    def dist(i: int, j: int) -> np.ndarray:
        return np.linalg.norm(p[:, i] - p[:, j], axis=1)

    iod = dist(*OUTER_EYE_CORNERS)
    if not np.all(iod > 0):
        raise ValueError("landmarks have frames with both outer eye corners at the same place")
    return MouthTrack(
        fps=float(fps),
        inner_gap=dist(UPPER_LIP_INNER, LOWER_LIP_INNER) / iod,
        outer_gap=dist(UPPER_LIP_OUTER, LOWER_LIP_OUTER) / iod,
        width=dist(*MOUTH_CORNERS) / iod,
        labiodental=dist(LOWER_LIP_OUTER, UPPER_LIP_INNER) / iod,
        jaw=dist(CHIN, NOSE_BASE) / iod,
    )


def landmarks_from_curves(curves: Curves) -> np.ndarray:
    """``(T, 68, 3)`` iBUG points from `landmarks`-rig curves (channels ``lm00_x`` ... ``lm67_z``)."""
    index = {name: i for i, name in enumerate(curves.names)}
    try:
        columns = [index[f"lm{i:02d}_{axis}"] for i in range(68) for axis in "xyz"]
    except KeyError as err:
        raise ValueError(f"curves of rig {curves.rig!r} have no landmark channel {err.args[0]}: "
                         "use get_rig('landmarks')") from None
    return np.asarray(curves.values, np.float64)[:, columns].reshape(curves.frames, 68, 3)


def performance_mouth(perf: Performance) -> MouthTrack:
    """A performance measured on the `landmarks` rig (the default head), as a `MouthTrack`."""
    from emoanim.rigs import get_rig

    return mouth_track(landmarks_from_curves(get_rig("landmarks").curves(perf)), perf.fps)


def speech_envelope(audio: Audio, fps: float, frames: int) -> np.ndarray:
    """``(frames,)`` frame RMS level in dB: loudness follows the syllable rhythm that mouth opening follows."""
    return frame_rms_db(audio, fps, frames).astype(np.float64)


def av_offset(envelope: np.ndarray, opening: np.ndarray, fps: float, max_lag_s: float = MAX_AV_LAG_S):
    """The `signals.Lag` of ``opening`` behind ``envelope`` (both ``(T,)`` at ``fps``); + = mouth after sound."""
    return best_lag(envelope, opening, int(round(max_lag_s * fps)))


def score_landmark_lipsync(mouth: MouthTrack, phones: PhoneTrack | list[Phone],
                           audio: Audio | None = None) -> LandmarkLipSync:
    """Score a `MouthTrack` at reference phone timings (and against the audio's envelope, when given)."""
    fps, frames = mouth.fps, mouth.frames

    def scored(labels) -> list[np.ndarray]:
        return [frames_of(p, fps, frames) for p in phones_labelled(phones, labels) if p.end > p.start]

    bilabials = scored(BILABIALS)
    labiodentals = scored(LABIODENTALS)
    vowels = scored(OPEN_VOWELS)
    closure = _rate([mouth.inner_gap[f].min() <= CLOSED_GAP for f in bilabials])
    contact = _rate([mouth.labiodental[f].min() <= LABIODENTAL_CONTACT for f in labiodentals])
    false = _rate([mouth.inner_gap[f].max() <= CLOSED_GAP for f in vowels])
    if bilabials and vowels:
        contrast = float(np.mean([mouth.jaw[f].max() for f in vowels]) - np.mean([mouth.jaw[f].min()
                                                                                   for f in bilabials]))
    else:
        contrast = float("nan")
    if audio is not None:
        lag = av_offset(speech_envelope(audio, fps, frames), mouth.inner_gap, fps)
        offset, offset_ms, r = lag.frames, lag.ms(fps), lag.r
    else:
        offset, offset_ms, r = None, float("nan"), float("nan")
    return LandmarkLipSync(*closure, *contact, *false, contrast, offset, offset_ms, r)


def _rate(hits: list[bool]) -> tuple[float, int]:
    return (float(np.mean(hits)) if hits else 0.0), len(hits)
