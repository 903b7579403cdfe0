"""Which shape key plays which ARKit blendshape: name matching that tolerates the usual spellings.

Characters from different tools name the same shape ``eyeBlinkLeft`` (Apple), ``EyeBlinkLeft`` (Live Link Face,
Reallusion), ``eyeBlink_L`` (many Blender rigs), ``blendShape1.eyeBlinkLeft`` (Maya/FBX exports). Names are reduced
to a key -- the part after the last '.', with a trailing L/R side letter spelled out, lower case, letters and digits
only -- and matched on that key. No edit-distance guessing: a wrong match animates the wrong part of the face, which is
worse than an unmatched row the user fills in by hand.
"""
from __future__ import annotations

import re

# Apple's 52 names, exact casing (emoanim.motion.channels.ARKIT_NAMES; the tests check the two agree).
ARKIT_NAMES: tuple[str, ...] = (
    "browDownLeft", "browDownRight", "browInnerUp", "browOuterUpLeft", "browOuterUpRight", "cheekPuff",
    "cheekSquintLeft", "cheekSquintRight", "eyeBlinkLeft", "eyeBlinkRight", "eyeLookDownLeft", "eyeLookDownRight",
    "eyeLookInLeft", "eyeLookInRight", "eyeLookOutLeft", "eyeLookOutRight", "eyeLookUpLeft", "eyeLookUpRight",
    "eyeSquintLeft", "eyeSquintRight", "eyeWideLeft", "eyeWideRight", "jawForward", "jawLeft", "jawOpen",
    "jawRight", "mouthClose", "mouthDimpleLeft", "mouthDimpleRight", "mouthFrownLeft", "mouthFrownRight",
    "mouthFunnel", "mouthLeft", "mouthLowerDownLeft", "mouthLowerDownRight", "mouthPressLeft", "mouthPressRight",
    "mouthPucker", "mouthRight", "mouthRollLower", "mouthRollUpper", "mouthShrugLower", "mouthShrugUpper",
    "mouthSmileLeft", "mouthSmileRight", "mouthStretchLeft", "mouthStretchRight", "mouthUpperUpLeft",
    "mouthUpperUpRight", "noseSneerLeft", "noseSneerRight", "tongueOut",
)

_SIDE_SUFFIX = re.compile(r"^(.*?)[._\-\s]?([LlRr])$")
_SIDE_WORD = {"l": "left", "r": "right"}


def match_key(name: str) -> str:
    """``"blendShape1.eyeBlink_L"`` -> ``"eyeblinkleft"``; ``"EyeBlinkLeft"`` -> ``"eyeblinkleft"``."""
    side = _SIDE_SUFFIX.match(name)
    # "eyeBlink.L" keeps its side letter; only then is the part before the last '.' a namespace to drop.
    if side and not side.group(1).lower().endswith(("left", "right")) and _has_separator(name):
        name = side.group(1) + _SIDE_WORD[side.group(2).lower()]
    name = name.rsplit(".", 1)[-1]
    return re.sub(r"[^0-9a-z]", "", name.lower())


def _has_separator(name: str) -> bool:
    """``eyeBlink_L`` / ``eyeBlink.l`` / ``eyeBlinkL``: a side letter after a separator, or a capital L/R after a
    lower-case letter (so the ``r`` ending ``mouthRollUpper`` is not read as "right")."""
    return len(name) >= 2 and (name[-2] in "._- " or (name[-2].islower() and name[-1].isupper()))


def auto_match(shape_keys: list[str], targets: tuple[str, ...] = ARKIT_NAMES) -> dict[str, str]:
    """For each target name, the shape key it matches (exact name first, then by `match_key`); unmatched are absent.

    A key that two shape keys share is ambiguous and left unmatched rather than picked at random.
    """
    exact = set(shape_keys)
    by_key: dict[str, list[str]] = {}
    for shape in shape_keys:
        by_key.setdefault(match_key(shape), []).append(shape)
    found = {}
    for target in targets:
        if target in exact:
            found[target] = target
            continue
        candidates = by_key.get(match_key(target), [])
        if len(candidates) == 1:
            found[target] = candidates[0]
    return found
