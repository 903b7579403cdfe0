"""Parse ``--emotion`` specs into emotion keys.

Grammar (whitespace around every token is ignored, names are case-insensitive)::

    spec      := key ("," key)*
    key       := name [":" intensity] ["@" time]
    intensity := a number in [0, 1]           (default 1.0; ignored for neutral)
    time      := seconds >= 0, optional "s"   (may be left out on the first key only: it means 0)

Examples: ``happy``, ``happy:0.6``, ``neutral@0, happy:0.8@1.5, sad@4``. Key times must strictly increase.

Accepted aliases (besides the eight names in :data:`EMOTIONS`):

===========  =============================================================
class        aliases
===========  =============================================================
neutral      none, calm, rest
happy        happiness, joy, joyful, smile, smiling
sad          sadness, unhappy, sorrow
surprised    surprise, astonished
fear         fearful, afraid, scared, fright
disgusted    disgust
angry        anger, mad
contempt     contemptuous, scorn, disdain
===========  =============================================================
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

from emoanim.emotion.classes import EMOTION_INDEX, EMOTIONS, NEUTRAL
from emoanim.errors import InputError

ALIASES: dict[str, str] = {
    "none": "neutral", "calm": "neutral", "rest": "neutral",
    "happiness": "happy", "joy": "happy", "joyful": "happy", "smile": "happy", "smiling": "happy",
    "sadness": "sad", "unhappy": "sad", "sorrow": "sad",
    "surprise": "surprised", "astonished": "surprised",
    "fearful": "fear", "afraid": "fear", "scared": "fear", "fright": "fear",
    "disgust": "disgusted",
    "anger": "angry", "mad": "angry",
    "contemptuous": "contempt", "scorn": "contempt", "disdain": "contempt",
}
_VALID_NAMES = ", ".join(EMOTIONS)
_GRAMMAR_HINT = "write e.g. 'happy', 'happy:0.6' or 'neutral@0,happy:0.8@1.5,sad@4'"


@dataclass(frozen=True)
class EmotionKey:
    """From ``time`` (seconds, >= 0) on, the face shows ``emotion`` at ``intensity`` (0..1).

    Validated on creation (InputError): aliases become the class name, and neutral's intensity, which has no
    effect, becomes 1.0, so equal-looking keys compare equal.
    """

    time: float
    emotion: str
    intensity: float = 1.0

    def __post_init__(self) -> None:
        name = canonical_emotion(self.emotion)
        _check_intensity(self.intensity, name)
        _check_time(self.time, name)
        object.__setattr__(self, "emotion", name)
        object.__setattr__(self, "time", float(self.time))
        object.__setattr__(self, "intensity", 1.0 if name == NEUTRAL else float(self.intensity))


def canonical_emotion(name: str) -> str:
    """``"Anger "`` -> ``"angry"``; raises InputError listing the valid names for anything unknown."""
    if not isinstance(name, str):
        raise InputError(f"emotion name {name!r} is not text", hint=f"use one of: {_VALID_NAMES}")
    key = name.strip().lower()
    if key in EMOTION_INDEX:
        return key
    if key in ALIASES:
        return ALIASES[key]
    shown = repr(name.strip()) if name.strip() else "an empty name"
    raise InputError(f"unknown emotion {shown}", hint=f"use one of: {_VALID_NAMES}")


def parse_keys(spec: str) -> tuple[EmotionKey, ...]:
    """``"neutral@0,happy:0.8@1.5"`` -> keys in time order. Raises InputError (one line) on any mistake."""
    if not isinstance(spec, str) or not spec.strip():
        raise InputError("empty emotion spec", hint=f"{_GRAMMAR_HINT}; valid emotions: {_VALID_NAMES}")
    keys: list[EmotionKey] = []
    for position, part in enumerate(spec.split(",")):
        if not part.strip():
            raise InputError(f"emotion spec {spec.strip()!r} has an empty entry", hint=_GRAMMAR_HINT)
        keys.append(_parse_key(part, first=position == 0))
    for before, after in zip(keys, keys[1:]):
        if after.time <= before.time:
            raise InputError(
                f"emotion key times must strictly increase, but {after.emotion}@{after.time:g} "
                f"follows {before.emotion}@{before.time:g}",
                hint="list the keys in time order, one per time",
            )
    return tuple(keys)


def format_keys(keys: tuple[EmotionKey, ...]) -> str:
    """The canonical spec for ``keys``; ``parse_keys(format_keys(k)) == k``."""
    if len(keys) == 1 and keys[0].time == 0.0:
        return _format_entry(keys[0])
    return ",".join(f"{_format_entry(key)}@{_number(key.time)}" for key in keys)


def _parse_key(text: str, *, first: bool) -> EmotionKey:
    body, at, time_text = text.partition("@")
    name, colon, intensity_text = body.partition(":")
    emotion = canonical_emotion(name)
    intensity = _parse_number(intensity_text, f"intensity of {emotion}", "give a number from 0 to 1") if colon else 1.0
    _check_intensity(intensity, emotion)
    if at:
        seconds_text = time_text.strip()
        seconds_text = seconds_text[:-1] if seconds_text.lower().endswith("s") else seconds_text
        time = _parse_number(seconds_text, f"time of {emotion}", "give seconds >= 0, e.g. @1.5")
        _check_time(time, emotion)
    elif first:
        time = 0.0
    else:
        raise InputError(
            f"emotion key {text.strip()!r} has no time",
            hint="every key after the first needs '@seconds', e.g. 'neutral,happy@1.5'",
        )
    return EmotionKey(time, emotion, intensity)


def _parse_number(text: str, what: str, hint: str) -> float:
    try:
        value = float(text.strip())
    except ValueError:
        raise InputError(f"{what} is {text.strip()!r}, not a number", hint=hint) from None
    if not math.isfinite(value):
        raise InputError(f"{what} is {text.strip()!r}, not a finite number", hint=hint)
    return value


def _check_intensity(value: float, emotion: str) -> None:
    if not _is_real(value) or not 0.0 <= float(value) <= 1.0:  # the comparison also rejects NaN
        raise InputError(f"intensity of {emotion} is {value!r}, outside [0, 1]", hint="give a number from 0 to 1")


def _check_time(value: float, emotion: str) -> None:
    if not _is_real(value) or not math.isfinite(float(value)) or float(value) < 0.0:
        raise InputError(f"time of {emotion} is {value!r}, not seconds >= 0", hint="give seconds >= 0, e.g. @1.5")


def _is_real(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _format_entry(key: EmotionKey) -> str:
    if key.emotion == NEUTRAL or key.intensity == 1.0:
        return key.emotion
    return f"{key.emotion}:{_number(key.intensity)}"


def _number(value: float) -> str:
    """Shortest text that reads back as exactly ``value`` (``4.0`` -> ``"4"``, ``0.8`` -> ``"0.8"``)."""
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text
