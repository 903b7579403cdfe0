"""Read the user's own FLAME model (FLAME 2020 / 2023 ``generic_model.pkl`` or ``.npz``) and a landmark embedding.

FLAME (Li et al. 2017, "Learning a model of facial shape and expression from 4D scans") is not shipped with
emoanim: its licence forbids redistribution. The user names the file once (``EMOANIM_FLAME_MODEL`` or
`emoanim.rigs.flame.set_flame_model`). Pickles go through `unpickle.RestrictedUnpickler`, so no code in the file
ever runs and chumpy need not be installed.

Layout of the official files (checked against FLAME 2020 and 2023): ``v_template`` (V, 3) metres, ``f`` (F, 3),
``shapedirs`` (V, 3, 400) = 300 identity + 100 expression components, ``posedirs`` (V, 3, 36) pose correctives
driven by the 4 non-root joints' rotation matrices minus identity, ``J_regressor`` (5, V) sparse,
``kintree_table`` (2, 5) parents / ids (root, neck, jaw, left eye, right eye), ``weights`` (V, 5) skinning weights.
Frame: +x the subject's left, +y up, +z out of the face, like the default head.

Landmark embeddings: ``landmark_embedding.npy`` (DECA / EMOCA: a dict with ``static_lmk_*``, ``dynamic_lmk_*`` and,
in newer ones, ``full_lmk_*`` for all 68 iBUG points) or ``flame_static_embedding.pkl`` (TF_FLAME / flame-fitting:
``lmk_face_idx`` (51,), ``lmk_b_coords`` (51, 3)), the 51 iBUG points 17-67 without the jaw outline.
"""
from __future__ import annotations

import hashlib
import io
import os
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from numpy.lib import format as npy_format

from emoanim.errors import InputError
from emoanim.rigs.flame.unpickle import FLAME_SOURCE_HINT, restricted_loads, to_array

MODEL_ENV = "EMOANIM_FLAME_MODEL"
LANDMARKS_ENV = "EMOANIM_FLAME_LANDMARKS"
SHAPE_COMPONENTS = 300  # FLAME 2020/2023 identity components; the rest of shapedirs are expression components
JOINT_NAMES: tuple[str, ...] = ("global", "neck", "jaw", "eye_a", "eye_b")
REQUIRED_KEYS = ("v_template", "f", "shapedirs", "posedirs", "J_regressor", "kintree_table", "weights")
# File names the landmark embedding goes by, looked for next to the model when none is named.
LANDMARK_FILE_NAMES = ("landmark_embedding.npy", "flame_static_embedding.pkl", "flame_static_embedding.npy",
                       "landmark_embedding.npz")
IBUG_51_FIRST = 17  # a 51-point embedding is iBUG 17..67 (brows, nose, eyes, lips)


@dataclass(frozen=True, eq=False)
class LandmarkEmbedding:
    """Landmarks on the FLAME surface: point ``i`` is ``sum_k bary[i, k] * vertex[faces[face_ids[i], k]]``.

    ``ibug`` ``(L,)`` says which iBUG 68 point each landmark is (0..67).
    """

    face_ids: np.ndarray  # (L,) int64
    bary: np.ndarray  # (L, 3) float64
    ibug: np.ndarray  # (L,) int64
    source: Path
    sha256: str


@dataclass(frozen=True, eq=False)
class FlameModel:
    """A FLAME model as plain arrays (float64 unless said otherwise); see the module docstring for the layout."""

    v_template: np.ndarray  # (V, 3)
    faces: np.ndarray  # (F, 3) int64
    shapedirs: np.ndarray  # (V, 3, S) identity
    exprdirs: np.ndarray  # (V, 3, E) expression
    posedirs: np.ndarray  # (V, 3, 9 * (J - 1))
    j_regressor: np.ndarray  # (J, V) dense
    parents: np.ndarray  # (J,) int64, -1 for the root
    weights: np.ndarray  # (V, J)
    source: Path
    sha256: str
    version: str
    landmarks: LandmarkEmbedding | None = None

    @property
    def vertex_count(self) -> int:
        return len(self.v_template)

    @property
    def expression_count(self) -> int:
        return self.exprdirs.shape[2]

    @property
    def joint_count(self) -> int:
        return len(self.parents)

    def rest_joints(self) -> np.ndarray:
        """``(J, 3)`` joint positions of the template."""
        return self.j_regressor @ self.v_template


def model_path_from_env() -> Path | None:
    """The path ``EMOANIM_FLAME_MODEL`` names, or None when unset."""
    value = os.environ.get(MODEL_ENV, "").strip()
    return Path(value).expanduser() if value else None


def _read_bytes(path: Path, what: str) -> bytes:
    if not path.exists():
        raise InputError(f"{what} not found", path=path, hint=FLAME_SOURCE_HINT)
    if path.is_dir():
        raise InputError(f"{what} is a folder", path=path, hint="name the file itself, e.g. generic_model.pkl")
    try:
        return path.read_bytes()
    except OSError as err:
        raise InputError(f"cannot read {what}: {err.strerror or err}", path=path) from None


