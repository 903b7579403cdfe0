"""``gltf``: the open default head as one binary glTF 2.0 file (``.glb``) with the 52 ARKit shapes as morph targets
and the take as an animation of their weights, the head's turn and the eyes' gaze.

Scene (glTF: metres, +Y up, +Z forward = the front of the asset, +X its left -- the default head's own frame):

    emoanim_head                        root, no transform
    └── head                            at the neck pivot; rotation channel = head turn
        ├── face      (mesh "face")     skin, lower teeth, mouth cavity, tongue: 52 morph targets each
        ├── teeth_upper                 no morph targets (nothing moves them)
        ├── eye_left                    at the eyeball centre; rotation channel = gaze
        │   └── eye_left_geometry
        └── eye_right  ...

* Morph targets are POSITION deltas in ARKit order (`ARKIT_NAMES`), named in ``mesh.extras.targetNames`` (the
  convention three.js, Babylon.js, Blender and Unity's glTFast read). Most shapes move few vertices, so each target
  is a sparse accessor (indices + deltas of the moved vertices); a target that moves nothing on a primitive is a
  bufferless accessor, which glTF defines as all zeros (glTF 2.0 spec, 3.6.2 "Sparse accessors", 3.6.2.1).
* One animation, ``emoanim``: every sampler shares the key times ``frame / fps`` (one key per frame) and uses
  LINEAR interpolation (slerp for rotations). The ``weights`` sampler holds ``frames x 52`` values, the morph
  weights of the ``face`` node, frame-major as the spec requires for the ``weights`` path.
* Head and eye rotations are the arkit rig's rotation channels turned back into the head model's rotations
  (``emoanim.export.bvh.joint_rotations``), as unit quaternions (x, y, z, w) kept on one hemisphere so slerp takes
  the short way. Posing the head with ``DefaultHead.pose`` and evaluating this file at a frame give the same vertices.
* Vertex colours (COLOR_0) carry the head's skin, eye and teeth colours; one material multiplies them.

Input: arkit-rig curves (the 52 shapes; the 9 rotation channels optional). Other rigs are refused: the morph
targets are ARKit shapes. `read_glb` splits a .glb into its JSON and binary chunk; `read_gltf_curves` reads the
animation back into arkit-rig curves.
"""
from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import IO, Any

import numpy as np
from scipy.spatial.transform import Rotation

import emoanim
from emoanim.errors import InputError
from emoanim.export.bvh import joint_rotations, rotation_channels
from emoanim.motion.channels import ARKIT_NAMES
from emoanim.rigs.arkit import ROTATION_NAMES
from emoanim.rigs.curves import Curves
from emoanim.rigs.head import load_default_head
from emoanim.rigs.head.model import DefaultHead

GLB_MAGIC = 0x46546C67  # "glTF"
GLB_VERSION = 2
CHUNK_JSON = 0x4E4F534A  # "JSON"
CHUNK_BIN = 0x004E4942  # "BIN\0"
FLOAT, UNSIGNED_BYTE, UNSIGNED_SHORT, UNSIGNED_INT = 5126, 5121, 5123, 5125
ARRAY_BUFFER, ELEMENT_ARRAY_BUFFER = 34962, 34963
TRIANGLES = 4
ANIMATION_NAME = "emoanim"
MORPH_PARTS = ("skin", "teeth_lower", "mouth_cavity", "tongue")
STATIC_PARTS = ("teeth_upper",)
EYE_PARTS = ("eye_left", "eye_right")
_TYPE_WIDTH = {"SCALAR": 1, "VEC3": 3, "VEC4": 4}
_COMPONENT_DTYPE = {FLOAT: np.float32, UNSIGNED_BYTE: np.uint8, UNSIGNED_SHORT: np.uint16, UNSIGNED_INT: np.uint32}


