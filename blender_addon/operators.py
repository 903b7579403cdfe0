"""Generate (speech -> animation on the selected character) and Import (a take file -> the same).

Errors reach the user as one line through ``self.report``. A failure that is not the user's (a bug) is reported the
same way, and its traceback goes to the system console for the bug report.
"""
from __future__ import annotations

import os
import time
import traceback

import bpy
from bpy.props import FloatProperty, StringProperty
from bpy_extras.io_utils import ImportHelper

from .keying import EYE_BONE_NAMES, HEAD_BONE_NAMES, KeyingResult, add_sound_strip, find_bone, key_take, \
    set_scene_timing
from .mapping import resolve_shape_map, shape_key_names
from .properties import preferences
from .runner import GenerateError, Request, start_job
from .take import Take, TakeError, read_take

POLL_SECONDS = 0.1


def character(context) -> tuple[bpy.types.Object, bpy.types.Object | None]:
    """The active mesh (it must have shape keys) and the armature carrying its head and eyes, if any."""
    mesh = context.active_object
    if mesh is None or mesh.type != "MESH":
        raise GenerateError("select the face mesh (the object with the shape keys) first")
    if not shape_key_names(mesh):
        raise GenerateError(f"mesh {mesh.name!r} has no shape keys to animate")
    armature = context.scene.emoanim.armature
    if armature is None:
        modifier = next((m for m in mesh.modifiers if m.type == "ARMATURE" and m.object is not None), None)
        armature = modifier.object if modifier else mesh.parent if mesh.parent and mesh.parent.type == "ARMATURE" \
            else None
    return mesh, armature


def apply_take(context, take: Take) -> KeyingResult:
    """Key ``take`` on the selected character with the scene's emoanim settings."""
    settings = context.scene.emoanim
    mesh, armature = character(context)
    try:
        bones = {"head": find_bone(armature, settings.head_bone, HEAD_BONE_NAMES),
                 "left": find_bone(armature, settings.left_eye_bone, EYE_BONE_NAMES["left"]),
                 "right": find_bone(armature, settings.right_eye_bone, EYE_BONE_NAMES["right"])}
    except LookupError as err:
        raise GenerateError(f"{err} (fix the bone names in the emoanim panel)") from None
    shape_map = resolve_shape_map(settings, mesh, take.names)
    result = key_take(take, mesh=mesh, shape_map=shape_map, armature=armature, bones=bones,
                      frame_start=settings.frame_start)
    if not result.shapes and not result.bones:
        raise GenerateError(f"no shape key of {mesh.name!r} matches the take's channels "
                            f"(e.g. {', '.join(take.names[:3])}): fill the mapping editor")
    scene = context.scene
    if settings.set_timing:
        set_scene_timing(scene, take.fps, settings.frame_start, take.frames)
    if settings.add_sound and take.audio_path:
        if not _exists(take.audio_path):
            raise GenerateError(f"{take.audio_path}: speech file not found for the sound strip "
                                "(untick 'Add sound strip' or move the file back)")
        add_sound_strip(scene, take.audio_path, settings.frame_start)
    return result


def _exists(path: str) -> bool:
    return os.path.isfile(bpy.path.abspath(path))


def summary(result: KeyingResult) -> str:
    text = f"keyed {len(result.shapes)} shape keys"
    if result.bones:
        text += f" and bones {', '.join(result.bones)}"
    text += f", frames {result.frame_start}-{result.frame_end}"
    if result.unmatched:
        text += f"; {len(result.unmatched)} channels without a shape key (e.g. {', '.join(result.unmatched[:3])})"
    return text


