"""The canonical channel set of a `Performance`.

Expression channels are Apple's 52 ARKit blendshapes, exact names and casing, in alphabetical order (the order of
Apple's docs and MediaPipe; see rigs/arkit52.tsv). Head and gaze are rotations in degrees.
"""
from __future__ import annotations

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
ARKIT_INDEX: dict[str, int] = {name: i for i, name in enumerate(ARKIT_NAMES)}

HEAD_NAMES: tuple[str, ...] = ("pitch", "yaw", "roll")  # degrees; +pitch = nod down, +yaw = turn to the
# character's left, +roll = tilt towards the character's right shoulder (right-handed with the two above)
HEAD_TRANSLATION_NAMES: tuple[str, ...] = ("x", "y", "z")  # centimetres: x to the character's left, y up, z forward
GAZE_NAMES: tuple[str, ...] = ("leftYaw", "leftPitch", "rightYaw", "rightPitch")  # degrees; +yaw = look to
# the character's left, +pitch = look up
