"""Put a `Take` on a character: shape-key F-curves, head and eye bone rotations, the speech, the scene's timing.

F-curves are filled in bulk (``keyframe_points.add(n)`` then ``foreach_set("co", ...)``): one call per curve instead
of one ``keyframe_insert`` per key, which is what makes minutes of 60 fps animation key in well under a second
(benchmarks/blender_keying.py). Keys are linear: the take is already sampled every frame, and Bezier handles
would overshoot between samples.

Rotations. The arkit rig's channels are degrees in Live Link Face's mirrored frame (emoanim/rigs/arkit.py):
+headYaw turns the head to the character's right, +headPitch nods down, +headRoll tilts towards the character's
left; +eyeYaw turns the eye to the character's right, +eyePitch turns it down. They are turned into rotations in
armature space for a character in Blender's front view (facing -Y, its left along +X, up +Z), then carried into
each bone's own rest frame, so rigs whose bones point up, forward or anywhere else all turn the right way.
"""
from __future__ import annotations

import math
from array import array
from dataclasses import dataclass, field

import bpy
from mathutils import Quaternion

from .take import Take

ACTION_GROUP = "emoanim"
SOUND_STRIP_PREFIX = "emoanim "
HEAD_CHANNELS = ("headYaw", "headPitch", "headRoll")
EYE_CHANNELS = {"left": ("leftEyeYaw", "leftEyePitch"), "right": ("rightEyeYaw", "rightEyePitch")}
ROTATION_CHANNELS = frozenset({*HEAD_CHANNELS, "leftEyeYaw", "leftEyePitch", "leftEyeRoll",
                               "rightEyeYaw", "rightEyePitch", "rightEyeRoll"})
# Bone names tried, in order, when the user names none (Blender/Rigify, Mixamo, Character Creator, generic FBX).
HEAD_BONE_NAMES = ("head", "Head", "DEF-head", "mixamorig:Head", "CC_Base_Head")
EYE_BONE_NAMES = {
    "left": ("eye.L", "eye_L", "Eye_L", "LeftEye", "EyeLeft", "mixamorig:LeftEye", "CC_Base_L_Eye"),
    "right": ("eye.R", "eye_R", "Eye_R", "RightEye", "EyeRight", "mixamorig:RightEye", "CC_Base_R_Eye"),
}
_UP, _LEFT, _FORWARD = (0.0, 0.0, 1.0), (1.0, 0.0, 0.0), (0.0, -1.0, 0.0)  # character axes in armature space


@dataclass
class KeyingResult:
    frames: int
    frame_start: int
    frame_end: int
    shapes: dict[str, str] = field(default_factory=dict)  # channel -> shape key keyed
    unmatched: list[str] = field(default_factory=list)  # shape channels with no shape key
    bones: list[str] = field(default_factory=list)


def head_rotation(yaw: float, pitch: float, roll: float) -> Quaternion:
    """Armature-space rotation for the arkit head channels (degrees): turn, then nod, then tilt."""
    return (Quaternion(_UP, -math.radians(yaw)) @ Quaternion(_LEFT, math.radians(pitch))
            @ Quaternion(_FORWARD, -math.radians(roll)))


def eye_rotation(yaw: float, pitch: float) -> Quaternion:
    """Armature-space rotation for one eye's arkit channels (degrees)."""
    return Quaternion(_UP, -math.radians(yaw)) @ Quaternion(_LEFT, math.radians(pitch))


def find_bone(armature: bpy.types.Object | None, wanted: str, candidates: tuple[str, ...]) -> str:
    """The bone to drive: ``wanted`` if given (it must exist), else the first candidate present, else ""."""
    if armature is None:
        return ""
    bones = armature.pose.bones
    if wanted:
        if wanted not in bones:
            raise LookupError(f"armature {armature.name!r} has no bone {wanted!r}")
        return wanted
    return next((name for name in candidates if name in bones), "")


def key_take(take: Take, *, mesh: bpy.types.Object | None, shape_map: dict[str, str],
             armature: bpy.types.Object | None = None, bones: dict[str, str] | None = None,
             frame_start: int = 1) -> KeyingResult:
    """Key ``take`` from ``frame_start``, one key per frame.

    ``shape_map``: take channel -> shape key name on ``mesh``. ``bones``: ``{"head", "left", "right"}`` -> pose bone
    name ("" = not driven). F-curves of the channels keyed are replaced; the rest of an existing action is kept.
    """
    frame_numbers = array("f", [frame_start + i for i in range(take.frames)])
    result = KeyingResult(take.frames, frame_start, frame_start + take.frames - 1)
    shape_channels = [name for name in take.names if name not in ROTATION_CHANNELS]
    columns = take.columns()
    if mesh is not None and mesh.data.shape_keys is not None:
        key = mesh.data.shape_keys
        action = _action_of(key, f"{take_label(take)} shapes")
        for channel in shape_channels:
            shape = shape_map.get(channel, "")
            if shape and shape in key.key_blocks:
                _write_fcurve(action, f'key_blocks["{_escape(shape)}"].value', 0, frame_numbers, columns[channel])
                result.shapes[channel] = shape
        if result.shapes:
            _assign(key, action)
    result.unmatched = [name for name in shape_channels if name not in result.shapes]
    if armature is not None and bones:
        result.bones = _key_bones(columns, armature, bones, frame_numbers, take_label(take))
    return result


