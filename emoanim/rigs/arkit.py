"""The ``arkit`` rig: Apple's 52 blendshapes plus the 9 head/eye rotations of a Live Link Face take.

Channels: the 52 `ARKIT_NAMES` in [0, 1] (Apple casing and order), then ``ROTATION_NAMES`` in degrees.

Eye direction. Gaze is the source of truth: the eight ``eyeLook*`` shapes are derived from the gaze angles and
merged by max with whatever the animator wrote in those columns. One unit of an eyeLook shape is taken to be the
MetaHuman eye driver's full range (EpicGames/MetaHuman-DNA-Calibration, additional_assemble_script.py eye_setup():
40 deg sideways, 30 deg up, 40 deg down), so this rig and the MetaHuman rigs agree with Epic's ARKit pose asset,
which maps eyeLookOut = 1 to the driver's full range. A real Live Link capture agrees: in think-biq/LLV's example
take (shared data, not shipped) eyeLookIn/Out and eyeLookDown reach 1 at about 36-38 deg and 35 deg of eye turn.

Rotation signs. Live Link Face writes its rotations in Unreal's mirrored ARKit frame (AppleARKitFaceSupport
ToBlendShapeMap negates yaw and roll); the real take confirms it for the eyes: LeftEyeYaw rises with eyeLookInLeft
(correlation 0.95), RightEyeYaw with eyeLookOutRight (0.89), eye pitch with eyeLookDown (1.00). So, in degrees:

| channel            | + means                                  | from the Performance        |
|--------------------|------------------------------------------|-----------------------------|
| headYaw            | head turns to the character's right      | ``-head yaw``               |
| headPitch          | head nods down                           | ``+head pitch``             |
| headRoll           | head tilts towards the character's left  | ``-head roll``              |
| left/rightEyeYaw   | eye turns to the character's right       | ``-gaze yaw``               |
| left/rightEyePitch | eye turns down                           | ``-gaze pitch``             |
| left/rightEyeRoll  | (eyes do not roll here: always 0)        |                             |

Performance head angles are right-handed about the character's axes (x = its left, y = up, z = forward):
+pitch nods down, +yaw turns left, so +roll tilts the head towards the character's right shoulder. Head signs are
inferred from the eye signs because Unreal converts head and eye transforms the same way (no head check was
possible: the take has no labelled head motion). A Live Link Face CSV stores each of these as degrees / 180.

The way back (`ArkitRig.performance`). Shapes, head and gaze invert exactly; head translation is not carried and
comes back zero. Gaze comes from the eye rotation channels; but when those are absent, or zero in every frame while
some ``eyeLook*`` shape is set (curves from an ARKit capture that only has shapes), it is read from the ``eyeLook*``
shapes instead: yaw = full range x (out - in) and pitch = up range x up - down range x down, per eye, which is
exact for anything this rig wrote within the eye's range. Each ``eyeLook*`` shape then keeps only what the gaze does
not explain: a weight no greater than the gaze's own (+ `EYE_LOOK_TOLERANCE`) was the max-merge of the gaze and is
returned as 0, a greater one was the animator's and is kept. So ``curves(performance(c)) == c`` for every ``c``.
"""
from __future__ import annotations

import numpy as np

from emoanim.motion.channels import ARKIT_INDEX, ARKIT_NAMES, GAZE_NAMES, HEAD_NAMES
from emoanim.motion.performance import Performance
from emoanim.rigs.base import curve_columns, has_channels, make_curves, make_performance
from emoanim.rigs.curves import Curves

# One unit of eyeLook* in degrees of eye rotation: the MetaHuman eye driver's range (see the module docstring).
EYE_YAW_MAX_DEG = 40.0
EYE_UP_MAX_DEG = 30.0
EYE_DOWN_MAX_DEG = 40.0

ROTATION_NAMES: tuple[str, ...] = (
    "headYaw", "headPitch", "headRoll",
    "leftEyeYaw", "leftEyePitch", "leftEyeRoll",
    "rightEyeYaw", "rightEyePitch", "rightEyeRoll",
)
# Euler angle domain; Live Link Face maps it onto [-1, 1].
ROTATION_RANGE_DEG = (-180.0, 180.0)

# An eyeLook* weight within this of the gaze's own is taken as the gaze's (float32 curves carry ~1e-7 of rounding).
EYE_LOOK_TOLERANCE = 1e-5
# In `GAZE_NAMES` order (left yaw, left pitch, right yaw, right pitch); the eye roll channels are always 0.
EYE_ROTATION_NAMES: tuple[str, ...] = ("leftEyeYaw", "leftEyePitch", "rightEyeYaw", "rightEyePitch")
HEAD_ROTATION_NAMES: tuple[str, ...] = ROTATION_NAMES[:3]
EYE_LOOK_NAMES: tuple[str, ...] = tuple(name for name in ARKIT_NAMES if name.startswith("eyeLook"))

_HEAD = {name: i for i, name in enumerate(HEAD_NAMES)}
_GAZE = {name: i for i, name in enumerate(GAZE_NAMES)}


def eye_look_from_gaze(gaze: np.ndarray) -> dict[str, np.ndarray]:
    """The eight ``eyeLook*`` weights ``(T,)`` each in [0, 1] implied by ``gaze`` ``(T, 4)`` degrees.

    Yaw is towards the character's left, so for the left eye it is "out" and for the right eye "in".
    """
    gaze = np.asarray(gaze, dtype=np.float64)
    shapes = {}
    for side, yaw_name, pitch_name in (("Left", "leftYaw", "leftPitch"), ("Right", "rightYaw", "rightPitch")):
        yaw, pitch = gaze[:, _GAZE[yaw_name]], gaze[:, _GAZE[pitch_name]]
        towards_left = np.clip(yaw / EYE_YAW_MAX_DEG, 0.0, 1.0)
        towards_right = np.clip(-yaw / EYE_YAW_MAX_DEG, 0.0, 1.0)
        shapes[f"eyeLookOut{side}"] = towards_left if side == "Left" else towards_right
        shapes[f"eyeLookIn{side}"] = towards_right if side == "Left" else towards_left
        shapes[f"eyeLookUp{side}"] = np.clip(pitch / EYE_UP_MAX_DEG, 0.0, 1.0)
        shapes[f"eyeLookDown{side}"] = np.clip(-pitch / EYE_DOWN_MAX_DEG, 0.0, 1.0)
    return shapes


