"""``unity``: a Unity AnimationClip asset (``.anim``, text YAML) that keys the 52 ARKit blendshapes of a
SkinnedMeshRenderer.

    %YAML 1.1
    %TAG !u! tag:unity3d.com,2011:
    --- !u!74 &7400000
    AnimationClip:
      ...
      m_FloatCurves:
      - curve:
          serializedVersion: 2
          m_Curve:
          - serializedVersion: 3
            time: 0
            value: 12.5
            inSlope: 0
            outSlope: 37.5
            tangentMode: 69
            ...
        attribute: blendShape.jawOpen
        path: Face
        classID: 137
        script: {fileID: 0}
      ...
      m_SampleRate: 30
      m_AnimationClipSettings:
        ...
        m_StopTime: 2.9666667

Why the layout is exactly this:

* ``!u!74`` is AnimationClip and ``classID: 137`` is SkinnedMeshRenderer in Unity's YAML Class ID Reference
  (docs.unity3d.com/Manual/ClassIDReference.html); a clip is the main object of its file, ``&7400000`` (74 * 100000),
  as in every ``.anim`` Unity writes. The field list follows ``AnimationClip`` serializedVersion 6 as Unity 2018.3+
  saves it (public ``.anim`` files such as TaSTT's generated clips and the unitypackage-js format notes).
* A blendshape binding is ``attribute: blendShape.<shape name>`` on a SkinnedMeshRenderer (Unity's
  GenericAnimationBindingCache: ``kBlendShapePrefix = "blendShape."``), with weights on the renderer's 0-100 scale
  (SkinnedMeshRenderer.SetBlendShapeWeight); the ARKit weights in [0, 1] are multiplied by `WEIGHT_SCALE`.
* ``path`` is the renderer's GameObject relative to the object that plays the clip (its Animator), e.g. ``Face``
  or ``Body/Face``; ``""`` when the Animator sits on the renderer's own object. Set it with
  ``UnityAnimWriter(renderer_path=...)`` or ``curves.metadata["unity_renderer_path"]`` (the latter wins). A wrong
  path shows as yellow "(Missing!)" curves in Unity's Animation window, where the path can be renamed in place.
* Keys are linear: ``tangentMode: 69`` = broken (1) | left Linear (4) | right Linear (4 << 4), the bit layout of
  AssetRipper's ``TangentMode`` enum; in/out slopes are the slopes of the neighbouring segments, so Unity's
  Hermite evaluation is exactly piecewise linear between the keys, like glTF LINEAR. First/last keys get slope 0.
* Keys are reduced within a bounded error: per curve, `reduced_keys` keeps a subset of the frames such that the
  straight lines between kept keys pass within ``key_tolerance`` (0-100 scale; default `DEFAULT_KEY_TOLERANCE`
  = 0.1, i.e. 0.001 of an ARKit weight) of every written sample, so a constant curve is two keys and a smooth one
  a fraction of its frames. Set it with ``UnityAnimWriter(key_tolerance=...)`` or
  ``curves.metadata["unity_key_tolerance"]`` (the latter wins). Tolerance 0 keeps every key except those exactly
  on the line through their neighbours (in the written decimals), which loses nothing.
* ``m_EditorCurves`` repeats the float curves, as Unity itself saves them (the Animation window reads these);
  ``m_ClipBindingConstant`` holds the CRC32 hashes of path and attribute with ``customType: 20`` (BlendShape in
  AssetRipper's ``BindingCustomType``); Unity rebuilds this derived table on import.
* ``m_SampleRate`` is the curves' fps; ``m_StopTime`` the time of the last frame, ``(frames - 1) / fps``.

`read_unity_anim` reads back what this writer writes (and any text clip with blendShape float curves) and samples
the curves at the clip's frame times.
"""
from __future__ import annotations

import re
import zlib
from pathlib import Path
from typing import IO

import numpy as np

from emoanim.errors import InputError
from emoanim.export.base import read_lines
from emoanim.motion.channels import ARKIT_NAMES
from emoanim.rigs.curves import Curves

