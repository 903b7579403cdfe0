"""``bvh``: head and eye rotations as a Biovision Hierarchy (BVH) motion file, for retargeting onto a character's
neck/head and eye bones in any DCC tool (Blender, MotionBuilder, Maya, Unreal through FBX).

    HIERARCHY
    ROOT head
    {
      OFFSET 0.000000 0.000000 0.000000
      CHANNELS 6 Xposition Yposition Zposition Zrotation Xrotation Yrotation
      JOINT eye_left
      {
        OFFSET 3.100000 9.500000 9.100000
        CHANNELS 3 Zrotation Xrotation Yrotation
        End Site
        {
          OFFSET 0.000000 0.000000 1.200000
        }
      }
      JOINT eye_right
      { ... }
    }
    MOTION
    Frames: 90
    Frame Time: 0.0333333333
    0.000000 -9.500000 -2.500000 1.234567 -3.000000 0.500000 0.000000 ...

Axes and units: the default head's frame (emoanim.rigs.head.model), right-handed, Y up: +X is the character's left,
+Y up, +Z forward (out of the face); centimetres. The ``head`` joint sits at the default head's neck pivot, where
the head turns; each eye joint at its eyeball's centre, with an End Site one eyeball radius forward. The root's
position channels hold the pivot's place and never move (OFFSET 0), so tools that read root positions as absolute
and tools that add them to the OFFSET agree.

Rotation order: ``Zrotation Xrotation Yrotation`` -- BVH's customary order. A joint's rotation is
``Rz(z) @ Rx(x) @ Ry(y)`` (column vectors; each channel rotates about the joint's own axes after the ones before
it), with right-handed degrees: +X turns +Y towards +Z (so +X nods the face down), +Y turns +Z towards +X (the face
turns to the character's left), +Z turns +X towards +Y. The emoanim head rotation ``Ry(yaw) @ Rx(pitch) @ Rz(roll)``
and eye rotation ``Ry(yaw) @ Rx(-pitch)`` (rigs/head/model.py) are re-expressed in ZXY Euler angles; eye rotations
are relative to the head, as in a skeleton. Head translation is not carried (the arkit rig does not carry it).

The input is arkit-rig curves: the head and eye rotation channels (Live Link Face signs) are turned back into the
performance's head and gaze by the arkit rig's own inverse, so what the BVH shows is what the preview shows.
`read_bvh` reads any BVH with joints named ``head``, ``eye_left``, ``eye_right`` (any rotation channel order) and
returns the arkit rig's 9 rotation channels.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import numpy as np
from scipy.spatial.transform import Rotation

from emoanim.errors import InputError
from emoanim.export.base import read_lines
from emoanim.motion.performance import Performance
from emoanim.rigs.arkit import ROTATION_NAMES, ArkitRig, live_link_rotations
from emoanim.rigs.curves import Curves
from emoanim.rigs.head import load_default_head
from emoanim.rigs.head.model import gaze_matrices, rotation_matrices

DECIMALS = 6
CM_PER_M = 100.0
ROTATION_CHANNELS = ("Zrotation", "Xrotation", "Yrotation")
POSITION_CHANNELS = ("Xposition", "Yposition", "Zposition")
HEAD_JOINT = "head"
EYE_JOINTS = ("eye_left", "eye_right")
EYE_PARTS = ("eye_left", "eye_right")  # the default head's eyeball parts, same order


@dataclass
class BvhJoint:
    """One joint: ``offset`` (3,) from its parent in the file's units, ``channels`` in file order."""

    name: str
    offset: np.ndarray
    channels: list[str]
    parent: str | None
    end_site: np.ndarray | None = None
    children: list[str] = field(default_factory=list)


@dataclass
class BvhMotion:
    """A parsed BVH: ``joints`` in file order, ``frames`` ``(T, total channels)`` in file column order."""

    joints: dict[str, BvhJoint]
    frame_time: float
    frames: np.ndarray

    def columns(self, joint: str) -> dict[str, np.ndarray]:
        """``{channel name: (T,) values}`` of ``joint``."""
        start = 0
        for name, item in self.joints.items():
            if name == joint:
                return {channel: self.frames[:, start + i] for i, channel in enumerate(item.channels)}
            start += len(item.channels)
        raise KeyError(joint)

    def rotations(self, joint: str) -> Rotation:
        """The joint's local rotations over time, composed in the file's channel order."""
        columns = self.columns(joint)
        order = [channel for channel in columns if channel.endswith("rotation")]
        if len(order) != 3:
            raise ValueError(f"joint {joint} has {len(order)} rotation channels, expected 3")
        axes = "".join(channel[0] for channel in order)  # e.g. "ZXY": intrinsic, composed left to right
        return Rotation.from_euler(axes, np.stack([columns[c] for c in order], axis=1), degrees=True)


