"""The preview renderer and the MP4 writer: frames show the head, motion shows in the mouth, videos stay in sync."""
from __future__ import annotations

import subprocess
from dataclasses import dataclass

import numpy as np
import pytest
import soundfile as sf

from emoanim.errors import EmoanimError, InputError
from emoanim.motion.channels import ARKIT_INDEX
from emoanim.motion.performance import Performance, frame_count
from emoanim.render.gl import PLATFORMS, load_pyrender, platform_order
from emoanim.render.scene import BACKGROUND_RGBA, vertex_normal_operator, vertex_normals
from emoanim.render.video import write_mp4


def _gl_unavailable_reason() -> str | None:
    try:
        load_pyrender()
    except InputError as err:
        return str(err)
    return None


needs_gl = pytest.mark.skipif(_gl_unavailable_reason() is not None,
                              reason=f"no offscreen OpenGL: {_gl_unavailable_reason()}")
BACKGROUND = np.round(np.asarray(BACKGROUND_RGBA[:3]) * 255)


def icosphere(subdivisions: int = 2, radius: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """``(V, 3)`` float32 vertices and ``(F, 3)`` int32 outward-wound faces of a unit-subdivided icosahedron."""
    t = (1 + 5 ** 0.5) / 2
    vertices = [(-1, t, 0), (1, t, 0), (-1, -t, 0), (1, -t, 0), (0, -1, t), (0, 1, t), (0, -1, -t), (0, 1, -t),
                (t, 0, -1), (t, 0, 1), (-t, 0, -1), (-t, 0, 1)]
    faces = [(0, 11, 5), (0, 5, 1), (0, 1, 7), (0, 7, 10), (0, 10, 11), (1, 5, 9), (5, 11, 4), (11, 10, 2),
             (10, 7, 6), (7, 1, 8), (3, 9, 4), (3, 4, 2), (3, 2, 6), (3, 6, 8), (3, 8, 9), (4, 9, 5), (2, 4, 11),
             (6, 2, 10), (8, 6, 7), (9, 8, 1)]
    vertices = [np.asarray(v, float) for v in vertices]
    for _ in range(subdivisions):
        midpoints, next_faces = {}, []

        def middle(a: int, b: int) -> int:
            key = (min(a, b), max(a, b))
            if key not in midpoints:
                vertices.append((vertices[a] + vertices[b]) / 2)
                midpoints[key] = len(vertices) - 1
            return midpoints[key]

        for a, b, c in faces:
            ab, bc, ca = middle(a, b), middle(b, c), middle(c, a)
            next_faces += [(a, ab, ca), (b, bc, ab), (c, ca, bc), (ab, bc, ca)]
        faces = next_faces
    points = np.asarray(vertices)
    points = radius * points / np.linalg.norm(points, axis=1, keepdims=True)
    return points.astype(np.float32), np.asarray(faces, np.int32)


@dataclass(frozen=True)
class Part:
    name: str
    vertices: np.ndarray
    faces: np.ndarray
    colors: np.ndarray


class BallHead:
    """A posable stand-in for the default head: a skin ball whose lower half drops with jawOpen."""

    def __init__(self):
        vertices, faces = icosphere()
        colors = np.tile(np.array([[225, 175, 150, 255]], np.uint8), (len(vertices), 1))
        self.parts = (Part("skin", vertices, faces, colors),)
        self._lower = vertices[:, 1] < 0

    def pose_frames(self, expression, gaze, head_rotation, head_translation):
        neutral = self.parts[0].vertices
        posed = np.repeat(neutral[None], len(expression), axis=0)
        posed[:, self._lower, 1] -= 0.04 * np.asarray(expression)[:, ARKIT_INDEX["jawOpen"], None]
        posed += np.asarray(head_translation, np.float32)[:, None, :] / 100.0
        return {"skin": posed}


def performance(frames: int, fps: float = 30.0, jaw: float | np.ndarray = 0.0) -> Performance:
    perf = Performance.still(frames, fps)
    perf.expression[:, ARKIT_INDEX["jawOpen"]] = jaw
    return perf


def ffmpeg() -> str:
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def decoded_video(path) -> list[np.ndarray]:
    import imageio_ffmpeg

    reader = imageio_ffmpeg.read_frames(str(path))
    meta = next(reader)
    width, height = meta["size"]
    return [np.frombuffer(f, np.uint8).reshape(height, width, 3) for f in reader]


def decoded_audio_seconds(path) -> float:
    raw = subprocess.run([ffmpeg(), "-v", "error", "-i", str(path), "-map", "0:a:0", "-f", "wav", "-"],
                         check=True, capture_output=True).stdout
    import io

    samples, rate = sf.read(io.BytesIO(raw))
    return len(samples) / rate


# ---- the scene -------------------------------------------------------------------------------------------------

def test_platform_order_puts_the_users_choice_first_and_ignores_others():
    assert platform_order(None) == PLATFORMS
    assert platform_order("EGL") == ("egl", "osmesa")
    assert platform_order("osmesa") == ("osmesa", "egl")
    assert platform_order("glx") == PLATFORMS  # on-screen platforms cannot render offscreen here


def test_vertex_normals_of_a_sphere_point_outwards():
    vertices, faces = icosphere(3)
    normals = vertex_normals(vertices, faces, vertex_normal_operator(faces, len(vertices)))
    radial = vertices / np.linalg.norm(vertices, axis=1, keepdims=True)
    assert np.min(np.sum(normals * radial, axis=1)) > 0.99


@needs_gl
def test_a_rendered_frame_shows_the_head_on_the_background():
    from emoanim.render.scene import PreviewScene

    head = BallHead()
    with PreviewScene(head.parts, size=64, view="front") as scene:
        frame = scene.render()
    assert frame.shape == (64, 64, 3) and frame.dtype == np.uint8
    assert np.all(frame[0, 0] == BACKGROUND)  # a corner is background
    covered = np.any(frame != BACKGROUND, axis=2).mean()
    assert 0.3 < covered < 0.95  # the head fills most of the frame, framed with a margin
    assert frame[32, 32].mean() > BACKGROUND.mean() + 40  # lit skin, not black


@needs_gl
def test_moving_vertices_changes_the_frame_and_moving_back_restores_it():
    from emoanim.render.scene import PreviewScene

    head = BallHead()
    rest = head.parts[0].vertices
    with PreviewScene(head.parts, size=64, view="three-quarter") as scene:
        before = scene.render({"skin": rest}).copy()
        moved = scene.render({"skin": rest + np.float32([0.03, 0, 0])}).copy()
        again = scene.render({"skin": rest})
    assert np.abs(moved.astype(int) - before).mean() > 5
    assert np.array_equal(again, before)  # the buffer update is exact, no state leaks between frames


@needs_gl
def test_views_look_from_different_sides_and_unknown_ones_are_refused():
    from emoanim.render.scene import PreviewScene

    head = BallHead()
    skin = head.parts[0].vertices.copy()
    skin[skin[:, 2] > 0.05, 2] += 0.03  # a "nose" towards +z, so front and profile differ
    parts = (Part("skin", skin, head.parts[0].faces, head.parts[0].colors),)
    frames = {}
    for view in ("front", "profile"):
        with PreviewScene(parts, size=48, view=view) as scene:
            frames[view] = scene.render()
            tip = scene.project([[0.0, 0.0, 0.13]])[0]
            centre = scene.project([[0.0, 0.0, 0.0]])[0]
        if view == "front":
            assert abs(tip[0] - centre[0]) < 0.5  # straight on: the nose points at the camera
        else:
            assert abs(tip[0] - centre[0]) > 8  # the nose sticks out sideways in profile
    assert np.abs(frames["front"].astype(int) - frames["profile"]).mean() > 3
    with pytest.raises(InputError, match="unknown view"):
        PreviewScene(parts, size=48, view="top")
    with pytest.raises(InputError, match="even"):
        PreviewScene(parts, size=51)


@needs_gl
def test_jaw_open_changes_the_mouth_of_the_default_head_and_not_the_forehead():
    from emoanim.render.preview import crown_to_chin_framing, render_performance_frames
    from emoanim.render.scene import PreviewScene
    from emoanim.rigs.head import load_default_head

    head = load_default_head()
    closed, opened = render_performance_frames(performance(2, jaw=np.array([0.0, 1.0])), head=head, size=128,
                                               view="front")
    skin = head.part("skin").vertices
    target, zoom = crown_to_chin_framing(head)  # the framing the preview uses for the default head
    with PreviewScene(head.parts, size=128, view="front", target=target, zoom=zoom) as scene:
        mouth = scene.project(skin[head.landmarks68[48:68]].mean(axis=0, keepdims=True))[0]
        brows = scene.project(skin[head.landmarks68[17:27]].mean(axis=0, keepdims=True))[0]

    def change(centre) -> float:
        col, row = np.round(centre).astype(int)
        box = np.s_[row - 8: row + 9, col - 12: col + 13]
        return float(np.abs(opened[box].astype(int) - closed[box]).mean())

    assert change(mouth) > 20  # the lips part and the dark mouth shows
    assert change(brows) < 2


# ---- the MP4 ---------------------------------------------------------------------------------------------------

def test_mp4_starts_at_frame_zero_and_keeps_every_frame_in_order(tmp_path):
    frames = [np.full((32, 48, 3), 8 * k, np.uint8) for k in range(12)]  # brightness encodes the frame number
    out = write_mp4(iter(frames), 24, tmp_path / "ramp.mp4")
    decoded = decoded_video(out)
    assert len(decoded) == 12
    assert [int(round(f.mean() / 8)) for f in decoded] == list(range(12))


@needs_gl
def test_preview_mp4_has_one_frame_per_speech_frame_and_the_whole_speech(tmp_path, say):
    from emoanim.render import render_performance_video

    speech = say("the quick brown fox")
    seconds = sf.info(str(speech)).duration
    fps = 25.0
    frames = frame_count(seconds, fps)
    out = render_performance_video(performance(frames, fps, jaw=0.5), tmp_path / "clip.mp4", speech, size=48,
                                   head=BallHead())
    assert out == tmp_path / "clip.mp4"
    assert abs(len(decoded_video(out)) - seconds * fps) <= 1
    assert abs(decoded_audio_seconds(out) - seconds) <= 1 / fps
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.mp4", "speech.wav"]  # no temporary left


def test_a_failed_render_leaves_no_file_and_keeps_an_older_one(tmp_path):
    def frames_then_crash():
        for _ in range(3):
            yield np.zeros((32, 32, 3), np.uint8)
        raise RuntimeError("renderer fell over")

    with pytest.raises(RuntimeError, match="fell over"):
        write_mp4(frames_then_crash(), 30, tmp_path / "new.mp4")
    older = tmp_path / "old.mp4"
    older.write_bytes(b"keep me")
    with pytest.raises(ValueError, match="size"):  # frame 2 has the wrong size
        write_mp4([np.zeros((32, 32, 3), np.uint8)] * 2 + [np.zeros((16, 16, 3), np.uint8)], 30, older)
    assert older.read_bytes() == b"keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.mp4"]


