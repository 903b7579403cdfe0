"""MediaPipe's face detector, 468-point face mesh and iris models, run with the LiteRT interpreter (no mediapipe).

The models are the ``.tflite`` files inside the mediapipe 0.10.14 wheel (Apache-2.0): the newest mediapipe wheels
ship none, and mediapipe itself pins numpy<2, so only the model files are taken (``make models`` extracts them)
and run through ``ai-edge-litert``. The pre- and post-processing follows the model cards and MediaPipe's graphs:

- BlazeFace short range (Bazarevsky et al. 2019, arXiv:1907.05047): 128² input in [-1, 1], 896 SSD anchors on
  strides 8/16, boxes and 6 keypoints (right eye, left eye, nose tip, mouth, right/left ear tragion) relative to
  the anchor centres in input pixels, scores through a sigmoid. Its full-range sibling (192², one anchor per stride-4
  cell) finds faces that fill less of the frame.
- Face mesh (Kartynnik et al. 2019, arXiv:1907.06724): a 192² crop in [0, 1], square, 1.5x the face box, rotated so
  the eyes are level; 468 points in crop pixels and a face-presence logit.
- Iris (Ablavatski et al. 2020, arXiv:2006.11341): a 64² crop, 2.3x the eye-corner distance, levelled on the eye
  corners; the image-right eye is mirrored first. Its first iris point is the iris centre.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MODEL_FILES = ("face_detection_short_range.tflite", "face_detection_full_range_sparse.tflite",
               "face_landmark.tflite", "iris_landmark.tflite")
MODELS_ENV = "EMOANIM_FACE_MODELS"
DEFAULT_MODELS_DIR = Path.home() / ".cache" / "emoanim" / "mediapipe-0.10.14"

# Mesh vertices at the eye corners (subject's right eye outer/inner, left eye inner/outer): MediaPipe's
# canonical face model numbering, used to level the crop and to place the iris crops.
RIGHT_EYE_CORNERS = (33, 133)
LEFT_EYE_CORNERS = (362, 263)
FACE_CROP_SCALE = 1.5     # MediaPipe's face_detection_front_detection_to_roi / face_landmarks_to_roi
IRIS_CROP_SCALE = 2.3     # MediaPipe's iris_landmark_left_and_right_gpu/cpu graphs
MIN_FACE_SCORE = 0.5      # sigmoid of the mesh's face-presence output


@dataclass(frozen=True)
class Detection:
    """A face box ``(x0, y0, x1, y1)`` in image pixels, the two eye keypoints ``(2, 2)`` and a score in [0, 1]."""
    box: tuple[float, float, float, float]
    eyes: np.ndarray
    score: float


def models_dir() -> Path:
    return Path(os.environ.get(MODELS_ENV, DEFAULT_MODELS_DIR))


def missing_models() -> list[Path]:
    folder = models_dir()
    return [folder / name for name in MODEL_FILES if not (folder / name).is_file()]


def warp(image: np.ndarray, to_image: np.ndarray, size: int) -> np.ndarray:
    """A ``(size, size, 3)`` float32 crop in [0, 1]; ``to_image`` (2, 3) maps crop pixel centres to image pixels.

    Pillow's affine transform samples at ``A @ (u + 0.5, v + 0.5)``; the shift below keeps the convention that
    pixel ``i`` has its centre at coordinate ``i`` on both sides.
    """
    from PIL import Image

    a, b, c = to_image[0]
    d, e, f = to_image[1]
    coeffs = (a, b, c - 0.5 * (a + b) + 0.5, d, e, f - 0.5 * (d + e) + 0.5)
    crop = Image.fromarray(image).transform((size, size), Image.AFFINE, coeffs, resample=Image.BILINEAR)
    return np.asarray(crop, dtype=np.float32) / 255.0


def square_crop(center: np.ndarray, side: float, angle: float, size: int) -> np.ndarray:
    """(2, 3) affine from a ``size``² crop's pixels to image pixels: a ``side``-pixel square turned by ``angle``."""
    step = side / size
    cos, sin = np.cos(angle) * step, np.sin(angle) * step
    linear = np.array([[cos, -sin], [sin, cos]])
    offset = center - linear @ np.full(2, (size - 1) / 2.0)
    return np.column_stack([linear, offset])


