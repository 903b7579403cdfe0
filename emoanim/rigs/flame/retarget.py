"""From the canonical `Performance` to FLAME parameters.

Expression: for each of the 52 ARKit shapes, the FLAME expression ψ and jaw rotation θ whose landmark motion best
matches that shape's landmark motion on the default head, solved once per model (then cached):

    min_{ψ, θ}  Σ_i || lmk_i(ψ, θ) - lmk_i(0, 0) - s·R·d_i ||²  +  λ_ψ ||ψ||²  +  λ_θ ||θ||²

where ``d_i`` is the default head's displacement of point ``i`` at weight 1 and ``s, R`` the similarity that puts
the default head's landmarks onto FLAME's (Umeyama 1991). Points are the iBUG landmarks both share, plus the
default head's dense landmarks matched to the nearest FLAME skin vertex after that alignment. The jaw acts through
skinning, so the problem is solved by a few Gauss-Newton steps (exact Jacobians through the torch layer). Per
frame the map is then linear: ``[ψ, θ] = w @ M`` with ``w`` the ``(T, 52)`` ARKit weights.

Head rotation goes to FLAME's global pose (as EMOCA and EMOTE use it; the neck joint stays at rest) and gaze to
the two eye joints, with the default head's angle conventions (emoanim/rigs/head/model.py): both frames are
+x subject's left, +y up, +z out of the face.
"""
from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
from scipy.spatial import cKDTree
from scipy.spatial.transform import Rotation

from emoanim.motion.channels import ARKIT_NAMES
from emoanim.rigs.flame.layer import FlameLayer
from emoanim.rigs.flame.loader import FlameModel
from emoanim.rigs.head import HEAD_FILE, DefaultHead
from emoanim.rigs.head.model import gaze_matrices, rotation_matrices

RETARGET_VERSION = 1  # bump when the solve changes, so old cache files are not used
RIDGE = 1e-3  # λ as a share of the mean squared Jacobian column of its group: small, it only breaks ties
GAUSS_NEWTON_STEPS = 5
NONLINEAR_JAW = 1e-6  # radians: below this the first (linear) step is already exact
DENSE_MATCH_DISTANCE = 0.004  # default-head metres: farther default-head points have no FLAME counterpart worth trusting
COINCIDENT = 1e-7  # metres: closer default-head vertices are copies of one point
EYE_WEIGHT_LIMIT = 0.5  # FLAME vertices skinned mostly to an eye joint are eyeball, not skin
DEFAULT_CACHE_DIR = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "emoanim" / "flame"
JAW_WIDTH = 3


