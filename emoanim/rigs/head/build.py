"""Generate ``rigs/default_head.npz``: the open default head, entirely from this package's code.

    python -m emoanim.rigs.head.build            # rewrites rigs/default_head.npz
    python -m emoanim.rigs.head.build out.npz    # or anywhere else

The output is deterministic (no randomness, no inputs). Layout of the archive (all arrays, ``allow_pickle=False``):
``format_version`` (), ``arkit_names`` (52,), ``part_names`` (P,), per part ``<name>.vertices`` (Vp, 3) float32,
``<name>.faces`` (Fp, 3) int32, ``<name>.colors`` (Vp, 4) uint8; ``deltas`` (52, V, 3) float32 over all parts in
``part_names`` order; ``eye_centers`` (2, 3), ``neck_pivot`` (3,), ``jaw_pivot`` (3,), ``landmarks68`` (68,),
``dense_landmarks`` (K,) skin indices.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from emoanim.motion.channels import ARKIT_NAMES
from emoanim.rigs.head import ibug, parts
from emoanim.rigs.head.model import FORMAT_VERSION, HEAD_FILE, PART_NAMES
from emoanim.rigs.head.sculpt import EYE_CENTERS, JAW_PIVOT, MOUTH_Y, NECK_PIVOT
from emoanim.rigs.head.shapes import HeadGeometry, author_shapes, smoothstep
from emoanim.rigs.head.skin import build_skin


def build_arrays() -> dict[str, np.ndarray]:
    """Every array of ``default_head.npz`` (module docstring)."""
    skin = build_skin()
    meshes = {
        "skin": parts.Mesh(skin.vertices.astype(np.float32), skin.faces, skin.colors),
        "eye_left": parts.eyeball(0),
        "eye_right": parts.eyeball(1),
        "teeth_upper": parts.teeth(upper=True),
        "teeth_lower": parts.teeth(upper=False),
        "mouth_cavity": parts.mouth_cavity(),
        "tongue": parts.tongue(),
    }
    slices, start = {}, 0
    for name in PART_NAMES:
        slices[name] = slice(start, start + len(meshes[name].vertices))
        start = slices[name].stop
    vertices = np.concatenate([meshes[name].vertices for name in PART_NAMES]).astype(np.float64)
    jaw = np.zeros(len(vertices))
    jaw[slices["teeth_lower"]] = 1.0
    jaw[slices["tongue"]] = 1.0
    cavity_y = vertices[slices["mouth_cavity"], 1]
    jaw[slices["mouth_cavity"]] = smoothstep(MOUTH_Y + 0.006, MOUTH_Y - 0.010, cavity_y)  # the floor of the mouth
    geometry = HeadGeometry(vertices=vertices, slices=slices, skin=skin, jaw_weight_inner=jaw)
    arrays: dict[str, np.ndarray] = {
        "format_version": np.int64(FORMAT_VERSION),
        "arkit_names": np.array(ARKIT_NAMES),
        "part_names": np.array(PART_NAMES),
        "deltas": author_shapes(geometry),
        "eye_centers": EYE_CENTERS.astype(np.float64),
        "neck_pivot": NECK_PIVOT.astype(np.float64),
        "jaw_pivot": JAW_PIVOT.astype(np.float64),
        "landmarks68": ibug.landmarks68(skin),
        "dense_landmarks": ibug.dense_landmarks(skin),
    }
    for name in PART_NAMES:
        mesh = meshes[name]
        arrays[f"{name}.vertices"] = np.asarray(mesh.vertices, np.float32)
        arrays[f"{name}.faces"] = np.asarray(mesh.faces, np.int32)
        arrays[f"{name}.colors"] = np.asarray(mesh.colors, np.uint8)
    return arrays


def main(argv: list[str] | None = None) -> Path:
    args = sys.argv[1:] if argv is None else argv
    path = Path(args[0]) if args else HEAD_FILE
    arrays = build_arrays()
    np.savez_compressed(path, **arrays)
    vertices = sum(len(arrays[f"{n}.vertices"]) for n in PART_NAMES)
    print(f"wrote {path}: {vertices} vertices, {path.stat().st_size / 1e6:.2f} MB")
    return path


if __name__ == "__main__":
    main()