def apply(affine: np.ndarray, points: np.ndarray) -> np.ndarray:
    return points @ affine[:, :2].T + affine[:, 2]


def _ssd_anchors(input_size: int, strides: tuple[int, ...], per_cell: tuple[int, ...]) -> np.ndarray:
    """Anchor centres ``(N, 2)`` in [0, 1]; BlazeFace anchors have a fixed unit size, so only centres matter."""
    centres = []
    for stride, count in zip(strides, per_cell):
        cells = input_size // stride
        ys, xs = np.mgrid[0:cells, 0:cells]
        grid = np.stack([(xs + 0.5) / cells, (ys + 0.5) / cells], axis=-1).reshape(-1, 1, 2)
        centres.append(np.repeat(grid, count, axis=1).reshape(-1, 2))
    return np.concatenate(centres).astype(np.float32)


@dataclass(frozen=True)
class _DetectorSpec:
    file: str
    size: int
    anchors: np.ndarray
    min_score: float


# Short range: 16² cells x 2 anchors (stride 8) + 8² x 6 (three stride-16 layers of 2) = 896.
# Full range: 48² cells x 1 (stride 4) = 2304. Thresholds are MediaPipe's defaults for each.
_DETECTORS = (
    _DetectorSpec("face_detection_short_range.tflite", 128, _ssd_anchors(128, (8, 16), (2, 6)), 0.5),
    _DetectorSpec("face_detection_full_range_sparse.tflite", 192, _ssd_anchors(192, (4,), (1,)), 0.6),
)
NMS_IOU = 0.3