@dataclass(frozen=True)
class Retarget:
    """``matrix`` ``(52, E + 3)``: row k is ARKit shape k at weight 1 as FLAME expression (E) then jaw (3, rad).

    ``rms_error`` ``(52,)`` is the landmark fit's RMS error per shape (metres, FLAME scale); ``points`` the number
    of points matched.
    """

    matrix: np.ndarray
    rms_error: np.ndarray
    points: int

    @property
    def expression_count(self) -> int:
        return self.matrix.shape[1] - JAW_WIDTH

    def apply(self, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(T, 52)`` ARKit weights -> ``(T, E)`` expression, ``(T, 3)`` jaw axis-angle."""
        params = np.asarray(weights, np.float64) @ self.matrix
        return params[:, :self.expression_count], params[:, self.expression_count:]


def similarity(source: np.ndarray, target: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """Scale, rotation ``(3, 3)``, translation ``(3,)`` minimising ``Σ |s R source + t - target|²`` (Umeyama)."""
    mu_s, mu_t = source.mean(0), target.mean(0)
    a, b = source - mu_s, target - mu_t
    u, sigma, vt = np.linalg.svd(b.T @ a / len(a))
    d = np.eye(3)
    d[2, 2] = np.sign(np.linalg.det(u @ vt))  # no reflections
    rotation = u @ d @ vt
    scale = float(np.trace(np.diag(sigma) @ d) / (a * a).sum(1).mean())
    return scale, rotation, mu_t - scale * rotation @ mu_s


@dataclass(frozen=True)
class PointTargets:
    """What the solve fits: FLAME landmarks (all ``L``) plus ``vertex_ids`` ``(D,)``; ``targets`` ``(52, L+D, 3)``."""

    vertex_ids: np.ndarray
    targets: np.ndarray


def point_targets(model: FlameModel, layer: FlameLayer, head: DefaultHead) -> PointTargets:
    """The default head's per-shape landmark displacements, carried into FLAME's frame and scale."""
    skin = head.part_slices["skin"]
    neutral = head.part("skin").vertices.astype(np.float64)
    deltas = head.deltas[:, skin].astype(np.float64)  # (52, V_skin, 3)
    head_ids = head.landmarks68[model.landmarks.ibug]
    with torch.no_grad():
        zero = torch.zeros(1, layer.expression_count, dtype=layer.template.dtype)
        flame_landmarks = layer.landmarks(zero)[0].double().numpy()
    scale, rotation, shift = similarity(neutral[head_ids], flame_landmarks)
    # Slit edges (lips, lids) have an upper and a lower copy at one neutral position; a FLAME vertex cannot say
    # which of the two it is, so dense points with a coincident twin are left out.
    twins = cKDTree(neutral).query_ball_point(neutral[head.dense_landmarks], r=COINCIDENT, return_length=True)
    dense = head.dense_landmarks[twins == 1]
    dense_at = scale * neutral[dense] @ rotation.T + shift
    eye_weight = model.weights[:, 3:].sum(1)
    skin_ids = np.flatnonzero(eye_weight < EYE_WEIGHT_LIMIT)
    distance, nearest = cKDTree(model.v_template[skin_ids]).query(dense_at)
    keep = distance < DENSE_MATCH_DISTANCE * scale  # the threshold is in default-head metres
    vertex_ids = skin_ids[nearest[keep]]
    vertex_ids, first = np.unique(vertex_ids, return_index=True)  # two head points may land on one vertex
    dense_ids = dense[keep][first]
    moved = np.concatenate([deltas[:, head_ids], deltas[:, dense_ids]], axis=1)
    return PointTargets(vertex_ids=vertex_ids.astype(np.int64), targets=scale * moved @ rotation.T)


def solve_retarget(layer: FlameLayer, vertex_ids: np.ndarray, targets: np.ndarray, *, ridge: float | None = None,
                   steps: int = GAUSS_NEWTON_STEPS) -> Retarget:
    """Fit ``[ψ, θ]`` per target ``(K, N, 3)`` (``N`` = landmarks + ``vertex_ids``) by ridge Gauss-Newton
    (``ridge`` defaults to `RIDGE`)."""
    ridge = RIDGE if ridge is None else ridge
    expression_count = layer.expression_count
    ids = torch.as_tensor(vertex_ids, dtype=torch.int64)
    dtype = torch.float64
    layer = layer.to(dtype)
    try:
        def points(params: torch.Tensor) -> torch.Tensor:
            expression, jaw = params[None, :expression_count], params[None, expression_count:]
            landmarks = layer.landmarks(expression, jaw_pose=jaw)[0]
            chosen = layer(expression, jaw_pose=jaw, vertex_ids=ids)[0]
            return torch.cat([landmarks, chosen]).reshape(-1)

        rest = points(torch.zeros(expression_count + JAW_WIDTH, dtype=dtype)).detach()
        goal = torch.as_tensor(targets, dtype=dtype).reshape(len(targets), -1) + rest
        # Forward mode, one target at a time: P tangents through the layer stay small (reverse mode over 3N
        # outputs and all targets at once needs tens of GB).
        jacobian_of = torch.func.jacfwd(points)
        jacobian0 = jacobian_of(torch.zeros(expression_count + JAW_WIDTH, dtype=dtype))  # (3N, P)
        column_power = (jacobian0 ** 2).sum(0)
        penalty = torch.cat([column_power[:expression_count].mean().expand(expression_count),
                             column_power[expression_count:].mean().expand(JAW_WIDTH)]) * ridge
        penalty = penalty.clamp_min(float(column_power.mean()) * 1e-6)  # a group that moves no point stays at 0
        with torch.no_grad():
            # Step one for every target at once from the Jacobian at rest. With the jaw at rest every joint
            # rotation is the identity, so the map is exactly linear in ψ: only targets that turned the jaw need
            # further steps.
            normal0 = jacobian0.T @ jacobian0 + torch.diag(penalty)
            params_all = torch.linalg.solve(normal0, jacobian0.T @ (goal - rest).T).T  # (K, P)
            solved, rms = [], []
            for target, params in zip(goal, params_all):
                if params[expression_count:].abs().max() > NONLINEAR_JAW:
                    for _ in range(steps - 1):
                        jacobian = jacobian_of(params)  # (3N, P)
                        residual = target - points(params)
                        normal = jacobian.T @ jacobian + torch.diag(penalty)
                        params = params + torch.linalg.solve(normal, jacobian.T @ residual - penalty * params)
                error = (target - points(params)).reshape(-1, 3)
                solved.append(params)
                rms.append(torch.sqrt((error ** 2).sum(-1).mean()))
        matrix, rms_error = torch.stack(solved).numpy(), torch.stack(rms).numpy()
    finally:
        layer.to(torch.float32)
    return Retarget(matrix=matrix, rms_error=rms_error, points=goal.shape[1] // 3)


def _file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "missing"


@lru_cache(maxsize=1)
def _head_sha256() -> str:
    return _file_sha256(HEAD_FILE)


_MEMORY: dict[str, Retarget] = {}


def cache_key(model: FlameModel, expression_count: int) -> str:
    """Model file + landmark file + default head + solver settings: any change gives a new key."""
    parts = [model.sha256, model.landmarks.sha256, _head_sha256(), str(RETARGET_VERSION), repr(RIDGE),
             repr(DENSE_MATCH_DISTANCE), str(expression_count)]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:40]


def retarget_for(model: FlameModel, layer: FlameLayer, head: DefaultHead, *,
                 cache_dir: Path | None = DEFAULT_CACHE_DIR) -> Retarget:
    """The ARKit -> FLAME matrix for ``model``: from memory, else from ``cache_dir`` (None: no disk), else solved."""
    key = cache_key(model, layer.expression_count)
    if key in _MEMORY:
        return _MEMORY[key]
    path = None if cache_dir is None else Path(cache_dir) / f"retarget-{key}.npz"
    retarget = _read_cache(path) if path is not None else None
    if retarget is None:
        found = point_targets(model, layer, head)
        retarget = solve_retarget(layer, found.vertex_ids, found.targets)
        if path is not None:
            _write_cache(path, retarget)
    _MEMORY[key] = retarget
    return retarget


def _read_cache(path: Path) -> Retarget | None:
    try:
        with np.load(path, allow_pickle=False) as archive:
            matrix, rms, points = archive["matrix"], archive["rms_error"], int(archive["points"])
    except (OSError, KeyError, ValueError):
        return None  # absent or damaged: solve again and overwrite (a cache, never the only copy)
    if matrix.ndim != 2 or matrix.shape[0] != len(ARKIT_NAMES) or not np.isfinite(matrix).all():
        return None
    return Retarget(matrix=matrix, rms_error=rms, points=points)


def _write_cache(path: Path, retarget: Retarget) -> None:
    """Best effort and atomic: a read-only or full disk only costs re-solving next time."""
    temp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(temp, "wb") as stream:
            np.savez(stream, matrix=retarget.matrix, rms_error=retarget.rms_error, points=retarget.points)
        os.replace(temp, path)
    except OSError:
        temp.unlink(missing_ok=True)


def global_pose_from_head(head_deg: np.ndarray) -> np.ndarray:
    """``(T, 3)`` pitch/yaw/roll degrees -> ``(T, 3)`` axis-angle of the same rotation."""
    return Rotation.from_matrix(rotation_matrices(head_deg)).as_rotvec()


def eye_pose_from_gaze(gaze_deg: np.ndarray, model: FlameModel) -> np.ndarray:
    """``(T, 4)`` left yaw/pitch, right yaw/pitch degrees -> ``(T, 6)`` axis-angle of FLAME joints 3 then 4.

    Which of the two eye joints is the subject's left is read from the template (left = +x), not assumed.
    """
    gaze = np.asarray(gaze_deg, np.float64).reshape(-1, 4)
    left = Rotation.from_matrix(gaze_matrices(gaze[:, 0:2])).as_rotvec()
    right = Rotation.from_matrix(gaze_matrices(gaze[:, 2:4])).as_rotvec()
    joints = model.rest_joints()
    first_is_left = joints[3, 0] > joints[4, 0]
    return np.concatenate([left, right] if first_is_left else [right, left], axis=1)
