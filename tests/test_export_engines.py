"""Exports for the tools animators use: Unity .anim, glTF .glb, BVH, Audio2Face JSON, and the Unreal import script."""
from __future__ import annotations

import importlib.util
import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import REPO, espeak_wav
from emoanim.cli.main import main
from emoanim.errors import InputError
from emoanim.export import (
    check_format, extension, read_a2f_json, read_bvh, read_csv, read_curvetable, read_gltf_curves, read_unity_anim,
    write,
)
from emoanim.export.a2f_json import A2F_FACS_NAMES
from emoanim.export.bvh import parse_bvh
from emoanim.export.gltf import accessor_array, read_glb
from emoanim.export.unity_anim import UnityAnimWriter
from emoanim.motion.channels import ARKIT_NAMES
from emoanim.motion.performance import Performance
from emoanim.rigs import get_rig
from emoanim.rigs.arkit import ROTATION_NAMES, ArkitRig
from emoanim.rigs.curves import Curves
from emoanim.rigs.head import load_default_head
from emoanim.rigs.head.model import gaze_matrices, rotation_matrices

VALIDATOR_JS = """
const fs = require('fs');
const validator = require(process.argv[1]);
validator.validateBytes(new Uint8Array(fs.readFileSync(process.argv[2])), {maxIssues: 50})
  .then(report => console.log(JSON.stringify(report.issues)))
  .catch(error => { console.error(String(error)); process.exit(2); });
"""