def test_missing_or_unreadable_speech_is_reported_and_leaves_no_file(tmp_path):
    frames = [np.zeros((32, 32, 3), np.uint8)] * 3
    with pytest.raises(InputError, match="not found"):
        write_mp4(frames, 30, tmp_path / "a.mp4", audio=tmp_path / "missing.wav")
    not_audio = tmp_path / "notes.wav"
    not_audio.write_text("this is not a sound file")
    with pytest.raises(EmoanimError, match="ffmpeg failed"):
        write_mp4(frames, 30, tmp_path / "b.mp4", audio=not_audio)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.wav"]


# ---- comparisons -----------------------------------------------------------------------------------------------

@needs_gl
def test_comparison_is_n_panels_wide_each_labelled(tmp_path):
    from emoanim.render import comparison_frames, render_comparison
    from emoanim.render.scene import PreviewScene

    head = BallHead()
    perfs = [performance(2, jaw=0.0), performance(2, jaw=1.0), performance(2, jaw=0.5)]
    frame = next(comparison_frames(perfs, ["neutral", "happy", "sad"], head=head, size=64, view="front"))
    assert frame.shape == (64, 3 * 64, 3)
    with PreviewScene(head.parts, size=64, view="front") as scene:
        plain = scene.render()  # panel 0 without its label
    changed = np.any(frame[:, :64] != plain, axis=2)
    rows, cols = np.nonzero(changed)
    assert rows.max() < 16 and cols.max() < 48  # only a badge in the top-left corner differs
    for panel in range(3):
        badge = frame[:12, panel * 64: panel * 64 + 20]
        assert badge.max() > 200 and badge.min() < 40  # light text on a dark box
    assert np.abs(frame[:, 64:128].astype(int) - frame[:, 128:]).mean() > 1  # the panels show their own poses
    out = render_comparison(perfs[:2], ["happy", "sad"], tmp_path / "cmp.mp4", size=32, head=head)
    decoded = decoded_video(out)
    assert len(decoded) == 2 and decoded[0].shape == (32, 64, 3)
    with pytest.raises(InputError, match="labels"):
        render_comparison(perfs[:2], ["only one"], tmp_path / "bad.mp4", head=head)
    assert not (tmp_path / "bad.mp4").exists()
