"""emoanim for Blender: speech -> emotional facial animation on a character's ARKit shape keys, head and eyes.

Install: Edit > Preferences > Add-ons > Install... and pick a zip of this folder (Blender 3.4 to 4.1), or
Get Extensions > Install from Disk (4.2+, which reads blender_manifest.toml). The panel is in the 3D viewport's
sidebar (N), tab "emoanim".
"""
from __future__ import annotations

bl_info = {
    "name": "emoanim",
    "author": "emoanim contributors",
    "version": (0, 1, 0),
    "blender": (3, 4, 0),
    "location": "View3D > Sidebar > emoanim; File > Import > emoanim / Live Link Face take",
    "description": "Speech to emotional facial animation on ARKit shape keys, head and eye bones",
    "category": "Animation",
}

import bpy  # noqa: E402  (bl_info must come first for Blender's add-on scanner)

from . import mapping, operators, panel, properties  # noqa: E402

CLASSES = (*properties.CLASSES, *mapping.CLASSES, *operators.CLASSES, *panel.CLASSES)
_OWN = set(properties.CLASSES)  # registered by properties.register(), which also adds Scene.emoanim


def register() -> None:
    properties.register()
    for cls in CLASSES:
        if cls not in _OWN:
            bpy.utils.register_class(cls)
    bpy.types.TOPBAR_MT_file_import.append(operators.menu_import)


def unregister() -> None:
    bpy.types.TOPBAR_MT_file_import.remove(operators.menu_import)
    for cls in reversed(CLASSES):
        if cls not in _OWN:
            bpy.utils.unregister_class(cls)
    properties.unregister()
