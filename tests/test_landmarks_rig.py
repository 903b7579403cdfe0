"""The ``landmarks`` rig: channel layout, values that follow the Performance, and export round trips."""
from __future__ import annotations

import numpy as np
import pytest

from emoanim.export import read_csv, read_json, read_npz, write
from emoanim.motion.channels import ARKIT_INDEX
from emoanim.motion.performance import Performance
from emoanim.rigs import RIGS, get_rig
from emoanim.rigs.head import load_default_head

FPS = 30.0


@pytest.fixture(scope="module")
def rig():
    return get_rig("landmarks")


def jaw_ramp(frames: int = 31) -> Performance:
    perf = Performance.still(frames, FPS, source="test")
    perf.expression[:, ARKIT_INDEX["jawOpen"]] = np.linspace(0.0, 1.0, frames)
    return perf


def point(curves, name: str) -> np.ndarray:
    """``(T, 3)`` one landmark's track."""
    return np.stack([curves.column(f"{name}_{axis}") for axis in "xyz"], axis=1)


def test_channels_are_68_ibug_points_the_dense_set_head_pose_and_gaze(rig):
    assert "landmarks" in RIGS
    head = load_default_head()
    dense = len(head.dense_landmarks)
    names = rig.channel_names
    assert len(names) == 3 * 68 + 3 * dense + 6 + 6 and len(set(names)) == len(names)
    assert names[:4] == ("lm00_x", "lm00_y", "lm00_z", "lm01_x") and names[3 * 68 - 1] == "lm67_z"
    assert names[3 * 68] == "d000_x" and names[3 * 68 + 3 * dense - 1] == f"d{dense - 1:03d}_z"
    assert names[-12:] == ("head_pitch", "head_yaw", "head_roll", "head_tx", "head_ty", "head_tz",
                           "gaze_left_x", "gaze_left_y", "gaze_left_z", "gaze_right_x", "gaze_right_y", "gaze_right_z")
    curves = rig.curves(jaw_ramp(4))
    assert curves.names == list(names) and curves.values.shape == (4, len(names)) and curves.fps == FPS
    assert curves.rig == "landmarks" and curves.ranges is None and curves.metadata["source"] == "test"


def test_a_neutral_frame_is_the_default_head_at_rest(rig):
    head = load_default_head()
    curves = rig.curves(Performance.still(2, FPS))
    skin = head.part("skin").vertices
    for i in (0, 8, 30, 48, 57, 67):
        assert np.allclose(point(curves, f"lm{i:02d}")[0], skin[head.landmarks68[i]], atol=1e-6)
    assert np.allclose(point(curves, "d000")[0], skin[head.dense_landmarks[0]], atol=1e-6)
    assert np.allclose(point(curves, "gaze_left")[0], [0, 0, 1]) and np.allclose(point(curves, "gaze_right")[0],
                                                                                  [0, 0, 1])


def test_jaw_open_moves_the_lower_lip_down_and_leaves_the_brows(rig):
    curves = rig.curves(jaw_ramp())
    lower_lip_y = curves.column("lm57_y")
    assert np.all(np.diff(lower_lip_y) < 0)
    assert lower_lip_y[0] - lower_lip_y[-1] > 0.015
    assert np.ptp(curves.column("lm19_y")) == 0  # a brow point
    inner_gap = curves.column("lm62_y") - curves.column("lm66_y")
    assert inner_gap[0] == pytest.approx(0.0, abs=1e-6) and inner_gap[-1] > 0.015


def test_head_pose_and_gaze_follow_the_performance(rig):
    perf = Performance.still(3, FPS)
    perf.head[:] = [[0, 0, 0], [0, 20, 0], [15, 0, -5]]
    perf.head_translation[:] = [[0, 0, 0], [1, 2, 3], [0, 0, 0]]
    perf.gaze[:] = [[0, 0, 0, 0], [25, 0, 25, 0], [0, 10, 0, 10]]
    curves = rig.curves(perf)
    assert np.allclose(curves.values[:, -12:-9], perf.head) and np.allclose(curves.values[:, -9:-6],
                                                                            perf.head_translation)
    nose = point(curves, "lm30")
    assert nose[1, 0] > nose[0, 0] + 0.01  # +yaw turns the face to the character's left (+x)
    assert nose[2, 1] < nose[0, 1] - 0.005  # +pitch nods it down
    left, right = point(curves, "gaze_left"), point(curves, "gaze_right")
    assert np.allclose(np.linalg.norm(left, axis=1), 1.0, atol=1e-6)
    # Frame 1: the eyes look 25 deg to the character's left; the head's 20 deg yaw adds to it.
    assert np.degrees(np.arctan2(left[1, 0], left[1, 2])) == pytest.approx(45.0, abs=0.01)
    assert np.allclose(left[1], right[1], atol=1e-6)
    # Frame 2: the eyes look 10 deg up inside a head nodded 15 deg down: 5 deg down in the world.
    assert np.degrees(np.arcsin(right[2, 1])) == pytest.approx(-5.0, abs=0.3)


def test_sixty_seconds_are_computed_at_once(rig):
    perf = jaw_ramp(60 * 30)
    curves = rig.curves(perf)
    assert curves.values.shape[0] == 1800 and np.isfinite(curves.values).all()


@pytest.mark.parametrize("fmt, reader, atol", [("csv", read_csv, 1e-6), ("npz", read_npz, 0.0),
                                               ("json", read_json, 1e-6)])
def test_landmark_exports_round_trip(rig, tmp_path, fmt, reader, atol):
    perf = jaw_ramp(12)
    perf.head[:, 1] = np.linspace(-10, 10, 12)
    perf.gaze[:, 0] = 15.0
    curves = rig.curves(perf)
    path = write(curves, tmp_path / f"take.{fmt}", format=fmt)
    back = reader(path)
    assert back.names == curves.names
    assert back.fps == pytest.approx(FPS)
    assert np.allclose(back.values, curves.values, atol=atol, rtol=0)
    if fmt == "csv":
        header = path.read_text().splitlines()[0].split(",")
        assert header[:5] == ["frame", "time", "lm00_x", "lm00_y", "lm00_z"]
