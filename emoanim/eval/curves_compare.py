"""Compare predicted animation curves with ground truth: any frame rates, any of the rigs we can map to ARKit.

Both sides are brought to ARKit-52 weights, then onto the ground truth's frames:

- ``arkit`` curves: their 52 columns as they are;
- ``metahuman`` / ``metahuman-board`` curves: the rig's inverse map (`rig.performance`), then the arkit rig (gaze
  folded back into the ``eyeLook*`` shapes, as an ARKit capture has them);
- ``facegood`` (FACEGOOD-Audio2Face's 116-shape rig): the table rigs/facegood_to_arkit.tsv, which says why each
  shape goes where; a ``bs_value_*.npy`` array is read with `read_facegood`.
- frame rates: the prediction is resampled (linear) onto the ground truth's frame times, over the shorter duration.

Scores per region (`GROUPS`): Pearson r per ARKit channel, averaged over the channels that move in both (r is
undefined on a constant curve, and is reported as NaN when no channel qualifies), and RMSE over all the region's
channels in weight units. Then, to compare shapes as geometry, both ARKit sequences drive the default head (the
`landmarks` rig, head still, eyes ahead): LVE on the 20 iBUG lip points, MVE on every landmark (68 + dense), and FDD
on the iBUG brow and eye points (17-26, 36-47), in millimetres (`vertex_metrics` has the definitions). On curves
from a different face (FACEGOOD) these are "what our head would show" errors, not errors on the actor's own mesh.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from emoanim.errors import InputError
from emoanim.eval import vertex_metrics
from emoanim.eval.signals import pearson
from emoanim.motion.resample import resample
from emoanim.motion.channels import ARKIT_INDEX, ARKIT_NAMES
from emoanim.motion.performance import Performance
from emoanim.rigs.curves import Curves
from emoanim.rigs.tables import RIGS_DIR

FACEGOOD_TABLE = RIGS_DIR / "facegood_to_arkit.tsv"
FACEGOOD_FPS = 30.0  # the FACEGOOD takes are keyed at exactly 30 fps (their README; frames = 30 x wav seconds)
MM_PER_M = 1000.0
COMPARABLE_RIGS = ("arkit", "metahuman", "metahuman-board", "facegood")

GROUPS: dict[str, tuple[str, ...]] = {
    "jaw": ("jawOpen", "jawForward", "jawLeft", "jawRight", "mouthClose"),
    "lips": tuple(n for n in ARKIT_NAMES if n.startswith("mouth") and n != "mouthClose"),
    "brows": tuple(n for n in ARKIT_NAMES if n.startswith("brow")),
    "eyes": tuple(n for n in ARKIT_NAMES if n.startswith("eye")),
}
LIP_POINTS = np.arange(48, 68)
UPPER_FACE_POINTS = np.concatenate([np.arange(17, 27), np.arange(36, 48)])


@dataclass(frozen=True)
class GroupScore:
    group: str
    r: float  # mean Pearson r over `correlated` channels (NaN when none moves in both)
    correlated: int  # channels that move in both prediction and ground truth
    rmse: float  # over all the group's channels, ARKit weight units
    channels: int


@dataclass(frozen=True)
class CurvesComparison:
    fps: float  # the ground truth's, which both were compared at
    frames: int
    groups: list[GroupScore]
    lve_mm2: float  # squared, as FaceFormer/CodeTalker tabulate it
    lve_mm: float
    mve_mm: float
    fdd_mm2: float
    notes: list[str] = field(default_factory=list)

    def group(self, name: str) -> GroupScore:
        return next(g for g in self.groups if g.group == name)


def facegood_table(path: Path = FACEGOOD_TABLE) -> tuple[list[str], np.ndarray]:
    """The FACEGOOD shape names (rig order) and the ``(116, 52)`` matrix taking their weights to ARKit."""
    names: list[str] = []
    rows: list[tuple[int, str, float]] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as err:
        raise InputError(f"cannot read the FACEGOOD mapping table: {err}", path=path, hint="restore it from git")
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.startswith("#") or line.startswith("index\t"):
            continue
        cells = line.split("\t")
        if len(cells) != 5:
            raise InputError(f"line {number} has {len(cells)} cells, expected 5", path=path)
        index, name, target, weight = int(cells[0]), cells[1], cells[2], float(cells[3])
        if index == len(names):
            names.append(name)
        elif index != len(names) - 1 or names[index] != name:
            raise InputError(f"line {number}: shape {index} {name!r} is out of order", path=path)
        if target != "-":
            if target not in ARKIT_INDEX:
                raise InputError(f"line {number}: {target!r} is not an ARKit shape", path=path)
            rows.append((index, target, weight))
    matrix = np.zeros((len(names), len(ARKIT_NAMES)))
    for index, target, weight in rows:
        matrix[index, ARKIT_INDEX[target]] += weight
    return names, matrix


def read_facegood(path: str | Path, fps: float = FACEGOOD_FPS) -> Curves:
    """A FACEGOOD ``bs_value_*.npy`` ``(T, 116)`` array -> `Curves` of rig ``facegood`` with the rig's shape names.

    The arrays are one column off against the rig's name list (rigs/facegood_to_arkit.tsv says how we know): column
    ``k`` holds shape ``k - 1``; column 0 is dropped and the last shape gets zeros.
    """
    path = Path(path)
    names, _ = facegood_table()
    try:
        with warnings.catch_warnings():  # numpy warns that Python 2 headers parse slowly; the values are exact
            warnings.simplefilter("ignore", UserWarning)
            values = np.asarray(np.load(path, allow_pickle=True), np.float64)  # saved by Python 2: needs pickle
    except (OSError, ValueError) as err:
        raise InputError(f"cannot read a FACEGOOD array: {err}", path=path) from err
    if values.ndim != 2 or values.shape[1] != len(names):
        raise InputError(f"expected a (T, {len(names)}) FACEGOOD weight array, got {values.shape}", path=path)
    shifted = np.concatenate([values[:, 1:], np.zeros((len(values), 1))], axis=1)
    return Curves(names=list(names), fps=fps, values=shifted, rig="facegood", metadata={"source": str(path)})


def load_curves(path: str | Path, fps: float | None = None) -> Curves:
    """Curves from a file emoanim writes (csv, json, npz, Live Link Face csv) or a FACEGOOD ``.npy``."""
    from emoanim.export import read_csv, read_json, read_livelinkface, read_npz

    path = Path(path)
    if not path.is_file():
        raise InputError("no such file", path=path, hint="give a curves file: .csv, .json, .npz or FACEGOOD .npy")
    suffix = path.suffix.lower()
    if suffix == ".npy":
        return read_facegood(path, fps or FACEGOOD_FPS)
    if suffix == ".npz":
        return read_npz(path)
    if suffix == ".json":
        return read_json(path)
    if suffix == ".csv":
        header = path.open(encoding="utf-8", errors="replace").readline()
        if header.startswith("Timecode,BlendShapeCount"):
            return read_livelinkface(path, fps=fps)
        return read_csv(path, fps=fps)
    raise InputError(f"unknown curves file type {suffix!r}", path=path, hint="use .csv, .json, .npz or .npy")


def guess_rig(curves: Curves) -> str:
    """The rig whose channels these curves carry (the curves' own ``rig`` when it is one we can compare)."""
    if curves.rig in COMPARABLE_RIGS:
        return curves.rig
    names = set(curves.names)
    if set(ARKIT_NAMES) <= names:
        return "arkit"
    from emoanim.rigs import get_rig

    for rig in ("metahuman", "metahuman-board"):
        if set(get_rig(rig).channel_names) - {"head_pitch", "head_yaw", "head_roll"} <= names:
            return rig
    if set(facegood_table()[0]) <= names:
        return "facegood"
    raise InputError(f"cannot tell which rig curves with channels like {curves.names[:3]} belong to",
                     hint=f"name it: one of {', '.join(COMPARABLE_RIGS)}")


def arkit_weights(curves: Curves, rig: str | None = None) -> np.ndarray:
    """``(T, 52)`` ARKit weights in [0, 1] for curves of ``rig`` (guessed when None)."""
    from emoanim.rigs import get_rig
    from emoanim.rigs.base import curve_columns

    rig = rig or guess_rig(curves)
    if rig == "arkit":
        return np.clip(curve_columns(curves, ARKIT_NAMES, "arkit"), 0.0, 1.0)
    if rig == "facegood":
        names, matrix = facegood_table()
        return np.clip(curve_columns(curves, names, "facegood") @ matrix, 0.0, 1.0)
    if rig in ("metahuman", "metahuman-board"):
        perf = get_rig(rig).performance(curves)
        return np.asarray(get_rig("arkit").curves(perf).values[:, : len(ARKIT_NAMES)], np.float64)
    raise InputError(f"cannot compare curves of rig {rig!r}", hint=f"use one of: {', '.join(COMPARABLE_RIGS)}")


def on_common_frames(pred: np.ndarray, pred_fps: float, truth: np.ndarray, truth_fps: float
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Both ``(T, C)`` sequences at ``truth_fps`` over the shorter of the two durations."""
    duration = min(len(pred) / pred_fps, len(truth) / truth_fps)
    frames = max(1, int(np.floor(duration * truth_fps + 1e-6)))
    moved = pred if pred_fps == truth_fps else resample(pred, pred_fps, truth_fps, frames)
    return moved[:frames], truth[:frames]


def group_scores(pred: np.ndarray, truth: np.ndarray) -> list[GroupScore]:
    """Per-`GROUPS` r and RMSE of two ``(T, 52)`` ARKit sequences on the same frames."""
    scores = []
    for group, names in GROUPS.items():
        columns = [ARKIT_INDEX[n] for n in names]
        rs = [pearson(pred[:, c], truth[:, c]) for c in columns]
        rs = [r for r in rs if np.isfinite(r)]
        rmse = float(np.sqrt(np.mean((pred[:, columns] - truth[:, columns]) ** 2)))
        scores.append(GroupScore(group, float(np.mean(rs)) if rs else float("nan"), len(rs), rmse, len(columns)))
    return scores


def head_points(expression: np.ndarray, fps: float) -> np.ndarray:
    """``(T, K, 3)`` landmarks (68 iBUG then the dense set) of the default head, still, showing ``expression``."""
    from emoanim.eval.landmark_lipsync import landmarks_from_curves
    from emoanim.rigs import get_rig

    perf = Performance.still(len(expression), fps)
    perf.expression[:] = expression
    curves = get_rig("landmarks").curves(perf)
    lm = landmarks_from_curves(curves)
    dense = [i for i, n in enumerate(curves.names) if n.startswith("d") and n[-2:] in ("_x", "_y", "_z")]
    rest = np.asarray(curves.values[:, dense], np.float64).reshape(len(expression), -1, 3)
    return np.concatenate([lm, rest], axis=1)


def compare_arkit(pred: np.ndarray, truth: np.ndarray, fps: float, notes: list[str] | None = None
                  ) -> CurvesComparison:
    """Two ``(T, 52)`` ARKit sequences on the same frames at ``fps`` -> `CurvesComparison`."""
    pred = np.asarray(pred, np.float64)
    truth = np.asarray(truth, np.float64)
    if pred.shape != truth.shape or pred.ndim != 2 or pred.shape[1] != len(ARKIT_NAMES):
        raise ValueError(f"compare_arkit needs two (T, 52) arrays, got {pred.shape} and {truth.shape}")
    p = head_points(pred, fps) * MM_PER_M
    g = head_points(truth, fps) * MM_PER_M
    template = head_points(np.zeros((1, len(ARKIT_NAMES))), fps)[0] * MM_PER_M
    return CurvesComparison(
        fps=fps, frames=len(pred), groups=group_scores(pred, truth),
        lve_mm2=vertex_metrics.lve(p, g, LIP_POINTS), lve_mm=vertex_metrics.lve_distance(p, g, LIP_POINTS),
        mve_mm=vertex_metrics.mve(p, g), fdd_mm2=vertex_metrics.fdd(p, g, template, UPPER_FACE_POINTS),
        notes=list(notes or []),
    )


def compare_curves(pred: Curves, truth: Curves, pred_rig: str | None = None, truth_rig: str | None = None
                   ) -> CurvesComparison:
    """Map both to ARKit, put the prediction on the ground truth's frames, and score (module docstring)."""
    a = arkit_weights(pred, pred_rig)
    b = arkit_weights(truth, truth_rig)
    notes = []
    if pred.fps != truth.fps:
        notes.append(f"prediction resampled from {pred.fps:g} to {truth.fps:g} fps")
    if abs(len(a) / pred.fps - len(b) / truth.fps) > 1.0 / truth.fps:
        notes.append(f"durations differ ({len(a) / pred.fps:.2f} s vs {len(b) / truth.fps:.2f} s): "
                     "compared over the shorter")
    a, b = on_common_frames(a, pred.fps, b, truth.fps)
    return compare_arkit(a, b, truth.fps, notes)
