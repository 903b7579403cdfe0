"""Preview frames and the preview MP4 of a `Performance` on the default head (or any posable head)."""
from __future__ import annotations

from pathlib import Path
from typing import Iterable, Iterator, Mapping, Protocol, Sequence

import numpy as np

from emoanim.audio.types import Audio
from emoanim.motion.performance import Performance
from emoanim.render.scene import DEFAULT_SIZE, DEFAULT_VIEW, FRAMING_MARGIN, VERTICAL_FOV_DEG, MeshPart, PreviewScene, framing
from emoanim.render.video import write_mp4

# Frames posed per call: one (T, 52) @ (52, 3V) product amortises Python overhead, while T × V × 3 floats stay
# small (32 frames of a 20k-vertex head: about 8 MB).
POSE_CHUNK_FRAMES = 32
HEAD_MARGIN = 1.12  # room above the crown and below the chin, as a share of the half-height between them


class PosableHead(Protocol):
    """What the renderer needs of a head; `emoanim.rigs.head.DefaultHead` is one."""

    parts: tuple[MeshPart, ...]

    def pose_frames(self, expression: np.ndarray, gaze: np.ndarray, head_rotation: np.ndarray,
                    head_translation: np.ndarray) -> Mapping[str, np.ndarray]:
        """``(T, 52)``, ``(T, 4)`` deg, ``(T, 3)`` deg, ``(T, 3)`` cm -> ``{part name: (T, Vp, 3)}``."""


def default_head() -> PosableHead:
    from emoanim.rigs.head import load_default_head

    return load_default_head()


def performance_poses(head: PosableHead, perf: Performance) -> Iterator[Mapping[str, np.ndarray]]:
    """``{part name: (Vp, 3)}`` for each of the ``perf.frames`` frames, posed a chunk at a time."""
    for start in range(0, perf.frames, POSE_CHUNK_FRAMES):
        chunk = slice(start, min(start + POSE_CHUNK_FRAMES, perf.frames))
        posed = head.pose_frames(perf.expression[chunk], perf.gaze[chunk], perf.head[chunk],
                                 perf.head_translation[chunk])
        for k in range(chunk.stop - chunk.start):
            yield {name: vertices[k] for name, vertices in posed.items()}


def crown_to_chin_framing(head) -> tuple[np.ndarray, float]:
    """Camera target (metres) and zoom that fit the head from the crown to the chin, leaving the neck out, so the
    face (and the lip sync) fills the frame without cropping the skull."""
    skin = head.part("skin").vertices.astype(np.float64)
    crown = skin[np.argmax(skin[:, 1])]
    chin = skin[head.landmarks68[8]]  # iBUG 8: the bottom of the chin
    target = (crown + chin) / 2.0  # halfway in depth too, so perspective enlarges neither end much more
    target[0] = 0.0
    half_height = HEAD_MARGIN * (crown[1] - chin[1]) / 2.0
    _, radius = framing(head.parts)
    # PreviewScene's camera sees a half-height of FRAMING_MARGIN·radius / (zoom·cos(fov/2)) at the target's depth.
    zoom = FRAMING_MARGIN * radius / (half_height * np.cos(np.radians(VERTICAL_FOV_DEG) / 2.0))
    return target, float(zoom)


def render_preview(parts: Sequence[MeshPart], poses: Iterable[Mapping[str, np.ndarray]], *,
                   size: int = DEFAULT_SIZE, view: str = DEFAULT_VIEW, target: Sequence[float] | None = None,
                   zoom: float = 1.0) -> Iterator[np.ndarray]:
    """One ``(size, size, 3)`` uint8 RGB frame per pose; the scene is built once, then only vertices move.

    ``poses`` yields ``{part name: (Vp, 3) metres}``; a part left out keeps its previous vertices.
    The GL context lives as long as the iterator: exhaust or close it.
    """
    with PreviewScene(parts, size=size, view=view, target=target, zoom=zoom) as scene:
        for pose in poses:
            yield scene.render(pose)


def render_performance_frames(perf: Performance, *, head: PosableHead | None = None, size: int = DEFAULT_SIZE,
                              view: str = DEFAULT_VIEW) -> Iterator[np.ndarray]:
    """``perf.frames`` RGB frames of ``perf`` on ``head`` (the default head when None)."""
    head = head if head is not None else default_head()
    # Heads with iBUG landmarks (the default one) are framed on the face; others on their whole bounding box.
    target, zoom = crown_to_chin_framing(head) if hasattr(head, "landmarks68") else (None, 1.0)
    return render_preview(head.parts, performance_poses(head, perf), size=size, view=view, target=target, zoom=zoom)


def render_performance_video(perf: Performance, out_path: str | Path, audio: str | Path | Audio | None = None, *,
                             size: int = DEFAULT_SIZE, view: str = DEFAULT_VIEW,
                             head: PosableHead | None = None) -> Path:
    """Write ``perf`` on the default head as an H.264 MP4 at ``perf.fps``, with ``audio`` muxed in; return the path.

    Frame 0 is shown at t = 0 and the video lasts as long as the shorter of the frames and the speech.
    """
    frames = render_performance_frames(perf, head=head, size=size, view=view)
    return write_mp4(frames, perf.fps, out_path, audio=audio)
