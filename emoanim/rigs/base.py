"""The one interface every rig implements, and the step they all end with."""
from __future__ import annotations

from typing import Protocol

import numpy as np

from emoanim.motion.performance import Performance
from emoanim.rigs.curves import Curves


class Rig(Protocol):
    """Maps a `Performance` onto a rig's own channels.

    ``channel_names`` is the column order of every `Curves` the rig returns; ``curves`` keeps the performance's
    frame count and fps, fills ``Curves.ranges`` and carries the performance's metadata (plus ``"rig"``).
    """

    name: str
    channel_names: tuple[str, ...]

    def curves(self, perf: Performance) -> Curves: ...


def make_curves(rig: Rig, perf: Performance, values: np.ndarray, ranges: np.ndarray) -> Curves:
    """Wrap ``values`` ``(T, C)`` in `Curves` with the performance's fps and metadata, values as float32."""
    metadata = dict(perf.metadata)
    metadata["rig"] = rig.name
    return Curves(
        names=list(rig.channel_names),
        fps=perf.fps,
        values=np.ascontiguousarray(values, dtype=np.float32),
        rig=rig.name,
        ranges=np.asarray(ranges, dtype=np.float64).copy(),
        metadata=metadata,
    )