CLASS_ID_ANIMATION_CLIP = 74
CLASS_ID_SKINNED_MESH_RENDERER = 137
BINDING_CUSTOM_TYPE_BLEND_SHAPE = 20
BLEND_SHAPE_PREFIX = "blendShape."
# SkinnedMeshRenderer blendshape weights run 0..100; ARKit weights run 0..1.
WEIGHT_SCALE = 100.0
# Broken | left tangent Linear (2 << 1) | right tangent Linear (2 << 5).
TANGENT_MODE_LINEAR = 1 | (2 << 1) | (2 << 5)
VALUE_DECIMALS = 4  # on the 0-100 scale: 1e-6 of an ARKit weight, the precision of the CSV formats
DEFAULT_RENDERER_PATH = "Face"
METADATA_PATH_KEY = "unity_renderer_path"
METADATA_TOLERANCE_KEY = "unity_key_tolerance"
# 0.1 on the 0-100 scale = 0.001 ARKit weight, a thousandth of a shape's full deformation (micrometres on a face):
# invisible, yet it folds slow drifts and jitter into long linear segments.
DEFAULT_KEY_TOLERANCE = 0.1
CLIP_NAME = "emoanim"
# Characters that would end or restructure an unquoted YAML scalar; Unity writes paths and names unquoted.
YAML_UNSAFE = set(":#{}[],&*!|>'\"%@`\n\r\t")

_HEADER = """%YAML 1.1
%TAG !u! tag:unity3d.com,2011:
--- !u!{class_id} &7400000
AnimationClip:
  m_ObjectHideFlags: 0
  m_CorrespondingSourceObject: {{fileID: 0}}
  m_PrefabInstance: {{fileID: 0}}
  m_PrefabAsset: {{fileID: 0}}
  m_Name: {name}
  serializedVersion: 6
  m_Legacy: 0
  m_Compressed: 0
  m_UseHighQualityCurve: 1
  m_RotationCurves: []
  m_CompressedRotationCurves: []
  m_EulerCurves: []
  m_PositionCurves: []
  m_ScaleCurves: []
"""

_SETTINGS = """  m_PPtrCurves: []
  m_SampleRate: {fps}
  m_WrapMode: 0
  m_Bounds:
    m_Center: {{x: 0, y: 0, z: 0}}
    m_Extent: {{x: 0, y: 0, z: 0}}
  m_ClipBindingConstant:
    genericBindings:
{bindings}    pptrCurveMapping: []
  m_AnimationClipSettings:
    serializedVersion: 2
    m_AdditiveReferencePoseClip: {{fileID: 0}}
    m_AdditiveReferencePoseTime: 0
    m_StartTime: 0
    m_StopTime: {stop}
    m_OrientationOffsetY: 0
    m_Level: 0
    m_CycleOffset: 0
    m_HasAdditiveReferencePose: 0
    m_LoopTime: 0
    m_LoopBlend: 0
    m_LoopBlendOrientation: 0
    m_LoopBlendPositionY: 0
    m_LoopBlendPositionXZ: 0
    m_KeepOriginalOrientation: 0
    m_KeepOriginalPositionY: 1
    m_KeepOriginalPositionXZ: 0
    m_HeightFromFeet: 0
    m_Mirror: 0
"""

_FOOTER = """  m_EulerEditorCurves: []
  m_HasGenericRootTransform: 0
  m_HasMotionFloatCurves: 0
  m_Events: []
"""

_KEY = """      - serializedVersion: 3
        time: {time}
        value: {value}
        inSlope: {in_slope}
        outSlope: {out_slope}
        tangentMode: {mode}
        weightedMode: 0
        inWeight: 0.33333334
        outWeight: 0.33333334
"""


def number(value: float) -> str:
    """A float as Unity writes one: shortest form, no exponent for ordinary values, ``0`` for zero."""
    text = f"{value:.9g}"
    return "0" if text in ("0", "-0") else text


