"""Phones -> Oculus visemes -> articulator targets -> ARKit-52 weights.

Three plain tables and one mapping function:

- `PHONE_VISEMES`: CMU ARPAbet (no stress digits) -> one or two Oculus/Meta OVRLipSync visemes. Follows the
  project's rig reference (rigs-reference/arpabet_to_viseme.tsv, from Meta's viseme phoneme table). Diphthongs
  get two targets, the first over 60 % of the phone and the second over the rest, the split Rhubarb Lip Sync uses
  for its diphthong shape pairs. HH has no shape of its own: it takes the next phone's (see `coarticulation`).
- `VISEME_TARGETS`: each viseme as targets of a small articulator vector (`PARAMS`), in the spirit of JALI
  (Edwards, Landreth, Fiume & Singh 2016, "JALI: an animator-centric viseme model for expressive lip
  synchronization", SIGGRAPH): the jaw is its own articulator with an opening *range* that loudness moves within,
  and the lips are shaped separately. ``seal`` is the lips closing against whatever the jaw does: ARKit's
  ``mouthClose`` is defined relative to ``jawOpen`` (Apple: "closure of the lips independent of jaw position"),
  so ``mouthClose = seal * jawOpen`` closes the lips at any jaw opening.
- `VISEME_JAW` / `PHONE_JAW`: jaw opening range ``(quiet, loud)`` in ``jawOpen`` units per viseme, with per-phone
  overrides where one viseme covers vowels of different height (Meta's ``aa`` covers AA, AE, AH).

Weights are fractions of each blendshape's full range. They were set by eye against the mouth-shape descriptions in
rigs-reference/visemes.txt (Rhubarb A-H/X, Preston Blair) and checked with the lip-sync metrics in `emoanim.eval`.
"""
from __future__ import annotations

import numpy as np

from emoanim.motion.channels import ARKIT_INDEX, ARKIT_NAMES
from emoanim.phonetics.types import ARPABET, SILENCE

VISEMES: tuple[str, ...] = ("sil", "PP", "FF", "TH", "DD", "kk", "CH", "SS", "nn", "RR", "aa", "E", "ih", "oh", "ou")

DIPHTHONG_FIRST_SHARE = 0.6  # of the phone's duration spent on the first target (Rhubarb's diphthong split)

PHONE_VISEMES: dict[str, tuple[str, ...]] = {
    "AA": ("aa",), "AE": ("aa",), "AH": ("aa",), "AO": ("oh",), "AW": ("aa", "ou"), "AY": ("aa", "ih"),
    "B": ("PP",), "CH": ("CH",), "D": ("DD",), "DH": ("TH",), "EH": ("E",), "ER": ("RR",), "EY": ("E", "ih"),
    "F": ("FF",), "G": ("kk",), "HH": (), "IH": ("ih",), "IY": ("ih",), "JH": ("CH",), "K": ("kk",),
    "L": ("nn",), "M": ("PP",), "N": ("nn",), "NG": ("nn",), "OW": ("oh", "ou"), "OY": ("oh", "ih"), "P": ("PP",),
    "R": ("RR",), "S": ("SS",), "SH": ("CH",), "T": ("DD",), "TH": ("TH",), "UH": ("ou",), "UW": ("ou",),
    "V": ("FF",), "W": ("ou",), "Y": ("ih",), "Z": ("SS",), "ZH": ("CH",),
    SILENCE: ("sil",),
}
assert set(PHONE_VISEMES) == set(ARPABET) | {SILENCE}
assert all(v in VISEMES for targets in PHONE_VISEMES.values() for v in targets)

BILABIALS = frozenset({"P", "B", "M"})
LABIODENTALS = frozenset({"F", "V"})
ROUNDED_VOWELS = frozenset({"UW", "UH", "OW", "AO", "W"})
OPEN_VOWELS = frozenset({"AA", "AE", "AH", "AO", "AW", "AY"})

# The articulator vector every viseme is a target of. Groups share one dominance function (coarticulation.py):
# the jaw, the lips' opening/closing, the lips' shape (rounding vs spreading), and the tongue.
PARAMS: tuple[str, ...] = (
    "jaw_quiet", "jaw_loud", "speaking",
    "seal", "roll_lower", "roll_upper", "upper_up", "lower_down", "press", "shrug_lower", "shrug_upper",
    "funnel", "pucker", "stretch", "smile",
    "tongue_out",
)
PARAM_INDEX: dict[str, int] = {name: i for i, name in enumerate(PARAMS)}
GROUPS: tuple[str, ...] = ("jaw", "lips", "shape", "tongue")
PARAM_GROUP: np.ndarray = np.array(
    [0, 0, 0] + [1] * 8 + [2] * 4 + [3], dtype=np.intp
)  # (P,) group index of each param
assert len(PARAM_GROUP) == len(PARAMS)

