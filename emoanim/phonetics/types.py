"""Phones with timings: what the aligner produces and the animators read."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

SILENCE = "sil"

# CMU ARPAbet without stress digits (39 phones); `SILENCE` marks pauses.
ARPABET = (
    "AA", "AE", "AH", "AO", "AW", "AY", "B", "CH", "D", "DH", "EH", "ER", "EY", "F", "G", "HH", "IH", "IY", "JH",
    "K", "L", "M", "N", "NG", "OW", "OY", "P", "R", "S", "SH", "T", "TH", "UH", "UW", "V", "W", "Y", "Z", "ZH",
)


@dataclass(frozen=True)
class Phone:
    """One phone: ARPAbet label (no stress digit) or ``"sil"``, start/end in seconds, and its word if known."""

    label: str
    start: float
    end: float
    word: str | None = None

    @property
    def duration(self) -> float:
        return self.end - self.start


@dataclass
class PhoneTrack:
    """Phones in time order, covering ``[0, duration]``.

    ``method`` says how they were found: ``"forced"`` (aligned to a transcript) or ``"recognized-<recognizer>"``
    (no transcript: ``"recognized-words"``, ``"recognized-words-accurate"`` or ``"recognized-phones"``).
    ``warnings`` collects what the user should hear about (unknown words, fallbacks).
    """

    phones: list[Phone]
    duration: float
    method: str
    warnings: list[str] = field(default_factory=list)

    def speech_phones(self) -> list[Phone]:
        return [p for p in self.phones if p.label != SILENCE]


def phone_frames(start: np.ndarray, end: np.ndarray, fps: float, frames: int) -> tuple[np.ndarray, np.ndarray]:
    """First and last frame ``(N,)`` owned by phones spanning ``[start, end]`` seconds ``(N,)``.

    A phone owns the frames whose times lie in ``[start, end]``, and always the frame nearest its centre (a 20 ms
    phone at 24 fps may hold no frame time). The phonetic animator guarantees closures on exactly these frames and
    `emoanim.eval.lipsync` scores exactly these frames, so the rule lives here, once.
    """
    start, end = np.asarray(start, np.float64), np.asarray(end, np.float64)
    centre = np.clip(np.round(0.5 * (start + end) * fps), 0, frames - 1).astype(np.int64)
    first = np.clip(np.ceil(start * fps - 1e-6), 0, frames - 1).astype(np.int64)
    last = np.clip(np.floor(end * fps + 1e-6), 0, frames - 1).astype(np.int64)
    return np.minimum(first, centre), np.maximum(last, centre)
