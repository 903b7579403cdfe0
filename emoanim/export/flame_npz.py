"""``flame-npz``: FLAME parameters and posed vertices of a take, for FLAME users (EMOTE / EMOCA conventions).

Arrays (``T`` frames; loads with ``allow_pickle=False``): ``expression`` (T, E), ``jaw_pose`` (T, 3),
``neck_pose`` (T, 3), ``eye_pose`` (T, 6), ``global_pose`` (T, 3) axis-angle radians, ``transl`` (T, 3) and
``vertices`` (T, V, 3) float32 in the model's units (metres), ``faces`` (F, 3) int32, ``shape`` (300,) zeros (mean
identity), ``fps`` (), ``flame_model_sha256`` () unicode. The vertices are rebuilt from the FLAME model named in the
curves' metadata, so the file must still be there (the writer checks its SHA-256).

`write_obj_sequence` writes the same vertices as one Wavefront OBJ per frame.
"""
from __future__ import annotations

from pathlib import Path
from typing import IO, TYPE_CHECKING

import numpy as np

from emoanim.errors import InputError
from emoanim.export.atomic import atomic_open
from emoanim.export.base import require_finite
from emoanim.rigs.curves import Curves
from emoanim.rigs.flame.loader import SHAPE_COMPONENTS

if TYPE_CHECKING:
    from emoanim.rigs.flame.rig import FlameRig


def flame_arrays(curves: Curves, rig: FlameRig | None = None) -> dict[str, np.ndarray]:
    """The arrays of a ``flame-npz`` file for flame-rig ``curves`` (see the module docstring)."""
    from emoanim.rigs.flame.rig import rig_for_curves  # torch is imported only when a FLAME file is written

    rig = rig if rig is not None else rig_for_curves(curves)
    params = rig.parameters_from_curves(curves)
    arrays = {name: np.asarray(getattr(params, name), np.float32)
              for name in ("expression", "jaw_pose", "neck_pose", "eye_pose", "global_pose", "transl")}
    arrays.update(vertices=rig.vertices(params).astype(np.float32), faces=rig.model.faces.astype(np.int32),
                  shape=np.zeros(SHAPE_COMPONENTS, np.float32), fps=np.float64(curves.fps),
                  flame_model_sha256=np.str_(rig.model.sha256))
    return arrays


class FlameNpzWriter:
    name = "flame-npz"
    extension = ".npz"  # <stem>.flame.npz: the rig name already says FLAME
    binary = True
    rigs = ("flame",)

    def check(self, curves: Curves) -> None:
        if curves.rig != "flame" or "flame_model" not in curves.metadata:
            raise InputError(f"the flame-npz format needs curves of the flame rig, not {curves.rig}",
                             hint="use --rig flame")

    def write(self, curves: Curves, stream: IO[bytes]) -> None:
        np.savez(stream, **flame_arrays(curves))


def write_flame_npz(curves: Curves, path: str | Path) -> Path:
    """Write flame-rig ``curves`` with their vertices to ``path``; the file appears whole or not at all.

    The same as ``write(curves, path, "flame-npz")``, for callers that hold flame curves outside the CLI.
    """
    writer, path = FlameNpzWriter(), Path(path)
    require_finite(curves)
    writer.check(curves)
    arrays = flame_arrays(curves)  # before opening: a missing or changed model leaves nothing behind
    if path.is_dir():
        raise InputError("is a folder", path=path, hint="give a file name for the output")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_open(path, binary=True) as stream:
            np.savez(stream, **arrays)
    except OSError as err:
        raise InputError(f"cannot write: {err.strerror or err}", path=path,
                         hint="choose a folder you can write to, with free space") from err
    return path


def write_obj_sequence(vertices: np.ndarray, faces: np.ndarray, folder: str | Path, stem: str = "frame") -> list[Path]:
    """``(T, V, 3)`` vertices and ``(F, 3)`` faces -> ``folder/stem_00000.obj`` ... (each written atomically)."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise InputError("is a file, not a folder", path=folder, hint="name a folder for the OBJ sequence")
    face_lines = "".join(f"f {a} {b} {c}\n" for a, b, c in np.asarray(faces, np.int64) + 1)  # OBJ counts from 1
    digits = max(5, len(str(len(vertices) - 1)))
    paths = []
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for index, frame in enumerate(np.asarray(vertices, np.float64)):
            path = folder / f"{stem}_{index:0{digits}d}.obj"
            with atomic_open(path, binary=False) as stream:
                stream.write("".join(f"v {x:.6f} {y:.6f} {z:.6f}\n" for x, y, z in frame))
                stream.write(face_lines)
            paths.append(path)
    except OSError as err:
        raise InputError(f"cannot write the OBJ sequence: {err.strerror or err}", path=folder,
                         hint="choose a folder you can write to, with free space") from err
    return paths
