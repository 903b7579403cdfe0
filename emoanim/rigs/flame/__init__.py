"""The ``flame`` rig: FLAME parameters and vertices from the user's own FLAME model (never shipped: its licence
forbids redistribution; obtain it from https://flame.is.tue.mpg.de).

    from emoanim.rigs.flame import FlameRig, set_flame_model
    set_flame_model("~/models/flame2020/generic_model.pkl")   # or EMOANIM_FLAME_MODEL
    rig = FlameRig()
    curves = rig.curves(perf)                                   # e0..e99, jaw/neck/eye/global pose, transl
    vertices = rig.vertices(rig.parameters(perf))               # (T, 5023, 3)

Names are imported on first use, so ``import emoanim.rigs`` does not pull in torch.
"""
from __future__ import annotations

from importlib import import_module

_WHERE = {
    "FlameHead": "head", "FlameLayer": "layer", "rodrigues": "layer",
    "MODEL_ENV": "loader", "FlameModel": "loader", "LandmarkEmbedding": "loader", "load_flame_model": "loader",
    "load_landmark_embedding": "loader",
    "Retarget": "retarget", "retarget_for": "retarget", "similarity": "retarget", "solve_retarget": "retarget",
    "FlameParameters": "rig", "FlameRig": "rig", "chosen_model_path": "rig", "rig_for_curves": "rig",
    "set_flame_model": "rig",
    "FlameSequence": "sequences", "read_flame_sequence": "sequences", "find_flame_sequences": "sequences",
    "iter_flame_sequences": "sequences",
}
__all__ = sorted(_WHERE) + ["make_flame_rig"]


def make_flame_rig():
    """The registry's factory: a `FlameRig` for the model named by `set_flame_model` / ``EMOANIM_FLAME_MODEL``."""
    from emoanim.rigs.flame.rig import FlameRig

    return FlameRig()


def __getattr__(name: str):
    if name in _WHERE:
        return getattr(import_module(f"emoanim.rigs.flame.{_WHERE[name]}"), name)
    raise AttributeError(f"module 'emoanim.rigs.flame' has no attribute {name!r}")
