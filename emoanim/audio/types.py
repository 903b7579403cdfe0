"""The `Audio` type every later stage reads."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

SAMPLE_RATE = 16_000  # Hz; pocketsphinx's acoustic model and the speech encoders expect 16 kHz mono


@dataclass(frozen=True)
class Audio:
    """Mono speech. ``samples`` is float32 ``(N,)`` in [-1, 1] at ``sample_rate`` Hz."""

    samples: np.ndarray
    sample_rate: int = SAMPLE_RATE
    source: Path | None = None

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return len(self.samples) / float(self.sample_rate)