# Lip and tongue targets per viseme; every param left out is 0 (lips at rest).
VISEME_TARGETS: dict[str, dict[str, float]] = {
    "sil": {},  # Rhubarb X: lips together but relaxed, no pressure
    "PP": {"seal": 1.0, "press": 0.12},  # Rhubarb A: closed, slight pressure between the lips
    # Rhubarb G: lower lip tucked up under the upper teeth. Half a seal lifts the lower lip towards the upper one
    # whatever the jaw does; the upper lip rises to bare the teeth.
    "FF": {"seal": 0.5, "roll_lower": 0.6, "upper_up": 0.3, "shrug_lower": 0.15},
    "TH": {"tongue_out": 0.25, "upper_up": 0.1, "lower_down": 0.1},  # tongue tip between the teeth
    "DD": {"lower_down": 0.12, "upper_up": 0.05, "stretch": 0.1},  # Rhubarb B: slightly open, teeth near closed
    "kk": {"lower_down": 0.12, "stretch": 0.08},
    "CH": {"funnel": 0.35, "pucker": 0.25, "upper_up": 0.15, "lower_down": 0.15},  # lips flared forward
    "SS": {"stretch": 0.2, "upper_up": 0.1, "lower_down": 0.12},  # teeth together, lips apart and spread
    "nn": {"lower_down": 0.12, "stretch": 0.06},  # Rhubarb H for long L: tongue raised, mouth a little open
    "RR": {"funnel": 0.3, "pucker": 0.25},  # Rhubarb E: slightly rounded
    "aa": {"lower_down": 0.25, "upper_up": 0.1, "stretch": 0.05},  # Rhubarb D: wide open
    "E": {"lower_down": 0.2, "upper_up": 0.1, "stretch": 0.25},  # Rhubarb C: open, a little spread
    "ih": {"lower_down": 0.1, "upper_up": 0.1, "stretch": 0.35, "smile": 0.1},  # Rhubarb B: spread, near closed
    "oh": {"funnel": 0.5, "pucker": 0.2, "lower_down": 0.1},  # Rhubarb E: rounded and open
    "ou": {"pucker": 0.6, "funnel": 0.3},  # Rhubarb F: puckered
}
assert set(VISEME_TARGETS) == set(VISEMES)

# Jaw opening (jawOpen) at the quietest and loudest speech, per viseme. Sibilants and bilabials keep the teeth close;
# open vowels start above the eval's "opened" threshold (0.25) so even quiet open vowels read as open.
VISEME_JAW: dict[str, tuple[float, float]] = {
    "sil": (0.0, 0.0), "PP": (0.03, 0.10), "FF": (0.04, 0.10), "TH": (0.08, 0.18), "DD": (0.06, 0.18),
    "kk": (0.08, 0.20), "CH": (0.04, 0.12), "SS": (0.02, 0.08), "nn": (0.06, 0.18), "RR": (0.08, 0.20),
    "aa": (0.38, 0.70), "E": (0.22, 0.45), "ih": (0.10, 0.25), "oh": (0.30, 0.55), "ou": (0.08, 0.20),
}
# Per-phone overrides (first target of the phone only): vowel height differs inside one viseme class.
PHONE_JAW: dict[str, tuple[float, float]] = {
    "AA": (0.42, 0.75), "AE": (0.36, 0.65), "AH": (0.34, 0.60), "AO": (0.36, 0.62), "AW": (0.40, 0.70),
    "AY": (0.40, 0.70), "OW": (0.26, 0.50), "OY": (0.28, 0.52), "W": (0.05, 0.12), "Y": (0.06, 0.15),
    "IY": (0.08, 0.20), "ER": (0.12, 0.28),
}


def target_vector(viseme: str, jaw: tuple[float, float] | None = None) -> np.ndarray:
    """``(P,)`` articulator targets of one viseme; ``jaw`` overrides its ``(quiet, loud)`` jaw range."""
    vector = np.zeros(len(PARAMS))
    for name, value in VISEME_TARGETS[viseme].items():
        vector[PARAM_INDEX[name]] = value
    quiet, loud = VISEME_JAW[viseme] if jaw is None else jaw
    vector[PARAM_INDEX["jaw_quiet"]] = quiet
    vector[PARAM_INDEX["jaw_loud"]] = loud
    vector[PARAM_INDEX["speaking"]] = 0.0 if viseme == "sil" else 1.0
    return vector


# Param -> the ARKit channels it drives (both sides for symmetric shapes).
_PARAM_CHANNELS: dict[str, tuple[str, ...]] = {
    "roll_lower": ("mouthRollLower",), "roll_upper": ("mouthRollUpper",),
    "upper_up": ("mouthUpperUpLeft", "mouthUpperUpRight"), "lower_down": ("mouthLowerDownLeft", "mouthLowerDownRight"),
    "press": ("mouthPressLeft", "mouthPressRight"), "shrug_lower": ("mouthShrugLower",),
    "shrug_upper": ("mouthShrugUpper",), "funnel": ("mouthFunnel",), "pucker": ("mouthPucker",),
    "stretch": ("mouthStretchLeft", "mouthStretchRight"), "smile": ("mouthSmileLeft", "mouthSmileRight"),
    "tongue_out": ("tongueOut",),
}
_SOURCE_COLUMNS = np.array([PARAM_INDEX[p] for p, chans in _PARAM_CHANNELS.items() for _ in chans], dtype=np.intp)
_TARGET_COLUMNS = np.array([ARKIT_INDEX[c] for chans in _PARAM_CHANNELS.values() for c in chans], dtype=np.intp)


def params_to_arkit(params: np.ndarray, jaw: np.ndarray) -> np.ndarray:
    """Articulator params ``(T, P)`` and jaw opening ``(T,)`` -> ARKit weights ``(T, 52)`` float32 (not clipped)."""
    out = np.zeros((params.shape[0], len(ARKIT_NAMES)), np.float32)
    out[:, _TARGET_COLUMNS] = params[:, _SOURCE_COLUMNS]
    out[:, ARKIT_INDEX["jawOpen"]] = jaw
    out[:, ARKIT_INDEX["mouthClose"]] = params[:, PARAM_INDEX["seal"]] * jaw
    return out
