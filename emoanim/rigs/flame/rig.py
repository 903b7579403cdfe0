"""The ``flame`` rig: a `Performance` as FLAME parameters of the user's own FLAME model, and its vertices.

Channels (``T`` frames at the performance's fps), all float32:

| channels                              | what                                                              |
|---------------------------------------|-------------------------------------------------------------------|
| ``e0`` ... ``e{E-1}``                 | FLAME expression coefficients (E = the model's count, 100)        |
| ``jaw_pose_0..2``                     | jaw axis-angle, radians                                           |
| ``neck_pose_0..2``                    | neck axis-angle (at rest: head motion is carried by global pose)  |
| ``eye_pose_0..5``                     | FLAME eye joints 3 and 4, axis-angle each                          |
| ``global_pose_0..2``                  | head rotation, axis-angle                                         |
| ``transl_0..2``                       | head translation, in the model's units (metres)                   |

The model file comes from `FlameRig(model=...)`, else `set_flame_model`, else ``EMOANIM_FLAME_MODEL``.
``Curves.metadata`` carries the model's path and SHA-256 so writers can rebuild the vertices.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from emoanim.errors import InputError
from emoanim.motion.performance import Performance
from emoanim.rigs.base import curve_columns
from emoanim.rigs.curves import Curves
from emoanim.rigs.flame.layer import FlameLayer
from emoanim.rigs.flame.loader import MODEL_ENV, FlameModel, load_flame_model, model_path_from_env
from emoanim.rigs.flame.retarget import (DEFAULT_CACHE_DIR, Retarget, eye_pose_from_gaze, global_pose_from_head,
                                         retarget_for)
from emoanim.rigs.flame.unpickle import FLAME_SOURCE_HINT
from emoanim.rigs.head import load_default_head

POSE_GROUPS: tuple[tuple[str, int], ...] = (("jaw_pose", 3), ("neck_pose", 3), ("eye_pose", 6), ("global_pose", 3),
                                           ("transl", 3))
CM_PER_M = 100.0

_chosen: dict[str, Path | None] = {"model": None, "landmarks": None}


def set_flame_model(path: str | Path | None, landmarks: str | Path | None = None) -> None:
    """Name the FLAME model (and optionally its landmark embedding) for every ``get_rig("flame")`` after this.

    ``None`` clears it, falling back to ``EMOANIM_FLAME_MODEL``. The file is checked when the rig is made.
    """
    _chosen["model"] = None if path is None else Path(path).expanduser()
    _chosen["landmarks"] = None if landmarks is None else Path(landmarks).expanduser()


def chosen_model_path() -> Path:
    """The model file named by `set_flame_model` or ``EMOANIM_FLAME_MODEL``; an InputError when neither is."""
    path = _chosen["model"] or model_path_from_env()
    if path is None:
        raise InputError("the flame rig needs your FLAME model file",
                         hint=f"pass --flame-model PATH/generic_model.pkl or set {MODEL_ENV}; {FLAME_SOURCE_HINT}")
    return path


@dataclass
class FlameParameters:
    """FLAME parameters over ``T`` frames: expression ``(T, E)``; jaw, neck, global ``(T, 3)`` axis-angle; eyes
    ``(T, 6)``; translation ``(T, 3)`` in model units."""

    expression: np.ndarray
    jaw_pose: np.ndarray
    neck_pose: np.ndarray
    eye_pose: np.ndarray
    global_pose: np.ndarray
    transl: np.ndarray

    def as_tensors(self) -> dict[str, torch.Tensor]:
        return {name: torch.as_tensor(np.asarray(getattr(self, name)), dtype=torch.float32)
                for name in ("expression", "jaw_pose", "neck_pose", "eye_pose", "global_pose", "transl")}


def channel_names(expression_count: int) -> tuple[str, ...]:
    names = [f"e{i}" for i in range(expression_count)]
    for group, width in POSE_GROUPS:
        names += [f"{group}_{i}" for i in range(width)]
    return tuple(names)


class FlameRig:
    """Performance -> FLAME parameters (`curves`) and vertices (`vertices`), for one FLAME model."""

    name = "flame"

    def __init__(self, model: FlameModel | str | Path | None = None, *, landmarks: str | Path | None = None,
                 cache_dir: Path | None = DEFAULT_CACHE_DIR):
        if not isinstance(model, FlameModel):
            path = Path(model).expanduser() if model is not None else chosen_model_path()
            model = load_flame_model(path, landmarks if landmarks is not None else _chosen["landmarks"])
        if model.landmarks is None:
            raise InputError("no FLAME landmark embedding found next to the model", path=model.source,
                             hint="put landmark_embedding.npy (DECA/EMOCA) or flame_static_embedding.pkl (TF_FLAME) "
                                  "beside it, or set EMOANIM_FLAME_LANDMARKS")
        self.model = model
        self.layer = FlameLayer(model)
        self.cache_dir = cache_dir
        self.channel_names = channel_names(model.expression_count)
        self._retarget: Retarget | None = None

    @property
    def retarget(self) -> Retarget:
        """The ARKit -> FLAME expression/jaw matrix, solved on first use (cached per model file)."""
        if self._retarget is None:
            self._retarget = retarget_for(self.model, self.layer, load_default_head(), cache_dir=self.cache_dir)
        return self._retarget

    def parameters(self, perf: Performance) -> FlameParameters:
        """``perf`` as FLAME parameters (see the module table)."""
        weights = load_default_head().expression_with_gaze(np.asarray(perf.expression, np.float64),
                                                           np.asarray(perf.gaze, np.float64))
        expression, jaw = self.retarget.apply(weights)
        return FlameParameters(
            expression=expression, jaw_pose=jaw, neck_pose=np.zeros((perf.frames, 3)),
            eye_pose=eye_pose_from_gaze(perf.gaze, self.model), global_pose=global_pose_from_head(perf.head),
            transl=np.asarray(perf.head_translation, np.float64) / CM_PER_M,
        )

    def curves(self, perf: Performance) -> Curves:
        params = self.parameters(perf)
        values = np.concatenate([params.expression] + [getattr(params, group) for group, _ in POSE_GROUPS], axis=1)
        metadata = dict(perf.metadata)
        metadata.update(rig=self.name, flame_model=str(self.model.source), flame_model_sha256=self.model.sha256,
                        flame_landmarks=str(self.model.landmarks.source),
                        units={"poses": "axis-angle radians", "transl": "model units (m)"})
        return Curves(names=list(self.channel_names), fps=perf.fps,
                      values=np.ascontiguousarray(values, dtype=np.float32), rig=self.name, ranges=None,
                      metadata=metadata)

    def parameters_from_curves(self, curves: Curves) -> FlameParameters:
        """The `FlameParameters` held in flame-rig ``curves`` (columns found by name)."""
        expression = curve_columns(curves, self.channel_names[:self.model.expression_count], self.name)
        groups = {}
        for group, width in POSE_GROUPS:
            groups[group] = curve_columns(curves, [f"{group}_{i}" for i in range(width)], self.name)
        return FlameParameters(expression=expression, **groups)

    def vertices(self, params: FlameParameters) -> np.ndarray:
        """``(T, V, 3)`` float32 posed FLAME vertices (mean identity)."""
        tensors = params.as_tensors()
        with torch.no_grad():
            return self.layer(tensors["expression"], jaw_pose=tensors["jaw_pose"], neck_pose=tensors["neck_pose"],
                              eye_pose=tensors["eye_pose"], global_pose=tensors["global_pose"],
                              transl=tensors["transl"]).numpy()


def rig_for_curves(curves: Curves) -> FlameRig:
    """The rig for the FLAME model that made ``curves`` (from their metadata), checked against its SHA-256."""
    if curves.rig != "flame" or "flame_model" not in curves.metadata:
        raise InputError(f"these curves come from the {curves.rig} rig, not flame", hint="render with --rig flame")
    rig = FlameRig(curves.metadata["flame_model"], landmarks=curves.metadata.get("flame_landmarks"))
    expected = curves.metadata.get("flame_model_sha256")
    if expected and expected != rig.model.sha256:
        raise InputError("the FLAME model file changed since these curves were made", path=rig.model.source,
                         hint="render again with the model you want")
    return rig
