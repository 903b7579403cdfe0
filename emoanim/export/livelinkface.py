"""``livelinkface``: the take CSV of Epic's Live Link Face iOS app (ARKit mode), for tools that import those takes.

Layout (shared/rigs-reference/livelinkface_csv_format.txt, from a real take):

    Timecode,BlendShapeCount,EyeBlinkLeft,...,TongueOut,HeadYaw,HeadPitch,HeadRoll,LeftEyeYaw,...,RightEyeRoll
    00:00:01:07.000,61,0.0000000000,...

* ``Timecode`` is ``HH:MM:SS:FF.fff``: whole seconds of the frame's time ``frame / fps``, then the position
  inside that second in frames at the curves' fps (``FF``) with the sub-frame fraction (``.fff``, always .000
  at integer rates). Epic's Unreal importer (LiveLinkFaceImporterFactory.cpp) reads time back as
  ``H*3600 + M*60 + S + FF.fff / rate`` and *infers* the rate: 60 if any ``FF`` exceeds 30, else 30 -- so only
  30 and 60 fps files (over 0.5 s long at 60) come back at the right times in Unreal.
* ``BlendShapeCount`` is 61: 52 shapes + 9 head/eye rotations.
* The 52 shapes are the ARKit weights in [0, 1], in the app's own column order (which swaps JawRight/JawLeft and
  MouthRight/MouthLeft against Unreal's enum) -- columns are filled by *name*, never by position.
* Rotations are degrees / 180, the -180..180 -> -1..1 mapping of Unreal's AppleARKitFaceSupport
  (`ToBlendShapeMap`). Signs are passed through: the arkit rig owns the sign convention of its channels.
* 10 decimals, '.' separator, ``\\n`` line ends.

Input contract (the arkit rig): the 52 `ARKIT_NAMES` (Apple camelCase) plus ``headYaw, headPitch, headRoll,
leftEyeYaw, leftEyePitch, leftEyeRoll, rightEyeYaw, rightEyePitch, rightEyeRoll`` in degrees. A missing rotation
channel is written as zeros (the app itself writes 0 for eye roll); other channels have no column and are left out.
Curves without the 52 ARKit shapes (e.g. MetaHuman controls) are refused: this format needs ``--rig arkit``.
"""
from __future__ import annotations

from pathlib import Path
from typing import IO

import numpy as np

from emoanim.errors import InputError
from emoanim.export.base import parse_float, rational_fps, read_lines, row_format
from emoanim.motion.channels import ARKIT_NAMES
from emoanim.rigs.curves import Curves

DECIMALS = 10
BLEND_SHAPE_COUNT = 61
# Degrees -> Live Link Face units: Unreal maps -180..180 degrees onto -1..1.
DEGREES_PER_UNIT = 180.0
# The app's column order, as in its take files (not alphabetical, not Unreal's enum order).
LLF_SHAPE_NAMES: tuple[str, ...] = (
    "EyeBlinkLeft", "EyeLookDownLeft", "EyeLookInLeft", "EyeLookOutLeft", "EyeLookUpLeft", "EyeSquintLeft",
    "EyeWideLeft", "EyeBlinkRight", "EyeLookDownRight", "EyeLookInRight", "EyeLookOutRight", "EyeLookUpRight",
    "EyeSquintRight", "EyeWideRight", "JawForward", "JawRight", "JawLeft", "JawOpen", "MouthClose", "MouthFunnel",
    "MouthPucker", "MouthRight", "MouthLeft", "MouthSmileLeft", "MouthSmileRight", "MouthFrownLeft",
    "MouthFrownRight", "MouthDimpleLeft", "MouthDimpleRight", "MouthStretchLeft", "MouthStretchRight",
    "MouthRollLower", "MouthRollUpper", "MouthShrugLower", "MouthShrugUpper", "MouthPressLeft", "MouthPressRight",
    "MouthLowerDownLeft", "MouthLowerDownRight", "MouthUpperUpLeft", "MouthUpperUpRight", "BrowDownLeft",
    "BrowDownRight", "BrowInnerUp", "BrowOuterUpLeft", "BrowOuterUpRight", "CheekPuff", "CheekSquintLeft",
    "CheekSquintRight", "NoseSneerLeft", "NoseSneerRight", "TongueOut",
)
LLF_ROTATION_NAMES: tuple[str, ...] = (
    "HeadYaw", "HeadPitch", "HeadRoll", "LeftEyeYaw", "LeftEyePitch", "LeftEyeRoll",
    "RightEyeYaw", "RightEyePitch", "RightEyeRoll",
)
HEADER: tuple[str, ...] = ("Timecode", "BlendShapeCount", *LLF_SHAPE_NAMES, *LLF_ROTATION_NAMES)


def emoanim_name(llf_name: str) -> str:
    """Live Link Face PascalCase -> the arkit rig's camelCase: ``EyeBlinkLeft`` -> ``eyeBlinkLeft``."""
    return llf_name[0].lower() + llf_name[1:]


SHAPE_SOURCES: tuple[str, ...] = tuple(emoanim_name(n) for n in LLF_SHAPE_NAMES)
ROTATION_SOURCES: tuple[str, ...] = tuple(emoanim_name(n) for n in LLF_ROTATION_NAMES)
assert sorted(SHAPE_SOURCES) == sorted(ARKIT_NAMES), "LLF columns must be exactly the 52 ARKit shapes"


