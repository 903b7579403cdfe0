"""Two or more performances side by side in one video, each panel labelled (e.g. "happy", "sad").

All panels share one GL scene: per output frame, each performance's pose is uploaded and drawn in turn, so N panels
cost N renders and no extra scenes. Labels are drawn with Pillow (a dependency of pyrender, so always present where
rendering works) once per label, then blended into every frame with numpy.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterator, Sequence

import numpy as np

from emoanim.audio.types import Audio
from emoanim.errors import InputError
from emoanim.motion.performance import Performance
from emoanim.render.preview import PosableHead, default_head, performance_poses
from emoanim.render.scene import DEFAULT_SIZE, DEFAULT_VIEW, PreviewScene
from emoanim.render.video import write_mp4

LABEL_HEIGHT_FRACTION = 0.075  # of the panel height: readable at 512², still legible at 128²
LABEL_TEXT_RGB = (240, 240, 240)
LABEL_BOX_RGB = (0, 0, 0)
LABEL_BOX_OPACITY = 0.55


class PanelLabel:
    """A text badge drawn once: ``apply(frame)`` blends it into the top-left corner of an ``(H, W, 3)`` frame."""

    def __init__(self, text: str, panel_size: int):
        from PIL import Image, ImageDraw, ImageFont

        font_px = max(8, int(round(panel_size * LABEL_HEIGHT_FRACTION)))
        try:
            font = ImageFont.load_default(size=font_px)  # Pillow >= 10.1: a scalable built-in face
        except TypeError:
            font = ImageFont.load_default()  # older Pillow: fixed-size bitmap face
        pad = max(2, font_px // 3)
        left, top, right, bottom = ImageDraw.Draw(Image.new("L", (1, 1))).textbbox((0, 0), text, font=font)
        width = min(panel_size, right - left + 2 * pad)
        height = min(panel_size, bottom - top + 2 * pad)
        ink = Image.new("L", (width, height), 0)
        ImageDraw.Draw(ink).text((pad - left, pad - top), text, fill=255, font=font)
        self.text = text
        self._ink = np.asarray(ink, np.float32)[..., None] / 255.0  # (h, w, 1) text coverage
        self._box = np.asarray(LABEL_BOX_RGB, np.float32)
        self._colour = np.asarray(LABEL_TEXT_RGB, np.float32)

    def apply(self, frame: np.ndarray) -> np.ndarray:
        h, w = self._ink.shape[:2]
        region = frame[:h, :w].astype(np.float32)
        region = region * (1.0 - LABEL_BOX_OPACITY) + self._box * LABEL_BOX_OPACITY
        region = region * (1.0 - self._ink) + self._colour * self._ink
        frame[:h, :w] = np.round(region).astype(np.uint8)
        return frame


def side_by_side(panels: Sequence[np.ndarray], labels: Sequence[PanelLabel]) -> np.ndarray:
    """``(H, N·W, 3)`` uint8: ``panels`` (each ``(H, W, 3)``) left to right, each with its label."""
    return np.concatenate([label.apply(np.array(panel)) for panel, label in zip(panels, labels)], axis=1)


def _check(perfs: Sequence[Performance], labels: Sequence[str]) -> None:
    if len(perfs) < 2:
        raise InputError(f"a comparison needs at least two performances, got {len(perfs)}",
                         hint="give --compare two or more emotions")
    if len(labels) != len(perfs):
        raise InputError(f"{len(labels)} labels for {len(perfs)} performances", hint="give one label each")
    rates = sorted({p.fps for p in perfs})
    if len(rates) > 1:
        raise InputError(f"performances to compare have different frame rates {rates}", hint="use one --fps")


def comparison_frames(perfs: Sequence[Performance], labels: Sequence[str], *, head: PosableHead | None = None,
                      size: int = DEFAULT_SIZE, view: str = DEFAULT_VIEW) -> Iterator[np.ndarray]:
    """``(size, N·size, 3)`` uint8 frames, as many as the longest performance; a shorter one holds its last pose."""
    _check(perfs, labels)
    head = head if head is not None else default_head()
    badges = [PanelLabel(text, size) for text in labels]
    streams = [performance_poses(head, perf) for perf in perfs]
    latest = [None] * len(perfs)
    with PreviewScene(head.parts, size=size, view=view) as scene:
        for _ in range(max(p.frames for p in perfs)):
            panels = []
            for i, stream in enumerate(streams):
                latest[i] = next(stream, latest[i])
                panels.append(scene.render(latest[i]))
            yield side_by_side(panels, badges)


def render_comparison(perfs: Sequence[Performance], labels: Sequence[str], out_path: str | Path,
                      audio: str | Path | Audio | None = None, *, size: int = DEFAULT_SIZE,
                      view: str = DEFAULT_VIEW, head: PosableHead | None = None) -> Path:
    """Write the labelled side-by-side MP4 of ``perfs`` (same fps) with ``audio`` muxed in; return the path."""
    _check(perfs, labels)
    frames = comparison_frames(perfs, labels, head=head, size=size, view=view)
    return write_mp4(frames, perfs[0].fps, out_path, audio=audio)