def _read_npz(data: bytes, path: Path) -> dict:
    """Arrays of an .npz; object arrays (a pickled sparse regressor, a dict) go through the restricted unpickler."""
    arrays = {}
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for member in archive.namelist():
                with archive.open(member) as stream:
                    raw = stream.read()
                arrays[member.removesuffix(".npy")] = _read_npy(raw, path)
    except zipfile.BadZipFile as err:
        raise InputError(f"not an .npz archive ({err})", path=path, hint=FLAME_SOURCE_HINT) from None
    return arrays


def _read_npy(raw: bytes, path: Path):
    stream = io.BytesIO(raw)
    try:
        version = npy_format.read_magic(stream)
        reader = npy_format.read_array_header_1_0 if version == (1, 0) else npy_format.read_array_header_2_0
        shape, fortran, dtype = reader(stream)
    except ValueError as err:
        raise InputError(f"not a NumPy file ({err})", path=path, hint=FLAME_SOURCE_HINT) from None
    if dtype.hasobject:
        # np.save pickles object arrays after the header; read that pickle with the allow-list, never np.load.
        value = restricted_loads(raw[stream.tell():], path)
        return value.item() if isinstance(value, np.ndarray) and value.ndim == 0 else value
    stream.seek(0)
    return np.load(stream, allow_pickle=False)


def read_arrays(path: Path, what: str) -> tuple[object, str]:
    """The content of a FLAME-related .pkl / .npy / .npz file, safely, and the SHA-256 of its bytes."""
    data = _read_bytes(path, what)
    digest = hashlib.sha256(data).hexdigest()
    if data[:4] == b"PK\x03\x04":
        return _read_npz(data, path), digest
    if data[:6] == b"\x93NUMPY":
        return _read_npy(data, path), digest
    if data[:1] == b"\x80":
        return restricted_loads(data, path), digest
    raise InputError(f"{what} is neither a pickle nor a NumPy file", path=path, hint=FLAME_SOURCE_HINT)


def _model_from_dict(content: dict, path: Path, digest: str) -> FlameModel:
    missing = [key for key in REQUIRED_KEYS if key not in content]
    if missing:
        raise InputError(f"not a FLAME model: lacks {', '.join(missing)}", path=path,
                         hint=f"name FLAME 2020 or 2023 generic_model.pkl; {FLAME_SOURCE_HINT}")
    array = {key: to_array(content[key], key, path) for key in REQUIRED_KEYS}
    template = array["v_template"].astype(np.float64)
    count = len(template)
    kintree = array["kintree_table"].astype(np.int64)
    weights = array["weights"].astype(np.float64)
    if template.ndim != 2 or template.shape[1] != 3:
        raise InputError(f"not a FLAME model: v_template has shape {template.shape}", path=path, hint=FLAME_SOURCE_HINT)
    if kintree.shape != (2, len(JOINT_NAMES)) or weights.shape != (count, len(JOINT_NAMES)):
        raise InputError(f"not a FLAME model: {kintree.shape[-1]} joints, FLAME has 5 (global, neck, jaw, eyes); "
                         "SMPL-family body models are not faces", path=path, hint=FLAME_SOURCE_HINT)
    dirs = array["shapedirs"].astype(np.float64)
    if dirs.ndim != 3 or dirs.shape[:2] != (count, 3):
        raise InputError(f"not a FLAME model: shapedirs has shape {dirs.shape}", path=path, hint=FLAME_SOURCE_HINT)
    if dirs.shape[2] <= SHAPE_COMPONENTS:
        raise InputError(f"wrong FLAME version: shapedirs has {dirs.shape[2]} components, without expression "
                         f"blendshapes (FLAME 2020 and 2023 have {SHAPE_COMPONENTS} identity + 100 expression)",
                         path=path, hint=f"use FLAME 2020 or 2023; {FLAME_SOURCE_HINT}")
    posedirs = array["posedirs"].astype(np.float64)
    pose_features = 9 * (len(JOINT_NAMES) - 1)
    if posedirs.shape != (count, 3, pose_features):
        raise InputError(f"wrong FLAME version: posedirs has shape {posedirs.shape}, expected ({count}, 3, "
                         f"{pose_features})", path=path, hint=f"use FLAME 2020 or 2023; {FLAME_SOURCE_HINT}")
    regressor = array["J_regressor"].astype(np.float64)
    if regressor.shape != (len(JOINT_NAMES), count):
        raise InputError(f"not a FLAME model: J_regressor has shape {regressor.shape}", path=path,
                         hint=FLAME_SOURCE_HINT)
    faces = array["f"].astype(np.int64)
    if faces.ndim != 2 or faces.shape[1] != 3 or faces.min() < 0 or faces.max() >= count:
        raise InputError(f"not a FLAME model: faces f of shape {faces.shape} do not index {count} vertices",
                         path=path, hint=FLAME_SOURCE_HINT)
    parents = kintree[0].copy()
    parents[0] = -1  # the root's parent is stored as uint32 max
    if np.any(parents[1:] < 0) or np.any(parents[1:] >= np.arange(1, len(parents))):
        raise InputError("not a FLAME model: kintree_table is not a tree in joint order", path=path,
                         hint=FLAME_SOURCE_HINT)
    version = "FLAME 2023" if "2023" in path.name else "FLAME 2020"  # the files hold no version field of their own
    return FlameModel(v_template=template, faces=faces, shapedirs=dirs[:, :, :SHAPE_COMPONENTS],
                      exprdirs=dirs[:, :, SHAPE_COMPONENTS:], posedirs=posedirs, j_regressor=regressor,
                      parents=parents, weights=weights, source=path, sha256=digest, version=version)