def performance(frames: int = 40, fps: float = 30.0, seed: int = 0) -> Performance:
    """Random but plausible motion: shapes in [0, 1] with silent stretches, head within +-25 deg, gaze +-20 deg."""
    rng = np.random.default_rng(seed)
    perf = Performance.still(frames, fps)
    expression = rng.random((frames, len(ARKIT_NAMES)))
    expression[:, :8] = 0.0  # long constant runs, as in real takes
    expression[frames // 2:, ARKIT_NAMES.index("jawOpen")] = 0.25
    perf.expression = expression
    perf.head = rng.uniform(-25.0, 25.0, (frames, 3))
    perf.gaze = rng.uniform(-20.0, 20.0, (frames, 4))
    return perf


@pytest.fixture
def arkit() -> Curves:
    return ArkitRig().curves(performance())


def columns(curves: Curves, names) -> np.ndarray:
    return np.asarray(curves.values, dtype=np.float64)[:, [curves.names.index(n) for n in names]]


def metahuman_curves() -> Curves:
    return get_rig("metahuman").curves(performance(frames=5))


# --- registry and refusals ------------------------------------------------------------------------------------

def test_the_engine_formats_are_registered_with_their_extensions():
    assert [extension(f) for f in ("unity", "gltf", "bvh", "a2f-json")] == [".anim", ".glb", ".bvh", ".json"]


@pytest.mark.parametrize("format", ["unity", "gltf", "bvh", "a2f-json"])
def test_engine_formats_refuse_other_rigs_and_say_use_rig_arkit(tmp_path, format):
    with pytest.raises(InputError, match="--rig arkit"):
        check_format(format, rig="metahuman")
    with pytest.raises(InputError, match="--rig arkit"):
        write(metahuman_curves(), tmp_path / f"take{extension(format)}", format=format)
    assert list(tmp_path.iterdir()) == []


# --- Unity .anim ----------------------------------------------------------------------------------------------

def unity_document(path: Path) -> dict:
    """The clip as PyYAML reads it, with Unity's ``!u!`` class tags accepted (an independent YAML check)."""
    yaml = pytest.importorskip("yaml")

    class UnityLoader(yaml.SafeLoader):
        pass

    UnityLoader.add_multi_constructor("tag:unity3d.com,2011:", lambda loader, suffix, node:
                                      loader.construct_mapping(node, deep=True))
    return yaml.load(path.read_text(encoding="utf-8"), Loader=UnityLoader)["AnimationClip"]


@pytest.mark.parametrize("tolerance, bound", [(None, 1e-3 + 1e-6), (0.0, 1e-6)])
def test_unity_anim_round_trips_the_52_shapes(tmp_path, arkit, tolerance, bound):
    if tolerance is not None:  # 0: no lossy reduction, the clip holds the take to the written decimals
        arkit.metadata["unity_key_tolerance"] = tolerance
    path = write(arkit, tmp_path / "take.anim", format="unity")
    back = read_unity_anim(path)
    assert back.names == list(ARKIT_NAMES)
    assert back.fps == 30.0 and back.frames == arkit.frames
    assert np.abs(back.values - columns(arkit, ARKIT_NAMES)).max() < bound  # default: 0.1 of 100 = 1e-3 weight
    assert back.metadata["unity_renderer_path"] == "Face"


def test_unity_anim_has_unitys_animation_clip_layout(tmp_path, arkit):
    path = write(arkit, tmp_path / "take.anim", format="unity")
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[:3] == ["%YAML 1.1", "%TAG !u! tag:unity3d.com,2011:", "--- !u!74 &7400000"]
    clip = unity_document(path)
    assert clip["m_SampleRate"] == 30
    assert clip["m_AnimationClipSettings"]["m_StopTime"] == pytest.approx((arkit.frames - 1) / 30.0)
    curves = clip["m_FloatCurves"]
    assert [c["attribute"] for c in curves] == [f"blendShape.{name}" for name in ARKIT_NAMES]
    assert {(c["path"], c["classID"]) for c in curves} == {("Face", 137)}
    assert clip["m_EditorCurves"] == curves
    bindings = clip["m_ClipBindingConstant"]["genericBindings"]
    assert len(bindings) == 52 and {(b["typeID"], b["customType"]) for b in bindings} == {(137, 20)}
    jaw = curves[ARKIT_NAMES.index("jawOpen")]["curve"]["m_Curve"]
    expected = 100.0 * columns(arkit, ["jawOpen"])[:, 0]
    for key in jaw:  # each kept key sits on its frame, on the 0-100 scale
        frame = round(key["time"] * 30.0)
        assert key["value"] == pytest.approx(expected[frame], abs=1e-4)
        assert key["tangentMode"] == 69
    assert len(jaw) < arkit.frames  # the constant second half needs no inner keys
    silent = curves[0]["curve"]["m_Curve"]
    assert [k["value"] for k in silent] == [0, 0]


def test_unity_slopes_make_unitys_hermite_curve_linear_between_keys(tmp_path, arkit):
    clip = unity_document(write(arkit, tmp_path / "take.anim", format="unity"))
    for curve in clip["m_FloatCurves"][8:12]:
        keys = curve["curve"]["m_Curve"]
        for a, b in zip(keys, keys[1:]):
            dt = b["time"] - a["time"]
            s = np.linspace(0.0, 1.0, 7)  # Unity evaluates a cubic Hermite with the out/in slopes
            h00, h10, h01, h11 = 2 * s**3 - 3 * s**2 + 1, s**3 - 2 * s**2 + s, -2 * s**3 + 3 * s**2, s**3 - s**2
            hermite = h00 * a["value"] + h10 * dt * a["outSlope"] + h01 * b["value"] + h11 * dt * b["inSlope"]
            linear = a["value"] + s * (b["value"] - a["value"])
            assert np.allclose(hermite, linear, atol=1e-4)


def test_unity_renderer_path_comes_from_metadata_and_unsafe_paths_are_refused(tmp_path, arkit):
    arkit.metadata["unity_renderer_path"] = "Armature/Body"
    path = write(arkit, tmp_path / "take.anim", format="unity")
    assert read_unity_anim(path).metadata["unity_renderer_path"] == "Armature/Body"
    arkit.metadata["unity_renderer_path"] = "Face: {x}"
    with pytest.raises(InputError, match="renderer path"):
        write(arkit, tmp_path / "bad.anim", format="unity")


_KEY_FIELDS = re.compile(r"time: (\S+)\n +value: (\S+)\n +inSlope: (\S+)\n +outSlope: (\S+)\n")


def unity_keys(path: Path) -> list[np.ndarray]:
    """The m_FloatCurves key lists, each ``(K, 4)``: time, value, inSlope, outSlope (a regex, not the module's reader;
    PyYAML is too slow for thousands of keys)."""
    text = path.read_text(encoding="utf-8")
    floats = text[text.index("  m_FloatCurves:"):text.index("  m_PPtrCurves:")]
    return [np.array(_KEY_FIELDS.findall(curve), dtype=np.float64) for curve in floats.split("m_Curve:")[1:]]


def hermite_at(keys: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Unity's evaluation of a key list ``(K, 4)`` at ``times`` ``(T,)``: a cubic Hermite per segment with the
    out-slope of its left key and the in-slope of its right key; constant before the first and after the last key."""
    if len(keys) == 1:
        return np.full(len(times), keys[0, 1])
    segment = np.clip(np.searchsorted(keys[:, 0], times, side="right") - 1, 0, len(keys) - 2)
    a, b = keys[segment], keys[segment + 1]
    dt = b[:, 0] - a[:, 0]
    s = np.clip((times - a[:, 0]) / dt, 0.0, 1.0)
    h00, h10, h01, h11 = 2 * s**3 - 3 * s**2 + 1, s**3 - 2 * s**2 + s, -2 * s**3 + 3 * s**2, s**3 - s**2
    return h00 * a[:, 1] + h10 * dt * a[:, 3] + h01 * b[:, 1] + h11 * dt * b[:, 2]


# The shapes the phonetic animator moves most in a spoken take (measured on its 60 fps output of espeak speech).
SPEECH_SHAPES = ("jawOpen", "mouthFunnel", "mouthPucker", "mouthLowerDownLeft", "mouthLowerDownRight",
                 "mouthUpperUpLeft", "mouthUpperUpRight", "mouthStretchLeft", "mouthStretchRight")


def speech_like_take(seconds: float = 20.0, fps: float = 60.0, seed: int = 1) -> Curves:
    """A smooth take shaped like the phonetic animator's output: the `SPEECH_SHAPES` following ~4 syllables/s
    (smoothed pulses), the other mouth shapes and the brows drifting slowly, blinks every few seconds, a faint
    sensor-like jitter on the cheeks, the rest constant."""
    rng = np.random.default_rng(seed)
    frames = int(seconds * fps)
    t = np.arange(frames) / fps
    values = np.zeros((frames, len(ARKIT_NAMES)))
    pulses = np.zeros(frames)
    onsets = (np.cumsum(rng.uniform(0.15, 0.35, int(seconds * 6))) * fps).astype(int)
    pulses[onsets[onsets < frames]] = 1.0
    kernel = np.exp(-0.5 * (np.arange(-30, 31) / (0.06 * fps)) ** 2)
    syllables = np.convolve(pulses, kernel, mode="same")
    for k, name in enumerate(ARKIT_NAMES):
        if name in SPEECH_SHAPES:
            values[:, k] = rng.uniform(0.1, 0.6) * syllables
        elif name.startswith(("mouth", "brow")):
            values[:, k] = 0.15 + 0.1 * np.sin(2 * np.pi * rng.uniform(0.05, 0.2) * t + rng.uniform(0, 6))
        elif name.startswith("eyeBlink"):
            values[:, k] = np.exp(-0.5 * ((t[:, None] - np.arange(1.5, seconds, 3.7)) / 0.05) ** 2).sum(axis=1)
        elif name.startswith("cheek"):
            values[:, k] = 0.1 + rng.uniform(-4e-4, 4e-4, frames)  # within half the 1e-3 tolerance: flat
        else:
            values[:, k] = 0.05 * (k % 3)
    return Curves(names=list(ARKIT_NAMES), fps=fps, values=np.clip(values, 0.0, 1.0), rig="arkit")


@pytest.mark.parametrize("tolerance", [None, 0.5, 0.0])
def test_unity_key_reduction_holds_every_frame_within_the_tolerance_under_unitys_hermite_rule(tmp_path, tolerance):
    take = speech_like_take(seconds=10.0)
    if tolerance is not None:
        take.metadata["unity_key_tolerance"] = tolerance
    curves = unity_keys(write(take, tmp_path / "take.anim", format="unity"))
    assert len(curves) == 52
    expected = 100.0 * columns(take, ARKIT_NAMES)
    errors = np.stack([np.abs(hermite_at(keys, take.times) - expected[:, c]) for c, keys in enumerate(curves)], 1)
    budget = 0.1 if tolerance is None else tolerance
    # Plus half of the last written decimal (values keep 4), plus what 9-digit key times cost on steep slopes.
    assert errors.max() <= budget + 5e-5 + 1e-5
    if budget > 0:
        assert errors.max() > budget / 2  # the budget is really spent: keys were dropped off the line
    for keys in curves:  # kept keys sit on frames, first and last frame included
        assert np.allclose(keys[:, 0] * take.fps, np.round(keys[:, 0] * take.fps), atol=1e-4)
        assert keys[0, 0] == 0.0 and keys[-1, 0] == pytest.approx(take.times[-1])


def test_a_smooth_speech_like_take_shrinks_to_a_fraction_of_its_keys(tmp_path):
    take = speech_like_take()
    reduced = unity_keys(write(take, tmp_path / "reduced.anim", format="unity"))
    take.metadata["unity_key_tolerance"] = 0.0
    exact = unity_keys(write(take, tmp_path / "exact.anim", format="unity"))
    kept, lossless, every = sum(map(len, reduced)), sum(map(len, exact)), take.frames * 52
    assert kept * 5 < every and kept * 2 < lossless, (every, lossless, kept)
    for k, name in enumerate(ARKIT_NAMES):
        if name.startswith("cheek") or not name.startswith(("jaw", "mouth", "brow", "eyeBlink")):
            assert len(reduced[k]) == 2, name  # constant, or jitter under the tolerance: first and last key


def test_unity_key_tolerance_comes_from_the_constructor_and_metadata_wins(tmp_path):
    take = speech_like_take(seconds=4.0)
    counts = {}
    for label, writer in [("default", UnityAnimWriter()), ("coarse", UnityAnimWriter(key_tolerance=2.0))]:
        stream = io.StringIO()
        writer.write(take, stream)
        counts[label] = stream.getvalue().count("tangentMode:")
    take.metadata["unity_key_tolerance"] = 0.1
    stream = io.StringIO()
    UnityAnimWriter(key_tolerance=2.0).write(take, stream)
    assert counts["coarse"] < counts["default"] == stream.getvalue().count("tangentMode:")
    with pytest.raises(ValueError, match="key_tolerance"):
        UnityAnimWriter(key_tolerance=-1.0)


@pytest.mark.parametrize("bad", [-0.5, "loose", float("nan")])
def test_a_bad_unity_key_tolerance_in_metadata_is_an_input_error(tmp_path, arkit, bad):
    arkit.metadata["unity_key_tolerance"] = bad
    with pytest.raises(InputError, match="unity_key_tolerance"):
        write(arkit, tmp_path / "take.anim", format="unity")
    assert list(tmp_path.iterdir()) == []


def test_reading_a_non_clip_is_an_input_error(tmp_path):
    other = tmp_path / "x.anim"
    other.write_text("%YAML 1.1\n--- !u!91 &9100000\nAnimatorController:\n", encoding="utf-8")
    with pytest.raises(InputError, match="AnimationClip"):
        read_unity_anim(other)


# --- glTF .glb ------------------------------------------------------------------------------------------------

def validator_module() -> Path | None:
    for candidate in (os.environ.get("EMOANIM_GLTF_VALIDATOR"), REPO / "tools" / "node_modules" / "gltf-validator"):
        if candidate and Path(candidate, "package.json").is_file():
            return Path(candidate)
    return None


def test_glb_passes_the_khronos_validator_with_no_issue(tmp_path, arkit):
    module, node = validator_module(), shutil.which("node")
    if module is None or node is None:
        pytest.skip("the Khronos glTF validator is not installed (`make gltf-validator`: npm gltf-validator)")
    path = write(arkit, tmp_path / "take.glb", format="gltf")
    proc = subprocess.run([node, "-e", VALIDATOR_JS, str(module), str(path)], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    issues = json.loads(proc.stdout)
    assert (issues["numErrors"], issues["numWarnings"]) == (0, 0), issues["messages"]


def test_glb_holds_the_head_with_52_named_morph_targets_and_a_weights_animation(tmp_path, arkit):
    document, _ = read_glb(write(arkit, tmp_path / "take.glb", format="gltf"))
    face = next(mesh for mesh in document["meshes"] if mesh["name"] == "face")
    assert face["extras"]["targetNames"] == list(ARKIT_NAMES)
    assert [len(p["targets"]) for p in face["primitives"]] == [52] * 4
    (anim,) = document["animations"]
    assert {s["interpolation"] for s in anim["samplers"]} == {"LINEAR"}
    times = document["accessors"][anim["samplers"][0]["input"]]
    assert times["count"] == arkit.frames and times["max"][0] == pytest.approx((arkit.frames - 1) / 30.0)
    paths = sorted((document["nodes"][c["target"]["node"]]["name"], c["target"]["path"]) for c in anim["channels"])
    assert paths == [("eye_left", "rotation"), ("eye_right", "rotation"), ("face", "weights"), ("head", "rotation")]
    weights = next(anim["samplers"][c["sampler"]] for c in anim["channels"] if c["target"]["path"] == "weights")
    assert document["accessors"][weights["output"]]["count"] == arkit.frames * 52


def test_glb_loads_in_trimesh_with_every_vertex_of_the_head(tmp_path, arkit):
    trimesh = pytest.importorskip("trimesh")
    scene = trimesh.load(write(arkit, tmp_path / "take.glb", format="gltf"), force="scene")
    head = load_default_head()
    assert sum(len(g.vertices) for g in scene.geometry.values()) == head.vertex_count
    # trimesh applies the node transforms: the rest pose lands where the head model has it.
    skin = scene.dump(concatenate=False)
    lowest = min(mesh.vertices[:, 1].min() for mesh in skin)
    assert lowest == pytest.approx(min(p.vertices[:, 1].min() for p in head.parts), abs=1e-6)


def node_matrix(node: dict, rotation: np.ndarray | None) -> np.ndarray:
    """A node's local 4x4 transform (glTF: T * R * S), with an animated rotation ``(x, y, z, w)`` if given."""
    matrix = np.eye(4)
    x, y, z, w = rotation if rotation is not None else node.get("rotation", [0, 0, 0, 1])
    matrix[:3, :3] = [[1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
                      [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
                      [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)]]
    matrix[:3, 3] = node.get("translation", [0, 0, 0])
    return matrix


def test_glb_frame_shows_the_same_face_as_the_head_model(tmp_path, arkit):
    """Evaluate the file at a frame by the glTF rules and compare with DefaultHead.pose of the same take."""
    document, blob = read_glb(write(arkit, tmp_path / "take.glb", format="gltf"))
    frame = 17
    nodes = document["nodes"]
    by_name = {node["name"]: i for i, node in enumerate(nodes)}
    (anim,) = document["animations"]
    animated = {}
    for channel in anim["channels"]:
        output = accessor_array(document, blob, anim["samplers"][channel["sampler"]]["output"])
        animated[(channel["target"]["node"], channel["target"]["path"])] = output
    weights = animated[(by_name["face"], "weights")].reshape(arkit.frames, 52)[frame]

    def world(name: str) -> np.ndarray:
        chain, index = [], by_name[name]
        parents = {child: i for i, node in enumerate(nodes) for child in node.get("children", [])}
        while index is not None:
            rotation = animated.get((index, "rotation"))
            chain.append(node_matrix(nodes[index], None if rotation is None else rotation[frame]))
            index = parents.get(index)
        return np.linalg.multi_dot(chain[::-1]) if len(chain) > 1 else chain[0]

    face = document["meshes"][nodes[by_name["face"]]["mesh"]]
    skin = face["primitives"][0]
    local = accessor_array(document, blob, skin["attributes"]["POSITION"]).astype(np.float64)
    for k, target in enumerate(skin["targets"]):
        local += weights[k] * accessor_array(document, blob, target["POSITION"])
    posed_file = local @ world("face")[:3, :3].T + world("face")[:3, 3]
    eye_mesh = document["meshes"][nodes[by_name["eye_left_geometry"]]["mesh"]]["primitives"][0]
    eye_local = accessor_array(document, blob, eye_mesh["attributes"]["POSITION"]).astype(np.float64)
    eye_world = world("eye_left_geometry")
    posed_eye = eye_local @ eye_world[:3, :3].T + eye_world[:3, 3]

    perf = ArkitRig().performance(arkit)
    model = load_default_head().pose_frames(perf.expression[frame], perf.gaze[frame], perf.head[frame],
                                            np.zeros(3), parts=["skin", "eye_left"])
    assert np.abs(posed_file - model["skin"][0]).max() < 2e-5  # metres; float32 in the file
    assert np.abs(posed_eye - model["eye_left"][0]).max() < 2e-5


def test_glb_animation_reads_back_as_the_curves(tmp_path, arkit):
    back = read_gltf_curves(write(arkit, tmp_path / "take.glb", format="gltf"))
    assert back.names == [*ARKIT_NAMES, *ROTATION_NAMES] and back.fps == 30.0
    assert np.abs(back.values - columns(arkit, back.names)).max() < 1e-4


# --- BVH ------------------------------------------------------------------------------------------------------

def test_bvh_round_trips_head_and_eye_rotations(tmp_path):
    curves = ArkitRig().curves(performance(fps=60.0))
    back = read_bvh(write(curves, tmp_path / "take.bvh", format="bvh"))
    assert back.names == list(ROTATION_NAMES) and back.fps == 60.0 and back.frames == curves.frames
    assert np.abs(back.values - columns(curves, ROTATION_NAMES)).max() < 1e-4


def rz_rx_ry(z: float, x: float, y: float) -> np.ndarray:
    """BVH's ZXY channel order as explicit matrices: Rz(z) @ Rx(x) @ Ry(y), right-handed degrees."""
    z, x, y = np.radians([z, x, y])
    rz = np.array([[np.cos(z), -np.sin(z), 0], [np.sin(z), np.cos(z), 0], [0, 0, 1]])
    rx = np.array([[1, 0, 0], [0, np.cos(x), -np.sin(x)], [0, np.sin(x), np.cos(x)]])
    ry = np.array([[np.cos(y), 0, np.sin(y)], [0, 1, 0], [-np.sin(y), 0, np.cos(y)]])
    return rz @ rx @ ry


def test_bvh_channels_mean_what_its_header_says(tmp_path, arkit):
    path = write(arkit, tmp_path / "take.bvh", format="bvh")
    text = path.read_text(encoding="utf-8")
    assert "CHANNELS 6 Xposition Yposition Zposition Zrotation Xrotation Yrotation" in text
    assert f"Frames: {arkit.frames}\nFrame Time: 0.0333333333\n" in text
    motion = parse_bvh(path)
    assert list(motion.joints) == ["head", "eye_left", "eye_right"]
    assert motion.joints["eye_left"].offset[0] > 0 > motion.joints["eye_right"].offset[0]  # +X: character's left
    perf = ArkitRig().performance(arkit)
    head, left = motion.columns("head"), motion.columns("eye_left")
    for frame in (0, 9, 31):
        z, x, y = (head[c][frame] for c in ("Zrotation", "Xrotation", "Yrotation"))
        assert np.allclose(rz_rx_ry(z, x, y), rotation_matrices(perf.head[frame])[0], atol=1e-6)
        z, x, y = (left[c][frame] for c in ("Zrotation", "Xrotation", "Yrotation"))
        assert np.allclose(rz_rx_ry(z, x, y), gaze_matrices(perf.gaze[frame, :2])[0], atol=1e-6)


def test_bvh_without_the_emoanim_joints_is_an_input_error(tmp_path):
    other = tmp_path / "walk.bvh"
    other.write_text("HIERARCHY\nROOT hips\n{\n OFFSET 0 0 0\n CHANNELS 3 Zrotation Xrotation Yrotation\n"
                     " End Site\n {\n  OFFSET 0 1 0\n }\n}\nMOTION\nFrames: 1\nFrame Time: 0.04\n1 2 3\n",
                     encoding="utf-8")
    assert parse_bvh(other).frames.shape == (1, 3)
    with pytest.raises(InputError, match="head"):
        read_bvh(other)


# --- Audio2Face JSON ------------------------------------------------------------------------------------------

def test_a2f_json_has_audio2faces_keys_and_round_trips(tmp_path, arkit):
    arkit.metadata["source"] = "/takes/speech.wav"
    path = write(arkit, tmp_path / "take.json", format="a2f-json")
    document = json.loads(path.read_text(encoding="utf-8"))
    assert list(document) == ["exportFps", "trackPath", "numPoses", "numFrames", "facsNames", "weightMat"]
    assert document["facsNames"][0] == "eyeBlinkLeft" and document["facsNames"][-1] == "tongueOut"
    assert (document["numPoses"], document["numFrames"], document["trackPath"]) == (52, arkit.frames,
                                                                                    "/takes/speech.wav")
    back = read_a2f_json(path)
    assert back.names == list(A2F_FACS_NAMES) and back.rig == "arkit" and back.fps == 30.0
    assert np.abs(back.values - columns(arkit, A2F_FACS_NAMES)).max() < 1e-6


def test_a2f_reader_takes_a2f_files_with_joints_and_refuses_wrong_counts(tmp_path):
    doc = {"exportFps": 60, "trackPath": "a.wav", "numPoses": 2, "numFrames": 3, "facsNames": ["jawOpen", "x"],
           "weightMat": [[0, 1], [0.5, 1], [1, 0]], "joints": ["jaw"], "rotations": [[[0, 0, 0, 1]]] * 3,
           "translations": [[[0, 0, 0]]] * 3}
    path = tmp_path / "a2f.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    back = read_a2f_json(path)
    assert back.names == ["jawOpen", "x"] and back.rig == "a2f" and back.fps == 60.0
    assert back.column("jawOpen").tolist() == [0, 0.5, 1]
    doc["numFrames"] = 4
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(InputError, match="numFrames"):
        read_a2f_json(path)


# --- through the CLI, and the Unreal import script ------------------------------------------------------------

@pytest.fixture(scope="module")
def renders(tmp_path_factory) -> dict[str, Path]:
    """Real emoanim output for one short sentence: MetaHuman CSV and CurveTable, and an arkit glTF."""
    folder = tmp_path_factory.mktemp("engines")
    speech = espeak_wav("Bob made pop music for my mother.", folder / "bob.wav")
    out = folder / "out"
    runs = {"metahuman-csv": ["--rig", "metahuman"], "metahuman-curvetable": ["--rig", "metahuman", "--format",
            "unreal-curvetable"], "gltf": ["--rig", "arkit", "--format", "gltf"]}
    for args in runs.values():
        assert main(["render", str(speech), "--out", str(out), "--no-video", "-q", *args]) == 0
    return {"metahuman-csv": out / "bob.metahuman.csv", "metahuman-curvetable": out / "bob.metahuman.curvetable.csv",
            "gltf": out / "bob.arkit.glb"}


def unreal_script():
    spec = importlib.util.spec_from_file_location("import_emoanim", REPO / "examples" / "unreal" / "import_emoanim.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve the module's annotations through sys.modules
    spec.loader.exec_module(module)  # must not need the `unreal` module
    return module


def test_unreal_script_reads_emoanims_metahuman_csv_and_curvetable(renders):
    assert "unreal" not in sys.modules
    script = unreal_script()
    table, transposed = (script.read_take(renders[k]) for k in ("metahuman-csv", "metahuman-curvetable"))
    reference = read_csv(renders["metahuman-csv"])
    reference_t = read_curvetable(renders["metahuman-curvetable"])
    expected = [name for name in reference.names if name.startswith("CTRL_expressions_")]
    assert list(table.curves) == expected == list(transposed.curves) and len(expected) > 200
    assert "HeadPitch" not in table.curves
    assert table.frames == transposed.frames == reference.frames and table.fps == transposed.fps == 30
    assert table.times == pytest.approx(reference.times.tolist(), abs=1e-6)
    for name in ("CTRL_expressions_jawOpen", "CTRL_expressions_mouthLipsPurseUL"):
        assert np.allclose(table.curves[name], reference.column(name), atol=1e-6)
        assert np.allclose(transposed.curves[name], reference_t.column(name), atol=1e-6)
    assert max(table.curves["CTRL_expressions_jawOpen"]) > 0.1  # the take really speaks


def test_unreal_script_refuses_a_file_without_face_curves(tmp_path, arkit):
    script = unreal_script()
    path = write(arkit, tmp_path / "take.csv")
    with pytest.raises(ValueError, match="--rig metahuman"):
        script.read_take(path)


def test_cli_writes_a_glb_that_reads_back(renders):
    back = read_gltf_curves(renders["gltf"])
    assert back.frames > 30 and back.column("jawOpen").max() > 0.1
