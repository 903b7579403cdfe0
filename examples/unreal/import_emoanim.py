"""Import an emoanim MetaHuman take into Unreal Editor as a face AnimSequence with ``CTRL_expressions_*`` curves.

Run it inside the Unreal Editor (5.1-5.4, Python Editor Script Plugin enabled), e.g. from the Output Log's Python
console, after editing the settings at the bottom or calling `import_take` yourself:

    import importlib, sys; sys.path.append(r"C:/path/to/emoanim/examples/unreal")
    import import_emoanim
    import_emoanim.import_take(r"C:/takes/speech.metahuman.csv",
                               skeleton="/Game/MetaHumans/Common/Face/Face_Archetype_Skeleton",
                               destination="/Game/emoanim", name="AS_speech_face")

Input: what ``emoanim render --rig metahuman`` writes -- the ``csv`` table (``frame,time,<curves>``) or the
``unreal-curvetable`` transposed table (``Name,<times>`` then one row per curve). Only the ``CTRL_expressions_*``
curves are keyed (the MetaHuman face AnimBP reads them through RigLogic); the head rotation columns are not face
curves and are left out.

Unreal API used (names checked against Epic's API reference for 5.1-5.4):
``unreal.AssetToolsHelpers.get_asset_tools().create_asset`` with an ``unreal.AnimSequenceFactory`` whose
``target_skeleton`` is the face skeleton; the sequence's ``controller`` (IAnimationDataController):
``open_bracket``, ``set_frame_rate(unreal.FrameRate)``, ``set_number_of_frames(unreal.FrameNumber)`` (5.1+;
5.0 had only ``set_play_length``), ``close_bracket``; ``unreal.AnimationLibrary.add_curve`` and
``add_float_curve_keys`` (UAnimationBlueprintLibrary::AddCurve / AddFloatCurveKeys).

The file-reading half (`read_take`) is plain Python with no ``unreal`` import, so it runs (and is tested) outside
Unreal; Unreal's embedded Python has no numpy, so neither does this script.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

CURVE_PREFIX = "CTRL_expressions_"
TABLE_COLUMNS = ("frame", "time")
CURVETABLE_HEADER = "Name"


@dataclass
class Take:
    """A take's face curves: ``times`` (T,) seconds from 0; ``curves`` maps a curve name to its (T,) values."""

    times: list[float]
    curves: dict[str, list[float]]

    @property
    def frames(self) -> int:
        return len(self.times)

    @property
    def fps(self) -> Fraction:
        """The frame rate as a small fraction (30, 60, 30000/1001 ...), from the first and last key times."""
        if self.frames < 2 or self.times[-1] <= 0:
            raise ValueError("a take needs at least two frames to have a frame rate")
        return Fraction((self.frames - 1) / self.times[-1]).limit_denominator(1001)


def _number(text: str, path: Path, line: int) -> float:
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"{path}: line {line}: {text!r} is not a number") from None


def read_take(path: str | Path, prefix: str = CURVE_PREFIX) -> Take:
    """Read an emoanim ``csv`` or ``unreal-curvetable`` file; keep the curves whose names start with ``prefix``."""
    path = Path(path)
    with path.open(newline="", encoding="utf-8-sig") as handle:
        rows = [row for row in csv.reader(handle) if row]
    if not rows:
        raise ValueError(f"{path}: the file is empty")
    header = rows[0]
    if tuple(header[:2]) == TABLE_COLUMNS:  # frame-major: frame,time,<names>; one row per frame
        names = header[2:]
        times, columns = [], [[] for _ in names]
        for line, row in enumerate(rows[1:], start=2):
            if len(row) != len(header):
                raise ValueError(f"{path}: line {line} has {len(row)} cells, the header has {len(header)}")
            times.append(_number(row[1], path, line))
            for column, cell in zip(columns, row[2:]):
                column.append(_number(cell, path, line))
    elif header[0] == CURVETABLE_HEADER:  # curve-major: Name,<times>; one row per curve
        times = [_number(cell, path, 1) for cell in header[1:]]
        names, columns = [], []
        for line, row in enumerate(rows[1:], start=2):
            if len(row) != len(header):
                raise ValueError(f"{path}: line {line} has {len(row) - 1} values for {len(times)} key times")
            names.append(row[0])
            columns.append([_number(cell, path, line) for cell in row[1:]])
    else:
        raise ValueError(f"{path}: not an emoanim curve file (the header starts with {header[:2]})")
    curves = {name: column for name, column in zip(names, columns) if name.startswith(prefix)}
    if not curves:
        raise ValueError(f"{path}: no {prefix}* curves; write the take with `emoanim render --rig metahuman`")
    if any(b <= a for a, b in zip(times, times[1:])):
        raise ValueError(f"{path}: key times must increase")
    return Take(times=times, curves=curves)


def import_take(csv_path: str, skeleton: str, destination: str = "/Game/emoanim", name: str | None = None):
    """Create (or replace) an AnimSequence on ``skeleton`` keyed with the take's curves; return the asset."""
    import unreal  # only inside the Unreal Editor

    take = read_take(csv_path)
    name = name or "AS_" + Path(csv_path).name.split(".")[0]
    target = f"{destination}/{name}"
    if unreal.EditorAssetLibrary.does_asset_exist(target):
        unreal.EditorAssetLibrary.delete_asset(target)
    skeleton_asset = unreal.load_asset(skeleton)
    if skeleton_asset is None:
        raise RuntimeError(f"no skeleton at {skeleton}; point `skeleton` at your MetaHuman's face skeleton")
    factory = unreal.AnimSequenceFactory()
    factory.set_editor_property("target_skeleton", skeleton_asset)
    sequence = unreal.AssetToolsHelpers.get_asset_tools().create_asset(name, destination, unreal.AnimSequence,
                                                                       factory)
    if sequence is None:
        raise RuntimeError(f"could not create {target}")
    rate = take.fps
    controller = sequence.controller
    controller.open_bracket(unreal.Text("emoanim import"), False)
    try:
        controller.set_frame_rate(unreal.FrameRate(rate.numerator, rate.denominator), False)
        # The length is counted in frame intervals: T keys span T - 1 frames.
        controller.set_number_of_frames(unreal.FrameNumber(take.frames - 1), False)
    finally:
        controller.close_bracket(False)
    for curve_name, values in take.curves.items():
        unreal.AnimationLibrary.add_curve(sequence, curve_name, unreal.RawCurveTrackTypes.RCT_FLOAT, False)
        unreal.AnimationLibrary.add_float_curve_keys(sequence, curve_name, take.times, values)
    unreal.EditorAssetLibrary.save_loaded_asset(sequence)
    unreal.log(f"emoanim: {target}: {len(take.curves)} curves, {take.frames} frames at {float(rate):g} fps")
    return sequence


if __name__ == "__main__":
    # Edit these three lines, then run the file from Unreal's Python console or File > Execute Python Script.
    TAKE = r"C:/takes/speech.metahuman.csv"
    FACE_SKELETON = "/Game/MetaHumans/Common/Face/Face_Archetype_Skeleton"
    import_take(TAKE, FACE_SKELETON)
