"""`Performance`: the one type every animator produces and every rig consumes (see ARCHITECTURE.md)."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from emoanim.motion.channels import ARKIT_NAMES, GAZE_NAMES, HEAD_NAMES, HEAD_TRANSLATION_NAMES

DEFAULT_FPS = 30.0  # frames per second of a render unless the user asks otherwise


@dataclass
class Performance:
    """Face motion at a fixed frame rate.

    expression: ``(T, 52)`` ARKit weights in [0, 1], columns in `ARKIT_NAMES` order.
    head: ``(T, 3)`` pitch/yaw/roll in degrees.
    head_translation: ``(T, 3)`` in centimetres.
    gaze: ``(T, 4)`` left yaw/pitch, right yaw/pitch in degrees.
    metadata: fps-independent facts: source audio, emotion spec, seed, animator, checkpoint id, warnings.
    """

    fps: float
    expression: np.ndarray
    head: np.ndarray
    head_translation: np.ndarray
    gaze: np.ndarray
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        frames = self.expression.shape[0]
        expected = {
            "expression": (frames, len(ARKIT_NAMES)),
            "head": (frames, len(HEAD_NAMES)),
            "head_translation": (frames, len(HEAD_TRANSLATION_NAMES)),
            "gaze": (frames, len(GAZE_NAMES)),
        }
        for name, shape in expected.items():
            got = getattr(self, name).shape
            if got != shape:
                raise ValueError(f"Performance.{name} has shape {got}, expected {shape}")
        if self.fps <= 0:
            raise ValueError(f"Performance.fps must be positive, got {self.fps}")

    @classmethod
    def still(cls, frames: int, fps: float, **metadata: Any) -> "Performance":
        """A neutral face looking ahead, ``frames`` long: the starting point animators fill in."""
        return cls(
            fps=fps,
            expression=np.zeros((frames, len(ARKIT_NAMES)), np.float32),
            head=np.zeros((frames, len(HEAD_NAMES)), np.float32),
            head_translation=np.zeros((frames, len(HEAD_TRANSLATION_NAMES)), np.float32),
            gaze=np.zeros((frames, len(GAZE_NAMES)), np.float32),
            metadata=dict(metadata),
        )

    @property
    def frames(self) -> int:
        return self.expression.shape[0]

    @property
    def times(self) -> np.ndarray:
        """``(T,)`` frame times in seconds."""
        return np.arange(self.frames, dtype=np.float64) / self.fps

    @property
    def duration(self) -> float:
        return self.frames / self.fps

    def copy(self, **changes: Any) -> "Performance":
        """A deep copy, with ``changes`` applied."""
        base = replace(
            self,
            expression=self.expression.copy(),
            head=self.head.copy(),
            head_translation=self.head_translation.copy(),
            gaze=self.gaze.copy(),
            metadata=dict(self.metadata),
        )
        return replace(base, **changes) if changes else base


def frame_count(duration: float, fps: float) -> int:
    """Frames covering ``duration`` seconds at ``fps``: round(duration × fps), at least one."""
    return max(1, int(round(duration * fps)))
