"""The Blender add-on (blender_addon/): its readers and name matching in plain Python, then the add-on itself in
headless Blender (`blender -b --factory-startup`), registered the way a user installs it, keying real emoanim output.

The Blender tests skip only when the `blender` executable is missing (`make setup` installs Debian's).
"""
from __future__ import annotations

import importlib
import json
import math
import os
import shutil
import site
import subprocess
import sys
import textwrap
import types
from pathlib import Path

import numpy as np
import pytest

from conftest import REPO, espeak_wav
from emoanim.emotion import EMOTIONS
from emoanim.export import read_json, write
from emoanim.motion.channels import ARKIT_NAMES
from emoanim.rigs.curves import Curves

ADDON = REPO / "blender_addon"
ADDON_MODULE = "emoanim_blender"  # the folder name a user's install gives it
BLENDER = shutil.which("blender")
needs_blender = pytest.mark.skipif(BLENDER is None, reason="the `blender` executable is not installed "
                                                           "(make setup installs Debian's blender)")
LLF_ROTATIONS = ("headYaw", "headPitch", "headRoll", "leftEyeYaw", "leftEyePitch", "leftEyeRoll",
                 "rightEyeYaw", "rightEyePitch", "rightEyeRoll")


def load_plain(name: str):
    """An add-on module that needs no bpy. The package's __init__ imports bpy, so it is loaded under a stand-in
    package that points at the same folder but runs no __init__."""
    package = "emoanim_addon_without_bpy"
    if package not in sys.modules:
        stand_in = types.ModuleType(package)
        stand_in.__path__ = [str(ADDON)]
        sys.modules[package] = stand_in
    return importlib.import_module(f"{package}.{name}")


take_module = load_plain("take")
matching = load_plain("matching")
runner = load_plain("runner")


# ---- plain Python: the add-on's own copies of emoanim's tables, names, readers ------------------------------------

def test_addon_tables_match_emoanim():
    assert matching.ARKIT_NAMES == ARKIT_NAMES
    runner_source = (ADDON / "runner.py").read_text()
    assert f"EMOTIONS = {tuple(EMOTIONS)!r}" in runner_source.replace('"', "'")


@pytest.mark.parametrize("shape_key", ["eyeBlinkLeft", "EyeBlinkLeft", "eyeBlink_L", "eyeBlink.L", "eye_blink_l",
                                       "blendShape1.eyeBlinkLeft", "eyeBlinkL"])
def test_spellings_of_one_shape_match(shape_key):
    assert matching.auto_match([shape_key, "jawOpen"]) == {"eyeBlinkLeft": shape_key, "jawOpen": "jawOpen"}


def test_matching_does_not_guess():
    # "mouthRollUpper" ends in an r that is not a side; "Smile" is not any ARKit name; two spellings of one shape
    # are ambiguous and left for the user.
    found = matching.auto_match(["mouthRollUpper", "MouthRoll_Lower", "Smile", "jawOpen", "JawOpen_", "jaw_open"])
    assert found == {"mouthRollUpper": "mouthRollUpper", "mouthRollLower": "MouthRoll_Lower", "jawOpen": "jawOpen"}
    assert "jawOpen" not in matching.auto_match(["JawOpen_", "jaw_open"])


def ramp_curves(fps: float, frames: int) -> Curves:
    """ARKit rig curves with a different, known value in every cell: shapes in [0, 1], rotations in degrees."""
    names = [*ARKIT_NAMES, *LLF_ROTATIONS]
    t = np.arange(frames)[:, None]
    c = np.arange(len(names))[None, :]
    values = 0.5 + 0.45 * np.sin(0.07 * t + 0.5 * c)
    values[:, len(ARKIT_NAMES):] = 20.0 * np.sin(0.05 * t + c[:, len(ARKIT_NAMES):])
    return Curves(names=names, fps=fps, values=values, rig="arkit")


@pytest.mark.parametrize("format_name,fps", [("json", 24.0), ("csv", 29.97), ("livelinkface", 60.0),
                                             ("livelinkface", 30.0)])
