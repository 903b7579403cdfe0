"""`EmotionTrack`: an emotion timeline, sampled as per-frame class weights ``(T, 8)``.

Each key's weight vector has its emotion's column at the key's intensity and the neutral column at the rest
(``happy:0.8`` -> neutral 0.2, happy 0.8). Between keys the vectors cross-fade with the cubic smoothstep
``3x² - 2x³`` (C1: no jump in value or speed, so the face never snaps), over ``transition`` seconds **centred on the
key time**: a key at ``t`` starts fading in at ``t - transition/2``, is half-way at ``t`` and complete at
``t + transition/2``. Centring makes the key time the moment the face is seen to change. Before the first key the
first key holds; after the last, the last. The steepest change is ``1.5 / transition`` per second (0.083 per frame at
60 fps with the default 0.3 s).

Why 0.3 s by default: expression onsets (neutral to apex) last a few hundred milliseconds (see the onset
durations in Hess & Kleck 1990, Eur. J. Soc. Psychol. 20:369-385, and Schmidt et al. 2006, J. Nonverbal Behav.
30:37-52, for smiles). 0.3 s sits at the quick end, so a change reads as a reaction, not a slow drift; pass a longer
``transition`` for moods that should settle in gradually.
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np

from emoanim.emotion.classes import EMOTION_INDEX, EMOTIONS, NEUTRAL
from emoanim.emotion.spec import EmotionKey, format_keys, parse_keys
from emoanim.errors import InputError

DEFAULT_TRANSITION = 0.3  # seconds; see the module docstring
DOMINANCE_FLOOR = 1e-6  # a non-neutral weight at or below this counts as absent in `dominant`


@dataclass(frozen=True)
class EmotionTrack:
    """Emotion keys in strictly increasing time order, plus the cross-fade length in seconds.

    ``str(track)`` is the canonical spec; ``EmotionTrack.parse(str(t), t.transition) == t``.
    """

    keys: tuple[EmotionKey, ...]
    transition: float = DEFAULT_TRANSITION

    def __post_init__(self) -> None:
        keys = tuple(self.keys)
        object.__setattr__(self, "keys", keys)
        if not keys:
            raise InputError("an emotion track needs at least one key", hint="e.g. 'neutral' or 'happy:0.8'")
        if not all(isinstance(key, EmotionKey) for key in keys):
            raise TypeError("EmotionTrack.keys must be EmotionKey instances")
        if any(after.time <= before.time for before, after in zip(keys, keys[1:])):
            raise InputError("emotion key times must strictly increase", hint="list the keys in time order")
        if not isinstance(self.transition, numbers.Real) or not math.isfinite(self.transition) or self.transition < 0:
            raise InputError(
                f"emotion transition is {self.transition!r} s, not a time >= 0", hint="give seconds, e.g. 0.3"
            )
        object.__setattr__(self, "transition", float(self.transition))

    # ---- construction -------------------------------------------------------------------------------------------

    @classmethod
    def parse(cls, spec: str, transition: float = DEFAULT_TRANSITION) -> "EmotionTrack":
        """``"happy"``, ``"happy:0.6"``, ``"neutral@0,happy:0.8@1.5,sad@4"``: ``name[:intensity][@seconds]``, ...

        Intensity defaults to 1; only the first key may leave out ``@`` (time 0). Case and spaces don't matter.
        Aliases (full table in `emoanim.emotion.spec`): joy/happiness -> happy, sadness -> sad,
        surprise -> surprised, fearful/afraid/scared -> fear, disgust -> disgusted, anger/mad -> angry,
        scorn/disdain -> contempt, calm -> neutral.
        Raises InputError (one line, listing the valid names where a name is wrong).
        """
        return cls(parse_keys(spec), transition)

    @classmethod
    def constant(cls, emotion: str = NEUTRAL, intensity: float = 1.0) -> "EmotionTrack":
        """One emotion for the whole clip."""
        return cls((EmotionKey(0.0, emotion, intensity),))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "EmotionTrack":
        """Inverse of `to_dict` (reads the keys; the spec string there is informative)."""
        try:
            keys = tuple(EmotionKey(k["time"], k["emotion"], k["intensity"]) for k in data["keys"])
            transition = data.get("transition", DEFAULT_TRANSITION)
        except (KeyError, TypeError) as err:
            raise InputError(
                f"emotion metadata is malformed ({type(err).__name__}: {err})",
                hint="expected {'keys': [{'time', 'emotion', 'intensity'}, ...], 'transition': seconds}",
            ) from None
        return cls(keys, transition)

    # ---- sampling -----------------------------------------------------------------------------------------------

    def at(self, times: np.ndarray) -> np.ndarray:
        """Class weights at ``times`` (seconds): ``(T,)`` -> ``(T, 8)`` in `EMOTIONS` order, each row sums to 1.

        Rows are convex combinations of the key vectors, so every weight is in [0, 1].
        """
        t = np.asarray(times, dtype=np.float64)
        if not np.all(np.isfinite(t)):
            raise ValueError("EmotionTrack.at: times must be finite")
        vectors = self._key_vectors()  # (K, 8)
        if len(self.keys) == 1:
            return np.broadcast_to(vectors[0], t.shape + (len(EMOTIONS),)).copy()
        # progress[..., k] in [0, 1]: how far the fade *into* key k+1 has gone; non-increasing in k.
        key_times = np.array([key.time for key in self.keys[1:]])
        progress = _fade(t[..., None] - key_times, self.transition)  # (..., K-1)
        ones = np.ones(t.shape + (1,))
        zeros = np.zeros(t.shape + (1,))
        # Share of key k = progress into k minus progress into k+1 (telescopes to a total of 1).
        share = np.concatenate([ones, progress], axis=-1) - np.concatenate([progress, zeros], axis=-1)
        np.maximum(share, 0.0, out=share)  # float rounding only; exact arithmetic gives share >= 0
        return share @ vectors

    def dominant(self, times: np.ndarray) -> list[str]:
        """Per time: the heaviest non-neutral class, or ``"neutral"`` when every non-neutral weight is ~0.

        Ties go to the class earlier in `EMOTIONS`. ``(T,)`` seconds -> ``T`` names.
        """
        weights = self.at(np.atleast_1d(np.asarray(times, dtype=np.float64)).ravel())
        others = np.delete(weights, EMOTION_INDEX[NEUTRAL], axis=1)
        names = [name for name in EMOTIONS if name != NEUTRAL]
        best = others.argmax(axis=1)
        return [names[i] if others[row, i] > DOMINANCE_FLOOR else NEUTRAL for row, i in enumerate(best)]

    # ---- description --------------------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``{"spec", "transition", "keys": [{"time", "emotion", "intensity"}, ...]}``."""
        return {
            "spec": str(self),
            "transition": self.transition,
            "keys": [{"time": k.time, "emotion": k.emotion, "intensity": k.intensity} for k in self.keys],
        }

    def __str__(self) -> str:
        return format_keys(self.keys)

    def __repr__(self) -> str:
        return f"EmotionTrack.parse({str(self)!r}, transition={self.transition!r})"

    def _key_vectors(self) -> np.ndarray:
        vectors = np.zeros((len(self.keys), len(EMOTIONS)))
        for row, key in enumerate(self.keys):
            vectors[row, EMOTION_INDEX[key.emotion]] += key.intensity
            vectors[row, EMOTION_INDEX[NEUTRAL]] += 1.0 - key.intensity
        return vectors


def _fade(offset: np.ndarray, transition: float) -> np.ndarray:
    """Smoothstep from 0 (``offset <= -transition/2``) to 1 (``offset >= transition/2``); a step when 0."""
    if transition == 0.0:
        return (offset >= 0.0).astype(np.float64)
    x = np.clip(offset / transition + 0.5, 0.0, 1.0)
    return x * x * (3.0 - 2.0 * x)