def timecodes(frames: int, fps: float) -> list[str]:
    """``HH:MM:SS:FF.fff`` for frames ``0..frames-1`` at ``fps``, in exact integer arithmetic (no 0.9999 drift)."""
    rate = rational_fps(fps)
    p, q = rate.numerator, rate.denominator  # fps = p / q, so frame i is at i * q / p seconds
    index = np.arange(frames, dtype=np.int64)
    seconds = (index * q) // p
    sub = index * q - seconds * p  # position inside the second, in frames * q
    whole, rest = sub // q, sub % q
    millis = (rest * 1000 + q // 2) // q  # round half up to the millisecond of a frame
    carry = millis == 1000
    whole, millis = whole + carry, np.where(carry, 0, millis)
    hours, minutes, secs = seconds // 3600, (seconds // 60) % 60, seconds % 60
    return [f"{h:02d}:{m:02d}:{s:02d}:{f:02d}.{ms:03d}"
            for h, m, s, f, ms in zip(hours.tolist(), minutes.tolist(), secs.tolist(), whole.tolist(),
                                      millis.tolist())]


def parse_timecode(text: str, *, path: Path, line: int) -> tuple[int, float]:
    """``HH:MM:SS:FF.fff`` -> (whole seconds, frames into that second)."""
    parts = text.split(":")
    try:
        if len(parts) != 4:
            raise ValueError
        hours, minutes, seconds = (int(p) for p in parts[:3])
        frames = float(parts[3])
    except ValueError:
        raise InputError(f"line {line}: timecode {text!r} is not HH:MM:SS:FF.fff", path=path) from None
    return hours * 3600 + minutes * 60 + seconds, frames


class LiveLinkFaceWriter:
    name = "livelinkface"
    extension = ".csv"
    binary = False
    rigs = ("arkit",)

    def check(self, curves: Curves) -> None:
        missing = [name for name in ARKIT_NAMES if name not in curves.names]
        if missing:
            raise InputError(
                f"the livelinkface format needs the 52 ARKit blendshapes; curves from rig {curves.rig!r} lack "
                f"{len(missing)} of them (e.g. {', '.join(missing[:3])})",
                hint="use --rig arkit with --format livelinkface",
            )

    def write(self, curves: Curves, stream: IO[str]) -> None:
        index = {name: i for i, name in enumerate(curves.names)}
        values = np.asarray(curves.values, dtype=np.float64)
        table = np.zeros((curves.frames, BLEND_SHAPE_COUNT), dtype=np.float64)
        table[:, : len(SHAPE_SOURCES)] = values[:, [index[name] for name in SHAPE_SOURCES]]
        for column, name in enumerate(ROTATION_SOURCES, start=len(SHAPE_SOURCES)):
            if name in index:
                table[:, column] = values[:, index[name]] / DEGREES_PER_UNIT
        stream.write(",".join(HEADER) + "\n")
        line = "%s," + str(BLEND_SHAPE_COUNT) + "," + row_format(BLEND_SHAPE_COUNT, DECIMALS) + "\n"
        for code, row in zip(timecodes(curves.frames, curves.fps), table.tolist()):
            stream.write(line % (code, *row))


def read_livelinkface(path: str | Path, *, fps: float | None = None) -> Curves:
    """Read a Live Link Face take CSV into arkit-rig `Curves` (camelCase names, rotations in degrees).

    Rows are taken as consecutive frames at ``fps``. Without ``fps`` the rate is inferred the way Epic's importer
    does it: 60 if any timecode frame field exceeds 30, else 30. Rotation columns are optional (some writers omit
    them); the 52 shape columns are required.
    """
    path = Path(path)
    lines = read_lines(path, encoding="utf-8-sig")  # files saved by spreadsheet tools may start with a BOM
    header = lines[0].split(",") if lines else []
    if header[:2] != ["Timecode", "BlendShapeCount"]:
        raise InputError("not a Live Link Face CSV: the header must start with 'Timecode,BlendShapeCount'",
                         path=path)
    column = {name: i for i, name in enumerate(header)}
    missing = [name for name in LLF_SHAPE_NAMES if name not in column]
    if missing:
        raise InputError(f"missing blendshape columns {missing[:3]}", path=path,
                         hint="a Live Link Face take has all 52 ARKit shapes")
    rotations = [name for name in LLF_ROTATION_NAMES if name in column]
    wanted = [column[name] for name in (*LLF_SHAPE_NAMES, *rotations)]
    rows, frame_fields = [], []
    for number, text in enumerate(lines[1:], start=2):
        cells = text.split(",")
        if len(cells) != len(header):
            raise InputError(f"line {number} has {len(cells)} cells, the header has {len(header)}", path=path)
        frame_fields.append(parse_timecode(cells[0], path=path, line=number)[1])
        rows.append([parse_float(cells[i], path=path, line=number, what="value") for i in wanted])
    values = np.asarray(rows, dtype=np.float64).reshape(len(rows), len(wanted))
    values[:, len(LLF_SHAPE_NAMES):] *= DEGREES_PER_UNIT
    rate = fps if fps is not None else (60.0 if any(f > 30.0 for f in frame_fields) else 30.0)
    names = [emoanim_name(name) for name in (*LLF_SHAPE_NAMES, *rotations)]
    return Curves(names=names, fps=rate, values=values, rig="arkit", metadata={"source_file": str(path)})