class EMOANIM_OT_generate(bpy.types.Operator):
    """Turn the speech file into facial animation on the selected mesh (and its head/eye bones)"""

    bl_idname = "emoanim.generate"
    bl_label = "Generate"
    bl_options = {"REGISTER", "UNDO"}

    _job = None
    _timer = None
    _started = 0.0

    def _request(self, context) -> Request:
        settings = context.scene.emoanim
        transcript = settings.transcript.strip()
        if transcript.lower().endswith(".txt"):
            transcript = bpy.path.abspath(transcript)
        return Request(audio=bpy.path.abspath(settings.audio) if settings.audio else "", transcript=transcript,
                       emotion=settings.emotion_spec(), animator=settings.animator.strip() or "phonetic",
                       seed=settings.seed, fps=settings.fps, audio_only=settings.audio_only,
                       lip_seal=settings.lip_seal)

    def _start(self, context) -> bool:
        prefs = preferences(context)
        try:
            character(context)  # refuse before minutes of work, not after
            self._job = start_job(self._request(context), engine=prefs.engine if prefs else "AUTO",
                                  command=prefs.cli_command if prefs else "",
                                  python_path=bpy.path.abspath(prefs.python_path) if prefs else "")
        except (GenerateError, TakeError) as err:
            self.report({"ERROR"}, str(err))
            return False
        self._started = time.monotonic()
        return True

    def _finish(self, context) -> set[str]:
        job, self._job = self._job, None
        try:
            take = job.result()
            result = apply_take(context, take)
        except (GenerateError, TakeError) as err:
            self.report({"ERROR"}, str(err))
            return {"CANCELLED"}
        except Exception as err:  # a bug: tell the user in one line, keep the traceback for the report
            traceback.print_exc()
            self.report({"ERROR"}, f"emoanim failed unexpectedly ({type(err).__name__}: {err}); "
                                   "details in the system console")
            return {"CANCELLED"}
        for warning in take.metadata.get("warnings", []):
            self.report({"WARNING"}, f"emoanim: {warning}")
        self.report({"INFO"}, f"emoanim: {summary(result)} [{time.monotonic() - self._started:.1f} s]")
        return {"FINISHED"}

    def execute(self, context):
        """Blocking run: scripts and background mode (`blender -b`), where no timer events arrive."""
        if not self._start(context):
            return {"CANCELLED"}
        return self._finish(context)

    def invoke(self, context, _event):
        if not self._start(context):
            return {"CANCELLED"}
        manager = context.window_manager
        self._timer = manager.event_timer_add(POLL_SECONDS, window=context.window)
        manager.modal_handler_add(self)
        manager.progress_begin(0, 100)
        return {"RUNNING_MODAL"}

    def modal(self, context, event):
        if event.type == "ESC":
            self._job.cancel()
            self._end_ui(context)
            self.report({"WARNING"}, "emoanim: generation cancelled")
            return {"CANCELLED"}
        if event.type != "TIMER":
            return {"PASS_THROUGH"}
        elapsed = time.monotonic() - self._started
        # emoanim reports no fraction done; the bar cycles each 10 s and the status line counts seconds.
        context.window_manager.progress_update(int(elapsed * 10) % 100)
        context.workspace.status_text_set(f"emoanim: generating... {elapsed:.0f} s (Esc cancels)")
        if not self._job.done():
            return {"RUNNING_MODAL"}
        self._end_ui(context)
        return self._finish(context)

    def _end_ui(self, context) -> None:
        manager = context.window_manager
        manager.event_timer_remove(self._timer)
        manager.progress_end()
        context.workspace.status_text_set(None)


class EMOANIM_OT_import(bpy.types.Operator, ImportHelper):
    """Key an emoanim JSON/CSV or a Live Link Face CSV onto the selected mesh"""

    bl_idname = "emoanim.import_take"
    bl_label = "Import facial animation"
    bl_options = {"REGISTER", "UNDO"}
    filter_glob: StringProperty(default="*.json;*.csv", options={"HIDDEN"})
    fps: FloatProperty(name="FPS", min=0.0, max=1000.0, default=0.0,
                       description="Frame rate of a CSV take (0 = from the file: its time column, or Live Link "
                                   "Face's 30/60 guess)")
    audio: StringProperty(name="Speech", subtype="FILE_PATH",
                          description="Speech file for the sound strip ('' = the one named inside an emoanim JSON)")

    def execute(self, context):
        try:
            take = read_take(self.filepath, fps=self.fps)
            if self.audio:
                take.audio_path = bpy.path.abspath(self.audio)
            elif take.audio_path and not _exists(take.audio_path):
                self.report({"WARNING"}, f"{take.audio_path}: speech not found, no sound strip added")
                take.audio_path = ""
            result = apply_take(context, take)
        except (GenerateError, TakeError) as err:
            self.report({"ERROR"}, str(err))
            return {"CANCELLED"}
        self.report({"INFO"}, f"emoanim: {summary(result)} from {self.filepath}")
        return {"FINISHED"}


class EMOANIM_OT_timeline_add(bpy.types.Operator):
    """Add an emotion key after the last one"""

    bl_idname = "emoanim.timeline_add"
    bl_label = "Add emotion key"
    bl_options = {"REGISTER", "UNDO"}

    def execute(self, context):
        settings = context.scene.emoanim
        last = max((key.time for key in settings.timeline), default=-1.0)
        key = settings.timeline.add()
        key.time = last + 1.0 if last >= 0 else 0.0
        settings.timeline_index = len(settings.timeline) - 1
        return {"FINISHED"}


class EMOANIM_OT_timeline_remove(bpy.types.Operator):
    """Remove the selected emotion key"""

    bl_idname = "emoanim.timeline_remove"
    bl_label = "Remove emotion key"
    bl_options = {"REGISTER", "UNDO"}

    def execute(self, context):
        settings = context.scene.emoanim
        if 0 <= settings.timeline_index < len(settings.timeline):
            settings.timeline.remove(settings.timeline_index)
            settings.timeline_index = max(0, settings.timeline_index - 1)
        return {"FINISHED"}


def menu_import(self, _context):
    self.layout.operator(EMOANIM_OT_import.bl_idname, text="emoanim / Live Link Face take (.json, .csv)")


CLASSES = (EMOANIM_OT_generate, EMOANIM_OT_import, EMOANIM_OT_timeline_add, EMOANIM_OT_timeline_remove)
