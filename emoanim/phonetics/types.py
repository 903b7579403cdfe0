"""Phones with timings: what the aligner produces and the animators read."""
from __future__ import annotations

from dataclasses import dataclass, field

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
