"""The mapping editor: which shape key plays each ARKit blendshape, auto-filled by name and saved as JSON presets.

Presets live in Blender's user presets folder (``<user scripts>/presets/emoanim/mappings/<name>.json``), so one
mapping serves every file that uses the same character.
"""
from __future__ import annotations

import json
import os

import bpy
from bpy.props import BoolProperty, EnumProperty

from .matching import ARKIT_NAMES, auto_match

PRESET_FOLDER = "presets/emoanim/mappings"
PRESET_FORMAT = "emoanim-blender-mapping"


def shape_key_names(mesh: bpy.types.Object | None) -> list[str]:
    """The mesh's shape keys, without the basis (the reference shape, never animated)."""
    if mesh is None or mesh.type != "MESH" or mesh.data.shape_keys is None:
        return []
    key = mesh.data.shape_keys
    return [block.name for block in key.key_blocks if block != key.reference_key]


def resolve_shape_map(settings, mesh: bpy.types.Object, channels: list[str]) -> dict[str, str]:
    """Channel -> shape key: the editor's row where it names a shape key, else the automatic name match."""
    shapes = shape_key_names(mesh)
    chosen = {row.name: row.shape_key for row in settings.mapping if row.shape_key}
    automatic = auto_match(shapes, tuple(channels))
    return {name: chosen.get(name) or automatic[name] for name in channels if chosen.get(name) or name in automatic}


def fill_mapping(settings, mesh: bpy.types.Object, *, keep_existing: bool = True) -> int:
    """Rows for all 52 ARKit names, shape keys filled by name match; returns how many rows name a shape key."""
    current = {row.name: row.shape_key for row in settings.mapping} if keep_existing else {}
    found = auto_match(shape_key_names(mesh))
    settings.mapping.clear()
    for name in ARKIT_NAMES:
        row = settings.mapping.add()
        row.name = name
        row.shape_key = current.get(name) or found.get(name, "")
    return sum(1 for row in settings.mapping if row.shape_key)


def presets_dir(create: bool = False) -> str:
    return bpy.utils.user_resource("SCRIPTS", path=PRESET_FOLDER, create=create)


def preset_path(name: str) -> str:
    safe = bpy.path.clean_name(name.strip()) or "mapping"
    return os.path.join(presets_dir(create=True), f"{safe}.json")


def save_preset(settings, name: str) -> str:
    path = preset_path(name)
    document = {"format": PRESET_FORMAT, "format_version": 1, "name": name,
                "mapping": {row.name: row.shape_key for row in settings.mapping if row.shape_key}}
    with open(path, "w", encoding="utf-8") as stream:
        json.dump(document, stream, indent=1, ensure_ascii=False)
    return path


def load_preset(settings, path: str) -> int:
    """Replace the editor's rows with the preset's; returns the number of mapped names. Raises ValueError."""
    try:
        with open(path, encoding="utf-8") as stream:
            document = json.load(stream)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f"{path}: cannot read mapping preset: {err}") from err
    if not isinstance(document, dict) or document.get("format") != PRESET_FORMAT \
            or not isinstance(document.get("mapping"), dict):
        raise ValueError(f"{path}: not an emoanim mapping preset (save one with 'Save preset')")
    mapping = {str(k): str(v) for k, v in document["mapping"].items()}
    settings.mapping.clear()
    for name in [*ARKIT_NAMES, *sorted(set(mapping) - set(ARKIT_NAMES))]:
        row = settings.mapping.add()
        row.name = name
        row.shape_key = mapping.get(name, "")
    return len(mapping)


_preset_items: list[tuple[str, str, str]] = []  # Blender reads enum item strings later: keep them alive here


def _list_presets(_self, _context):
    folder = presets_dir()
    names = sorted(f for f in os.listdir(folder) if f.endswith(".json")) if folder and os.path.isdir(folder) else []
    _preset_items[:] = [(os.path.join(folder, f), f[:-5], f"Load {f}") for f in names] or [("", "(none saved)", "")]
    return _preset_items


