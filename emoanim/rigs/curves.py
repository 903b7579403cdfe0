"""`Curves`: a rig's own channels over time, what exporters write."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class Curves:
    """``values`` is ``(T, C)``: column ``c`` is channel ``names[c]`` sampled at ``fps``.

    ``ranges`` is ``(C, 2)`` min/max of each channel as the target application defines it.
    ``rig`` names the rig that made them; ``metadata`` carries the performance's metadata on to the writers.
    """

    names: list[str]
    fps: float
    values: np.ndarray
    rig: str
    ranges: np.ndarray | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.values.ndim != 2 or self.values.shape[1] != len(self.names):
            raise ValueError(f"Curves.values has shape {self.values.shape}, expected (T, {len(self.names)})")
        if len(set(self.names)) != len(self.names):
            raise ValueError("Curves.names has duplicates")

    @property
    def frames(self) -> int:
        return self.values.shape[0]

    @property
    def times(self) -> np.ndarray:
        return np.arange(self.frames, dtype=np.float64) / self.fps

    def column(self, name: str) -> np.ndarray:
        """``(T,)`` values of channel ``name``."""
        return self.values[:, self.names.index(name)]
