"""Lip-sync metrics on ARKit-52 expression curves, scored at reference phone timings.

Lip aperture proxy (ARKit has no "lip gap" channel, so it is built from the shapes that open or close the lips)::

    aperture = jawOpen - mouthClose + 0.5 * mean(mouthLowerDownLeft/Right) + 0.5 * mean(mouthUpperUpLeft/Right)

clipped at 0. Why: ``jawOpen`` drops the jaw and the lower lip with it; Apple defines ``mouthClose`` as "closure of the
lips independent of jaw position", i.e. it brings the lips back together against an open jaw, so ``jawOpen -
mouthClose`` is the gap the jaw leaves; ``mouthLowerDown`` and ``mouthUpperUp`` pull each lip away from the other
without the jaw (AU16 and AU10), and each moves one lip only, hence half weight. ``mouthFunnel``/``mouthPucker`` are
left out: they shape the lips more than they part them. On a 0..1 scale where a wide-open "aa" reads 0.5-0.8:

- `CLOSED_APERTURE` = 0.05: lips count as closed at or below 5 % of full range. That is about the frame-to-frame
  jitter of ARKit captures of a closed mouth (jawOpen and mouthClose both float around 0.02-0.08 at rest), so a
  truly sealed frame passes and a visibly parted one (> 0.1) does not.
- `OPEN_JAW` = 0.25: an open vowel counts as opened when ``jawOpen`` peaks at a quarter of its range or more, which
  reads as clearly open on ARKit-style heads; unstressed /ah/ in fast speech can fall below it, which is the point
  of measuring.

A phone is scored on every frame whose time lies in ``[start, end]``, plus always the frame nearest its centre, so a
phone shorter than a frame still gets one frame (the same frames the phonetic animator seals for /p b m/).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np

from emoanim.motion.channels import ARKIT_INDEX, ARKIT_NAMES
# the aperture proxy and closed line above, defined with the lip seal: motion's smoothing guards the same closures
from emoanim.motion.lip_seal import CLOSED_APERTURE, lip_aperture
from emoanim.phonetics.types import ARPABET, SILENCE, Phone, PhoneTrack, phone_frames

OPEN_JAW = 0.25  # peak jawOpen at or above this = open vowel opened
PAUSE_MARGIN_S = 0.1  # seconds at each end of a pause left unscored: lips close/open over ~100 ms around speech
MIN_PAUSE_S = 0.3  # shorter pauses are not scored: the mouth has no time to come to rest

BILABIALS = frozenset({"P", "B", "M"})
OPEN_VOWELS = frozenset({"AA", "AE", "AH", "AO", "AW", "AY"})



@dataclass(frozen=True)
class LipSyncScores:
    """Each rate in [0, 1] with the number of phones (or pauses) it was measured on; a rate is 0.0 when n is 0."""

    bilabial_closure: float
    bilabials: int
    open_vowels_opened: float
    open_vowels: int
    closed_in_pauses: float
    pauses: int


def frames_of(phone: Phone, fps: float, frames: int) -> np.ndarray:
    """Frame indices scored for ``phone``: times in ``[start, end]`` plus the frame nearest its centre."""
    first, last = phone_frames(np.array([phone.start]), np.array([phone.end]), fps, frames)
    return np.arange(first[0], last[0] + 1)


def bilabial_closure_rate(
    expression: np.ndarray, fps: float, phones: PhoneTrack | Sequence[Phone], threshold: float = CLOSED_APERTURE
) -> tuple[float, int]:
    """Share of /p b m/ phones with at least one frame whose lip aperture is <= ``threshold``; and their count."""
    aperture = lip_aperture(expression)
    hits = [aperture[frames_of(p, fps, len(aperture))].min() <= threshold for p in phones_labelled(phones, BILABIALS)]
    return _rate(hits)


def open_vowel_rate(
    expression: np.ndarray, fps: float, phones: PhoneTrack | Sequence[Phone], threshold: float = OPEN_JAW
) -> tuple[float, int]:
    """Share of open-vowel phones (AA AE AH AO AW AY) whose peak ``jawOpen`` is >= ``threshold``; and their count."""
    jaw = _check(expression)[:, ARKIT_INDEX["jawOpen"]]
    hits = [jaw[frames_of(p, fps, len(jaw))].max() >= threshold for p in phones_labelled(phones, OPEN_VOWELS)]
    return _rate(hits)


def false_closure_rate(
    expression: np.ndarray, fps: float, phones: PhoneTrack | Sequence[Phone], threshold: float = CLOSED_APERTURE
) -> tuple[float, int]:
    """Share of speech phones that are neither bilabials nor pauses whose scored frames are ALL closed (aperture <=
    ``threshold``); and their count.

    The precision side of `bilabial_closure_rate`: a mouth that seals on every /t k/ would score full bilabial
    closure and still look wrong. "All frames" rather than "any frame" because a phone next to a /p b m/ legitimately
    shares a closed frame with it through coarticulation; a phone closed from start to end is a closure of its own.
    """
    aperture = lip_aperture(expression)
    others = [p for p in phones_labelled(phones, set(ARPABET) - BILABIALS) if p.end > p.start]
    hits = [aperture[frames_of(p, fps, len(aperture))].max() <= threshold for p in others]
    return _rate(hits)


def closure_in_pauses(
    expression: np.ndarray,
    fps: float,
    phones: PhoneTrack | Sequence[Phone],
    threshold: float = CLOSED_APERTURE,
    margin: float = PAUSE_MARGIN_S,
    min_pause: float = MIN_PAUSE_S,
) -> tuple[float, int]:
    """Share of pauses (>= ``min_pause`` s) whose median aperture, ``margin`` s in from each end, is <= ``threshold``.

    The median asks "is the mouth at rest for most of the pause", tolerating a brief movement (a swallow, a breath).
    """
    aperture = lip_aperture(expression)
    hits = []
    for pause in phones_labelled(phones, {SILENCE}):
        if pause.end - pause.start < min_pause:
            continue
        inner = Phone(SILENCE, pause.start + margin, pause.end - margin)
        hits.append(np.median(aperture[frames_of(inner, fps, len(aperture))]) <= threshold)
    return _rate(hits)


def score_lipsync(expression: np.ndarray, fps: float, phones: PhoneTrack | Sequence[Phone]) -> LipSyncScores:
    """All three metrics at their default thresholds."""
    closure = bilabial_closure_rate(expression, fps, phones)
    opened = open_vowel_rate(expression, fps, phones)
    paused = closure_in_pauses(expression, fps, phones)
    return LipSyncScores(*closure, *opened, *paused)


def _check(expression: np.ndarray) -> np.ndarray:
    x = np.asarray(expression, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != len(ARKIT_NAMES) or x.shape[0] == 0:
        raise ValueError(f"expression must be (T, {len(ARKIT_NAMES)}) ARKit weights with T >= 1, got {x.shape}")
    return x


def phones_labelled(phones: PhoneTrack | Sequence[Phone], labels: Iterable[str]) -> list[Phone]:
    """Phones whose label (stress digits dropped, any case) is in ``labels``."""
    wanted = set(labels)
    items = phones.phones if isinstance(phones, PhoneTrack) else phones
    return [p for p in items if _base_label(p.label) in wanted]


def _base_label(label: str) -> str:
    text = label.strip()
    return SILENCE if text.lower() in ("sil", "sp", "spn", "pau", "") else re.sub(r"[012]$", "", text.upper())


def _rate(hits: list[bool]) -> tuple[float, int]:
    # 0.0 rather than NaN for "nothing to score", so per-file rates can be pooled as rate * n without special cases.
    return (float(np.mean(hits)) if hits else 0.0), len(hits)