def vertex_normals(vertices: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """``(V, 3)`` unit normals: the area-weighted mean of the adjacent faces' normals (counter-clockwise faces)."""
    corners = vertices[faces]
    face_normals = np.cross(corners[:, 1] - corners[:, 0], corners[:, 2] - corners[:, 0])
    normals = np.zeros_like(vertices)
    for k in range(3):
        np.add.at(normals, faces[:, k], face_normals)
    length = np.linalg.norm(normals, axis=1, keepdims=True)
    return (normals / np.where(length > 0, length, 1.0)).astype(np.float32)


def continuous_quaternions(rotations: Rotation) -> np.ndarray:
    """``(T, 4)`` float32 quaternions (x, y, z, w), each on the hemisphere of the one before it."""
    quats = rotations.as_quat()
    flips = np.concatenate([[False], np.einsum("ij,ij->i", quats[1:], quats[:-1]) < 0])
    signs = np.where(np.logical_xor.accumulate(flips), -1.0, 1.0)
    return (quats * signs[:, None]).astype(np.float32)


class GlbBuilder:
    """Collects buffer views and accessors for one binary buffer."""

    def __init__(self) -> None:
        self.blob = bytearray()
        self.views: list[dict[str, Any]] = []
        self.accessors: list[dict[str, Any]] = []

    def view(self, data: np.ndarray, target: int | None = None) -> int:
        self.blob.extend(b"\0" * (-len(self.blob) % 4))  # every view starts 4-byte aligned
        view = {"buffer": 0, "byteOffset": len(self.blob), "byteLength": data.nbytes}
        if target is not None:
            view["target"] = target
        self.blob.extend(np.ascontiguousarray(data).tobytes())
        self.views.append(view)
        return len(self.views) - 1

    def accessor(self, data: np.ndarray, kind: str, component: int, *, target: int | None = None,
                 bounds: bool = False, normalized: bool = False) -> int:
        data = np.asarray(data, dtype=_COMPONENT_DTYPE[component])
        accessor = {"bufferView": self.view(data, target), "componentType": component, "count": len(data),
                    "type": kind}
        if normalized:
            accessor["normalized"] = True
        if bounds:
            flat = data.reshape(len(data), -1)
            accessor["min"], accessor["max"] = flat.min(axis=0).tolist(), flat.max(axis=0).tolist()
        return self._add(accessor)

    def sparse_positions(self, deltas: np.ndarray) -> int:
        """A VEC3 float accessor ``(V, 3)`` stored sparsely: only the rows that are not all zero."""
        deltas = np.asarray(deltas, dtype=np.float32)
        rows = np.flatnonzero(np.any(deltas != 0, axis=1))
        accessor: dict[str, Any] = {"componentType": FLOAT, "count": len(deltas), "type": "VEC3",
                                    "min": deltas.min(axis=0).tolist(), "max": deltas.max(axis=0).tolist()}
        if len(rows):
            index_type = UNSIGNED_SHORT if len(deltas) <= 0xFFFF else UNSIGNED_INT
            accessor["sparse"] = {
                "count": len(rows),
                "indices": {"bufferView": self.view(rows.astype(_COMPONENT_DTYPE[index_type])),
                            "componentType": index_type},
                "values": {"bufferView": self.view(deltas[rows])},
            }
        return self._add(accessor)

    def _add(self, accessor: dict[str, Any]) -> int:
        self.accessors.append(accessor)
        return len(self.accessors) - 1


def primitive(builder: GlbBuilder, head: DefaultHead, part_name: str, material: int, morphs: bool) -> dict:
    part = head.part(part_name)
    vertices = np.asarray(part.vertices, dtype=np.float32)
    faces = np.asarray(part.faces)
    index_type = UNSIGNED_SHORT if len(vertices) <= 0xFFFF else UNSIGNED_INT
    result = {
        "attributes": {
            "POSITION": builder.accessor(vertices, "VEC3", FLOAT, target=ARRAY_BUFFER, bounds=True),
            "NORMAL": builder.accessor(vertex_normals(vertices.astype(np.float64), faces), "VEC3", FLOAT,
                                       target=ARRAY_BUFFER),
            "COLOR_0": builder.accessor(part.colors, "VEC4", UNSIGNED_BYTE, target=ARRAY_BUFFER, normalized=True),
        },
        "indices": builder.accessor(faces.reshape(-1), "SCALAR", index_type, target=ELEMENT_ARRAY_BUFFER),
        "material": material,
        "mode": TRIANGLES,
    }
    if morphs:
        rows = head.part_slices[part_name]
        result["targets"] = [{"POSITION": builder.sparse_positions(head.deltas[k, rows])}
                             for k in range(len(ARKIT_NAMES))]
    return result


def head_document(builder: GlbBuilder, head: DefaultHead) -> dict[str, Any]:
    """The scene of the module docstring without the animation. Node indices: 1 head, 2 face, 4/6 eyes."""
    for name in EYE_PARTS + STATIC_PARTS:
        if np.any(head.deltas[:, head.part_slices[name]]):
            raise ValueError(f"the default head's {name} part now has blendshape deltas; gltf.py must give it "
                             "morph targets")
    material = {"name": "vertex_color", "pbrMetallicRoughness": {"baseColorFactor": [1, 1, 1, 1],
                                                                   "metallicFactor": 0.0, "roughnessFactor": 0.6}}
    face = {"name": "face", "primitives": [primitive(builder, head, p, 0, True) for p in MORPH_PARTS],
            "weights": [0.0] * len(ARKIT_NAMES), "extras": {"targetNames": list(ARKIT_NAMES)}}
    meshes = [face] + [{"name": p, "primitives": [primitive(builder, head, p, 0, False)]}
                       for p in STATIC_PARTS + EYE_PARTS]
    pivot = np.asarray(head.neck_pivot, dtype=np.float64)
    nodes = [
        {"name": "emoanim_head", "children": [1]},
        {"name": "head", "translation": pivot.tolist(), "children": [2, 3, 4, 6]},
        {"name": "face", "mesh": 0, "translation": (-pivot).tolist()},
        {"name": "teeth_upper", "mesh": 1, "translation": (-pivot).tolist()},
    ]
    for side, name in enumerate(EYE_PARTS):
        center = np.asarray(head.eye_centers[side], dtype=np.float64)
        nodes.append({"name": name, "translation": (center - pivot).tolist(), "children": [len(nodes) + 1]})
        nodes.append({"name": f"{name}_geometry", "mesh": 2 + side, "translation": (-center).tolist()})
    return {"scene": 0, "scenes": [{"name": "emoanim", "nodes": [0]}], "nodes": nodes, "meshes": meshes,
            "materials": [material]}


def animation(builder: GlbBuilder, curves: Curves) -> dict[str, Any]:
    """Samplers and channels for the take: weights of node 2, rotations of nodes 1, 4 and 6."""
    times = builder.accessor(curves.times.astype(np.float32), "SCALAR", FLOAT, bounds=True)
    weights = np.asarray(curves.values, dtype=np.float64)[:, [curves.names.index(n) for n in ARKIT_NAMES]]
    outputs = [builder.accessor(weights.reshape(-1), "SCALAR", FLOAT)]
    outputs += [builder.accessor(continuous_quaternions(rotation), "VEC4", FLOAT)
                for rotation in joint_rotations(curves)]
    targets = [(2, "weights"), (1, "rotation"), (4, "rotation"), (6, "rotation")]
    return {
        "name": ANIMATION_NAME,
        "samplers": [{"input": times, "output": output, "interpolation": "LINEAR"} for output in outputs],
        "channels": [{"sampler": i, "target": {"node": node, "path": path}} for i, (node, path) in enumerate(targets)],
    }


def glb_bytes(document: dict[str, Any], blob: bytes) -> bytes:
    """Pack a glTF JSON document and its binary buffer as a GLB (glTF 2.0 spec, 4.4 "Binary glTF Layout")."""
    text = json.dumps(document, separators=(",", ":"), allow_nan=False).encode("utf-8")
    text += b" " * (-len(text) % 4)
    blob = bytes(blob) + b"\0" * (-len(blob) % 4)
    total = 12 + 8 + len(text) + 8 + len(blob)
    return (struct.pack("<III", GLB_MAGIC, GLB_VERSION, total) + struct.pack("<II", len(text), CHUNK_JSON) + text
            + struct.pack("<II", len(blob), CHUNK_BIN) + blob)


class GltfWriter:
    name = "gltf"
    extension = ".glb"
    binary = True
    rigs = ("arkit",)

    def check(self, curves: Curves) -> None:
        missing = [name for name in ARKIT_NAMES if name not in curves.names]
        if missing:
            raise InputError(
                f"the gltf format animates the default head's 52 ARKit morph targets; curves from rig "
                f"{curves.rig!r} lack {len(missing)} of them (e.g. {', '.join(missing[:3])})",
                hint="use --rig arkit with --format gltf")
        joint_rotations(curves)  # refuses partial rotation channel sets before any file is opened
        if curves.frames == 0:
            raise ValueError("cannot write a glTF animation with no frames")

    def write(self, curves: Curves, stream: IO[bytes]) -> None:
        builder = GlbBuilder()
        document = {"asset": {"version": "2.0", "generator": f"emoanim {emoanim.__version__}"}}
        document.update(head_document(builder, load_default_head()))
        document["animations"] = [animation(builder, curves)]
        document["buffers"] = [{"byteLength": len(builder.blob) + (-len(builder.blob) % 4)}]
        document["bufferViews"] = builder.views
        document["accessors"] = builder.accessors
        stream.write(glb_bytes(document, bytes(builder.blob)))


def read_glb(path: str | Path) -> tuple[dict[str, Any], bytes]:
    """A .glb's JSON document and its binary chunk (``b""`` when it has none)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as err:
        raise InputError(f"cannot read: {err.strerror or err}", path=path) from err
    if len(data) < 20:
        raise InputError("too short to be a .glb", path=path)
    magic, version, length = struct.unpack_from("<III", data, 0)
    if magic != GLB_MAGIC or version != GLB_VERSION or length != len(data):
        raise InputError("not a glTF 2.0 binary (.glb): bad header", path=path)
    chunks, offset = {}, 12
    while offset < len(data):
        size, kind = struct.unpack_from("<II", data, offset)
        chunks.setdefault(kind, data[offset + 8: offset + 8 + size])
        offset += 8 + size
    if CHUNK_JSON not in chunks:
        raise InputError("the .glb has no JSON chunk", path=path)
    return json.loads(chunks[CHUNK_JSON].decode("utf-8")), chunks.get(CHUNK_BIN, b"")


def accessor_array(document: dict[str, Any], blob: bytes, index: int) -> np.ndarray:
    """Accessor ``index`` as an array ``(count, width)`` (or ``(count,)`` for SCALAR), sparse entries applied.
    Handles the tightly packed views this writer makes (no byteStride)."""
    accessor = document["accessors"][index]
    dtype = np.dtype(_COMPONENT_DTYPE[accessor["componentType"]])
    width = _TYPE_WIDTH[accessor["type"]]
    count = accessor["count"]

    def view_array(view_index: int, offset: int, items: int, item_dtype: np.dtype, item_width: int) -> np.ndarray:
        view = document["bufferViews"][view_index]
        start = view.get("byteOffset", 0) + offset
        return np.frombuffer(blob, item_dtype, items * item_width, start).reshape(items, item_width)

    if "bufferView" in accessor:
        values = view_array(accessor["bufferView"], accessor.get("byteOffset", 0), count, dtype, width).copy()
    else:
        values = np.zeros((count, width), dtype)
    sparse = accessor.get("sparse")
    if sparse:
        indices = sparse["indices"]
        rows = view_array(indices["bufferView"], indices.get("byteOffset", 0), sparse["count"],
                          np.dtype(_COMPONENT_DTYPE[indices["componentType"]]), 1)[:, 0]
        values[rows] = view_array(sparse["values"]["bufferView"], sparse["values"].get("byteOffset", 0),
                                  sparse["count"], dtype, width)
    return values[:, 0] if accessor["type"] == "SCALAR" else values


def read_gltf_curves(path: str | Path) -> Curves:
    """Read the ``emoanim`` animation of a .glb written by this writer back into arkit-rig `Curves`: the 52 weights
    (in ``targetNames`` order) then the 9 rotation channels. The fps is recovered from the key times."""
    path = Path(path)
    document, blob = read_glb(path)
    try:
        anim = next(a for a in document.get("animations", []) if a.get("name") == ANIMATION_NAME)
        nodes = {node["name"]: i for i, node in enumerate(document["nodes"])}
        by_target = {(c["target"]["node"], c["target"]["path"]): anim["samplers"][c["sampler"]]
                     for c in anim["channels"]}
        weights_sampler = by_target[(nodes["face"], "weights")]
        names = document["meshes"][document["nodes"][nodes["face"]]["mesh"]]["extras"]["targetNames"]
        rotations = [Rotation.from_quat(accessor_array(document, blob, by_target[(nodes[n], "rotation")]["output"]))
                     for n in ("head", *EYE_PARTS)]
    except (KeyError, StopIteration, TypeError, ValueError) as err:
        raise InputError(f"not an emoanim glTF animation ({type(err).__name__}: {err})", path=path,
                         hint="write it with --format gltf") from err
    times = accessor_array(document, blob, weights_sampler["input"]).astype(np.float64)
    if len(times) < 2:
        raise InputError("the animation has fewer than 2 keys; its frame rate is unknown", path=path)
    fps = round((len(times) - 1) / float(times[-1]), 4)
    weights = accessor_array(document, blob, weights_sampler["output"]).astype(np.float64)
    weights = weights.reshape(len(times), len(names))
    values = np.concatenate([weights, rotation_channels(*rotations, fps)], axis=1)
    return Curves(names=[*names, *ROTATION_NAMES], fps=fps, values=values, rig="arkit",
                  metadata={"source_file": str(path)})