def essential_keys(scaled: np.ndarray) -> np.ndarray:
    """Indices ``(K,)`` of the keys of one curve ``(T,)`` (already rounded to the written decimals) that are not on
    the straight line through their neighbours. Exact in the written decimals, so dropping the others loses nothing
    under linear interpolation; the first and last keys are always kept."""
    steps = np.rint(scaled * 10**VALUE_DECIMALS).astype(np.int64)
    keep = np.ones(len(steps), dtype=bool)
    if len(steps) > 2:
        keep[1:-1] = steps[:-2] - 2 * steps[1:-1] + steps[2:] != 0
    return np.flatnonzero(keep)


def reduced_keys(scaled: np.ndarray, tolerance: float) -> list[np.ndarray]:
    """Per curve, the frame indices ``(K_c,)`` of the keys to write, for curves ``scaled`` ``(T, C)`` (0-100 scale,
    already rounded to the written decimals): linear interpolation between the kept keys' values stays within
    ``tolerance`` of every sample. First and last frames are always kept; ``tolerance == 0`` is `essential_keys`.

    Greedy, one pass over time for all curves at once (C-wide numpy steps, so 18,000 frames cost 18,000 small
    steps, not one per key): from the last kept key ``a``, a segment to frame ``j`` is within the tolerance iff its
    slope lies in the cone of slopes that pass within ``tolerance`` of every sample strictly between ``a`` and
    ``j`` (the "sleeve" test of Sklansky & Gonzalez 1980, Pattern Recognition 12:327). When frame ``j`` leaves the
    cone, frame ``j - 1`` becomes a key and the new anchor. Not always the fewest keys (a segment that fails may
    succeed again further on), but never beyond the bound.
    """
    frames, count = scaled.shape
    if tolerance == 0.0:
        return [essential_keys(scaled[:, c]) for c in range(count)]
    if frames <= 2:
        return [np.arange(frames)] * count
    kept = np.zeros((frames, count), dtype=bool)
    kept[0] = kept[-1] = True
    anchor = np.zeros(count, dtype=np.int64)
    anchor_value = scaled[0].copy()
    low = np.full(count, -np.inf)
    high = np.full(count, np.inf)
    columns = np.arange(count)
    for j in range(1, frames):
        value = scaled[j]
        slope = (value - anchor_value) / (j - anchor)
        broken = (slope < low) | (slope > high)
        if broken.any():
            # Frame j-1 was still reachable from the old anchor (checked at the previous step): keep it.
            kept[j - 1, columns[broken]] = True
            anchor[broken] = j - 1
            anchor_value[broken] = scaled[j - 1, broken]
            low[broken], high[broken] = -np.inf, np.inf
        span = j - anchor
        low = np.maximum(low, (value - tolerance - anchor_value) / span)
        high = np.minimum(high, (value + tolerance - anchor_value) / span)
    return [np.flatnonzero(kept[:, c]) for c in range(count)]


def curve_keys(times: np.ndarray, values: np.ndarray) -> str:
    """The ``m_Curve`` key list of one curve: ``times`` ``(K,)`` seconds, ``values`` ``(K,)`` on the 0-100 scale."""
    slopes = np.diff(values) / np.diff(times) if len(times) > 1 else np.zeros(0)
    in_slopes = np.concatenate([[0.0], slopes])
    out_slopes = np.concatenate([slopes, [0.0]])
    return "".join(
        _KEY.format(time=number(t), value=f"{v:.{VALUE_DECIMALS}f}".rstrip("0").rstrip("."),
                    in_slope=number(a), out_slope=number(b), mode=TANGENT_MODE_LINEAR)
        for t, v, a, b in zip(times.tolist(), values.tolist(), in_slopes.tolist(), out_slopes.tolist())
    )


def float_curve(keys: str, attribute: str, path: str) -> str:
    return (
        "  - curve:\n      serializedVersion: 2\n      m_Curve:\n" + keys
        + "      m_PreInfinity: 2\n      m_PostInfinity: 2\n      m_RotationOrder: 4\n"
        + f"    attribute: {attribute}\n    path: {path}\n    classID: {CLASS_ID_SKINNED_MESH_RENDERER}\n"
        + "    script: {fileID: 0}\n"
    )


