"""rigs stage: map a `Performance` onto a rig's own channels (see ARCHITECTURE.md).

    from emoanim.rigs import get_rig
    curves = get_rig("metahuman").curves(perf)   # Curves: names, fps, values (T, C), ranges (C, 2)

A new rig is one module with a class following `Rig`, plus one line in ``_RIGS``.
"""
from __future__ import annotations

from typing import Callable

from emoanim.errors import InputError
from emoanim.rigs.arkit import ArkitRig
from emoanim.rigs.base import Rig, through_rig
from emoanim.rigs.curves import Curves
from emoanim.rigs.flame import make_flame_rig
from emoanim.rigs.landmarks import LandmarksRig
from emoanim.rigs.metahuman import MetaHumanBoardRig, MetaHumanRig

_RIGS: dict[str, Callable[[], Rig]] = {
    "arkit": ArkitRig,
    "metahuman": MetaHumanRig,
    "metahuman-board": MetaHumanBoardRig,
    "landmarks": LandmarksRig,
    "flame": make_flame_rig,
}
RIGS: tuple[str, ...] = tuple(_RIGS)


def get_rig(name: str) -> Rig:
    """The rig called ``name`` (one of `RIGS`)."""
    try:
        factory = _RIGS[name]
    except KeyError:
        raise InputError(f"unknown rig {name!r}", hint=f"choose one of: {', '.join(RIGS)}") from None
    return factory()


__all__ = ["Curves", "RIGS", "Rig", "get_rig", "through_rig"]