class EMOANIM_UL_mapping(bpy.types.UIList):
    def draw_item(self, context, layout, _data, item, _icon, _active_data, _active_propname, _index=0):
        row = layout.row(align=True)
        row.label(text=item.name)
        mesh = context.active_object
        if mesh is not None and mesh.type == "MESH" and mesh.data.shape_keys is not None:
            row.prop_search(item, "shape_key", mesh.data.shape_keys, "key_blocks", text="")
        else:
            row.prop(item, "shape_key", text="")


class EMOANIM_OT_mapping_fill(bpy.types.Operator):
    """Fill the mapping from the active mesh's shape key names (eyeBlink_L, EyeBlinkLeft, x.eyeBlinkLeft, ...)"""

    bl_idname = "emoanim.mapping_fill"
    bl_label = "Auto-fill mapping"
    bl_options = {"REGISTER", "UNDO"}
    keep_existing: BoolProperty(name="Keep rows already set", default=True)

    def execute(self, context):
        mesh = context.active_object
        if not shape_key_names(mesh):
            self.report({"ERROR"}, "select a mesh with shape keys first")
            return {"CANCELLED"}
        mapped = fill_mapping(context.scene.emoanim, mesh, keep_existing=self.keep_existing)
        self.report({"INFO"}, f"{mapped} of {len(ARKIT_NAMES)} ARKit shapes mapped to shape keys of {mesh.name}")
        return {"FINISHED"}


class EMOANIM_OT_mapping_clear(bpy.types.Operator):
    """Empty the mapping (names then match automatically)"""

    bl_idname = "emoanim.mapping_clear"
    bl_label = "Clear mapping"
    bl_options = {"REGISTER", "UNDO"}

    def execute(self, context):
        context.scene.emoanim.mapping.clear()
        return {"FINISHED"}


class EMOANIM_OT_preset_save(bpy.types.Operator):
    """Save the mapping as a JSON preset in Blender's user presets folder"""

    bl_idname = "emoanim.preset_save"
    bl_label = "Save mapping preset"

    def execute(self, context):
        settings = context.scene.emoanim
        if not any(row.shape_key for row in settings.mapping):
            self.report({"ERROR"}, "the mapping is empty: auto-fill it or choose shape keys first")
            return {"CANCELLED"}
        try:
            path = save_preset(settings, settings.preset_name)
        except OSError as err:
            self.report({"ERROR"}, f"cannot save the preset: {err}")
            return {"CANCELLED"}
        self.report({"INFO"}, f"saved {path}")
        return {"FINISHED"}


class EMOANIM_OT_preset_load(bpy.types.Operator):
    """Load a saved mapping preset"""

    bl_idname = "emoanim.preset_load"
    bl_label = "Load mapping preset"
    bl_options = {"REGISTER", "UNDO"}
    bl_property = "preset"
    preset: EnumProperty(name="Preset", items=_list_presets)

    def invoke(self, context, _event):
        context.window_manager.invoke_search_popup(self)
        return {"RUNNING_MODAL"}

    def execute(self, context):
        if not self.preset:
            self.report({"ERROR"}, f"no mapping presets saved yet in {presets_dir()}")
            return {"CANCELLED"}
        try:
            count = load_preset(context.scene.emoanim, self.preset)
        except ValueError as err:
            self.report({"ERROR"}, str(err))
            return {"CANCELLED"}
        context.scene.emoanim.preset_name = os.path.basename(self.preset)[:-5]
        self.report({"INFO"}, f"loaded {count} mapped names from {self.preset}")
        return {"FINISHED"}


CLASSES = (EMOANIM_UL_mapping, EMOANIM_OT_mapping_fill, EMOANIM_OT_mapping_clear, EMOANIM_OT_preset_save,
           EMOANIM_OT_preset_load)
