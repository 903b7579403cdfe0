"""`DefaultHead`: the open default head as data plus pure posing math (no I/O besides `load_default_head`).

Frame: metres, +x = the character's left, +y up, +z forward (out of the face); the origin is on the midline at
eye height, in the middle of the skull. A pose is, in this order:

1. blendshapes: ``neutral + expression @ deltas`` over every vertex of every part (linear, ARKit-52 order);
2. gaze: each eyeball turns about its own centre, yaw about +y then pitch about the eye's x axis;
3. head: rotation ``R = Ry(yaw) @ Rx(pitch) @ Rz(roll)`` about ``neck_pivot``, then translation (cm -> m).

Signs follow emoanim.motion.channels: +pitch nods down (the face turns towards -y), +yaw turns the face towards +x
(the character's left), +roll tilts the top of the head towards -x (the character's right shoulder); gaze +yaw
looks towards +x, +pitch looks up. Gaze also drives the ``eyeLook*`` lid-follow shapes, merged by max with the
expression exactly as the arkit rig does (`emoanim.rigs.arkit.eye_look_from_gaze`), so posing an arkit-rig
expression (already merged) gives the same face.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np

from emoanim.errors import InputError
from emoanim.motion.channels import ARKIT_INDEX, ARKIT_NAMES
from emoanim.rigs.arkit import eye_look_from_gaze
from emoanim.rigs.tables import RIGS_DIR

HEAD_FILE = RIGS_DIR / "default_head.npz"
FORMAT_VERSION = 1
PART_NAMES: tuple[str, ...] = ("skin", "eye_left", "eye_right", "teeth_upper", "teeth_lower", "mouth_cavity", "tongue")
EYE_PARTS: tuple[str, str] = ("eye_left", "eye_right")
CM_PER_M = 100.0


@dataclass(frozen=True)
class HeadPart:
    """One mesh of the head: ``vertices`` ``(Vp, 3)`` float32 neutral (metres), ``faces`` ``(Fp, 3)`` int32
    (counter-clockwise seen from outside), ``colors`` ``(Vp, 4)`` uint8 RGBA."""

    name: str
    vertices: np.ndarray
    faces: np.ndarray
    colors: np.ndarray


def rotation_matrices(pitch_yaw_roll_deg: np.ndarray) -> np.ndarray:
    """``(T, 3, 3)`` head rotations ``Ry(yaw) @ Rx(pitch) @ Rz(roll)`` from ``(T, 3)`` degrees (module docstring)."""
    angles = np.radians(np.asarray(pitch_yaw_roll_deg, dtype=np.float64).reshape(-1, 3))
    return _ry(angles[:, 1]) @ _rx(angles[:, 0]) @ _rz(angles[:, 2])


def gaze_matrices(yaw_pitch_deg: np.ndarray) -> np.ndarray:
    """``(T, 3, 3)`` eye rotations from ``(T, 2)`` yaw, pitch degrees: +yaw turns +z towards +x, +pitch towards +y."""
    angles = np.radians(np.asarray(yaw_pitch_deg, dtype=np.float64).reshape(-1, 2))
    return _ry(angles[:, 0]) @ _rx(-angles[:, 1])


def _rx(a: np.ndarray) -> np.ndarray:
    c, s, o, i = np.cos(a), np.sin(a), np.zeros_like(a), np.ones_like(a)
    # +a turns +z towards -y: a positive head pitch nods the face down.
    return np.stack([i, o, o, o, c, -s, o, s, c], axis=-1).reshape(-1, 3, 3)


def _ry(a: np.ndarray) -> np.ndarray:
    c, s, o, i = np.cos(a), np.sin(a), np.zeros_like(a), np.ones_like(a)
    # +a turns +z towards +x (the character's left).
    return np.stack([c, o, s, o, i, o, -s, o, c], axis=-1).reshape(-1, 3, 3)


def _rz(a: np.ndarray) -> np.ndarray:
    c, s, o, i = np.cos(a), np.sin(a), np.zeros_like(a), np.ones_like(a)
    # +a turns +y towards -x: the top of the head tilts to the character's right shoulder.
    return np.stack([c, -s, o, s, c, o, o, o, i], axis=-1).reshape(-1, 3, 3)


def _frames(array: np.ndarray, width: int, what: str) -> np.ndarray:
    array = np.asarray(array, dtype=np.float64)
    if array.ndim == 1:
        array = array[None]
    if array.ndim != 2 or array.shape[1] != width:
        raise ValueError(f"{what} has shape {array.shape}, expected (T, {width}) or ({width},)")
    return array


@dataclass(frozen=True, eq=False)
class DefaultHead:
    """The open default head: parts, 52 ARKit blendshapes, eye centres and pivots, landmark indices.

    deltas: ``(52, V, 3)`` float32 offsets per ARKit shape at weight 1 over all parts concatenated in ``parts``
    order (``part_slices`` gives each part's rows). ``landmarks68`` ``(68,)`` and ``dense_landmarks`` ``(K,)`` index
    the skin part; ``landmarks68`` follows the iBUG 300-W 68-point order (0-16 jaw line from the character's right,
    17-26 brows, 27-35 nose, 36-47 eyes, 48-67 lips).
    """

    parts: tuple[HeadPart, ...]
    deltas: np.ndarray
    eye_centers: np.ndarray  # (2, 3) left, right
    neck_pivot: np.ndarray  # (3,)
    jaw_pivot: np.ndarray  # (3,)
    landmarks68: np.ndarray
    dense_landmarks: np.ndarray
    part_slices: dict[str, slice] = field(init=False)
    _neutral: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        slices, start = {}, 0
        for part in self.parts:
            slices[part.name] = slice(start, start + len(part.vertices))
            start += len(part.vertices)
        if self.deltas.shape != (len(ARKIT_NAMES), start, 3):
            raise ValueError(f"deltas have shape {self.deltas.shape}, expected ({len(ARKIT_NAMES)}, {start}, 3)")
        object.__setattr__(self, "part_slices", slices)
        neutral = np.concatenate([part.vertices for part in self.parts]).astype(np.float64)
        object.__setattr__(self, "_neutral", neutral)

    def part(self, name: str) -> HeadPart:
        for part in self.parts:
            if part.name == name:
                return part
        raise KeyError(f"the default head has no part {name!r}; parts: {[p.name for p in self.parts]}")

    @property
    def vertex_count(self) -> int:
        return len(self._neutral)

    def shape_delta(self, name: str, part: str = "skin") -> np.ndarray:
        """``(Vp, 3)`` offsets of ARKit shape ``name`` at weight 1 on ``part``."""
        return self.deltas[ARKIT_INDEX[name], self.part_slices[part]]

    def pose(self, expression: np.ndarray, gaze: np.ndarray, head_rotation: np.ndarray,
             head_translation: np.ndarray) -> dict[str, np.ndarray]:
        """One frame: ``(52,)`` ARKit weights, ``(4,)`` gaze deg, ``(3,)`` pitch/yaw/roll deg, ``(3,)`` cm ->
        ``{part name: (Vp, 3) float32 posed vertices}``."""
        posed = self.pose_frames(expression, gaze, head_rotation, head_translation)
        return {name: vertices[0] for name, vertices in posed.items()}

    def pose_frames(self, expression: np.ndarray, gaze: np.ndarray, head_rotation: np.ndarray,
                    head_translation: np.ndarray, parts: Sequence[str] | None = None) -> dict[str, np.ndarray]:
        """``T`` frames at once: ``(T, 52)``, ``(T, 4)``, ``(T, 3)``, ``(T, 3)`` -> ``{part: (T, Vp, 3) float32}``.

        ``parts`` limits the work to the named parts (default: all).
        """
        expression = _frames(expression, len(ARKIT_NAMES), "expression")
        gaze = _frames(gaze, 4, "gaze")
        weights = self.expression_with_gaze(expression, gaze)
        rotations = rotation_matrices(_frames(head_rotation, 3, "head_rotation"))
        translations = _frames(head_translation, 3, "head_translation") / CM_PER_M
        names = [p.name for p in self.parts] if parts is None else list(parts)
        posed = {}
        for name in names:
            rows = self.part_slices[name]
            vertices = self._deform(weights, rows)
            if name in EYE_PARTS:
                side = EYE_PARTS.index(name)
                turn = gaze_matrices(gaze[:, 2 * side: 2 * side + 2])
                center = self.eye_centers[side]
                vertices = (vertices - center) @ turn.transpose(0, 2, 1) + center
            posed[name] = self._place(vertices, rotations, translations).astype(np.float32)
        return posed

    def skin_points(self, expression: np.ndarray, head_rotation: np.ndarray, head_translation: np.ndarray,
                    indices: np.ndarray, gaze: np.ndarray | None = None) -> np.ndarray:
        """``(T, K, 3)`` posed positions of skin vertices ``indices`` ``(K,)``: the cheap path for landmarks."""
        expression = _frames(expression, len(ARKIT_NAMES), "expression")
        gaze = np.zeros((len(expression), 4)) if gaze is None else _frames(gaze, 4, "gaze")
        weights = self.expression_with_gaze(expression, gaze)
        rows = np.arange(self.part_slices["skin"].start, self.part_slices["skin"].stop)[np.asarray(indices)]
        vertices = self._deform(weights, rows)
        rotations = rotation_matrices(_frames(head_rotation, 3, "head_rotation"))
        translations = _frames(head_translation, 3, "head_translation") / CM_PER_M
        return self._place(vertices, rotations, translations)

    def gaze_directions(self, gaze: np.ndarray, head_rotation: np.ndarray) -> np.ndarray:
        """``(T, 2, 3)`` unit view directions of the left and right eye in the posed (world) frame."""
        gaze = _frames(gaze, 4, "gaze")
        rotations = rotation_matrices(_frames(head_rotation, 3, "head_rotation"))
        forward = np.array([0.0, 0.0, 1.0])
        eyes = [gaze_matrices(gaze[:, 2 * side: 2 * side + 2]) @ forward for side in range(2)]
        return np.einsum("tij,tej->tei", rotations, np.stack(eyes, axis=1))

    @staticmethod
    def expression_with_gaze(expression: np.ndarray, gaze: np.ndarray) -> np.ndarray:
        """``(T, 52)`` weights clipped to [0, 1] with the gaze's ``eyeLook*`` merged in by max."""
        weights = np.clip(expression, 0.0, 1.0)
        for name, weight in eye_look_from_gaze(gaze).items():
            column = ARKIT_INDEX[name]
            weights[:, column] = np.maximum(weights[:, column], weight)
        return weights

    def _deform(self, weights: np.ndarray, rows: slice | np.ndarray) -> np.ndarray:
        neutral = self._neutral[rows]
        deltas = self.deltas[:, rows].reshape(len(ARKIT_NAMES), -1)
        moved = weights @ deltas  # (T, 52) @ (52, 3V): one BLAS call for every frame
        return neutral[None] + moved.reshape(len(weights), -1, 3)

    def _place(self, vertices: np.ndarray, rotations: np.ndarray, translations: np.ndarray) -> np.ndarray:
        pivot = self.neck_pivot
        return (vertices - pivot) @ rotations.transpose(0, 2, 1) + pivot + translations[:, None, :]


def head_from_arrays(arrays: dict[str, np.ndarray], source: str | Path = HEAD_FILE) -> DefaultHead:
    """Build a `DefaultHead` from the arrays of ``default_head.npz`` (see build.py for the layout)."""
    try:
        version = int(arrays["format_version"])
        if version != FORMAT_VERSION:
            raise InputError(f"default head format {version}, this emoanim reads {FORMAT_VERSION}", path=source,
                             hint="regenerate it: python -m emoanim.rigs.head.build")
        if tuple(str(n) for n in arrays["arkit_names"]) != ARKIT_NAMES:
            raise InputError("default head blendshapes are not the 52 ARKit shapes in order", path=source,
                             hint="regenerate it: python -m emoanim.rigs.head.build")
        parts = tuple(
            HeadPart(name=str(name), vertices=np.asarray(arrays[f"{name}.vertices"], np.float32),
                     faces=np.asarray(arrays[f"{name}.faces"], np.int32),
                     colors=np.asarray(arrays[f"{name}.colors"], np.uint8))
            for name in arrays["part_names"]
        )
        return DefaultHead(
            parts=parts, deltas=np.asarray(arrays["deltas"], np.float32),
            eye_centers=np.asarray(arrays["eye_centers"], np.float64),
            neck_pivot=np.asarray(arrays["neck_pivot"], np.float64),
            jaw_pivot=np.asarray(arrays["jaw_pivot"], np.float64),
            landmarks68=np.asarray(arrays["landmarks68"], np.int64),
            dense_landmarks=np.asarray(arrays["dense_landmarks"], np.int64),
        )
    except KeyError as err:
        raise InputError(f"default head data lacks {err}", path=source,
                         hint="regenerate it: python -m emoanim.rigs.head.build") from None


@lru_cache(maxsize=1)
def load_default_head() -> DefaultHead:
    """The default head from ``rigs/default_head.npz``, read once per process."""
    if not HEAD_FILE.is_file():
        raise InputError("the default head data is missing", path=HEAD_FILE,
                         hint="regenerate it: python -m emoanim.rigs.head.build")
    with np.load(HEAD_FILE, allow_pickle=False) as archive:
        arrays = {key: archive[key] for key in archive.files}
    return head_from_arrays(arrays)
