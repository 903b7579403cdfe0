"""Preview render speed at 512² on this machine: EGL against OSMesa, and against a naive baseline.

    python benchmarks/render_speed.py [--size 512] [--seconds 4] [--fps 30]

Each OpenGL platform runs in its own child process (PyOpenGL binds one platform per process). In that process:

- ``preview``: `PreviewScene` on the default head (the real head: every part, every vertex) driven by a moving
  performance (jaw, smile, blinks, gaze, head turn): posing + normals + buffer update + draw + read-back;
- ``baseline``: the same frames drawn the way a first pyrender script does it: a fresh ``pyrender.Mesh`` per part
  per frame swapped into the scene, pyrender's stock PBR shader. Run in the same process, right after, so machine
  load hits both alike; ``speed-up`` is their ratio;
- ``mp4``: the whole `render_performance_video` (render + H.264/AAC encode) on the faster platform only, as
  frames per second and as a multiple of real time.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def moving_performance(seconds: float, fps: float):
    from emoanim.motion.channels import ARKIT_INDEX
    from emoanim.motion.performance import Performance, frame_count

    perf = Performance.still(frame_count(seconds, fps), fps)
    t = perf.times
    perf.expression[:, ARKIT_INDEX["jawOpen"]] = 0.5 + 0.5 * np.sin(2 * np.pi * 3.0 * t)  # ~syllable rate
    perf.expression[:, ARKIT_INDEX["mouthSmileLeft"]] = perf.expression[:, ARKIT_INDEX["mouthSmileRight"]] = 0.4
    blink = (np.sin(2 * np.pi * 0.3 * t) > 0.97).astype(np.float32)
    perf.expression[:, ARKIT_INDEX["eyeBlinkLeft"]] = perf.expression[:, ARKIT_INDEX["eyeBlinkRight"]] = blink
    perf.head[:, 1] = 10 * np.sin(2 * np.pi * 0.4 * t)
    perf.gaze[:, [0, 2]] = 8 * np.sin(2 * np.pi * 0.7 * t)[:, None]
    return perf


def frames_per_second(frames: int, job) -> float:
    started = time.perf_counter()
    job()
    return frames / (time.perf_counter() - started)


def child(size: int, seconds: float, fps: float, with_mp4: bool) -> dict:
    """Runs inside the process whose PYOPENGL_PLATFORM the parent set."""
    from emoanim.render.gl import load_pyrender
    from emoanim.render.preview import performance_poses, render_performance_video
    from emoanim.render.scene import PreviewScene
    from emoanim.rigs.head import load_default_head

    pyrender, platform = load_pyrender()
    head = load_default_head()
    perf = moving_performance(seconds, fps)
    poses = list(performance_poses(head, perf))
    result = {"platform": platform, "frames": perf.frames, "size": size,
              "vertices": int(sum(len(p.vertices) for p in head.parts)),
              "faces": int(sum(len(p.faces) for p in head.parts))}
    result["posing_fps"] = frames_per_second(perf.frames, lambda: list(performance_poses(head, perf)))

    with PreviewScene(head.parts, size=size) as scene:
        result["preview_fps"] = frames_per_second(perf.frames, lambda: [scene.render(p) for p in poses])
        result["draw_only_fps"] = frames_per_second(perf.frames, lambda: [scene.render()
                                                                          for _ in range(perf.frames)])
        # The baseline borrows the preview's camera and lights (objects, not GL state).
        fixtures = [(n.camera or n.light, scene._scene.get_pose(n))
                    for n in scene._scene.camera_nodes | scene._scene.light_nodes]

    # The naive baseline: a new mesh (new buffers, new VAO) per part per frame and the stock PBR shader. Only one
    # renderer lives at a time: pyrender's EGL teardown terminates the display that every EGL context shares.
    renderer = pyrender.OffscreenRenderer(size, size)
    base = pyrender.Scene(bg_color=(0.16, 0.17, 0.19, 1.0), ambient_light=(0.1,) * 3)
    for thing, pose in fixtures:
        base.add(thing, pose=pose)
    colors = {p.name: p.colors for p in head.parts}
    faces = {p.name: p.faces for p in head.parts}

    def baseline() -> None:
        nodes = []
        for pose in poses:
            for node in nodes:
                base.remove_node(node)
            import trimesh

            nodes = [base.add(pyrender.Mesh.from_trimesh(trimesh.Trimesh(v, faces[n], vertex_colors=colors[n],
                                                                         process=False)))
                     for n, v in pose.items()]
            renderer.render(base)

    result["baseline_fps"] = frames_per_second(perf.frames, baseline)
    renderer.delete()
    result["speed_up"] = result["preview_fps"] / result["baseline_fps"]

    if with_mp4:
        from emoanim.audio.types import Audio

        rate = 16_000
        tone = (0.1 * np.sin(2 * np.pi * 200 * np.arange(int(perf.duration * rate)) / rate)).astype(np.float32)
        with tempfile.TemporaryDirectory() as tmp:
            started = time.perf_counter()
            render_performance_video(perf, Path(tmp) / "bench.mp4", Audio(tone, rate), size=size, head=head)
            elapsed = time.perf_counter() - started
        result["mp4_fps"] = perf.frames / elapsed
        result["mp4_x_real_time"] = perf.duration / elapsed
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--fps", type=float, default=30.0)
    parser.add_argument("--child", choices=("egl", "osmesa"), help=argparse.SUPPRESS)
    parser.add_argument("--mp4", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        print(json.dumps(child(args.size, args.seconds, args.fps, args.mp4)))
        return

    from emoanim.render.gl import PLATFORMS

    print(f"{args.size}² frames, {args.seconds:g} s at {args.fps:g} fps, {os.cpu_count()} cores, Mesa llvmpipe")
    for platform in PLATFORMS:
        env = dict(os.environ, PYOPENGL_PLATFORM=platform)
        command = [sys.executable, __file__, "--child", platform, "--size", str(args.size),
                   "--seconds", str(args.seconds), "--fps", str(args.fps)]
        if platform == PLATFORMS[0]:
            command.append("--mp4")
        done = subprocess.run(command, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            print(f"{platform:7s} failed: {done.stderr.strip().splitlines()[-1:]}")
            continue
        r = json.loads(done.stdout.strip().splitlines()[-1])
        if r["platform"] != platform:
            print(f"{platform:7s} unavailable: fell back to {r['platform']}")
            continue
        line = (f"{platform:7s} head {r['vertices']} vertices / {r['faces']} faces: preview {r['preview_fps']:6.1f} "
                f"fps (draw only {r['draw_only_fps']:.1f}, posing only {r['posing_fps']:.0f}); naive baseline "
                f"{r['baseline_fps']:5.1f} fps; speed-up {r['speed_up']:.2f}x")
        if "mp4_fps" in r:
            line += f"\n        MP4 with audio: {r['mp4_fps']:.1f} fps = {r['mp4_x_real_time']:.2f}x real time"
        print(line)


if __name__ == "__main__":
    main()
