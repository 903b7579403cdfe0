"""How long the Blender add-on takes to key a long take: 5 minutes at 60 fps (18,000 frames) x 52 ARKit shapes,
plus head and both eyes, on a mesh with ARKit-named shape keys, in headless Blender.

    python benchmarks/blender_keying.py [--minutes 5] [--fps 60] [--repeats 3]

Run with plain Python: it writes the take as emoanim JSON (synthetic curves: the keying cost does not depend on the
values), then runs itself inside `blender -b --factory-startup`. Reported, best of ``--repeats`` on a fresh mesh:
reading the JSON, keying (blender_addon.keying.key_take: 52 shape-key F-curves through ``keyframe_points.add`` +
``foreach_set``, 3 bones' quaternions), and, for scale, one F-curve keyed with a ``keyframe_insert`` call per frame
times 52 (what the bulk path avoids).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def write_take(path: Path, minutes: float, fps: float) -> int:
    import numpy as np

    from emoanim.export import write
    from emoanim.motion.channels import ARKIT_NAMES
    from emoanim.rigs.arkit import ROTATION_NAMES
    from emoanim.rigs.curves import Curves

    frames = int(round(minutes * 60 * fps))
    names = [*ARKIT_NAMES, *ROTATION_NAMES]
    t = np.arange(frames)[:, None] / fps
    values = 0.5 + 0.5 * np.sin(2 * np.pi * (0.3 + 0.01 * np.arange(len(names)))[None, :] * t)
    values[:, len(ARKIT_NAMES):] = 10.0 * (values[:, len(ARKIT_NAMES):] - 0.5)  # degrees
    write(Curves(names=names, fps=fps, values=values, rig="arkit"), path, "json")
    return frames


def driver() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--fps", type=float, default=60.0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip-insert", action="store_true", help="skip the slow keyframe_insert comparison")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        take = Path(folder) / "take.json"
        frames = write_take(take, args.minutes, args.fps)
        result = Path(folder) / "result.json"
        params = json.dumps({"take": str(take), "repeats": args.repeats, "result": str(result), "repo": str(REPO),
                             "insert": not args.skip_insert})
        subprocess.run(["blender", "-b", "--factory-startup", "--python-exit-code", "1", "--python", __file__,
                        "--", params], check=True, stdout=subprocess.DEVNULL)
        got = json.loads(result.read_text())
    print(f"Blender {got['blender']}: {args.minutes:g} min at {args.fps:g} fps = {frames} frames x 52 shapes "
          f"(+ head and 2 eye bones), best of {args.repeats}")
    print(f"  read emoanim JSON ({got['json_mb']:.1f} MB):       {got['read']:.2f} s")
    print(f"  key 52 shape keys (add + foreach_set):  {got['shapes']:.2f} s")
    print(f"  key head + eyes (3 bones, quaternions): {got['bones']:.2f} s")
    if got["insert_one"] is not None:
        print(f"  per-key keyframe_insert, 1 curve:       {got['insert_one']:.2f} s  "
              f"(x52 = {52 * got['insert_one']:.0f} s for the shapes)")


def inside_blender() -> None:
    import bpy

    params = json.loads(sys.argv[sys.argv.index("--") + 1])
    sys.path.insert(0, params["repo"])
    import blender_addon
    from blender_addon.keying import key_take
    from blender_addon.matching import ARKIT_NAMES
    from blender_addon.take import read_take

    blender_addon.register()
    repeats = params["repeats"]

    def best(job) -> float:
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            job()
            times.append(time.perf_counter() - started)
        return min(times)

    take = read_take(params["take"])
    read_seconds = best(lambda: read_take(params["take"]))

    def fresh_face():
        mesh = bpy.data.meshes.new("face")
        mesh.from_pydata([(0, 0, 0), (1, 0, 0), (0, 1, 0)], [], [(0, 1, 2)])
        face = bpy.data.objects.new("face", mesh)
        bpy.context.scene.collection.objects.link(face)
        face.shape_key_add(name="Basis")
        for name in ARKIT_NAMES:
            face.shape_key_add(name=name, from_mix=False)
        return face

    def fresh_rig():
        armature = bpy.data.armatures.new("rig")
        rig = bpy.data.objects.new("rig", armature)
        bpy.context.scene.collection.objects.link(rig)
        bpy.context.view_layer.objects.active = rig
        bpy.ops.object.mode_set(mode="EDIT")
        for name, head, tail in (("head", (0, 0, 1.5), (0, 0, 1.8)), ("eye.L", (0.03, -0.1, 1.65), (0.03, -0.12, 1.65)),
                                 ("eye.R", (-0.03, -0.1, 1.65), (-0.03, -0.12, 1.65))):
            bone = armature.edit_bones.new(name)
            bone.head, bone.tail = head, tail
        bpy.ops.object.mode_set(mode="OBJECT")
        return rig

    shape_map = {name: name for name in ARKIT_NAMES}
    shape_times, bone_times = [], []
    for _ in range(repeats):
        face, rig = fresh_face(), fresh_rig()
        started = time.perf_counter()
        key_take(take, mesh=face, shape_map=shape_map)
        shape_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        key_take(take, mesh=None, shape_map={}, armature=rig, bones={"head": "head", "left": "eye.L", "right": "eye.R"})
        bone_times.append(time.perf_counter() - started)

    insert_one = None
    if params["insert"]:
        block = fresh_face().data.shape_keys.key_blocks["jawOpen"]
        started = time.perf_counter()
        for frame, value in enumerate(take.column("jawOpen"), start=1):
            block.value = value
            block.keyframe_insert("value", frame=frame)
        insert_one = time.perf_counter() - started

    with open(params["result"], "w") as stream:
        json.dump({"blender": bpy.app.version_string, "read": read_seconds, "shapes": min(shape_times),
                   "bones": min(bone_times), "insert_one": insert_one,
                   "json_mb": os.path.getsize(params["take"]) / 1e6}, stream)


if __name__ == "__main__":
    try:
        import bpy  # noqa: F401  (present only inside Blender)
    except ImportError:
        driver()
    else:
        inside_blender()
