"""`FlameHead`: the FLAME mesh as a posable head for the preview renderer (emoanim/render/preview.py).

    render_performance_video(perf, "take.mp4", audio, head=FlameHead(FlameRig()))
"""
from __future__ import annotations

import numpy as np

from emoanim.motion.performance import Performance
from emoanim.rigs.flame.rig import FlameRig
from emoanim.rigs.head import HeadPart

SKIN_RGBA = (205, 160, 140, 255)  # a neutral skin tone; FLAME ships no texture in its geometry file
PART_NAME = "flame"
PREVIEW_FPS = 30.0  # the poses are per frame; the rate only fills the Performance's required field


class FlameHead:
    """``parts``: one part, the FLAME template; ``pose_frames`` drives it through the rig's mapping."""

    def __init__(self, rig: FlameRig):
        self.rig = rig
        model = rig.model
        colors = np.tile(np.array(SKIN_RGBA, np.uint8), (model.vertex_count, 1))
        self.parts = (HeadPart(name=PART_NAME, vertices=model.v_template.astype(np.float32),
                               faces=model.faces.astype(np.int32), colors=colors),)

    def pose_frames(self, expression: np.ndarray, gaze: np.ndarray, head_rotation: np.ndarray,
                    head_translation: np.ndarray) -> dict[str, np.ndarray]:
        """``(T, 52)``, ``(T, 4)`` deg, ``(T, 3)`` deg, ``(T, 3)`` cm -> ``{"flame": (T, V, 3)}`` float32."""
        perf = Performance(fps=PREVIEW_FPS, expression=np.asarray(expression, np.float32),
                           head=np.asarray(head_rotation, np.float32),
                           head_translation=np.asarray(head_translation, np.float32),
                           gaze=np.asarray(gaze, np.float32))
        return {PART_NAME: self.rig.vertices(self.rig.parameters(perf))}
