"""Coarticulation: blend per-phone articulator targets with Cohen–Massaro dominance functions.

Cohen & Massaro 1993 ("Modeling coarticulation in synthetic visual speech", in Models and Techniques in Computer
Animation, Springer, pp. 139-156) give every speech segment s, for every articulator, a target ``T_s`` and a
dominance ``D_s(t) = α_s · exp(-θ_s · τ^c)`` that decays with the time ``τ`` from the segment, with separate rates
before it (anticipation) and after it (carry-over). The articulator follows ``Σ_s D_s(t) T_s / Σ_s D_s(t)``. A segment
with a large ``α`` (a bilabial for the lips) wins against its neighbours; a small ``α`` (a tongue consonant for the
lips) lets the neighbouring vowels shape the mouth, which is coarticulation.

Choices here:
- ``c = 1`` and ``τ`` measured from the segment's *core* (its middle `CORE_SHARE` of the duration), so a long phone
  holds its target and dominance falls off only outside it. Rates are written as e-folding times in seconds.
- Four articulator groups with their own dominance (JALI's split of jaw and lips, Edwards et al. 2016, taken one step
  further): jaw, lip opening/closing, lip shape (rounding vs spreading), tongue.
- Rounded vowels reach far ahead with the lip-shape group (150 ms e-folding), so rounding starts in the consonants
  before them: English lip protrusion begins some 100-200 ms before a rounded vowel (Bell-Berti & Harris 1979,
  "Anticipatory coarticulation: some implications from a study of lip rounding", JASA 65:1268).
- Bilabials and labiodentals dominate the lip-opening group; T D N K G L are weak there (the tongue makes them, the
  lips are free). Sibilants dominate the jaw (the teeth must be close for the hiss).

Evaluation is banded: a frame only sees `NEIGHBOURS` segments on each side of the one it falls in, which keeps the
cost at O(frames) for any clip length.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from emoanim.animators.phonetic.visemes import (
    DIPHTHONG_FIRST_SHARE,
    GROUPS,
    PARAM_GROUP,
    PHONE_JAW,
    PHONE_VISEMES,
    VISEME_JAW,
    VISEMES,
    target_vector,
)
from emoanim.errors import InputError
from emoanim.phonetics.types import SILENCE, Phone

CORE_SHARE = 0.5  # middle share of a segment where its dominance is at full strength
NEIGHBOURS = 6  # segments either side a frame is blended from; exp(-τ/σ) is < 1e-3 beyond that for normal speech
PAUSE_LABELS = frozenset({"sil", "sp", "spn", "pau", "", "<sil>", "sil_", "[sil]"})  # aligners' names for a pause
HH_WEAKNESS = 0.2  # HH's dominance relative to the vowel it borrows its shape from: the mouth is the neighbours'
HH_JAW_SHARE = 0.7  # HH opens the jaw this much of the next vowel's range (breath before the vowel)


@dataclass(frozen=True)
class Dominance:
    """Per articulator group (`GROUPS` order): magnitude α, anticipation and carry-over e-folding times (s)."""

    magnitude: tuple[float, float, float, float]
    anticipation: tuple[float, float, float, float]
    carryover: tuple[float, float, float, float]


def _dominance(jaw: float, lips: float, shape: float, tongue: float, *, ahead: dict[str, float] | None = None,
               behind: dict[str, float] | None = None, time: float = 0.04) -> Dominance:
    """Magnitudes per group; e-folding ``time`` seconds both ways unless ``ahead``/``behind`` name a group."""
    ahead, behind = ahead or {}, behind or {}
    return Dominance(
        (jaw, lips, shape, tongue),
        tuple(ahead.get(g, time) for g in GROUPS),  # type: ignore[arg-type]
        tuple(behind.get(g, time) for g in GROUPS),  # type: ignore[arg-type]
    )


DOMINANCE: dict[str, Dominance] = {
    # A pause holds the mouth at rest; its edges fade over ~50 ms so speech onsets are anticipated.
    "sil": _dominance(1.5, 1.0, 1.0, 1.0, time=0.05),
    # Lips: bilabial and labiodental closures override the neighbours, with a short reach so vowels beside them
    # still open. The closure itself is guaranteed per frame in the animator, not left to this blend.
    "PP": _dominance(0.7, 4.0, 0.6, 0.5, ahead={"lips": 0.025}, behind={"lips": 0.02}),
    "FF": _dominance(1.5, 3.0, 0.6, 0.5, ahead={"lips": 0.025}, behind={"lips": 0.02}),
    "TH": _dominance(0.8, 0.8, 0.4, 3.0),
    # Tongue consonants: weak for the lips and the lip shape, which come from the vowels around them.
    "DD": _dominance(0.6, 0.25, 0.2, 1.0),
    "kk": _dominance(0.6, 0.25, 0.2, 1.0),
    "nn": _dominance(0.6, 0.25, 0.2, 1.0),
    "SS": _dominance(1.5, 0.8, 0.6, 1.0),
    "CH": _dominance(1.0, 1.5, 2.0, 1.0, ahead={"shape": 0.08}),
    "RR": _dominance(0.6, 0.8, 1.5, 1.0, ahead={"shape": 0.08}),
    # Vowels: they own the jaw. Rounded ones spread rounding far ahead into the consonants before them.
    "aa": _dominance(2.0, 1.2, 1.2, 0.5),
    "E": _dominance(2.0, 1.2, 1.2, 0.5),
    "ih": _dominance(2.0, 1.2, 1.2, 0.5),
    "oh": _dominance(2.0, 1.2, 2.5, 0.5, ahead={"shape": 0.15}, behind={"shape": 0.07}),
    "ou": _dominance(2.0, 1.2, 2.5, 0.5, ahead={"shape": 0.15}, behind={"shape": 0.07}),
}
assert set(DOMINANCE) == set(VISEMES)


@dataclass(frozen=True)
class Segments:
    """Viseme segments in time order; S segments (a diphthong is two), P params, G groups.

    start, end: ``(S,)`` seconds. targets: ``(S, P)``. magnitude, anticipation, carryover: ``(S, G)``.
    """

    start: np.ndarray
    end: np.ndarray
    targets: np.ndarray
    magnitude: np.ndarray
    anticipation: np.ndarray
    carryover: np.ndarray


def normalise_label(label: str) -> str:
    """``"AH0"`` -> ``"AH"``, ``"sp"`` -> ``"sil"``; raises InputError for anything not ARPAbet or a pause."""
    text = label.strip()
    if text.lower() in PAUSE_LABELS:
        return SILENCE
    core = re.sub(r"[012]$", "", text.upper())
    if core not in PHONE_VISEMES:
        raise InputError(
            f"unknown phone label {label!r}",
            hint="phones must be CMU ARPAbet without stress (AA, B, CH, ...) or 'sil' for pauses",
        )
    return core


def clean_phones(phones: Sequence[Phone], duration: float) -> list[Phone]:
    """Labels normalised, sorted, gaps and the tail up to ``duration`` filled with pauses, times clipped."""
    ordered = sorted(phones, key=lambda p: (p.start, p.end))
    out: list[Phone] = []
    cursor = 0.0
    for phone in ordered:
        if not (np.isfinite(phone.start) and np.isfinite(phone.end)) or phone.end < phone.start:
            raise InputError(
                f"phone {phone.label!r} has times {phone.start!r}..{phone.end!r}",
                hint="each phone needs finite times with start <= end",
            )
        label = normalise_label(phone.label)
        start, end = max(phone.start, cursor), min(phone.end, duration)
        if end < start:  # wholly overlapped by the phone before it, or past the end of the audio
            continue
        if start > cursor + 1e-6:
            out.append(Phone(SILENCE, cursor, start))
        out.append(Phone(label, start, end, phone.word))
        cursor = end
    if duration > cursor + 1e-6:
        out.append(Phone(SILENCE, cursor, duration))
    return out or [Phone(SILENCE, 0.0, duration)]


def build_segments(phones: Sequence[Phone]) -> Segments:
    """Clean phones (see `clean_phones`) -> viseme `Segments`: diphthongs split 60/40, HH shaped like the next phone."""
    rows: list[tuple[float, float, np.ndarray, Dominance, float]] = []
    for i, phone in enumerate(phones):
        label = phone.label
        visemes = PHONE_VISEMES[label]
        strength = 1.0
        jaw = PHONE_JAW.get(label)
        if label == "HH":
            following = phones[i + 1].label if i + 1 < len(phones) else SILENCE
            visemes = PHONE_VISEMES[following][:1] if following not in (SILENCE, "HH") else ("DD",)
            strength = HH_WEAKNESS
            base = PHONE_JAW.get(following) or VISEME_JAW[visemes[0]]
            jaw = (base[0] * HH_JAW_SHARE, base[1] * HH_JAW_SHARE)
        if len(visemes) == 1:
            rows.append((phone.start, phone.end, target_vector(visemes[0], jaw), DOMINANCE[visemes[0]], strength))
        else:
            split = phone.start + DIPHTHONG_FIRST_SHARE * (phone.end - phone.start)
            rows.append((phone.start, split, target_vector(visemes[0], jaw), DOMINANCE[visemes[0]], strength))
            rows.append((split, phone.end, target_vector(visemes[1]), DOMINANCE[visemes[1]], strength))
    return Segments(
        start=np.array([r[0] for r in rows]),
        end=np.array([r[1] for r in rows]),
        targets=np.stack([r[2] for r in rows]),
        magnitude=np.array([np.multiply(r[3].magnitude, r[4]) for r in rows]),
        anticipation=np.array([r[3].anticipation for r in rows]),
        carryover=np.array([r[3].carryover for r in rows]),
    )


def blend(segments: Segments, times: np.ndarray) -> np.ndarray:
    """Cohen–Massaro blend of the segment targets at ``times`` ``(T,)`` seconds -> params ``(T, P)``."""
    count = len(segments.start)
    here = np.clip(np.searchsorted(segments.start, times, side="right") - 1, 0, count - 1)
    index = here[:, None] + np.arange(-NEIGHBOURS, NEIGHBOURS + 1)  # (T, K)
    valid = (index >= 0) & (index < count)
    index = np.clip(index, 0, count - 1)

    centre = 0.5 * (segments.start + segments.end)
    half_core = 0.5 * CORE_SHARE * (segments.end - segments.start)
    offset = times[:, None] - centre[index]  # (T, K): > 0 once the segment's centre has passed
    ahead = np.maximum(-offset - half_core[index], 0.0)[..., None]  # (T, K, 1) time until the core starts
    behind = np.maximum(offset - half_core[index], 0.0)[..., None]  # time since the core ended
    decay = ahead / segments.anticipation[index] + behind / segments.carryover[index]  # (T, K, G)
    dominance = segments.magnitude[index] * np.exp(-decay) * valid[..., None]

    per_param = dominance[..., PARAM_GROUP]  # (T, K, P)
    weighted = np.einsum("tkp,tkp->tp", per_param, segments.targets[index])
    # The segment a frame falls in always has full dominance (τ = 0 or small), so the sum is > 0.
    return weighted / np.maximum(per_param.sum(axis=1), 1e-12)

