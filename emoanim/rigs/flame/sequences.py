"""Read FLAME parameter sequences in the layout EMOTE (Daněček et al. 2023) trains on: the EMICA pseudo-ground-truth
of MEAD, one folder per clip, as inferno writes it.

    <root>/<subject>/<view>/<emotion>/<level_N>/<sentence>/shape_pose_cam.hdf5
        exp (1, T, 100)   jaw (1, T, 3)   global_pose (1, T, 3)   shape (1, T, 300)   cam (1, T, 3)

inferno stores every array with a leading batch axis of 1; MEAD's pseudo-GT was made from 25 fps video
(``MEAD_FPS``). The same keys in an ``.npz`` (``shape_pose_cam.npz``, leading axis optional) are read too, which
needs no HDF5 library; ``.hdf5`` needs ``h5py``.
"""
from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np

from emoanim.errors import InputError

MEAD_FPS = 25.0
FILE_STEMS = ("shape_pose_cam",)
REQUIRED = ("exp", "jaw")
WIDTHS = {"jaw": 3, "global_pose": 3, "cam": 3}
# MEAD folder names -> emoanim's 8 classes (MEAD uses the same eight, spelled these ways).
MEAD_EMOTIONS = {"neutral": "neutral", "happy": "happy", "sad": "sad", "surprised": "surprised", "fear": "fear",
                 "disgusted": "disgusted", "angry": "angry", "contempt": "contempt"}


@dataclass
class FlameSequence:
    """One clip: ``expression`` (T, E), ``jaw_pose`` (T, 3), ``global_pose`` (T, 3), ``shape`` (T, S) or None,
    ``cam`` (T, 3) or None, at ``fps``; ``emotion`` / ``intensity`` (MEAD level 1-3) from the folder names when
    they follow MEAD's layout, else None."""

    path: Path
    expression: np.ndarray
    jaw_pose: np.ndarray
    global_pose: np.ndarray
    shape: np.ndarray | None
    cam: np.ndarray | None
    fps: float
    subject: str | None = None
    emotion: str | None = None
    intensity: int | None = None
    sentence: str | None = None

    @property
    def frames(self) -> int:
        return len(self.expression)


def _read_hdf5(path: Path) -> dict[str, np.ndarray]:
    try:
        import h5py
    except ImportError:
        raise InputError("reading .hdf5 FLAME sequences needs h5py", path=path,
                         hint="pip install h5py, or convert the clips to shape_pose_cam.npz") from None
    try:
        with h5py.File(path, "r") as handle:
            return {key: np.asarray(handle[key]) for key in handle.keys()}
    except OSError as err:
        raise InputError(f"not a readable HDF5 file: {err}", path=path) from None


def _read_npz(path: Path) -> dict[str, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as archive:
            return {key: archive[key] for key in archive.files}
    except (OSError, ValueError, zipfile.BadZipFile) as err:
        raise InputError(f"not a readable .npz of arrays: {err}", path=path) from None


def _frames_first(array: np.ndarray, key: str, path: Path) -> np.ndarray:
    array = np.asarray(array, np.float32)
    if array.ndim == 3 and array.shape[0] == 1:
        array = array[0]  # inferno's leading batch axis
    if array.ndim != 2:
        raise InputError(f"{key} has shape {array.shape}, expected (1, T, D) or (T, D)", path=path,
                         hint="write EMOTE/inferno shape_pose_cam files")
    if not np.isfinite(array).all():
        raise InputError(f"{key} holds NaN or infinite values", path=path, hint="drop or re-track this clip")
    return array


def read_flame_sequence(path: str | Path, fps: float = MEAD_FPS) -> FlameSequence:
    """One ``shape_pose_cam.hdf5`` / ``.npz`` -> `FlameSequence` (MEAD labels from its folders when present)."""
    path = Path(path)
    if not path.is_file():
        raise InputError("FLAME sequence file not found", path=path, hint="give a shape_pose_cam.hdf5 or .npz")
    arrays = _read_npz(path) if path.suffix == ".npz" else _read_hdf5(path)
    missing = [key for key in REQUIRED if key not in arrays]
    if missing:
        raise InputError(f"not a FLAME sequence: lacks {', '.join(missing)} (has {sorted(arrays)})", path=path,
                         hint="EMOTE-style files hold exp, jaw, global_pose, shape and cam")
    columns = {key: _frames_first(value, key, path) for key, value in arrays.items()
               if key in ("exp", "jaw", "global_pose", "shape", "cam")}
    frames = len(columns["exp"])
    for key, value in columns.items():
        if len(value) != frames:
            raise InputError(f"{key} has {len(value)} frames, exp has {frames}", path=path,
                             hint="every array of a clip needs the same frame count")
        if key in WIDTHS and value.shape[1] != WIDTHS[key]:
            raise InputError(f"{key} has {value.shape[1]} columns, expected {WIDTHS[key]}", path=path)
    global_pose = columns.get("global_pose", np.zeros((frames, 3), np.float32))
    labels = _mead_labels(path)
    return FlameSequence(path=path, expression=columns["exp"], jaw_pose=columns["jaw"], global_pose=global_pose,
                         shape=columns.get("shape"), cam=columns.get("cam"), fps=fps, **labels)


def _mead_labels(path: Path) -> dict:
    """subject/view/emotion/level_N/sentence/shape_pose_cam.* -> labels; anything else gives none."""
    parts = path.parent.parts
    if len(parts) < 5 or parts[-3].lower() not in MEAD_EMOTIONS or not parts[-2].startswith("level_"):
        return {}
    try:
        level = int(parts[-2].removeprefix("level_"))
    except ValueError:
        return {}
    emotion = MEAD_EMOTIONS[parts[-3].lower()]
    return {"subject": parts[-5], "emotion": emotion, "intensity": level, "sentence": parts[-1]}


def find_flame_sequences(root: str | Path) -> list[Path]:
    """Every ``shape_pose_cam.hdf5`` / ``.npz`` under ``root``, sorted."""
    root = Path(root)
    if not root.is_dir():
        raise InputError("FLAME sequence folder not found", path=root,
                         hint="name the reconstructions folder, e.g. EMICA-MEAD_flame2020")
    found = sorted(p for stem in FILE_STEMS for suffix in (".hdf5", ".npz") for p in root.rglob(stem + suffix))
    if not found:
        raise InputError("no shape_pose_cam.hdf5 or .npz files under this folder", path=root,
                         hint="name the folder holding <subject>/<view>/<emotion>/<level>/<sentence>/ clips")
    return found


def iter_flame_sequences(root: str | Path, fps: float = MEAD_FPS) -> Iterator[FlameSequence]:
    """`read_flame_sequence` over `find_flame_sequences` (one clip in memory at a time)."""
    for path in find_flame_sequences(root):
        yield read_flame_sequence(path, fps=fps)