def skeleton_offsets() -> tuple[np.ndarray, np.ndarray, float]:
    """The default head's neck pivot ``(3,)``, eye centres ``(2, 3)`` and eyeball radius, in centimetres."""
    head = load_default_head()
    eye = head.part(EYE_PARTS[0]).vertices.astype(np.float64)
    radius = float(np.linalg.norm(eye - head.eye_centers[0], axis=1).max())
    return head.neck_pivot * CM_PER_M, np.asarray(head.eye_centers) * CM_PER_M, radius * CM_PER_M


def zxy_degrees(rotations: Rotation) -> np.ndarray:
    """``(T, 3)`` Z, X, Y channel values (degrees) with ``Rz @ Rx @ Ry`` equal to ``rotations``."""
    return rotations.as_euler("ZXY", degrees=True)


def joint_rotations(curves: Curves) -> tuple[Rotation, Rotation, Rotation]:
    """The head's rotation about the neck pivot and each eye's rotation relative to the head, ``T`` frames each,
    from arkit-rig curves (via the rig's own inverse; rigs/head/model.py has the matrices)."""
    perf = ArkitRig().performance(curves)
    gaze = np.asarray(perf.gaze, dtype=np.float64)
    return (Rotation.from_matrix(rotation_matrices(perf.head)), Rotation.from_matrix(gaze_matrices(gaze[:, 0:2])),
            Rotation.from_matrix(gaze_matrices(gaze[:, 2:4])))


def rotation_channels(head: Rotation, eye_left: Rotation, eye_right: Rotation, fps: float) -> np.ndarray:
    """`joint_rotations` undone: ``(T, 9)`` arkit-rig rotation channels (degrees, Live Link Face signs,
    `ROTATION_NAMES` order; eye roll is 0)."""
    perf = Performance.still(len(head), fps)
    yaw, pitch, roll = head.as_euler("YXZ", degrees=True).T  # Ry(yaw) @ Rx(pitch) @ Rz(roll)
    perf.head = np.stack([pitch, yaw, roll], axis=1)
    gaze = np.zeros((len(head), 4))
    for side, eye in enumerate((eye_left, eye_right)):
        eye_yaw, minus_pitch, _ = eye.as_euler("YXZ", degrees=True).T  # Ry(yaw) @ Rx(-pitch)
        gaze[:, 2 * side], gaze[:, 2 * side + 1] = eye_yaw, -minus_pitch
    perf.gaze = gaze
    return live_link_rotations(perf)


class BvhWriter:
    name = "bvh"
    extension = ".bvh"
    binary = False
    rigs = ("arkit",)

    def check(self, curves: Curves) -> None:
        missing = [name for name in ROTATION_NAMES[:3] if name not in curves.names]
        if missing:
            raise InputError(f"the bvh format writes head and eye rotations; curves from rig {curves.rig!r} have no "
                             f"{', '.join(missing)}", hint="use --rig arkit with --format bvh")
        ArkitRig().performance(curves)  # refuses partial channel sets before any file is opened
        if curves.frames == 0:
            raise ValueError("cannot write a BVH with no frames")

    def write(self, curves: Curves, stream: IO[str]) -> None:
        head, eye_left, eye_right = joint_rotations(curves)
        pivot, eye_centers, radius = skeleton_offsets()
        fmt = f"%.{DECIMALS}f"
        vec = " ".join([fmt] * 3)
        out = ["HIERARCHY", f"ROOT {HEAD_JOINT}", "{", "  OFFSET " + vec % (0.0, 0.0, 0.0),
               f"  CHANNELS 6 {' '.join(POSITION_CHANNELS)} {' '.join(ROTATION_CHANNELS)}"]
        for joint, center in zip(EYE_JOINTS, eye_centers):
            out += [f"  JOINT {joint}", "  {", "    OFFSET " + vec % tuple(center - pivot),
                    f"    CHANNELS 3 {' '.join(ROTATION_CHANNELS)}", "    End Site", "    {",
                    "      OFFSET " + vec % (0.0, 0.0, radius), "    }", "  }"]
        out += ["}", "MOTION", f"Frames: {curves.frames}", f"Frame Time: {1.0 / curves.fps:.10f}"]
        stream.write("\n".join(out) + "\n")
        table = np.concatenate([np.broadcast_to(pivot, (curves.frames, 3)), zxy_degrees(head),
                                zxy_degrees(eye_left), zxy_degrees(eye_right)], axis=1)
        line = " ".join([fmt] * table.shape[1]) + "\n"
        for row in table.tolist():
            stream.write(line % tuple(row))


