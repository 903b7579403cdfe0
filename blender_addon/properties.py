"""The add-on's settings: per scene (what to generate, how to map it) and per user (how to reach emoanim)."""
from __future__ import annotations

import bpy
from bpy.props import (BoolProperty, CollectionProperty, EnumProperty, FloatProperty, IntProperty, PointerProperty,
                       StringProperty)

from .runner import EMOTIONS

EMOTION_ITEMS = [(name, name.capitalize(), f"{name} face") for name in EMOTIONS]


class EmotionKeyItem(bpy.types.PropertyGroup):
    """One key of an emotion timeline: from ``time`` seconds on, ``emotion`` at ``intensity``."""

    emotion: EnumProperty(name="Emotion", items=EMOTION_ITEMS, default="neutral")
    intensity: FloatProperty(name="Intensity", min=0.0, max=1.0, default=1.0, subtype="FACTOR")
    time: FloatProperty(name="Time", description="Seconds into the speech", min=0.0, default=0.0, unit="TIME_ABSOLUTE")


class MappingItem(bpy.types.PropertyGroup):
    """One row of the mapping editor: ARKit blendshape ``name`` is played by shape key ``shape_key``."""

    name: StringProperty(name="ARKit name")
    shape_key: StringProperty(name="Shape key", description="Shape key playing this ARKit blendshape ('' = none)")


def _is_armature(_self, obj) -> bool:
    return obj.type == "ARMATURE"


class EmoanimSettings(bpy.types.PropertyGroup):
    audio: StringProperty(name="Audio", subtype="FILE_PATH", description="Speech file (wav, flac, ogg, mp3, ...)")
    transcript: StringProperty(name="Transcript",
                               description="The words spoken, or a .txt file holding them (optional: they make the "
                                           "lip sync exact)")
    emotion_mode: EnumProperty(name="Emotion", items=[
        ("SINGLE", "Single", "One emotion for the whole clip"),
        ("TIMELINE", "Timeline", "Emotion keys over time, blended"),
    ], default="SINGLE")
    emotion: EnumProperty(name="Emotion", items=EMOTION_ITEMS, default="neutral")
    intensity: FloatProperty(name="Intensity", min=0.0, max=1.0, default=1.0, subtype="FACTOR")
    timeline: CollectionProperty(type=EmotionKeyItem)
    timeline_index: IntProperty(default=0)
    transition: FloatProperty(name="Blend", description="Seconds to blend between emotion keys", min=0.0,
                              default=0.3, unit="TIME_ABSOLUTE")
    animator: StringProperty(name="Animator", default="phonetic",
                             description="emoanim animation backend (`emoanim info` lists them)")
    audio_only: BoolProperty(name="Audio only", default=False,
                             description="emote/emoface: no phone recognition (far faster; less exact on "
                                         "unfamiliar voices, and no lip seal)")
    lip_seal: BoolProperty(name="Lip seal", default=True,
                           description="emote/emoface: shut the lips on every /p b m/ of the phones (off: the "
                                       "model's own closures)")
    seed: IntProperty(name="Seed", min=0, default=0, description="Same seed, same blinks, gaze and head motion")
    fps: FloatProperty(name="FPS", min=1.0, max=1000.0, default=30.0, description="Frames per second to generate")
    frame_start: IntProperty(name="Start frame", default=1)
    armature: PointerProperty(name="Armature", type=bpy.types.Object, poll=_is_armature,
                              description="Rig with head/eye bones (default: the mesh's armature modifier or parent)")
    head_bone: StringProperty(name="Head bone", description="'' = try head, Head, DEF-head, mixamorig:Head, ...")
    left_eye_bone: StringProperty(name="Left eye", description="'' = try eye.L, LeftEye, eye_L, ...")
    right_eye_bone: StringProperty(name="Right eye", description="'' = try eye.R, RightEye, eye_R, ...")
    add_sound: BoolProperty(name="Add sound strip", default=True)
    set_timing: BoolProperty(name="Set scene FPS and range", default=True)
    mapping: CollectionProperty(type=MappingItem)
    mapping_index: IntProperty(default=0)
    preset_name: StringProperty(name="Preset", default="my character")

    def emotion_spec(self) -> str:
        """The emoanim ``--emotion`` spec these settings describe."""
        if self.emotion_mode == "SINGLE" or len(self.timeline) == 0:
            return f"{self.emotion}:{self.intensity:.3f}"
        keys = sorted(self.timeline, key=lambda key: key.time)
        return ",".join(f"{key.emotion}:{key.intensity:.3f}@{key.time:.3f}" for key in keys)


class EmoanimPreferences(bpy.types.AddonPreferences):
    bl_idname = __package__

    engine: EnumProperty(name="Run emoanim", items=[
        ("AUTO", "Automatic", "In Blender's Python if emoanim imports there, else the command line"),
        ("PYTHON", "Blender's Python", "import emoanim inside Blender"),
        ("CLI", "Command line", "Run the emoanim command and read its JSON"),
    ], default="AUTO")
    cli_command: StringProperty(name="emoanim command",
                                description="e.g. /home/me/venv/bin/emoanim or 'python3 -m emoanim' "
                                            "('' = $EMOANIM_CLI, else emoanim on PATH)")
    python_path: StringProperty(name="Extra Python path", subtype="DIR_PATH",
                                description="A site-packages folder holding emoanim, for the in-Blender engine "
                                            "(its Python version must match Blender's)")

    def draw(self, _context):
        layout = self.layout
        layout.prop(self, "engine")
        layout.prop(self, "cli_command")
        layout.prop(self, "python_path")


def preferences(context) -> EmoanimPreferences | None:
    addon = context.preferences.addons.get(__package__)
    return addon.preferences if addon is not None else None


CLASSES = (EmotionKeyItem, MappingItem, EmoanimSettings, EmoanimPreferences)


def register() -> None:
    for cls in CLASSES:
        bpy.utils.register_class(cls)
    bpy.types.Scene.emoanim = PointerProperty(type=EmoanimSettings)


def unregister() -> None:
    del bpy.types.Scene.emoanim
    for cls in reversed(CLASSES):
        bpy.utils.unregister_class(cls)
