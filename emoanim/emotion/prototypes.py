"""Emotion prototypes as ARKit-52 weights: what each emotion adds to the face, on top of speech.

Two tables, both plain data:

1. `EMFACS_PROTOTYPES`: each emotion as FACS action units (AUs) with a strength in [0, 1]. The AU sets are the
   prototypes of EMFACS-7 (Ekman & Friesen 1983; as tabulated in the FACS Investigator's Guide, Ekman, Friesen &
   Hager 2002, ch. 12), contempt from Ekman & Friesen 1986 ("A new pan-cultural facial expression of emotion",
   Motivation & Emotion 10:159-168): a unilateral lip-corner tightening and raise.
2. `AU_TO_ARKIT`: how much of each ARKit blendshape one unit of an AU drives. Correspondences follow Apple's
   ``ARFaceAnchor.BlendShapeLocation`` descriptions read against the FACS manual, and M. Ozel's "ARKit to FACS
   cheat sheet" (melindaozel.com, 2019-2022). (/work/shared/rigs-reference/REPORT.md has no AU table.)

Strengths: FACS scores intensity with letters A (trace) .. E (maximum). We read them as A 0.15, B 0.3, C 0.5,
D 0.7, E 0.9 of a blendshape's range, and put each prototype at C-D: an obvious expression that reads at a glance
without caricature, and that leaves headroom for speech and for the animator's own layering. Where EMFACS names
a grade (surprise's "5B", contempt's "12A+14A") we keep its rank order but lift it one step so that full intensity
is clearly visible on a stylised rig. Jaw opening (AU26) is kept at B or below because the animator adds it to the
speech jaw; a larger value would hold the mouth open through bilabials.
"""
from __future__ import annotations

import numpy as np

from emoanim.emotion.classes import EMOTION_INDEX, EMOTIONS, NEUTRAL
from emoanim.emotion.spec import canonical_emotion
from emoanim.motion.channels import ARKIT_INDEX, ARKIT_NAMES

SIDES = ("Left", "Right")
CONTEMPT_SIDE = "Right"  # EMFACS codes contempt as "R12A+R14A" (right side); ARKit sides are the subject's own


def _both(base: str, amount: float) -> dict[str, float]:
    return {f"{base}{side}": amount for side in SIDES}


# One unit of each AU -> ARKit blendshape weights.
AU_TO_ARKIT: dict[int, dict[str, float]] = {
    1: {"browInnerUp": 1.0},  # inner brow raiser (frontalis, pars medialis)
    2: _both("browOuterUp", 1.0),  # outer brow raiser (frontalis, pars lateralis)
    4: _both("browDown", 1.0),  # brow lowerer (corrugator, depressor supercilii)
    5: _both("eyeWide", 1.0),  # upper lid raiser (levator palpebrae superioris)
    # cheek raiser (orbicularis oculi, pars orbitalis): also lifts the lower lid, which ARKit puts in eyeSquint
    6: {**_both("cheekSquint", 1.0), **_both("eyeSquint", 0.3)},
    7: _both("eyeSquint", 1.0),  # lid tightener (orbicularis oculi, pars palpebralis)
    # nose wrinkler (levator labii sup. alaeque nasi): drags the medial brow down a little too
    9: {**_both("noseSneer", 1.0), **_both("browDown", 0.2)},
    10: _both("mouthUpperUp", 1.0),  # upper lip raiser (levator labii superioris)
    12: _both("mouthSmile", 1.0),  # lip corner puller (zygomaticus major)
    14: _both("mouthDimple", 1.0),  # dimpler (buccinator)
    15: _both("mouthFrown", 1.0),  # lip corner depressor (depressor anguli oris)
    16: _both("mouthLowerDown", 1.0),  # lower lip depressor (depressor labii inferioris)
    17: {"mouthShrugLower": 1.0},  # chin raiser (mentalis)
    20: _both("mouthStretch", 1.0),  # lip stretcher (risorius, platysma)
    # lip tightener (orbicularis oris): ARKit has no exact shape; press plus a slight roll-in narrows the red lips
    23: {**_both("mouthPress", 1.0), "mouthRollLower": 0.3, "mouthRollUpper": 0.3},
    26: {"jawOpen": 1.0},  # jaw drop (masseter relaxed)
    41: _both("eyeBlink", 1.0),  # lid droop (levator palpebrae relaxed)
}

# Emotion -> {AU: strength at intensity 1}; FACS grade in the comment. Neutral adds nothing.
EMFACS_PROTOTYPES: dict[str, dict[int, float]] = {
    NEUTRAL: {},
    "happy": {6: 0.5, 12: 0.7},  # 6C + 12D: Duchenne smile
    "sad": {1: 0.7, 4: 0.3, 15: 0.5, 17: 0.3, 41: 0.15},  # 1D + 4B + 15C, + 17B chin and 41A lid droop
    "surprised": {1: 0.7, 2: 0.7, 5: 0.4, 26: 0.25},  # 1D + 2D + 5B(+) + 26B
    "fear": {1: 0.7, 2: 0.4, 4: 0.3, 5: 0.6, 7: 0.15, 20: 0.5, 26: 0.2},  # 1D 2B(+) 4B 5C(+) 7A 20C 26B(-)
    "disgusted": {9: 0.6, 10: 0.4, 15: 0.3, 16: 0.2},  # 9C(+) + 10B(+) + 15B + 16B(-)
    "angry": {4: 0.7, 5: 0.3, 7: 0.5, 23: 0.5},  # 4D + 5B + 7C + 23C: lowered brows, glare, tight lips
    "contempt": {12: 0.3, 14: 0.5},  # R12B + R14C, one side only (CONTEMPT_SIDE)
}
UNILATERAL: dict[str, str] = {"contempt": CONTEMPT_SIDE}


def _prototype_row(emotion: str) -> np.ndarray:
    row = np.zeros(len(ARKIT_NAMES))
    side = UNILATERAL.get(emotion)
    for au, strength in EMFACS_PROTOTYPES[emotion].items():
        for shape, amount in AU_TO_ARKIT[au].items():
            if side is not None and shape.endswith(SIDES) and not shape.endswith(side):
                continue
            row[ARKIT_INDEX[shape]] += strength * amount
    return np.clip(row, 0.0, 1.0)


PROTOTYPE_MATRIX: np.ndarray = np.stack([_prototype_row(name) for name in EMOTIONS])  # (8, 52)
PROTOTYPE_MATRIX.setflags(write=False)


def prototype(emotion: str) -> dict[str, float]:
    """The full-intensity ARKit weights of one emotion, non-zero shapes only (for docs, tools and tests)."""
    row = PROTOTYPE_MATRIX[EMOTION_INDEX[canonical_emotion(emotion)]]
    return {ARKIT_NAMES[i]: float(row[i]) for i in np.flatnonzero(row)}


def expression_offsets(weights: np.ndarray) -> np.ndarray:
    """Emotion class weights ``(T, 8)`` (from `EmotionTrack.at`) -> ARKit weights ``(T, 52)`` float32.

    Linear in the weights: each emotion's prototype scaled by its weight, summed. With rows that sum to 1 (as
    `EmotionTrack.at` gives) every output lies in [0, max prototype weight] ⊂ [0, 1].
    A single ``(8,)`` row gives ``(52,)``.
    """
    w = np.asarray(weights, dtype=np.float64)
    if w.shape[-1:] != (len(EMOTIONS),) or w.ndim > 2:
        raise ValueError(f"expression_offsets: weights must be (T, {len(EMOTIONS)}), got {w.shape}")
    return (w @ PROTOTYPE_MATRIX).astype(np.float32)