def generic_binding(attribute: str, path: str) -> str:
    return (
        "    - serializedVersion: 2\n"
        f"      path: {zlib.crc32(path.encode('utf-8'))}\n"
        f"      attribute: {zlib.crc32(attribute.encode('utf-8'))}\n"
        "      script: {fileID: 0}\n"
        f"      typeID: {CLASS_ID_SKINNED_MESH_RENDERER}\n"
        f"      customType: {BINDING_CUSTOM_TYPE_BLEND_SHAPE}\n"
        "      isPPtrCurve: 0\n"
    )


class UnityAnimWriter:
    """``renderer_path``: the SkinnedMeshRenderer's path below the Animator; ``key_tolerance``: the largest
    difference, on the 0-100 scale, between a written curve and any frame's value (module docstring)."""

    name = "unity"
    extension = ".anim"
    binary = False
    rigs = ("arkit",)

    def __init__(self, renderer_path: str = DEFAULT_RENDERER_PATH,
                 key_tolerance: float = DEFAULT_KEY_TOLERANCE) -> None:
        if not np.isfinite(key_tolerance) or key_tolerance < 0:
            raise ValueError(f"key_tolerance must be a finite number >= 0, not {key_tolerance!r}")
        self.renderer_path = renderer_path
        self.key_tolerance = float(key_tolerance)

    def path_for(self, curves: Curves) -> str:
        return str(curves.metadata.get(METADATA_PATH_KEY, self.renderer_path))

    def tolerance_for(self, curves: Curves) -> float:
        if METADATA_TOLERANCE_KEY not in curves.metadata:
            return self.key_tolerance
        given = curves.metadata[METADATA_TOLERANCE_KEY]
        try:
            tolerance = float(given)
        except (TypeError, ValueError):
            tolerance = float("nan")
        if isinstance(given, bool) or not np.isfinite(tolerance) or tolerance < 0:
            raise InputError(f"{METADATA_TOLERANCE_KEY} {given!r} is not a finite number >= 0",
                             hint="give the largest curve error on Unity's 0-100 blendshape scale, e.g. 0.1; "
                                  "0 keeps every key")
        return tolerance

    def check(self, curves: Curves) -> None:
        missing = [name for name in ARKIT_NAMES if name not in curves.names]
        if missing:
            raise InputError(
                f"the unity format keys the 52 ARKit blendshapes; curves from rig {curves.rig!r} lack "
                f"{len(missing)} of them (e.g. {', '.join(missing[:3])})", hint="use --rig arkit with --format unity")
        path = self.path_for(curves)
        if any(ch in YAML_UNSAFE for ch in path) or path != path.strip():
            raise InputError(f"Unity renderer path {path!r} holds characters Unity's YAML cannot hold unquoted",
                             hint="use GameObject names made of letters, digits, spaces, '_', '-', '.' and '/'")
        self.tolerance_for(curves)
        if curves.frames == 0:
            raise ValueError("cannot write a Unity clip with no frames")

    def write(self, curves: Curves, stream: IO[str]) -> None:
        path = self.path_for(curves)
        times = curves.times
        values = np.round(np.asarray(curves.values, dtype=np.float64) * WEIGHT_SCALE, VALUE_DECIMALS)
        values = values[:, [curves.names.index(name) for name in ARKIT_NAMES]]
        kept = reduced_keys(values, self.tolerance_for(curves))
        body = "".join(float_curve(curve_keys(times[keep], values[keep, c]), BLEND_SHAPE_PREFIX + name, path)
                       for c, (name, keep) in enumerate(zip(ARKIT_NAMES, kept)))
        bindings = "".join(generic_binding(BLEND_SHAPE_PREFIX + name, path) for name in ARKIT_NAMES)
        stream.write(_HEADER.format(class_id=CLASS_ID_ANIMATION_CLIP, name=CLIP_NAME))
        stream.write("  m_FloatCurves:\n" + body)
        stream.write(_SETTINGS.format(fps=number(curves.fps), bindings=bindings,
                                      stop=number((curves.frames - 1) / curves.fps)))
        stream.write("  m_EditorCurves:\n" + body)
        stream.write(_FOOTER)