def test_readers_agree_with_emoanim_writers(tmp_path, format_name, fps):
    curves = ramp_curves(fps, 100)
    path = write(curves, tmp_path / f"take.{format_name}.{'json' if format_name == 'json' else 'csv'}", format_name)
    take = take_module.read_take(str(path))
    assert take.fps == pytest.approx(fps, abs=1e-3)
    assert take.frames == 100
    got = np.array(take.values)[:, [take.names.index(n) for n in curves.names]]
    assert np.abs(got - curves.values).max() < (1e-4 if format_name == "livelinkface" else 1e-6)


def test_reader_errors_name_the_file(tmp_path):
    bad = tmp_path / "notes.csv"
    bad.write_text("a,b\n1,2\n")
    with pytest.raises(take_module.TakeError, match="notes.csv: not an emoanim CSV"):
        take_module.read_take(str(bad))
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("frame,time,jawOpen\n0,0.0,0.1\n1,0.033333\n")
    with pytest.raises(take_module.TakeError, match="ragged.csv: line 3 has 2 cells"):
        take_module.read_take(str(ragged))


# ---- headless Blender ------------------------------------------------------------------------------------------------

PRELUDE = textwrap.dedent("""
    import json, sys, traceback
    import addon_utils, bpy
    from mathutils import Vector
    params = json.loads(open(sys.argv[sys.argv.index("--") + 1]).read())
    out = {"errors": []}
    addon_utils.enable(params["module"], default_set=True, handle_error=lambda err: out["errors"].append(repr(err)))
    assert bpy.context.preferences.addons.get(params["module"]) is not None, out["errors"]
    bpy.ops.object.select_all(action="SELECT"); bpy.ops.object.delete()

    def face(name, shape_names):
        bpy.ops.mesh.primitive_cube_add()
        ob = bpy.context.active_object
        ob.name = name
        ob.shape_key_add(name="Basis")
        for shape in shape_names:
            ob.shape_key_add(name=shape, from_mix=False)
        return ob

    def shape_values(ob, frames):
        scene = bpy.context.scene
        table = {}
        for frame in frames:
            scene.frame_set(frame)
            table[frame] = {k.name: k.value for k in ob.data.shape_keys.key_blocks[1:]}
        return table

    def run(op, **kwargs):
        try:
            return {"result": sorted(op(**kwargs))}
        except RuntimeError as err:  # background mode turns an operator's ERROR report into this
            return {"error": str(err)}

    def scene_facts():
        scene = bpy.context.scene
        editor = scene.sequence_editor
        strips = [] if editor is None else [
            {"name": s.name, "path": bpy.path.abspath(s.sound.filepath), "frame_start": s.frame_start}
            for s in editor.sequences_all if s.type == "SOUND"]
        return {"fps": scene.render.fps, "fps_base": scene.render.fps_base, "frame_start": scene.frame_start,
                "frame_end": scene.frame_end, "sounds": strips}

    def finish():
        with open(params["result"], "w") as stream:
            json.dump(out, stream)
""")

