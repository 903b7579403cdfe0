"""Preview frames and the preview MP4 of a `Performance` on the default head (or any posable head)."""
from __future__ import annotations

from pathlib import Path
from typing import Iterable, Iterator, Mapping, Protocol, Sequence

import numpy as np

from emoanim.audio.types import Audio
from emoanim.motion.performance import Performance
from emoanim.render.scene import DEFAULT_SIZE, DEFAULT_VIEW, MeshPart, PreviewScene
from emoanim.render.video import write_mp4

# Frames posed per call: one (T, 52) @ (52, 3V) product amortises Python overhead, while T × V × 3 floats stay
# small (32 frames of a 20k-vertex head: about 8 MB).
POSE_CHUNK_FRAMES = 32


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


def render_preview(parts: Sequence[MeshPart], poses: Iterable[Mapping[str, np.ndarray]], *,
                   size: int = DEFAULT_SIZE, view: str = DEFAULT_VIEW) -> Iterator[np.ndarray]:
    """One ``(size, size, 3)`` uint8 RGB frame per pose; the scene is built once, then only vertices move.

    ``poses`` yields ``{part name: (Vp, 3) metres}``; a part left out keeps its previous vertices.
    The GL context lives as long as the iterator: exhaust or close it.
    """
    with PreviewScene(parts, size=size, view=view) as scene:
        for pose in poses:
            yield scene.render(pose)


def render_performance_frames(perf: Performance, *, head: PosableHead | None = None, size: int = DEFAULT_SIZE,
                              view: str = DEFAULT_VIEW) -> Iterator[np.ndarray]:
    """``perf.frames`` RGB frames of ``perf`` on ``head`` (the default head when None)."""
    head = head if head is not None else default_head()
    return render_preview(head.parts, performance_poses(head, perf), size=size, view=view)


def render_performance_video(perf: Performance, out_path: str | Path, audio: str | Path | Audio | None = None, *,
                             size: int = DEFAULT_SIZE, view: str = DEFAULT_VIEW,
                             head: PosableHead | None = None) -> Path:
    """Write ``perf`` on the default head as an H.264 MP4 at ``perf.fps``, with ``audio`` muxed in; return the path.

    Frame 0 is shown at t = 0 and the video lasts as long as the shorter of the frames and the speech.
    """
    frames = render_performance_frames(perf, head=head, size=size, view=view)
    return write_mp4(frames, perf.fps, out_path, audio=audio)
