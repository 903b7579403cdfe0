"""The emoanim tab of the 3D viewport's sidebar (N panel)."""
from __future__ import annotations

import bpy

from .mapping import EMOANIM_UL_mapping


class EMOANIM_UL_timeline(bpy.types.UIList):
    def draw_item(self, _context, layout, _data, item, _icon, _active_data, _active_propname, _index=0):
        row = layout.row(align=True)
        row.prop(item, "time", text="")
        row.prop(item, "emotion", text="")
        row.prop(item, "intensity", text="")


class _SidebarPanel:
    bl_space_type = "VIEW_3D"
    bl_region_type = "UI"
    bl_category = "emoanim"


class EMOANIM_PT_generate(_SidebarPanel, bpy.types.Panel):
    bl_idname = "EMOANIM_PT_generate"
    bl_label = "emoanim"

    def draw(self, context):
        settings = context.scene.emoanim
        layout = self.layout
        layout.use_property_split = True
        layout.use_property_decorate = False
        layout.prop(settings, "audio")
        layout.prop(settings, "transcript")
        layout.prop(settings, "emotion_mode", expand=True)
        if settings.emotion_mode == "SINGLE":
            layout.prop(settings, "emotion")
            layout.prop(settings, "intensity")
        else:
            row = layout.row()
            row.template_list("EMOANIM_UL_timeline", "", settings, "timeline", settings, "timeline_index", rows=3)
            buttons = row.column(align=True)
            buttons.operator("emoanim.timeline_add", icon="ADD", text="")
            buttons.operator("emoanim.timeline_remove", icon="REMOVE", text="")
            layout.prop(settings, "transition")
        layout.prop(settings, "animator")
        if settings.animator.strip().lower() not in ("", "phonetic"):
            layout.prop(settings, "audio_only")
            layout.prop(settings, "lip_seal")
        layout.prop(settings, "seed")
        layout.prop(settings, "fps")
        layout.prop(settings, "frame_start")
        layout.prop(settings, "add_sound")
        layout.prop(settings, "set_timing")
        obj = context.active_object
        target = obj.name if obj is not None and obj.type == "MESH" else "select the face mesh"
        layout.label(text=f"Target: {target}", icon="SHAPEKEY_DATA")
        layout.operator("emoanim.generate", icon="PLAY")
        layout.operator("emoanim.import_take", icon="IMPORT")


class EMOANIM_PT_rig(_SidebarPanel, bpy.types.Panel):
    bl_idname = "EMOANIM_PT_rig"
    bl_label = "Rig mapping"
    bl_parent_id = "EMOANIM_PT_generate"
    bl_options = {"DEFAULT_CLOSED"}

    def draw(self, context):
        settings = context.scene.emoanim
        layout = self.layout
        layout.prop(settings, "armature")
        armature = settings.armature
        for name in ("head_bone", "left_eye_bone", "right_eye_bone"):
            if armature is not None and armature.type == "ARMATURE":
                layout.prop_search(settings, name, armature.data, "bones")
            else:
                layout.prop(settings, name)
        row = layout.row(align=True)
        row.operator("emoanim.mapping_fill", icon="AUTO")
        row.operator("emoanim.mapping_clear", icon="X", text="")
        layout.template_list("EMOANIM_UL_mapping", "", settings, "mapping", settings, "mapping_index", rows=6)
        row = layout.row(align=True)
        row.prop(settings, "preset_name", text="")
        row.operator("emoanim.preset_save", icon="FILE_TICK", text="Save")
        layout.operator("emoanim.preset_load", icon="FILE_FOLDER")


CLASSES = (EMOANIM_UL_timeline, EMOANIM_PT_generate, EMOANIM_PT_rig)
__all__ = ["CLASSES", "EMOANIM_UL_mapping"]