def _iou(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    x0 = np.maximum(box[0], boxes[:, 0]); y0 = np.maximum(box[1], boxes[:, 1])
    x1 = np.minimum(box[2], boxes[:, 2]); y1 = np.minimum(box[3], boxes[:, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    area = lambda b: (b[..., 2] - b[..., 0]) * (b[..., 3] - b[..., 1])  # noqa: E731
    return inter / np.maximum(area(box) + area(boxes) - inter, 1e-9)


def _weighted_nms(boxes: np.ndarray, eyes: np.ndarray, scores: np.ndarray) -> list[Detection]:
    """MediaPipe's "weighted" suppression: overlapping boxes are averaged by score rather than dropped."""
    order = np.argsort(-scores)
    boxes, eyes, scores = boxes[order], eyes[order], scores[order]
    alive = np.ones(len(scores), bool)
    found = []
    for i in range(len(scores)):
        if not alive[i]:
            continue
        group = alive & (_iou(boxes[i], boxes) > NMS_IOU)
        alive &= ~group
        w = scores[group] / scores[group].sum()
        found.append(Detection(tuple(float(v) for v in w @ boxes[group]),
                               np.tensordot(w, eyes[group], axes=1).astype(np.float32), float(scores[i])))
    return found


class FaceMesh:
    """Loads the four models once; ``detect`` finds faces, ``mesh`` gives 468 points and ``irises`` two centres."""

    def __init__(self, folder: Path | None = None, threads: int = 1):
        from ai_edge_litert.interpreter import Interpreter

        folder = models_dir() if folder is None else Path(folder)
        self._nets = {}
        for name in MODEL_FILES:
            net = Interpreter(model_path=str(folder / name), num_threads=threads)
            net.allocate_tensors()
            self._nets[name] = net

    def _run(self, name: str, tensor: np.ndarray) -> list[np.ndarray]:
        net = self._nets[name]
        net.set_tensor(net.get_input_details()[0]["index"], tensor[None].astype(np.float32))
        net.invoke()
        return [net.get_tensor(d["index"])[0] for d in net.get_output_details()]

    def detect(self, image: np.ndarray) -> list[Detection]:
        """Faces in the whole image, best first.

        Both detectors run and their boxes are merged: the short-range model is the surer on faces that fill the
        frame, the full-range one finds faces under ~1/6 of the frame that the other misses.
        """
        found = [self._detect_with(spec, image) for spec in _DETECTORS]
        boxes = np.concatenate([f[0] for f in found])
        if not len(boxes):
            return []
        return _weighted_nms(boxes, np.concatenate([f[1] for f in found]), np.concatenate([f[2] for f in found]))

    def _detect_with(self, spec: _DetectorSpec, image: np.ndarray):
        """Boxes ``(N, 4)``, eye keypoints ``(N, 2, 2)`` in image pixels and scores ``(N,)`` above the threshold."""
        from PIL import Image

        h, w = image.shape[:2]
        scale = spec.size / max(h, w)
        rw, rh = max(1, round(w * scale)), max(1, round(h * scale))
        # resize() filters before shrinking; a bare affine sample of a 4000-px photo at 128² would alias.
        small = np.asarray(Image.fromarray(image).resize((rw, rh), Image.BILINEAR), dtype=np.float32)
        canvas = np.zeros((spec.size, spec.size, 3), np.float32)
        px, py = (spec.size - rw) // 2, (spec.size - rh) // 2
        canvas[py:py + rh, px:px + rw] = small / 127.5 - 1.0
        raw, logits = self._run(spec.file, canvas)
        scores = 1.0 / (1.0 + np.exp(-np.clip(logits[:, 0], -80.0, 80.0)))  # float32 exp overflows past ~88
        keep = scores >= spec.min_score
        raw, anchors, scores = raw[keep], spec.anchors[keep], scores[keep]
        # Offsets are in input pixels relative to the anchor centre; sizes are in input pixels.
        centre = anchors * spec.size + raw[:, 0:2]
        half = raw[:, 2:4] / 2
        boxes = np.concatenate([centre - half, centre + half], axis=1).reshape(-1, 2, 2)
        eyes = anchors[:, None, :] * spec.size + raw[:, 4:8].reshape(-1, 2, 2)
        # Letterbox pixels -> image pixels (pixel centres at integer coordinates).
        offset, stretch = np.array([px, py]), np.array([rw / w, rh / h])
        to_image = lambda p: (p - offset) / stretch - 0.5  # noqa: E731
        return to_image(boxes).reshape(-1, 4), to_image(eyes).astype(np.float32), scores

    def mesh(self, image: np.ndarray, center: np.ndarray, side: float, angle: float) -> tuple[np.ndarray, float]:
        """468 points ``(468, 3)`` (x, y in image pixels; z in the same scale) and the face-presence score."""
        crop = square_crop(center, side, angle, 192)
        raw, logit = self._run("face_landmark.tflite", warp(image, crop, 192))
        points = raw.reshape(468, 3)
        xy = apply(crop, points[:, :2])
        z = points[:, 2:] * side / 192
        return np.concatenate([xy, z], axis=1), float(1.0 / (1.0 + np.exp(-np.clip(logit.reshape(-1)[0], -80.0, 80.0))))

    def irises(self, image: np.ndarray, mesh: np.ndarray) -> np.ndarray:
        """Iris centres ``(2, 2)``: row 0 the subject's left eye, row 1 its right (image right, then left)."""
        centres = []
        for corners, mirror in ((LEFT_EYE_CORNERS, True), (RIGHT_EYE_CORNERS, False)):
            a, b = mesh[corners[0], :2], mesh[corners[1], :2]
            angle = np.arctan2(b[1] - a[1], b[0] - a[0])
            crop = square_crop((a + b) / 2, IRIS_CROP_SCALE * np.linalg.norm(b - a), angle, 64)
            if mirror:
                # The model takes the image-left eye (33 -> 133, outer corner on the crop's left) as it is and, as
                # MediaPipe's iris graph does, the other eye mirrored so that its outer corner is on the left too.
                crop = crop @ np.array([[-1.0, 0, 63], [0, 1, 0], [0, 0, 1]])
            _, iris = self._run("iris_landmark.tflite", warp(image, crop, 64))
            centres.append(apply(crop, iris.reshape(5, 3)[:1, :2])[0])
        return np.array(centres, dtype=np.float32)
