"""The ``landmarks`` rig: 3D face landmarks of the default head, with head pose and per-eye gaze vectors.

Channels, in this order (``T`` frames at the performance's fps):

| channels                                        | what                                                        |
|-------------------------------------------------|-------------------------------------------------------------|
| ``lm00_x, lm00_y, lm00_z`` ... ``lm67_z``       | the 68 iBUG 300-W landmarks (Sagonas et al. 2013 order)      |
| ``d000_x`` ... ``d<K-1>_z``                      | the default head's dense set (`DefaultHead.dense_landmarks`) |
| ``head_pitch, head_yaw, head_roll``             | head rotation, degrees                                      |
| ``head_tx, head_ty, head_tz``                   | head translation, centimetres                               |
| ``gaze_left_x/y/z``, ``gaze_right_x/y/z``       | unit view direction of each eye                             |

Coordinate frame: the default head's (emoanim/rigs/head/model.py), right-handed, **metres**: +x is the
character's left, +y up, +z forward out of the face; the origin is on the midline at eye height in the middle of
the skull. Landmark positions and gaze vectors are in this frame *after* the head pose, i.e. where a camera would
see them: expression, then gaze, then the head rotated ``Ry(yaw) @ Rx(pitch) @ Rz(roll)`` about the neck pivot
and translated. Head angles follow the Performance: +pitch nods down, +yaw turns to the character's left, +roll
tilts towards its right shoulder. iBUG "right" points (0-8, 17-21, 36-41, 48...) are the subject's right (-x).

Ranges: positions and gaze components have no fixed range, so this rig's `Curves.ranges` is None.
"""
from __future__ import annotations

import numpy as np

from emoanim.motion.performance import Performance
from emoanim.rigs.curves import Curves
from emoanim.rigs.head import load_default_head

HEAD_POSE_NAMES: tuple[str, ...] = ("head_pitch", "head_yaw", "head_roll", "head_tx", "head_ty", "head_tz")
GAZE_VECTOR_NAMES: tuple[str, ...] = tuple(f"gaze_{eye}_{axis}" for eye in ("left", "right") for axis in "xyz")
LANDMARK_COUNT = 68


def point_names(prefix: str, count: int, digits: int) -> tuple[str, ...]:
    """``prefix00_x, prefix00_y, prefix00_z, prefix01_x, ...`` for ``count`` points."""
    return tuple(f"{prefix}{i:0{digits}d}_{axis}" for i in range(count) for axis in "xyz")


class LandmarksRig:
    """Performance -> 68 iBUG + dense 3D landmarks (m), head pose (deg, cm) and gaze unit vectors."""

    name = "landmarks"

    def __init__(self) -> None:
        self.head = load_default_head()
        self.indices = np.concatenate([self.head.landmarks68, self.head.dense_landmarks])
        dense = len(self.head.dense_landmarks)
        self.channel_names: tuple[str, ...] = (
            point_names("lm", LANDMARK_COUNT, 2) + point_names("d", dense, max(3, len(str(dense - 1))))
            + HEAD_POSE_NAMES + GAZE_VECTOR_NAMES
        )

    def curves(self, perf: Performance) -> Curves:
        points = self.head.skin_points(perf.expression, perf.head, perf.head_translation, self.indices,
                                       gaze=perf.gaze)  # (T, K, 3) metres
        gaze = self.head.gaze_directions(perf.gaze, perf.head)  # (T, 2, 3)
        values = np.concatenate([
            points.reshape(perf.frames, -1),
            np.asarray(perf.head, np.float64), np.asarray(perf.head_translation, np.float64),
            gaze.reshape(perf.frames, -1),
        ], axis=1)
        metadata = dict(perf.metadata)
        metadata.update(rig=self.name, units={"positions": "m", "head_rotation": "deg", "head_translation": "cm"},
                        frame="x character's left, y up, z forward; posed by the head pose")
        return Curves(names=list(self.channel_names), fps=perf.fps,
                      values=np.ascontiguousarray(values, dtype=np.float32), rig=self.name, ranges=None,
                      metadata=metadata)