def parse_bvh(path: str | Path) -> BvhMotion:
    """Parse any BVH file's hierarchy and motion."""
    path = Path(path)
    tokens = [(number, token) for number, line in enumerate(read_lines(path), start=1) for token in line.split()]
    position = 0

    def take(expected: str | None = None) -> tuple[int, str]:
        nonlocal position
        if position >= len(tokens):
            raise InputError("the file ends early", path=path, hint="the BVH is truncated")
        number, token = tokens[position]
        position += 1
        if expected is not None and token != expected:
            raise InputError(f"line {number}: expected {expected!r}, found {token!r}", path=path)
        return number, token

    def take_float() -> float:
        number, token = take()
        try:
            return float(token)
        except ValueError:
            raise InputError(f"line {number}: {token!r} is not a number", path=path) from None

    take("HIERARCHY")
    joints: dict[str, BvhJoint] = {}
    stack: list[str] = []
    kind = take("ROOT")[1]
    while True:
        if kind in ("ROOT", "JOINT"):
            name = take()[1]
            take("{")
            take("OFFSET")
            offset = np.array([take_float() for _ in range(3)])
            take("CHANNELS")
            count = int(take_float())
            channels = [take()[1] for _ in range(count)]
            parent = stack[-1] if stack else None
            joints[name] = BvhJoint(name, offset, channels, parent)
            if parent is not None:
                joints[parent].children.append(name)
            stack.append(name)
        elif kind == "End":
            take("Site")
            take("{")
            take("OFFSET")
            joints[stack[-1]].end_site = np.array([take_float() for _ in range(3)])
            take("}")
        elif kind == "}":
            stack.pop()
        else:
            raise InputError(f"line {tokens[position - 1][0]}: unexpected {kind!r} in HIERARCHY", path=path)
        if not stack:
            break
        kind = take()[1]
    take("MOTION")
    take("Frames:")
    count = int(take_float())
    take("Frame")
    take("Time:")
    frame_time = take_float()
    width = sum(len(joint.channels) for joint in joints.values())
    values = [take_float() for _ in range(count * width)]
    if position != len(tokens):
        raise InputError(f"{len(tokens) - position} values after the {count} frames the header announces",
                         path=path)
    if frame_time <= 0:
        raise InputError(f"Frame Time {frame_time} is not positive", path=path)
    return BvhMotion(joints, frame_time, np.asarray(values, dtype=np.float64).reshape(count, width))


def read_bvh(path: str | Path, *, fps: float | None = None) -> Curves:
    """Read a BVH with ``head``/``eye_left``/``eye_right`` joints into the arkit rig's 9 rotation channels
    ``(T, 9)`` (degrees, Live Link Face signs; eye roll channels are 0). ``fps`` defaults to ``1 / Frame Time``,
    rounded to 4 decimals (BVH stores the frame time only to its written precision)."""
    path = Path(path)
    motion = parse_bvh(path)
    missing = [name for name in (HEAD_JOINT, *EYE_JOINTS) if name not in motion.joints]
    if missing:
        raise InputError(f"no joint named {', '.join(missing)}", path=path,
                         hint="emoanim reads BVH files with joints head, eye_left and eye_right")
    rate = fps if fps is not None else round(1.0 / motion.frame_time, 4)
    values = rotation_channels(motion.rotations(HEAD_JOINT), *(motion.rotations(j) for j in EYE_JOINTS), rate)
    return Curves(names=list(ROTATION_NAMES), fps=rate, values=values, rig="arkit",
                  metadata={"source_file": str(path)})