IMPORT_SCENARIO = textwrap.dedent("""
    from emoanim_blender.matching import ARKIT_NAMES
    from mathutils import Matrix
    # A rig: head bone pointing up, eyes pointing forward (-Y) with a roll, so each bone's rest frame differs.
    bpy.ops.object.armature_add(enter_editmode=True)
    rig = bpy.context.active_object
    rig.name = "rig"
    bones = rig.data.edit_bones
    bones.remove(bones[0])
    for name, head, tail, roll in (("head", (0, 0, 1.5), (0, 0, 1.8), 0.0),
                                   ("eye.L", (0.03, -0.1, 1.65), (0.03, -0.12, 1.65), 0.4),
                                   ("eye.R", (-0.03, -0.1, 1.65), (-0.03, -0.12, 1.65), -0.4)):
        bone = bones.new(name)
        bone.head, bone.tail, bone.roll = head, tail, roll
    bpy.ops.object.mode_set(mode="OBJECT")
    rig.pose.bones["eye.R"].rotation_mode = "XYZ"  # one Euler bone; the others key quaternions

    ob = face("arkit_face", ARKIT_NAMES)
    ob.parent = rig
    out["import"] = run(bpy.ops.emoanim.import_take, filepath=params["json"])
    out["values"] = shape_values(ob, params["frames"])
    out["scene"] = scene_facts()
    out["bones"] = {}
    for frame in params["frames"]:
        bpy.context.scene.frame_set(frame)
        out["bones"][frame] = {}
        for name in ("head", "eye.L", "eye.R"):
            pose = rig.pose.bones[name]
            turn = pose.matrix.to_3x3() @ pose.bone.matrix_local.to_3x3().inverted()  # rotation from rest
            out["bones"][frame][name] = list(turn @ Vector((0.0, -1.0, 0.0)))  # where "forward" now points
    # Panels cannot draw without a window; draw them into a layout that checks every property and operator named.
    class CheckingLayout:
        def __init__(self): self.problems = []
        def __getattr__(self, _name): return lambda *args, **kwargs: self
        def prop(self, data, name, **kwargs):
            if name not in data.bl_rna.properties: self.problems.append(f"no property {name}")
            return self
        def prop_search(self, data, name, search_data, search_name, **kwargs):
            for owner, prop in ((data, name), (search_data, search_name)):
                if prop not in owner.bl_rna.properties: self.problems.append(f"no property {prop}")
            return self
        def operator(self, idname, **kwargs):
            category, name = idname.split(".")
            try:
                getattr(getattr(bpy.ops, category), name).get_rna_type()
            except KeyError:
                self.problems.append(f"no operator {idname}")
            return self
        def template_list(self, list_type, _id, data, prop, active_data, active_prop, **kwargs):
            if not hasattr(bpy.types, list_type): self.problems.append(f"no list {list_type}")
            for owner, name in ((data, prop), (active_data, active_prop)):
                if name not in owner.bl_rna.properties: self.problems.append(f"no property {name}")
            return self
    settings = bpy.context.scene.emoanim
    settings.armature = rig
    problems = []
    for mode in ("SINGLE", "TIMELINE"):
        settings.emotion_mode = mode
        for panel in (bpy.types.EMOANIM_PT_generate, bpy.types.EMOANIM_PT_rig):
            layout = CheckingLayout()
            panel.draw(type("Panel", (), {"layout": layout})(), bpy.context)
            problems += layout.problems
    out["panel_problems"] = problems
    out["fcurve_keys"] = len(ob.data.shape_keys.animation_data.action.fcurves[0].keyframe_points)
    out["interpolation"] = ob.data.shape_keys.animation_data.action.fcurves[0].keyframe_points[1].interpolation
    finish()
""")

MAPPING_SCENARIO = textwrap.dedent("""
    from emoanim_blender.matching import ARKIT_NAMES
    # Three naming styles on one character, plus a jaw shape no rule can guess.
    names = {}
    for i, arkit in enumerate(ARKIT_NAMES):
        if arkit == "jawOpen":
            names[arkit] = "JawDrop"
        elif i % 3 == 0:
            names[arkit] = arkit[0].upper() + arkit[1:]  # EyeBlinkLeft
        elif i % 3 == 1:
            names[arkit] = "blendShape1." + arkit
        else:
            names[arkit] = arkit.replace("Left", "_L").replace("Right", "_R")
    ob = face("other_face", list(names.values()))
    settings = bpy.context.scene.emoanim
    out["fill"] = run(bpy.ops.emoanim.mapping_fill)
    out["filled"] = {row.name: row.shape_key for row in settings.mapping}
    next(row for row in settings.mapping if row.name == "jawOpen").shape_key = "JawDrop"
    settings.preset_name = "test character"
    out["save"] = run(bpy.ops.emoanim.preset_save)
    bpy.ops.emoanim.mapping_clear()
    from emoanim_blender.mapping import presets_dir
    import os
    out["presets"] = sorted(os.listdir(presets_dir()))
    out["load"] = run(bpy.ops.emoanim.preset_load, preset=os.path.join(presets_dir(), "test_character.json"))
    out["loaded_jaw"] = next(row.shape_key for row in settings.mapping if row.name == "jawOpen")
    out["names"] = names
    out["import"] = run(bpy.ops.emoanim.import_take, filepath=params["llf"])
    out["values"] = shape_values(ob, params["frames"])
    out["scene"] = scene_facts()
    # a mesh whose shape keys match nothing: the user is told what to do, no traceback
    face("unrelated", ["Smile", "Frown"])
    out["no_match"] = run(bpy.ops.emoanim.import_take, filepath=params["llf"])
    finish()
""")

