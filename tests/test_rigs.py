"""The rigs stage: names, ranges and the mapping semantics of `arkit`, `metahuman` and `metahuman-board`."""
from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from emoanim.errors import InputError
from emoanim.motion.channels import ARKIT_INDEX, ARKIT_NAMES, GAZE_NAMES, HEAD_NAMES
from emoanim.motion.performance import Performance
from emoanim.rigs import RIGS, Curves, get_rig
from emoanim.rigs.arkit import EYE_DOWN_MAX_DEG, EYE_UP_MAX_DEG, EYE_YAW_MAX_DEG, ROTATION_NAMES
from emoanim.rigs.metahuman import HEAD_CHANNELS

REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "rigs-reference"
needs_reference = pytest.mark.skipif(not REFERENCE.is_dir(), reason=f"{REFERENCE} is absent")
GAZE = {name: i for i, name in enumerate(GAZE_NAMES)}
HEAD = {name: i for i, name in enumerate(HEAD_NAMES)}
RAW = "CTRL_expressions_"


def reference_rows(name: str) -> list[dict[str, str]]:
    lines = [line for line in (REFERENCE / name).read_text().splitlines() if line and not line.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t"))


def still(frames: int = 4, fps: float = 30.0, **metadata) -> Performance:
    return Performance.still(frames, fps, **metadata)


def with_shape(name: str, weight: float = 1.0) -> Performance:
    perf = still()
    perf.expression[:, ARKIT_INDEX[name]] = weight
    return perf


def with_gaze(yaw: float, pitch: float) -> Performance:
    perf = still()
    perf.gaze[:] = [yaw, pitch, yaw, pitch]
    return perf


def random_performance(seed: int, frames: int = 90) -> Performance:
    rng = np.random.default_rng(seed)
    perf = still(frames, 60.0)
    perf.expression[:] = rng.uniform(-0.2, 1.2, perf.expression.shape)  # out-of-range input must still be clamped
    perf.gaze[:] = rng.uniform(-70, 70, perf.gaze.shape)
    perf.head[:] = rng.uniform(-40, 40, perf.head.shape)
    return perf


def value(curves: Curves, name: str) -> float:
    return float(curves.column(name)[0])


# ---------------------------------------------------------------- registry and common contract

def test_registry_lists_the_three_rigs_and_refuses_unknown_names():
    assert set(RIGS) >= {"arkit", "metahuman", "metahuman-board"}
    with pytest.raises(InputError, match="unknown rig 'flam'.*arkit"):
        get_rig("flam")


@pytest.mark.parametrize("rig_name", ["arkit", "metahuman", "metahuman-board"])
def test_frames_fps_metadata_and_ranges(rig_name):
    rig = get_rig(rig_name)
    perf = random_performance(1, frames=37)
    perf.metadata.update(animator="phonetic", seed=7)
    curves = rig.curves(perf)
    assert curves.names == list(rig.channel_names)
    assert curves.values.shape == (37, len(rig.channel_names))
    assert curves.fps == 60.0 and curves.rig == rig_name
    assert curves.metadata == {"animator": "phonetic", "seed": 7, "rig": rig_name}
    assert perf.metadata == {"animator": "phonetic", "seed": 7}, "the performance itself must not change"
    assert curves.ranges.shape == (len(rig.channel_names), 2)
    assert np.all(curves.ranges[:, 0] < curves.ranges[:, 1])


@pytest.mark.parametrize("rig_name", ["arkit", "metahuman", "metahuman-board"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_values_stay_within_ranges_for_random_performances(rig_name, seed):
    curves = get_rig(rig_name).curves(random_performance(seed))
    assert np.all(np.isfinite(curves.values))
    assert np.all(curves.values >= curves.ranges[:, 0] - 1e-6)
    assert np.all(curves.values <= curves.ranges[:, 1] + 1e-6)


@pytest.mark.parametrize("rig_name", ["arkit", "metahuman", "metahuman-board"])
def test_neutral_performance_gives_the_rest_pose(rig_name):
    curves = get_rig(rig_name).curves(still())
    rest = {"CTRL_neckCorrectivesMultiplyerD-translateY": 0.2, "CTRL_neckCorrectivesMultiplyerM-translateY": 0.5,
            "CTRL_neckCorrectivesMultiplyerU-translateY": 0.8}
    expected = np.array([rest.get(name, 0.0) for name in curves.names], dtype=np.float32)
    np.testing.assert_allclose(curves.values, np.broadcast_to(expected, curves.values.shape), atol=1e-6)


# ---------------------------------------------------------------- arkit

def test_arkit_channels_are_apple_names_then_live_link_rotations():
    names = get_rig("arkit").channel_names
    assert names[:52] == ARKIT_NAMES and len(names) == 61
    assert names[52:] == ("headYaw", "headPitch", "headRoll", "leftEyeYaw", "leftEyePitch", "leftEyeRoll",
                          "rightEyeYaw", "rightEyePitch", "rightEyeRoll")
    assert ROTATION_NAMES == names[52:]


@needs_reference
def test_arkit_names_and_order_match_the_reference():
    assert tuple(r["arkit"] for r in reference_rows("arkit52.txt")) == ARKIT_NAMES


def test_arkit_expression_passes_through_and_is_clamped():
    perf = still()
    perf.expression[:, ARKIT_INDEX["jawOpen"]] = 0.6
    perf.expression[:, ARKIT_INDEX["mouthSmileLeft"]] = 1.7
    perf.expression[:, ARKIT_INDEX["browInnerUp"]] = -0.3
    curves = get_rig("arkit").curves(perf)
    assert value(curves, "jawOpen") == pytest.approx(0.6)
    assert value(curves, "mouthSmileLeft") == 1.0
    assert value(curves, "browInnerUp") == 0.0


@pytest.mark.parametrize("yaw, pitch, expected", [
    (20.0, 0.0, {"eyeLookOutLeft": 0.5, "eyeLookInRight": 0.5}),  # character's left
    (-20.0, 0.0, {"eyeLookInLeft": 0.5, "eyeLookOutRight": 0.5}),  # character's right
    (10.0, 0.0, None),  # linear inside the range: 10 / EYE_YAW_MAX_DEG
    (0.0, 15.0, {"eyeLookUpLeft": 15.0 / EYE_UP_MAX_DEG, "eyeLookUpRight": 15.0 / EYE_UP_MAX_DEG}),
    (0.0, -20.0, {"eyeLookDownLeft": 20.0 / EYE_DOWN_MAX_DEG, "eyeLookDownRight": 20.0 / EYE_DOWN_MAX_DEG}),
    (90.0, 0.0, {"eyeLookOutLeft": 1.0, "eyeLookInRight": 1.0}),  # beyond the range: saturates
])
def test_gaze_drives_the_right_eye_look_shape_on_each_eye(yaw, pitch, expected):
    if expected is None:
        expected = {"eyeLookOutLeft": yaw / EYE_YAW_MAX_DEG, "eyeLookInRight": yaw / EYE_YAW_MAX_DEG}
    curves = get_rig("arkit").curves(with_gaze(yaw, pitch))
    for side in ("Left", "Right"):
        for direction in ("In", "Out", "Up", "Down"):
            name = f"eyeLook{direction}{side}"
            assert value(curves, name) == pytest.approx(expected.get(name, 0.0), abs=1e-6), name


def test_each_eye_follows_its_own_gaze():
    perf = still()
    perf.gaze[:, GAZE["leftYaw"]] = -20.0  # left eye looks to the character's right: towards the nose
    perf.gaze[:, GAZE["rightYaw"]] = 20.0  # right eye looks to the character's left: towards the nose
    curves = get_rig("arkit").curves(perf)
    assert value(curves, "eyeLookInLeft") == pytest.approx(0.5)
    assert value(curves, "eyeLookInRight") == pytest.approx(0.5)
    assert value(curves, "eyeLookOutLeft") == 0.0 and value(curves, "eyeLookOutRight") == 0.0


def test_gaze_and_animator_eye_look_columns_combine_by_max():
    perf = with_gaze(8.0, 0.0)  # gaze alone gives eyeLookOutLeft 0.2
    perf.expression[:, ARKIT_INDEX["eyeLookOutLeft"]] = 0.7
    perf.expression[:, ARKIT_INDEX["eyeLookInRight"]] = 0.1
    curves = get_rig("arkit").curves(perf)
    assert value(curves, "eyeLookOutLeft") == pytest.approx(0.7)
    assert value(curves, "eyeLookInRight") == pytest.approx(0.2)


def test_arkit_rotations_use_live_link_face_signs_in_degrees():
    perf = still()
    perf.head[:] = [10.0, 20.0, 5.0]  # pitch (nod down), yaw (to the character's left), roll
    perf.gaze[:] = [12.0, 6.0, -4.0, -8.0]
    curves = get_rig("arkit").curves(perf)
    got = {name: value(curves, name) for name in ROTATION_NAMES}
    assert got == pytest.approx({
        "headYaw": -20.0, "headPitch": 10.0, "headRoll": -5.0,
        "leftEyeYaw": -12.0, "leftEyePitch": -6.0, "leftEyeRoll": 0.0,
        "rightEyeYaw": 4.0, "rightEyePitch": 8.0, "rightEyeRoll": 0.0,
    })


# ---------------------------------------------------------------- metahuman names and tables

def test_metahuman_channels_are_raw_curves_then_head():
    names = get_rig("metahuman").channel_names
    assert names[-3:] == HEAD_CHANNELS == ("HeadPitch", "HeadYaw", "HeadRoll")
    raw = names[:-3]
    assert len(raw) == 241 and all(n.startswith(RAW) for n in raw)
    assert not any(n.startswith((RAW + "headTurn", RAW + "headTilt")) for n in raw)


@needs_reference
def test_metahuman_raw_curves_match_the_reference_order_without_neck_correctives():
    expected = [line.split("\t")[1] for line in (REFERENCE / "metahuman_raw_curves.txt").read_text().splitlines()
                if line.startswith("v1\t")]
    assert len(expected) == 259
    expected = [n for n in expected if not n.startswith((RAW + "headTurn", RAW + "headTilt"))]
    assert list(get_rig("metahuman").channel_names[:-3]) == expected


def test_board_channels_and_ranges():
    rig = get_rig("metahuman-board")
    names = rig.channel_names
    assert len(names) == 177 and names[-3:] == HEAD_CHANNELS
    assert names[0] == "CTRL_C_eye-translateX" and names[173] == "CTRL_neck_throatUpDown-translateY"
    ranges = {n: tuple(r) for n, r in zip(names, rig.ranges)}
    assert ranges["CTRL_C_jaw-translateY"] == (0.0, 1.0)
    assert ranges["CTRL_C_jaw-translateX"] == (-1.0, 1.0)
    assert ranges["CTRL_L_eye_blink-translateY"] == (-1.0, 1.0)
    assert sum(r == (0.0, 1.0) for r in list(ranges.values())[:174]) == 107
    assert sum(r == (-1.0, 1.0) for r in list(ranges.values())[:174]) == 67


@needs_reference
def test_board_order_and_ranges_match_the_reference():
    emoface = [line.split("\t")[1] for line in (REFERENCE / "emoface_controls_174.txt").read_text().splitlines()
               if line and not line.startswith("#")]
    rig = get_rig("metahuman-board")
    assert list(rig.channel_names[:174]) == emoface
    board = reference_rows("metahuman_faceboard_174.tsv")
    assert [r["channel"] for r in board] == emoface
    np.testing.assert_array_equal(rig.ranges[:174], [[float(r["min"]), float(r["max"])] for r in board])


def raw_from_board(settings: dict[str, float]) -> dict[str, float]:
    """Raw curves for a board with ``settings`` (others at rest), through the metahuman rig's own evaluation."""
    from emoanim.rigs.metahuman import mapping

    m = mapping()
    board = m.board_map.rest[None, :].copy()
    for name, v in settings.items():
        board[0, m.board_map.names.index(name)] = v
    return dict(zip(m.raw_names, m.raw(board)[0]))


@needs_reference
def test_every_linear_driven_key_of_the_reference_reaches_one_at_its_key():
    rows = [r for r in reference_rows("metahuman_gui_to_raw_v1.tsv")
            if r["gui_key_at_raw0"] != "PIECEWISE" and not r["gui_control"].startswith("LOC_")]
    assert len(rows) == 223
    attr = {"tx": "translateX", "ty": "translateY"}
    for r in rows:
        channel = f"{r['gui_control']}-{attr[r['attr']]}"
        key = float(r["gui_key_at_raw1"])
        raw = raw_from_board({channel: key})
        assert raw[r["raw_curve"]] == pytest.approx(1.0), r
        assert raw_from_board({channel: key / 2})[r["raw_curve"]] == pytest.approx(0.5), r
        assert raw_from_board({channel: -key})[r["raw_curve"]] == 0.0, r


def test_neck_swallow_phases_reproduce_their_breakpoints():
    phases = [f"{RAW}neckSwallowPh{i}" for i in range(1, 5)]
    peaks = {0.2: 0, 0.4: 1, 0.6: 2, 0.8: 3}
    for swallow, peak in peaks.items():
        raw = raw_from_board({"CTRL_C_neck_swallow-translateY": swallow})
        assert [raw[p] for p in phases] == pytest.approx([1.0 if i == peak else 0.0 for i in range(4)])
    for swallow in (0.0, 1.0):
        raw = raw_from_board({"CTRL_C_neck_swallow-translateY": swallow})
        assert [raw[p] for p in phases] == pytest.approx([0.0] * 4)
    raw = raw_from_board({"CTRL_C_neck_swallow-translateY": 0.3})  # half-way between phase 1 and 2
    assert [raw[p] for p in phases] == pytest.approx([0.5, 0.5, 0.0, 0.0])


def test_sticky_lip_phases_end_on_phase_three():
    raw = raw_from_board({"CTRL_L_mouth_lipSticky-translateY": 1.0})
    assert raw[RAW + "mouthLipsStickyLPh3"] == pytest.approx(1.0)
    assert raw[RAW + "mouthLipsStickyLPh1"] == 0.0 and raw[RAW + "mouthLipsStickyRPh3"] == 0.0


# ---------------------------------------------------------------- metahuman semantics

@pytest.mark.parametrize("weight", [0.3, 1.0])
def test_jaw_open_raises_the_jaw_control_and_curve(weight):
    board = get_rig("metahuman-board").curves(with_shape("jawOpen", weight))
    raw = get_rig("metahuman").curves(with_shape("jawOpen", weight))
    assert value(board, "CTRL_C_jaw-translateY") == pytest.approx(weight)
    assert value(raw, RAW + "jawOpen") == pytest.approx(weight)
    assert value(raw, RAW + "jawOpenExtreme") == 0.0


def test_raw_curves_rise_with_jaw_open_over_time():
    perf = still(10)
    perf.expression[:, ARKIT_INDEX["jawOpen"]] = np.linspace(0, 1, 10)
    curve = get_rig("metahuman").curves(perf).column(RAW + "jawOpen")
    assert np.all(np.diff(curve) > 0) and curve[-1] == pytest.approx(1.0)


@pytest.mark.parametrize("side", ["Left", "Right"])
def test_blink_closes_only_its_own_eye(side):
    own, other = ("L", "R") if side == "Left" else ("R", "L")
    raw = get_rig("metahuman").curves(with_shape(f"eyeBlink{side}"))
    assert value(raw, f"{RAW}eyeBlink{own}") == pytest.approx(1.0)
    assert value(raw, f"{RAW}eyeBlink{other}") == 0.0


def test_a_blink_still_closes_a_widened_eye():
    perf = with_shape("eyeWideLeft", 1.0)
    perf.expression[:, ARKIT_INDEX["eyeBlinkLeft"]] = 1.0
    raw = get_rig("metahuman").curves(perf)
    assert value(raw, RAW + "eyeBlinkL") == pytest.approx(1.0)
    assert value(raw, RAW + "eyeWidenL") == 0.0
    assert value(get_rig("metahuman").curves(with_shape("eyeWideLeft")), RAW + "eyeWidenL") == pytest.approx(1.0)


@pytest.mark.parametrize("yaw, pitch, expected", [
    (20.0, 0.0, {"eyeLookLeftL": 0.5, "eyeLookLeftR": 0.5}),
    (-40.0, 0.0, {"eyeLookRightL": 1.0, "eyeLookRightR": 1.0}),
    (0.0, 15.0, {"eyeLookUpL": 0.5, "eyeLookUpR": 0.5}),  # MetaHuman: 30 deg up is the full range
    (0.0, -20.0, {"eyeLookDownL": 0.5, "eyeLookDownR": 0.5}),  # 40 deg down is the full range
])
def test_gaze_drives_metahuman_eye_look_curves(yaw, pitch, expected):
    raw = get_rig("metahuman").curves(with_gaze(yaw, pitch))
    for direction in ("Left", "Right", "Up", "Down"):
        for eye in "LR":
            name = f"eyeLook{direction}{eye}"
            assert value(raw, RAW + name) == pytest.approx(expected.get(name, 0.0), abs=1e-6), name


def test_shared_gaze_goes_on_the_center_eye_control():
    board = get_rig("metahuman-board").curves(with_gaze(20.0, 15.0))
    assert value(board, "CTRL_C_eye-translateX") == pytest.approx(0.5)
    assert value(board, "CTRL_C_eye-translateY") == pytest.approx(0.5)
    for name in ("CTRL_L_eye-translateX", "CTRL_L_eye-translateY", "CTRL_R_eye-translateX", "CTRL_R_eye-translateY"):
        assert value(board, name) == pytest.approx(0.0, abs=1e-6)


def test_converging_eyes_use_the_per_eye_controls():
    perf = still()
    perf.gaze[:] = [-10.0, 12.0, 10.0, -8.0]  # both eyes turn to the nose; left looks up, right down
    board = get_rig("metahuman-board").curves(perf)
    raw = get_rig("metahuman").curves(perf)
    assert value(board, "CTRL_C_eye-translateX") == pytest.approx(0.0, abs=1e-6)
    assert value(board, "CTRL_L_eye-translateX") == pytest.approx(-0.25)
    assert value(board, "CTRL_R_eye-translateX") == pytest.approx(0.25)
    assert value(raw, RAW + "eyeLookRightL") == pytest.approx(0.25)
    assert value(raw, RAW + "eyeLookLeftR") == pytest.approx(0.25)
    assert value(raw, RAW + "eyeLookUpL") == pytest.approx(12.0 / 30.0)  # the split is exact in degrees
    assert value(raw, RAW + "eyeLookDownR") == pytest.approx(8.0 / 40.0)
    assert value(raw, RAW + "eyeLookDownL") == 0.0 and value(raw, RAW + "eyeLookUpR") == 0.0


@pytest.mark.parametrize("rig_name", ["metahuman", "metahuman-board"])
def test_head_rotation_passes_through(rig_name):
    perf = random_performance(5, frames=20)
    curves = get_rig(rig_name).curves(perf)
    for channel, source in zip(HEAD_CHANNELS, ("pitch", "yaw", "roll")):
        np.testing.assert_allclose(curves.column(channel), perf.head[:, HEAD[source]], rtol=1e-6)


def test_left_is_the_characters_left_on_both_rigs():
    raw = get_rig("metahuman").curves(with_shape("mouthSmileLeft"))
    board = get_rig("metahuman-board").curves(with_shape("mouthSmileLeft"))
    assert value(board, "CTRL_L_mouth_cornerPull-translateY") == pytest.approx(1.0)
    assert value(raw, RAW + "mouthCornerPullL") == pytest.approx(1.0)
    assert value(raw, RAW + "mouthCornerPullR") == 0.0


@pytest.mark.parametrize("shape", ARKIT_NAMES)
def test_every_arkit_shape_moves_the_metahuman_face(shape):
    raw = get_rig("metahuman").curves(with_shape(shape))
    assert raw.values[:, :-3].max() > 0.2, f"{shape} activates no raw curve"


# Epic's own ARKit -> MetaHuman pose asset (reference only) has no MouthClose pose; every other pose's strongest
# raw curve is among the curves our board mapping activates.
NOT_IN_EPIC_POSE_ASSET = {"mouthClose"}


@needs_reference
def test_strongest_epic_pose_curve_is_among_ours():
    epic: dict[str, dict[str, float]] = {}
    for r in reference_rows("arkit_to_metahuman_posemap.tsv"):
        epic.setdefault(r["arkit_pose"], {})[r["metahuman_curve"]] = float(r["weight"])
    rig = get_rig("metahuman")
    disagree = []
    for shape in ARKIT_NAMES:
        pose = epic.get(shape[0].upper() + shape[1:])
        if pose is None:
            assert shape in NOT_IN_EPIC_POSE_ASSET
            continue
        curves = rig.curves(with_shape(shape))
        ours = {n for n, v in zip(curves.names, curves.values[0]) if n.startswith(RAW) and v > 0.05}
        strongest = {n for n, w in pose.items() if w == max(pose.values())}
        if not strongest & ours:
            disagree.append(shape)
    assert disagree == []