def load_landmark_embedding(path: str | Path, faces: int | None = None) -> LandmarkEmbedding:
    """Read a FLAME landmark embedding (see the module docstring); ``faces`` checks the face ids when given."""
    path = Path(path).expanduser()
    content, digest = read_arrays(path, "FLAME landmark embedding")
    if not isinstance(content, dict):
        raise InputError("not a FLAME landmark embedding: expected a dict of arrays", path=path,
                         hint="use landmark_embedding.npy (DECA/EMOCA) or flame_static_embedding.pkl (TF_FLAME)")
    # Newest first: the full 68-point set, then the static 51 points under their two spellings.
    for face_key, bary_key in (("full_lmk_faces_idx", "full_lmk_bary_coords"),
                               ("static_lmk_faces_idx", "static_lmk_bary_coords"),
                               ("lmk_face_idx", "lmk_b_coords"), ("lmk_faces_idx", "lmk_bary_coords")):
        if face_key in content and bary_key in content:
            face_ids = to_array(content[face_key], face_key, path).reshape(-1).astype(np.int64)
            bary = to_array(content[bary_key], bary_key, path).reshape(-1, 3).astype(np.float64)
            break
    else:
        raise InputError(f"not a FLAME landmark embedding: keys {sorted(content)[:6]}", path=path,
                         hint="use landmark_embedding.npy (DECA/EMOCA) or flame_static_embedding.pkl (TF_FLAME)")
    if len(face_ids) not in (51, 68) or len(bary) != len(face_ids):
        raise InputError(f"landmark embedding has {len(face_ids)} faces and {len(bary)} barycentric rows; expected "
                         "51 or 68 of each", path=path, hint="use the embedding that came with FLAME / DECA")
    if faces is not None and (face_ids.min() < 0 or face_ids.max() >= faces):
        raise InputError(f"landmark embedding names faces beyond the model's {faces}", path=path,
                         hint="use the embedding made for this FLAME model")
    first = 0 if len(face_ids) == 68 else IBUG_51_FIRST
    return LandmarkEmbedding(face_ids=face_ids, bary=bary, ibug=np.arange(first, 68), source=path, sha256=digest)


def find_landmark_file(model_path: Path) -> Path | None:
    """``EMOANIM_FLAME_LANDMARKS``, else a known embedding file next to the model, else None."""
    value = os.environ.get(LANDMARKS_ENV, "").strip()
    if value:
        return Path(value).expanduser()
    for name in LANDMARK_FILE_NAMES:
        candidate = model_path.parent / name
        if candidate.is_file():
            return candidate
    return None


def load_flame_model(path: str | Path, landmarks: str | Path | None = None) -> FlameModel:
    """Read a FLAME 2020/2023 model and (if given or found next to it) its landmark embedding.

    Raises `InputError` in one line for a missing file, a file that is not FLAME, a wrong version or a pickle that
    names anything besides numpy / scipy.sparse / chumpy data.
    """
    path = Path(path).expanduser()
    stat = _stat(path)
    landmark_path = Path(landmarks).expanduser() if landmarks is not None else find_landmark_file(path)
    landmark_stat = None if landmark_path is None else _stat(landmark_path)
    return _load_cached(path, stat, landmark_path, landmark_stat)


def _stat(path: Path) -> tuple[int, int] | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return info.st_size, info.st_mtime_ns


@lru_cache(maxsize=4)
def _load_cached(path: Path, stat, landmark_path: Path | None, landmark_stat) -> FlameModel:
    # Keyed on size and mtime too, so an edited file is read again; constructing the rig twice costs one read.
    content, digest = read_arrays(path, "FLAME model file")
    if not isinstance(content, dict):
        raise InputError(f"not a FLAME model: holds a {type(content).__name__}, not a dict of arrays", path=path,
                         hint=FLAME_SOURCE_HINT)
    model = _model_from_dict(content, path, digest)
    if landmark_path is not None:
        embedding = load_landmark_embedding(landmark_path, faces=len(model.faces))
        model = FlameModel(**{**model.__dict__, "landmarks": embedding})
    return model