GENERATE_SCENARIO = textwrap.dedent("""
    from emoanim_blender.matching import ARKIT_NAMES
    prefs = bpy.context.preferences.addons[params["module"]].preferences
    prefs.engine = params["engine"]
    prefs.cli_command = params["cli"]
    prefs.python_path = params["python_path"]
    ob = face("arkit_face", ARKIT_NAMES)
    settings = bpy.context.scene.emoanim
    settings.audio = params["missing_audio"]
    out["missing"] = run(bpy.ops.emoanim.generate)
    from emoanim_blender.runner import in_process_blocker
    out["blocker"] = in_process_blocker()
    settings.audio = params["audio"]
    settings.transcript = params["transcript"]
    settings.emotion_mode = "TIMELINE"
    for time, emotion, intensity in params["timeline"]:
        bpy.ops.emoanim.timeline_add()
        key = settings.timeline[-1]
        key.time, key.emotion, key.intensity = time, emotion, intensity
    settings.seed, settings.fps, settings.frame_start = params["seed"], params["fps"], params["frame_start"]
    out["spec"] = settings.emotion_spec()
    if params["probe_python"]:
        prefs.engine = "PYTHON"
        out["python_engine"] = run(bpy.ops.emoanim.generate)
        prefs.engine = params["engine"]
    out["generate"] = run(bpy.ops.emoanim.generate)
    out["scene"] = scene_facts()
    out["values"] = shape_values(ob, params["frames"])
    finish()
""")