def gaze_from_eye_look(expression: np.ndarray) -> np.ndarray:
    """``(T, 4)`` gaze degrees from the ``eyeLook*`` columns of ``expression`` ``(T, 52)``: `eye_look_from_gaze` undone.

    Opposite shapes on one eye cancel (out - in, up - down), as a capture that sets both means the difference.
    """
    expression = np.clip(np.asarray(expression, dtype=np.float64), 0.0, 1.0)
    look = {name: expression[:, ARKIT_INDEX[name]] for name in EYE_LOOK_NAMES}
    gaze = np.zeros((len(expression), len(GAZE_NAMES)))
    # Looking to the character's left is "out" for the left eye and "in" for the right one.
    for side, towards_left, towards_right in (("Left", "Out", "In"), ("Right", "In", "Out")):
        yaw_name, pitch_name = f"{side.lower()}Yaw", f"{side.lower()}Pitch"
        gaze[:, _GAZE[yaw_name]] = EYE_YAW_MAX_DEG * (look[f"eyeLook{towards_left}{side}"]
                                                      - look[f"eyeLook{towards_right}{side}"])
        gaze[:, _GAZE[pitch_name]] = (EYE_UP_MAX_DEG * look[f"eyeLookUp{side}"]
                                      - EYE_DOWN_MAX_DEG * look[f"eyeLookDown{side}"])
    return gaze


def expression_without_gaze(expression: np.ndarray, gaze: np.ndarray) -> np.ndarray:
    """``(T, 52)``: ``expression`` with each ``eyeLook*`` weight the gaze explains set to 0 (module docstring)."""
    expression = np.clip(np.asarray(expression, dtype=np.float64), 0.0, 1.0)
    for name, weight in eye_look_from_gaze(gaze).items():
        column = ARKIT_INDEX[name]
        explained = expression[:, column] <= weight + EYE_LOOK_TOLERANCE
        expression[explained, column] = 0.0
    return expression


def expression_with_gaze(perf: Performance) -> np.ndarray:
    """``(T, 52)`` ARKit weights in [0, 1]: the performance's expression with the gaze merged into ``eyeLook*`` (max)."""
    expression = np.clip(np.asarray(perf.expression, dtype=np.float64), 0.0, 1.0)
    for name, weight in eye_look_from_gaze(perf.gaze).items():
        column = ARKIT_INDEX[name]
        expression[:, column] = np.maximum(expression[:, column], weight)
    return expression


def live_link_rotations(perf: Performance) -> np.ndarray:
    """``(T, 9)`` head and eye rotations in degrees, ``ROTATION_NAMES`` order, Live Link Face signs (module docstring)."""
    head = np.asarray(perf.head, dtype=np.float64)
    gaze = np.asarray(perf.gaze, dtype=np.float64)
    zero = np.zeros(perf.frames)
    return np.stack([
        -head[:, _HEAD["yaw"]], head[:, _HEAD["pitch"]], -head[:, _HEAD["roll"]],
        -gaze[:, _GAZE["leftYaw"]], -gaze[:, _GAZE["leftPitch"]], zero,
        -gaze[:, _GAZE["rightYaw"]], -gaze[:, _GAZE["rightPitch"]], zero,
    ], axis=1)


class ArkitRig:
    """Performance -> 52 ARKit weights + 9 Live Link Face rotations (degrees)."""

    name = "arkit"
    channel_names: tuple[str, ...] = ARKIT_NAMES + ROTATION_NAMES

    def __init__(self) -> None:
        self.ranges = np.array([(0.0, 1.0)] * len(ARKIT_NAMES) + [ROTATION_RANGE_DEG] * len(ROTATION_NAMES))

    def curves(self, perf: Performance) -> Curves:
        values = np.concatenate([expression_with_gaze(perf), live_link_rotations(perf)], axis=1)
        return make_curves(self, perf, values, self.ranges)

    def performance(self, curves: Curves) -> Performance:
        """The `Performance` these curves show (module docstring, "The way back"); the 52 shapes are required."""
        expression = np.clip(curve_columns(curves, ARKIT_NAMES, self.name), 0.0, 1.0)
        head = np.zeros((curves.frames, len(HEAD_NAMES)))
        if has_channels(curves, HEAD_ROTATION_NAMES, self.name):
            yaw, pitch, roll = curve_columns(curves, HEAD_ROTATION_NAMES, self.name).T
            head[:, _HEAD["pitch"]], head[:, _HEAD["yaw"]], head[:, _HEAD["roll"]] = pitch, -yaw, -roll
        eyes = None
        if has_channels(curves, EYE_ROTATION_NAMES, self.name):
            eyes = curve_columns(curves, EYE_ROTATION_NAMES, self.name)
        looks = expression[:, [ARKIT_INDEX[name] for name in EYE_LOOK_NAMES]]
        if eyes is None or (not np.any(eyes) and np.any(looks)):
            gaze = gaze_from_eye_look(expression)
        else:  # Live Link signs: + eye yaw turns to the character's right, + eye pitch turns down
            gaze = -eyes
        return make_performance(curves, expression_without_gaze(expression, gaze), head, gaze)