def _key_bones(columns: dict[str, tuple[float, ...]], armature: bpy.types.Object, bones: dict[str, str],
               frame_numbers: array, label: str) -> list[str]:
    rotations = {}
    if bones.get("head") and all(name in columns for name in HEAD_CHANNELS):
        rotations[bones["head"]] = [head_rotation(*angles) for angles in zip(*(columns[n] for n in HEAD_CHANNELS))]
    for side, names in EYE_CHANNELS.items():
        if bones.get(side) and all(name in columns for name in names):
            rotations[bones[side]] = [eye_rotation(*angles) for angles in zip(*(columns[n] for n in names))]
    if not rotations:
        return []
    action = _action_of(armature, f"{label} head")
    for bone_name, armature_space in rotations.items():
        pose_bone = armature.pose.bones[bone_name]
        rest = pose_bone.bone.matrix_local.to_quaternion()
        rest_inverse = rest.inverted()
        local = [rest_inverse @ q @ rest for q in armature_space]  # the same turn, in the bone's own axes
        path, columns = _rotation_columns(pose_bone, local)
        for index, column in enumerate(columns):
            _write_fcurve(action, f'pose.bones["{_escape(bone_name)}"].{path}', index, frame_numbers, column,
                          group=bone_name)
    _assign(armature, action)
    return list(rotations)


def _rotation_columns(pose_bone, rotations: list[Quaternion]) -> tuple[str, list[list[float]]]:
    """The bone's own rotation property and its components over time, in the rotation mode the rig uses."""
    mode = pose_bone.rotation_mode
    if mode == "QUATERNION":
        values, previous = [], None
        for q in rotations:
            if previous is not None and previous.dot(q) < 0:  # q and -q are one rotation; keep the path short
                q = -q
            values.append(q)
            previous = q
        return "rotation_quaternion", [[q[i] for q in values] for i in range(4)]
    if mode == "AXIS_ANGLE":
        pairs = [q.to_axis_angle() for q in rotations]
        angles = [angle for _, angle in pairs]
        return "rotation_axis_angle", [angles] + [[axis[i] for axis, _ in pairs] for i in range(3)]
    eulers, previous = [], None
    for q in rotations:
        euler = q.to_euler(mode) if previous is None else q.to_euler(mode, previous)  # no 360-degree flips
        eulers.append(euler)
        previous = euler
    return "rotation_euler", [[e[i] for e in eulers] for i in range(3)]


def _action_of(owner, name: str) -> bpy.types.Action:
    """The owner's action, or a new one named ``name`` (assigned by `_assign` once its F-curves exist)."""
    animation = owner.animation_data
    if animation is not None and animation.action is not None:
        return animation.action
    return bpy.data.actions.new(name)


def _assign(owner, action: bpy.types.Action) -> None:
    """Assign after filling: from Blender 4.4 the legacy ``action.fcurves.new`` makes the action's first slot, and
    assigning an action with one slot binds the owner to it."""
    animation = owner.animation_data or owner.animation_data_create()
    if animation.action != action:
        animation.action = action


def _write_fcurve(action, data_path: str, index: int, frames: array, values, group: str = ACTION_GROUP) -> None:
    existing = action.fcurves.find(data_path, index=index)
    if existing is not None:
        action.fcurves.remove(existing)
    curve = action.fcurves.new(data_path, index=index, action_group=group)
    points = curve.keyframe_points
    count = len(frames)
    points.add(count)
    co = array("f", bytes(8 * count))
    co[0::2] = frames
    co[1::2] = array("f", values)
    points.foreach_set("co", co)
    points.foreach_set("interpolation", array("i", [_LINEAR]) * count)
    curve.update()


_LINEAR = bpy.types.Keyframe.bl_rna.properties["interpolation"].enum_items["LINEAR"].value


def _escape(name: str) -> str:
    return name.replace("\\", "\\\\").replace('"', '\\"')


def take_label(take: Take) -> str:
    path = take.audio_path or take.source_path
    stem = path.replace("\\", "/").rsplit("/", 1)[-1].rsplit(".", 1)[0]
    return f"emoanim {stem}" if stem else "emoanim"


def set_scene_timing(scene: bpy.types.Scene, fps: float, frame_start: int, frames: int) -> None:
    """Scene rate ``fps`` (as integer ``fps`` / ``fps_base``, how Blender stores 29.97) and the take's frame range."""
    whole = max(1, round(fps))
    scene.render.fps = whole
    scene.render.fps_base = whole / fps
    scene.frame_start = frame_start
    scene.frame_end = frame_start + frames - 1


def add_sound_strip(scene: bpy.types.Scene, audio_path: str, frame_start: int):
    """The speech as a sound strip from ``frame_start`` (replacing the strip an earlier run added for it)."""
    editor = scene.sequence_editor or scene.sequence_editor_create()
    strips = editor.strips if hasattr(editor, "strips") else editor.sequences  # renamed `strips` in 4.4
    name = SOUND_STRIP_PREFIX + audio_path.replace("\\", "/").rsplit("/", 1)[-1]
    for strip in list(strips):
        if strip.name == name:
            strips.remove(strip)
    channel = 1 + max((strip.channel for strip in strips), default=0)
    strip = strips.new_sound(name, audio_path, channel, frame_start)
    scene.use_audio_scrub = True
    return strip