def run_blender(tmp_path: Path, scenario: str, params: dict) -> dict:
    """Run PRELUDE + ``scenario`` in headless Blender with the add-on installed as a user add-on; its results."""
    scripts = tmp_path / "blender_user_scripts"
    (scripts / "addons").mkdir(parents=True, exist_ok=True)
    link = scripts / "addons" / ADDON_MODULE
    if not link.exists():
        link.symlink_to(ADDON, target_is_directory=True)
    script, params_path = tmp_path / "scenario.py", tmp_path / "params.json"
    script.write_text(PRELUDE + scenario)
    params = {"module": ADDON_MODULE, "result": str(tmp_path / "result.json"), **params}
    params_path.write_text(json.dumps(params))
    env = {**os.environ, "BLENDER_USER_SCRIPTS": str(scripts), "BLENDER_USER_CONFIG": str(tmp_path / "config")}
    done = subprocess.run([BLENDER, "-b", "--factory-startup", "--python-exit-code", "1", "--python", str(script),
                           "--", str(params_path)], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "Traceback" not in done.stdout + done.stderr, done.stdout[-3000:] + done.stderr[-3000:]
    return json.loads(Path(params["result"]).read_text())


@pytest.fixture(scope="module")
def speech_take(tmp_path_factory):
    """Real emoanim output: espeak-ng speech rendered by the pipeline to ARKit JSON; (wav, json, curves)."""
    folder = tmp_path_factory.mktemp("speech")
    wav = espeak_wav("we should meet at the bridge before it gets dark", folder / "line.wav")
    subprocess.run([sys.executable, "-m", "emoanim", "render", str(wav), "--rig", "arkit", "--format", "json",
                    "--no-video", "--quiet", "--emotion", "happy:0.7", "--out", str(folder)], check=True)
    path = folder / "line.arkit.json"
    return wav, path, read_json(path)


@needs_blender
def test_import_emoanim_json_keys_shapes_bones_sound_and_timing(tmp_path, speech_take):
    wav, path, curves = speech_take
    frames = [1, curves.frames // 3, curves.frames // 2, curves.frames]
    got = run_blender(tmp_path, IMPORT_SCENARIO, {"json": str(path), "frames": frames})
    assert got["import"] == {"result": ["FINISHED"]}
    for frame in frames:
        for name in ("jawOpen", "mouthSmileLeft", "eyeBlinkRight", "browInnerUp"):
            assert got["values"][str(frame)][name] == pytest.approx(curves.values[frame - 1, curves.names.index(name)],
                                                                    abs=1e-5)
    assert got["scene"]["frame_start"] == 1 and got["scene"]["frame_end"] == curves.frames
    assert (got["scene"]["fps"], got["scene"]["fps_base"]) == (30, 1.0)
    assert [(s["path"], s["frame_start"]) for s in got["scene"]["sounds"]] == [(str(wav), 1)]
    assert got["fcurve_keys"] == curves.frames and got["interpolation"] == "LINEAR"
    assert got["panel_problems"] == []
    # Head and eyes turn the way the arkit rig's channels say (emoanim/rigs/arkit.py): +yaw to the character's
    # right (-X for a character facing -Y), +pitch down. Turn-then-nod makes the heading exactly the yaw.
    column = {name: curves.values[:, curves.names.index(name)] for name in LLF_ROTATIONS}
    moved = 0
    for frame in frames:
        for bone, yaw, pitch in (("head", "headYaw", "headPitch"), ("eye.L", "leftEyeYaw", "leftEyePitch"),
                                 ("eye.R", "rightEyeYaw", "rightEyePitch")):
            fx, fy, fz = got["bones"][str(frame)][bone]
            assert math.degrees(math.atan2(-fx, -fy)) == pytest.approx(column[yaw][frame - 1], abs=0.05)
            assert math.degrees(math.asin(-fz)) == pytest.approx(column[pitch][frame - 1], abs=0.05)
            moved += abs(column[yaw][frame - 1]) > 0.5
    assert moved > 0, "the take should turn the head or eyes somewhere, or this test checks nothing"


@needs_blender
def test_mapping_editor_preset_and_live_link_face_import(tmp_path):
    curves = ramp_curves(60.0, 90)
    llf = write(curves, tmp_path / "take.csv", "livelinkface")
    frames = [1, 45, 90]
    got = run_blender(tmp_path, MAPPING_SCENARIO, {"llf": str(llf), "frames": frames})
    names = got["names"]
    assert got["fill"] == {"result": ["FINISHED"]}
    assert {k: v for k, v in got["filled"].items() if v} == {k: v for k, v in names.items() if k != "jawOpen"}
    assert got["filled"]["jawOpen"] == ""
    assert got["save"] == {"result": ["FINISHED"]} and got["presets"] == ["test_character.json"]
    assert got["load"] == {"result": ["FINISHED"]} and got["loaded_jaw"] == "JawDrop"
    assert got["import"] == {"result": ["FINISHED"]}
    for frame in frames:
        for arkit in ("jawOpen", "eyeBlinkLeft", "mouthSmileRight", "tongueOut"):
            expected = curves.values[frame - 1, curves.names.index(arkit)]
            assert got["values"][str(frame)][names[arkit]] == pytest.approx(expected, abs=1e-5)
    assert (got["scene"]["fps"], got["scene"]["frame_start"], got["scene"]["frame_end"]) == (60, 1, 90)
    assert got["scene"]["sounds"] == []  # a Live Link Face take names no speech
    assert "no shape key of 'unrelated' matches" in got["no_match"]["error"]


GENERATE_SETTINGS = {"timeline": [[0.0, "neutral", 1.0], [0.8, "happy", 0.8]], "seed": 3, "fps": 24.0,
                     "frame_start": 10, "transcript": "we should meet at the bridge before it gets dark"}


GENERATE_SPEC = "neutral:1.000@0.000,happy:0.800@0.800"  # what the panel's timeline above must produce


@pytest.fixture(scope="module")
def direct_render(tmp_path_factory, speech_take) -> Curves:
    """The Generate settings' request straight through the CLI: what Blender must key."""
    folder = tmp_path_factory.mktemp("direct")
    subprocess.run([sys.executable, "-m", "emoanim", "render", str(speech_take[0]), "--rig", "arkit", "--format",
                    "json", "--no-video", "--quiet", "--emotion", GENERATE_SPEC,
                    "--seed", str(GENERATE_SETTINGS["seed"]), "--fps", str(GENERATE_SETTINGS["fps"]),
                    "--transcript", GENERATE_SETTINGS["transcript"], "--out", str(folder)], check=True)
    return read_json(folder / f"{speech_take[0].stem}.arkit.json")


def generate_in_blender(tmp_path, wav: Path, engine: str, python_path: str = "") -> dict:
    params = {**GENERATE_SETTINGS, "engine": engine, "cli": f"{sys.executable} -m emoanim", "audio": str(wav),
              "python_path": python_path, "probe_python": bool(python_path),
              "missing_audio": str(tmp_path / "missing.wav"), "frames": [10, 20, 30]}
    got = run_blender(tmp_path, GENERATE_SCENARIO, params)
    assert "missing.wav: no such file" in got["missing"]["error"]
    assert got["generate"] == {"result": ["FINISHED"]}, got["generate"]
    assert got["spec"] == GENERATE_SPEC
    return got


def check_generated(got: dict, direct: Curves, wav: Path) -> None:
    assert (got["scene"]["fps"], got["scene"]["fps_base"]) == (24, 1.0)
    assert (got["scene"]["frame_start"], got["scene"]["frame_end"]) == (10, 10 + direct.frames - 1)
    assert [(s["path"], s["frame_start"]) for s in got["scene"]["sounds"]] == [(str(wav), 10)]
    for frame in (10, 20, 30):
        for name in ("jawOpen", "mouthSmileLeft", "mouthFunnel"):
            assert got["values"][str(frame)][name] == pytest.approx(direct.values[frame - 10, direct.names.index(name)],
                                                                    abs=1e-5)


@needs_blender
def test_generate_through_the_command_line(tmp_path, speech_take, direct_render):
    wav = speech_take[0]
    check_generated(generate_in_blender(tmp_path, wav, "CLI"), direct_render, wav)


@needs_blender
def test_automatic_engine_with_emoanim_importable(tmp_path, speech_take, direct_render):
    """With emoanim on Blender's path, AUTO runs it in-process where it can, and falls back to the CLI where the
    process cannot host it (Debian's Blender: see runner.in_process_blocker); PYTHON then says why."""
    wav = speech_take[0]
    got = generate_in_blender(tmp_path, wav, "AUTO", python_path=site.getsitepackages()[0])
    if got["blocker"]:
        assert "libpocketsphinx" in got["python_engine"]["error"]
        assert "use the command line engine" in got["python_engine"]["error"]
    else:
        assert got["python_engine"] == {"result": ["FINISHED"]}
    check_generated(got, direct_render, wav)


def test_in_process_job_returns_what_the_cli_writes(speech_take, direct_render):
    """The in-process engine's job, run in this Python (it needs no bpy)."""
    wav = speech_take[0]
    request = runner.Request(audio=str(wav), transcript=GENERATE_SETTINGS["transcript"], emotion=GENERATE_SPEC,
                             seed=GENERATE_SETTINGS["seed"], fps=GENERATE_SETTINGS["fps"])
    job = runner.start_job(request, engine="PYTHON", python_path=site.getsitepackages()[0])
    assert isinstance(job, runner.PythonJob)
    take = job.result()
    assert job.done() and take.audio_path == str(wav)
    assert take.names == direct_render.names and take.fps == direct_render.fps
    assert np.abs(np.array(take.values) - direct_render.values).max() < 1e-6  # the JSON keeps 6 decimals


@pytest.mark.parametrize("engine", ["PYTHON", "CLI"])
def test_emoanim_errors_reach_the_user_as_one_line(speech_take, engine):
    request = runner.Request(audio=str(speech_take[0]), emotion="furious")
    with pytest.raises(runner.GenerateError, match="unknown emotion 'furious'") as caught:
        runner.start_job(request, engine=engine, command=f"{sys.executable} -m emoanim").result()
    assert "\n" not in str(caught.value)


def test_missing_cli_is_explained(monkeypatch, speech_take):
    monkeypatch.setenv(runner.CLI_ENV, "no-such-emoanim-binary")
    with pytest.raises(runner.GenerateError, match="'no-such-emoanim-binary' was not found"):
        runner.start_job(runner.Request(audio=str(speech_take[0])), engine="CLI")


def test_learned_switches_reach_the_command_line_only_for_a_learned_animator(tmp_path, speech_take):
    from emoanim.cli.main import main

    wav = str(speech_take[0])
    plain = runner.render_arguments(runner.Request(audio=wav, audio_only=True, lip_seal=False), str(tmp_path))
    assert "--audio-only" not in plain and "--no-lip-seal" not in plain  # the phonetic animator refuses them
    learned = runner.render_arguments(runner.Request(audio=wav, animator="emote", audio_only=True, lip_seal=False),
                                      str(tmp_path))
    assert learned[-2:] == ["--audio-only", "--no-lip-seal"]
    assert main(learned) == 0 and list(tmp_path.glob("*.json"))  # and emoanim takes them
