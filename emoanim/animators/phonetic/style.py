"""How emotion changes articulation: the same visemes, spoken happy, sad, angry...

The emotion's static face (brows, eyes, smile at rest) comes from `emoanim.emotion.expression_offsets`; this module
changes the *speech* movements themselves, per frame, from the class weights ``(T, 8)``:

- happy: visemes widen (more lip-corner pull and stretch, less pucker and funnel) — smiling speech has spread lips
  and shorter lip protrusion (Tartter 1980, "Happy talk: perceptual and acoustic effects of smiling on speech",
  Perception & Psychophysics 27:24).
- sad: smaller jaw and lip excursions; low-arousal speech is hypo-articulated (Lee, Yildirim, Kazemzadeh &
  Narayanan 2005, "An articulatory study of emotional speech production", Interspeech, from EMA recordings).
- angry: tight, pressed lips (AU23/AU24 in EMFACS anger) with more pressure at closures; shorter lip rounding.
- surprised: the jaw and lips open further (AU26/AU27, high arousal).
- fear: lips stretched sideways (AU20). disgusted: upper lip raised (AU10). contempt: tighter, less open.

Every change is linear in the weights (multiplicative gains ``1 + Σ w·g`` and additive terms ``Σ w·a``), so more
intensity gives strictly more of the emotion's signature; gains are > -1, so nothing flips sign. Additive terms act
only while speaking (the ``speaking`` param), so pauses keep the emotion's resting face from `expression_offsets`.
"""
from __future__ import annotations

import numpy as np

from emoanim.animators.phonetic.visemes import PARAM_INDEX, PARAMS
from emoanim.emotion.classes import EMOTION_INDEX, EMOTIONS

# emotion -> gain on the speech jaw opening (jaw *= 1 + Σ w·gain)
JAW_GAIN: dict[str, float] = {
    "happy": 0.05, "sad": -0.4, "surprised": 0.35, "fear": 0.1, "disgusted": -0.15, "angry": -0.1, "contempt": -0.15,
}
# emotion -> {param: gain}: param *= 1 + Σ w·gain
PARAM_GAIN: dict[str, dict[str, float]] = {
    "happy": {"pucker": -0.5, "funnel": -0.35},
    "sad": {"lower_down": -0.3, "upper_up": -0.2, "stretch": -0.3, "smile": -0.5},
    "surprised": {"lower_down": 0.3, "upper_up": 0.2, "funnel": 0.2},
    "fear": {"smile": -0.5},
    "disgusted": {"pucker": -0.2},
    "angry": {"pucker": -0.3, "funnel": -0.2, "lower_down": -0.2},
    "contempt": {"lower_down": -0.15},
}
# emotion -> {param: amount}: param += Σ w·amount while speaking
PARAM_ADD: dict[str, dict[str, float]] = {
    "happy": {"smile": 0.2, "stretch": 0.1},
    "sad": {"shrug_lower": 0.1},
    "fear": {"stretch": 0.2},
    "disgusted": {"upper_up": 0.12},
    "angry": {"press": 0.15, "stretch": 0.05},
    "contempt": {"press": 0.08},
}
# emotion -> extra mouthPress per unit of lip seal: anger pushes the lips together hard at closures.
SEAL_PRESS: dict[str, float] = {"angry": 0.4, "contempt": 0.1}


def _vector(table: dict[str, float]) -> np.ndarray:
    out = np.zeros(len(EMOTIONS))
    for emotion, value in table.items():
        out[EMOTION_INDEX[emotion]] = value
    return out


def _matrix(table: dict[str, dict[str, float]]) -> np.ndarray:
    out = np.zeros((len(EMOTIONS), len(PARAMS)))
    for emotion, row in table.items():
        for param, value in row.items():
            out[EMOTION_INDEX[emotion], PARAM_INDEX[param]] = value
    return out


_JAW_GAIN = _vector(JAW_GAIN)  # (8,)
_PARAM_GAIN = _matrix(PARAM_GAIN)  # (8, P)
_PARAM_ADD = _matrix(PARAM_ADD)  # (8, P)
_SEAL_PRESS = _vector(SEAL_PRESS)  # (8,)
assert (_JAW_GAIN > -1).all() and (_PARAM_GAIN > -1).all(), "a gain of -1 or less would flip or erase articulation"


def apply_style(params: np.ndarray, jaw: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Emotion-styled articulation: params ``(T, P)``, jaw ``(T,)``, class weights ``(T, 8)`` -> (params, jaw).

    Returns new arrays, both >= 0.
    """
    w = np.asarray(weights, dtype=np.float64)
    speaking = params[:, PARAM_INDEX["speaking"]]
    seal = params[:, PARAM_INDEX["seal"]]
    styled = params * (1.0 + w @ _PARAM_GAIN) + (w @ _PARAM_ADD) * speaking[:, None]
    styled[:, PARAM_INDEX["press"]] += (w @ _SEAL_PRESS) * seal
    return np.maximum(styled, 0.0), np.maximum(jaw * (1.0 + w @ _JAW_GAIN), 0.0)