_FIELD = re.compile(r"^\s*(?:- )?(\w+): ?(.*)$")
_TOP_LEVEL = re.compile(r"^  (m_\w+):")


def read_unity_anim(path: str | Path) -> Curves:
    """Read the blendshape float curves of a text ``.anim`` clip into arkit-style `Curves` ``(T, C)`` in [0, 1].

    The curves are sampled at ``m_SampleRate`` from ``m_StartTime`` to ``m_StopTime`` by linear interpolation
    between keys (what this writer's linear tangents mean). Channels are named without the ``blendShape.`` prefix,
    in file order; the renderer path comes back as ``metadata["unity_renderer_path"]``. Only ``m_FloatCurves`` is
    read (``m_EditorCurves`` repeats it).
    """
    path = Path(path)
    lines = read_lines(path)
    if not any(line.startswith(f"--- !u!{CLASS_ID_ANIMATION_CLIP} ") for line in lines):
        raise InputError("not a text Unity AnimationClip (no '--- !u!74' document)", path=path,
                         hint="set Unity's Asset Serialization to Force Text, or write it with --format unity")
    section, settings, curves, in_keys = None, {}, [], False
    for line_number, line in enumerate(lines, start=1):
        top = _TOP_LEVEL.match(line)
        if top:
            section = top.group(1)
        match = _FIELD.match(line)
        if not match:
            continue
        key, value = match.groups()
        if section == "m_FloatCurves":
            if key == "m_Curve":  # every float curve has exactly one key list; its binding fields follow it
                curves.append({"keys": []})
                in_keys = True
            elif key == "m_PreInfinity":
                in_keys = False
            elif in_keys and line.lstrip().startswith("- "):
                curves[-1]["keys"].append({})
            if in_keys and key in ("time", "value") and curves[-1]["keys"]:
                curves[-1]["keys"][-1][key] = _parse(value, path, line_number, key)
            elif not in_keys and curves and key in ("attribute", "path", "classID"):
                curves[-1][key] = value
        elif key in ("m_SampleRate", "m_StartTime", "m_StopTime"):
            settings[key] = _parse(value, path, line_number, key)
    blend = [c for c in curves if c.get("attribute", "").startswith(BLEND_SHAPE_PREFIX)
             and c.get("classID") == str(CLASS_ID_SKINNED_MESH_RENDERER)]
    if not blend:
        raise InputError("the clip has no blendShape float curves on a SkinnedMeshRenderer", path=path)
    if "m_SampleRate" not in settings or "m_StopTime" not in settings:
        raise InputError("the clip lacks m_SampleRate or m_AnimationClipSettings.m_StopTime", path=path)
    fps, start, stop = settings["m_SampleRate"], settings.get("m_StartTime", 0.0), settings["m_StopTime"]
    if fps <= 0 or stop < start:
        raise InputError(f"m_SampleRate {fps} / m_StopTime {stop} do not describe a clip", path=path)
    times = start + np.arange(int(round((stop - start) * fps)) + 1) / fps
    columns = []
    for curve in blend:
        keys = curve["keys"]
        if not keys or any(set(k) != {"time", "value"} for k in keys):
            raise InputError(f"curve {curve['attribute']} has a key without time or value", path=path)
        key_times = np.array([k["time"] for k in keys])
        if np.any(np.diff(key_times) <= 0):
            raise InputError(f"curve {curve['attribute']}: key times must increase", path=path)
        columns.append(np.interp(times, key_times, [k["value"] for k in keys]) / WEIGHT_SCALE)
    return Curves(names=[c["attribute"][len(BLEND_SHAPE_PREFIX):] for c in blend], fps=float(fps),
                  values=np.stack(columns, axis=1), rig="arkit",
                  metadata={"source_file": str(path), METADATA_PATH_KEY: blend[0].get("path", "")})


def _parse(text: str, path: Path, line: int, what: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise InputError(f"line {line}: {what} {text!r} is not a number", path=path) from None
