"""The one interface every rig implements, the step they all end with, and the way back from a rig's curves."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np

from emoanim.errors import InputError
from emoanim.motion.channels import HEAD_TRANSLATION_NAMES
from emoanim.motion.performance import Performance
from emoanim.rigs.curves import Curves


class Rig(Protocol):
    """Maps a `Performance` onto a rig's own channels.

    ``channel_names`` is the column order of every `Curves` the rig returns; ``curves`` keeps the performance's
    frame count and fps, fills ``Curves.ranges`` and carries the performance's metadata (plus ``"rig"``).

    A rig whose channels can be read back also has ``performance(curves) -> Performance`` (see `InvertibleRig`);
    it is optional, so test for it with ``hasattr(rig, "performance")``.
    """

    name: str
    channel_names: tuple[str, ...]

    def curves(self, perf: Performance) -> Curves: ...


class InvertibleRig(Rig, Protocol):
    """A rig with an inverse map: its own curves -> the `Performance` that the rig reproduces them from.

    ``rig.curves(rig.performance(c))`` gives back ``c`` for any ``c`` the rig itself made (up to float32 rounding),
    so a preview drawn from ``rig.performance(rig.curves(perf))`` shows what the exported curves show. Channels the
    rig does not carry come back neutral (e.g. head translation). Columns are looked up by name, in any order.
    """

    def performance(self, curves: Curves) -> Performance: ...


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


def has_channels(curves: Curves, names: Sequence[str], rig_name: str) -> bool:
    """Whether ``curves`` has all of ``names`` (True) or none of them (False); some but not all is an error."""
    present = [name in curves.names for name in names]
    if all(present):
        return True
    if any(present):
        missing = [name for name, here in zip(names, present) if not here]
        raise InputError(f"{rig_name} curves have only some of the channels {list(names)}: missing {missing}",
                         hint="give all of them or none")
    return False


def curve_columns(curves: Curves, names: Sequence[str], rig_name: str) -> np.ndarray:
    """``(T, len(names))`` float64 columns of ``curves`` by name; every name must be there."""
    index = {name: i for i, name in enumerate(curves.names)}
    missing = [name for name in names if name not in index]
    if missing:
        raise InputError(f"curves lack {len(missing)} channels of the {rig_name} rig, e.g. {missing[:5]}",
                         hint=f"pass curves made by get_rig({rig_name!r}) or with its channel names")
    values = np.asarray(curves.values, dtype=np.float64)[:, [index[name] for name in names]]
    if not np.all(np.isfinite(values)):
        raise InputError(f"{rig_name} curves hold NaN or infinite values", hint="fix or drop those frames")
    return values


def make_performance(curves: Curves, expression: np.ndarray, head: np.ndarray, gaze: np.ndarray) -> Performance:
    """A `Performance` at the curves' fps with their metadata (less ``"rig"``); head translation is zero.

    expression ``(T, 52)`` in [0, 1], head ``(T, 3)`` and gaze ``(T, 4)`` in degrees, in `Performance` order.
    """
    metadata = {key: value for key, value in curves.metadata.items() if key != "rig"}
    return Performance(
        fps=curves.fps,
        expression=np.ascontiguousarray(expression, dtype=np.float32),
        head=np.ascontiguousarray(head, dtype=np.float32),
        head_translation=np.zeros((curves.frames, len(HEAD_TRANSLATION_NAMES)), np.float32),
        gaze=np.ascontiguousarray(gaze, dtype=np.float32),
        metadata=metadata,
    )


def through_rig(perf: Performance, rig_name: str) -> Performance:
    """``perf`` as the rig ``rig_name`` carries it: ``rig.performance(rig.curves(perf))``.

    What a preview should draw so that what is exported is what is seen: shapes clipped to [0, 1], gaze limited to
    the rig's eye range, head translation dropped where the rig has none, and (MetaHuman) only what the face board
    can tell apart. A rig without an inverse map (``landmarks``) is drawn from the Performance itself, so for it
    this is an unchanged copy.
    """
    from emoanim.rigs import get_rig  # the registry imports this module, so look it up at call time

    rig = get_rig(rig_name)
    if not hasattr(rig, "performance"):
        return perf.copy()
    return rig.performance(rig.curves(perf))
