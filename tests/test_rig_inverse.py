"""The way back from a rig's curves to a `Performance`: ``rig.performance(curves)`` and ``through_rig``.

Tolerances. Curves are float32, so a weight in [0, 1] carries up to 6e-8 of rounding and an angle of 40 degrees up
to 4e-6 degrees. ARKit is inverted exactly: shapes to 1e-6, angles to 1e-4 degrees. MetaHuman goes through the board
and a bounded least-squares solve: shapes to `SHAPE_TOL` (measured worst: 6e-8 over 1800 random frames), gaze and
head to `ANGLE_TOL` (measured worst: 1e-6 degrees); the brief's bound for a preview is 0.5 degrees.

What MetaHuman cannot tell apart (and so is excluded from the per-shape comparison, with its own test):
- ``eyeLook*``: one eye direction per eye, read back as gaze; the shapes return 0.
- jawLeft/jawRight, mouthLeft/mouthRight: each pair drives one slider in opposite directions; only the net returns.
- eyeBlink/eyeWide on one eye: one slider; a widen under a blink is gated away by the forward map.
"""
from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import lsq_linear

from emoanim.errors import InputError
from emoanim.motion.channels import ARKIT_INDEX, ARKIT_NAMES, GAZE_NAMES, HEAD_NAMES
from emoanim.motion.performance import Performance
from emoanim.rigs import Curves, get_rig, through_rig
from emoanim.rigs.arkit import EYE_DOWN_MAX_DEG, EYE_UP_MAX_DEG, EYE_YAW_MAX_DEG, ROTATION_NAMES
from emoanim.rigs.box_lsq import BoxLeastSquares
from emoanim.rigs.metahuman import mapping
from emoanim.rigs.metahuman import inverse as metahuman_inverse

METAHUMAN_RIGS = ["metahuman", "metahuman-board"]
SHAPE_TOL = 1e-5
ANGLE_TOL = 1e-3
GAZE = {name: i for i, name in enumerate(GAZE_NAMES)}
HEAD = {name: i for i, name in enumerate(HEAD_NAMES)}
EYE_LOOK = [name for name in ARKIT_NAMES if name.startswith("eyeLook")]
SLIDER_PAIRS = [("jawLeft", "jawRight"), ("mouthLeft", "mouthRight"),
                ("eyeBlinkLeft", "eyeWideLeft"), ("eyeBlinkRight", "eyeWideRight")]
SEPARABLE = [name for name in ARKIT_NAMES if name not in EYE_LOOK]


def still(frames: int = 3, fps: float = 30.0, **metadata) -> Performance:
    return Performance.still(frames, fps, **metadata)


def one_hot(name: str, weight: float = 0.7) -> Performance:
    perf = still()
    perf.expression[:, ARKIT_INDEX[name]] = weight
    return perf


def separable_random(seed: int, frames: int) -> Performance:
    """Random shapes in [0, 1] that MetaHuman can tell apart: one of each slider pair per frame, no eyeLook*."""
    rng = np.random.default_rng(seed)
    perf = still(frames, 30.0, seed=seed)
    perf.expression[:] = rng.uniform(0.0, 1.0, perf.expression.shape)
    for first, second in SLIDER_PAIRS:
        pick = rng.random(frames) < 0.5
        perf.expression[pick, ARKIT_INDEX[first]] = 0.0
        perf.expression[~pick, ARKIT_INDEX[second]] = 0.0
    perf.expression[:, [ARKIT_INDEX[name] for name in EYE_LOOK]] = 0.0
    perf.gaze[:] = rng.uniform(-20.0, 20.0, perf.gaze.shape)
    perf.head[:] = rng.uniform(-30.0, 30.0, perf.head.shape)
    return perf


def speech_like(frames: int = 120) -> Performance:
    """Jaw cycling at a syllable rate, bilabial closures, rounding, a blink and a saccade, a nodding head."""
    perf = still(frames, 30.0)
    t = perf.times
    e = perf.expression
    e[:, ARKIT_INDEX["jawOpen"]] = 0.15 + 0.15 * np.sin(2 * np.pi * 4.0 * t)  # ~4 syllables/s
    closure = (np.sin(2 * np.pi * 1.5 * t) > 0.8).astype(np.float32)
    e[:, ARKIT_INDEX["mouthClose"]] = closure * e[:, ARKIT_INDEX["jawOpen"]]  # lips sealed: m/b/p
    e[:, ARKIT_INDEX["mouthPressLeft"]] = e[:, ARKIT_INDEX["mouthPressRight"]] = 0.3 * closure
    e[:, ARKIT_INDEX["mouthFunnel"]] = np.clip(np.sin(2 * np.pi * 0.7 * t), 0, 1) * 0.6
    e[:, ARKIT_INDEX["mouthPucker"]] = np.clip(-np.sin(2 * np.pi * 0.7 * t), 0, 1) * 0.5
    e[:, ARKIT_INDEX["mouthSmileLeft"]] = e[:, ARKIT_INDEX["mouthSmileRight"]] = 0.4
    e[:, ARKIT_INDEX["mouthLowerDownLeft"]] = e[:, ARKIT_INDEX["mouthLowerDownRight"]] = 0.2
    blink = np.exp(-0.5 * ((t - 2.0) / 0.05) ** 2)
    e[:, ARKIT_INDEX["eyeBlinkLeft"]] = e[:, ARKIT_INDEX["eyeBlinkRight"]] = blink
    perf.gaze[:, [GAZE["leftYaw"], GAZE["rightYaw"]]] = np.where(t > 1.0, 20.0, -20.0)[:, None]
    perf.gaze[:, [GAZE["leftPitch"], GAZE["rightPitch"]]] = np.where(t > 3.0, -20.0, 10.0)[:, None]
    perf.head[:, HEAD["pitch"]] = 8.0 * np.sin(2 * np.pi * 0.5 * t)
    perf.head[:, HEAD["yaw"]] = 15.0 * np.sin(2 * np.pi * 0.3 * t)
    perf.head[:, HEAD["roll"]] = -5.0
    return perf


def round_trip(rig_name: str, perf: Performance) -> tuple[Performance, Curves, Curves]:
    """The performance read back from the rig's curves, the curves, and the curves of what was read back."""
    rig = get_rig(rig_name)
    curves = rig.curves(perf)
    back = rig.performance(curves)
    return back, curves, rig.curves(back)


def shape_errors(perf: Performance, back: Performance, names: list[str]) -> dict[str, tuple[float, float]]:
    """Per shape: (max, mean) absolute error."""
    errors = {}
    for name in names:
        diff = np.abs(back.expression[:, ARKIT_INDEX[name]] - np.clip(perf.expression[:, ARKIT_INDEX[name]], 0, 1))
        errors[name] = (float(diff.max()), float(diff.mean()))
    return errors


# ---------------------------------------------------------------- the bounded solver itself

@pytest.mark.parametrize("seed", range(6))
def test_box_least_squares_matches_scipy_including_clipped_targets(seed):
    rng = np.random.default_rng(seed)
    shapes, channels, frames = 3, 5, 25
    weights = rng.normal(size=(shapes, channels)) * (rng.random((shapes, channels)) < 0.7)
    weights[0, 0] = weights[1, 0] = 1.0  # a shared channel that two shapes can push past its limit
    solver = BoxLeastSquares.build(weights, censorable=(0,))
    target = rng.uniform(-1.5, 1.5, (frames, channels))
    side = np.zeros((frames, channels), dtype=int)
    side[::3, 0] = 1  # these targets sit at an upper limit: the fit need only reach them
    ours = solver.solve(target, side)
    assert np.all((ours >= 0) & (ours <= 1))
    for t in range(frames):
        censored = side[t, 0] == 1
        # scipy's form: weights plus one slack s >= 0 that lifts the censored target (fit - s = target)
        a = np.concatenate([weights.T, -np.eye(channels)[:, :1] * censored], axis=1)
        bounds = ([0.0] * shapes + [0.0], [1.0] * shapes + [np.inf])
        reference = lsq_linear(a, target[t], bounds=bounds, method="bvls", tol=1e-12)
        residual = ours[t] @ weights - target[t]
        if censored:
            residual[0] = min(residual[0], 0.0)
        assert np.sum(residual ** 2) == pytest.approx(2 * reference.cost, abs=1e-9)


def test_box_least_squares_gives_a_tied_pair_the_smaller_weights():
    solver = BoxLeastSquares.build(np.array([[1.0], [-1.0]]))  # jawRight / jawLeft on one slider
    np.testing.assert_allclose(solver.solve(np.array([[0.4], [-0.25], [0.0]])),
                               [[0.4, 0.0], [0.0, 0.25], [0.0, 0.0]], atol=1e-9)


# ---------------------------------------------------------------- arkit: exact

def test_arkit_round_trip_is_exact():
    rng = np.random.default_rng(0)
    perf = still(200, 60.0, animator="phonetic", seed=4)
    perf.expression[:] = rng.uniform(-0.2, 1.2, perf.expression.shape)
    perf.gaze[:] = rng.uniform(-35.0, 35.0, perf.gaze.shape)
    perf.head[:] = rng.uniform(-40.0, 40.0, perf.head.shape)
    perf.head_translation[:] = 2.0
    back, curves, again = round_trip("arkit", perf)
    assert back.fps == 60.0 and back.frames == 200
    assert back.metadata == {"animator": "phonetic", "seed": 4}
    np.testing.assert_allclose(back.head, perf.head, atol=1e-4)
    np.testing.assert_allclose(back.gaze, perf.gaze, atol=1e-4)
    assert not np.any(back.head_translation), "ARKit carries no head translation"
    expected = np.clip(perf.expression, 0.0, 1.0)
    others = [ARKIT_INDEX[name] for name in SEPARABLE]
    np.testing.assert_allclose(back.expression[:, others], expected[:, others], atol=1e-6)
    np.testing.assert_allclose(again.values, curves.values, atol=1e-6)


def test_arkit_eye_look_weights_the_gaze_explains_come_back_zero():
    perf = still()
    perf.gaze[:] = [20.0, 0.0, 20.0, 0.0]  # both eyes to the character's left: eyeLookOutLeft = eyeLookInRight = 0.5
    perf.expression[:, ARKIT_INDEX["eyeLookOutLeft"]] = 0.3  # under the gaze's own 0.5: merged away by max
    perf.expression[:, ARKIT_INDEX["eyeLookInRight"]] = 0.8  # over it: the animator's, kept
    perf.expression[:, ARKIT_INDEX["eyeLookUpLeft"]] = 0.4  # nothing from the gaze: kept
    back, curves, again = round_trip("arkit", perf)
    row = dict(zip(ARKIT_NAMES, back.expression[0]))
    assert row["eyeLookOutLeft"] == 0.0
    assert row["eyeLookInRight"] == pytest.approx(0.8)
    assert row["eyeLookUpLeft"] == pytest.approx(0.4)
    np.testing.assert_allclose(back.gaze, perf.gaze, atol=1e-4)
    np.testing.assert_allclose(again.values, curves.values, atol=1e-6)


def capture(shapes: dict[str, float], with_rotations: bool) -> Curves:
    """ARKit curves as a shape-only capture writes them: eye rotations zero, or no rotation channels at all."""
    names = list(ARKIT_NAMES) + (list(ROTATION_NAMES) if with_rotations else [])
    values = np.zeros((4, len(names)), np.float32)
    for name, weight in shapes.items():
        values[:, names.index(name)] = weight
    return Curves(names=names, fps=30.0, values=values, rig="arkit", metadata={"source": "capture.csv"})


@pytest.mark.parametrize("with_rotations", [True, False])
def test_arkit_gaze_comes_from_eye_look_when_the_eye_rotations_are_missing_or_zero(with_rotations):
    curves = capture({"eyeLookOutLeft": 0.5, "eyeLookInRight": 0.25, "eyeLookDownLeft": 0.5,
                      "eyeLookUpRight": 1.0, "jawOpen": 0.4}, with_rotations)
    back = get_rig("arkit").performance(curves)
    np.testing.assert_allclose(back.gaze[0], [0.5 * EYE_YAW_MAX_DEG, -0.5 * EYE_DOWN_MAX_DEG,
                                              0.25 * EYE_YAW_MAX_DEG, EYE_UP_MAX_DEG], atol=1e-4)
    assert back.expression[0, ARKIT_INDEX["jawOpen"]] == pytest.approx(0.4)
    assert not np.any(back.expression[:, [ARKIT_INDEX[name] for name in EYE_LOOK]]), "explained by the gaze"
    assert not np.any(back.head) and back.metadata == {"source": "capture.csv"}
    np.testing.assert_allclose(get_rig("arkit").curves(back).values[:, :52], curves.values[:, :52], atol=1e-6)


def test_arkit_eye_rotations_win_over_eye_look_when_both_are_set():
    curves = capture({"eyeLookOutLeft": 0.5, "leftEyeYaw": 10.0}, with_rotations=True)
    back = get_rig("arkit").performance(curves)
    assert back.gaze[0, GAZE["leftYaw"]] == pytest.approx(-10.0)  # Live Link + yaw = the character's right


def test_arkit_inverse_names_what_is_missing():
    names = [name for name in ARKIT_NAMES if name != "jawOpen"]
    curves = Curves(names=names, fps=30.0, values=np.zeros((2, 51), np.float32), rig="arkit")
    with pytest.raises(InputError, match="lack 1 channels of the arkit rig.*jawOpen"):
        get_rig("arkit").performance(curves)
    partial = Curves(names=list(ARKIT_NAMES) + ["headYaw"], fps=30.0, values=np.zeros((2, 53), np.float32), rig="x")
    with pytest.raises(InputError, match="only some of the channels.*headPitch"):
        get_rig("arkit").performance(partial)


# ---------------------------------------------------------------- metahuman: shapes, gaze, head

@pytest.mark.parametrize("rig_name", METAHUMAN_RIGS)
def test_metahuman_one_hot_shapes_come_back_alone(rig_name):
    for name in SEPARABLE:
        back, curves, again = round_trip(rig_name, one_hot(name))
        expected = np.zeros(len(ARKIT_NAMES))
        expected[ARKIT_INDEX[name]] = 0.7
        np.testing.assert_allclose(back.expression[0], expected, atol=SHAPE_TOL, err_msg=name)
        assert np.abs(back.gaze).max() < ANGLE_TOL, name


@pytest.mark.parametrize("rig_name", METAHUMAN_RIGS)
@pytest.mark.parametrize("name, gaze", [
    ("eyeLookOutLeft", {"leftYaw": 0.7 * EYE_YAW_MAX_DEG}), ("eyeLookInLeft", {"leftYaw": -0.7 * EYE_YAW_MAX_DEG}),
    ("eyeLookInRight", {"rightYaw": 0.7 * EYE_YAW_MAX_DEG}), ("eyeLookOutRight", {"rightYaw": -0.7 * EYE_YAW_MAX_DEG}),
    ("eyeLookUpLeft", {"leftPitch": 0.7 * EYE_UP_MAX_DEG}), ("eyeLookDownRight", {"rightPitch": -0.7 * EYE_DOWN_MAX_DEG}),
])
def test_metahuman_eye_look_shapes_come_back_as_gaze(rig_name, name, gaze):
    back, curves, again = round_trip(rig_name, one_hot(name))
    expected = [gaze.get(channel, 0.0) for channel in GAZE_NAMES]
    np.testing.assert_allclose(back.gaze[0], expected, atol=ANGLE_TOL)
    assert not np.any(back.expression)
    np.testing.assert_allclose(again.values, curves.values, atol=SHAPE_TOL)


@pytest.mark.parametrize("rig_name", METAHUMAN_RIGS)
def test_metahuman_random_separable_performance_round_trips(rig_name):
    perf = separable_random(1, frames=300)
    back, curves, again = round_trip(rig_name, perf)
    errors = shape_errors(perf, back, SEPARABLE)
    worst = sorted(errors.items(), key=lambda item: -item[1][0])[:5]
    assert max(e[0] for e in errors.values()) < SHAPE_TOL, f"worst shapes (max, mean): {worst}"
    np.testing.assert_allclose(back.gaze, perf.gaze, atol=ANGLE_TOL)
    np.testing.assert_allclose(back.head, perf.head, atol=ANGLE_TOL)
    assert back.metadata == {"seed": 1} and back.fps == 30.0
    np.testing.assert_allclose(again.values, curves.values, atol=SHAPE_TOL)


@pytest.mark.parametrize("rig_name", METAHUMAN_RIGS)
def test_metahuman_speech_like_sequence_round_trips(rig_name):
    perf = speech_like()
    back, curves, again = round_trip(rig_name, perf)
    np.testing.assert_allclose(back.expression, perf.expression, atol=SHAPE_TOL)
    assert np.abs(back.gaze - perf.gaze).max() < 0.5 and np.abs(back.head - perf.head).max() < 0.5
    np.testing.assert_allclose(back.gaze, perf.gaze, atol=ANGLE_TOL)


@pytest.mark.parametrize("rig_name", ["arkit"] + METAHUMAN_RIGS)
def test_bilabial_closure_survives_the_round_trip(rig_name):
    perf = still()
    perf.expression[:, ARKIT_INDEX["jawOpen"]] = 0.3
    perf.expression[:, ARKIT_INDEX["mouthClose"]] = 0.3
    back, _, _ = round_trip(rig_name, perf)
    aperture = back.expression[:, ARKIT_INDEX["jawOpen"]] - back.expression[:, ARKIT_INDEX["mouthClose"]]
    assert np.all(aperture <= 0.05)
    assert back.expression[0, ARKIT_INDEX["jawOpen"]] == pytest.approx(0.3, abs=SHAPE_TOL)


@pytest.mark.parametrize("rig_name", METAHUMAN_RIGS)
def test_clipped_brow_controls_still_give_the_brow_shapes(rig_name):
    perf = still()
    perf.expression[:, ARKIT_INDEX["browInnerUp"]] = 0.9
    perf.expression[:, ARKIT_INDEX["browOuterUpLeft"]] = 0.8  # browRaiseInL = 0.9 + 0.3 * 0.8, clipped to 1
    perf.expression[:, ARKIT_INDEX["browDownRight"]] = 0.2
    back, _, _ = round_trip(rig_name, perf)
    np.testing.assert_allclose(back.expression, perf.expression, atol=SHAPE_TOL)


@pytest.mark.parametrize("rig_name", METAHUMAN_RIGS)
def test_what_metahuman_cannot_separate_comes_back_as_the_net_and_looks_the_same(rig_name):
    perf = still(2)
    perf.expression[:, ARKIT_INDEX["jawLeft"]] = 0.3
    perf.expression[:, ARKIT_INDEX["jawRight"]] = 0.5
    perf.expression[0, ARKIT_INDEX["eyeBlinkLeft"]] = 1.0  # a full blink over a widened eye
    perf.expression[:, ARKIT_INDEX["eyeWideLeft"]] = 0.4
    perf.expression[:, ARKIT_INDEX["eyeLookUpRight"]] = 0.5  # no gaze: the eye direction is this shape
    back, curves, again = round_trip(rig_name, perf)
    row0, row1 = (dict(zip(ARKIT_NAMES, back.expression[i])) for i in range(2))
    assert row0["jawRight"] == pytest.approx(0.2, abs=SHAPE_TOL) and row0["jawLeft"] == 0.0
    assert row0["eyeBlinkLeft"] == pytest.approx(1.0) and row0["eyeWideLeft"] == 0.0
    assert row1["eyeWideLeft"] == pytest.approx(0.4) and row1["eyeBlinkLeft"] == 0.0
    assert back.gaze[0, GAZE["rightPitch"]] == pytest.approx(0.5 * EYE_UP_MAX_DEG, abs=ANGLE_TOL)
    np.testing.assert_allclose(again.values, curves.values, atol=SHAPE_TOL)


@pytest.mark.parametrize("rig_name", METAHUMAN_RIGS)
def test_any_performance_reads_back_to_the_same_curves(rig_name):
    rng = np.random.default_rng(7)
    perf = still(150, 30.0)
    perf.expression[:] = rng.uniform(-0.2, 1.2, perf.expression.shape)  # every shape, pairs and all
    perf.gaze[:] = rng.uniform(-60.0, 60.0, perf.gaze.shape)  # past the eye's range: saturates
    perf.head[:] = rng.uniform(-40.0, 40.0, perf.head.shape)
    back, curves, again = round_trip(rig_name, perf)
    assert np.all((back.expression >= 0) & (back.expression <= 1))
    np.testing.assert_allclose(again.values, curves.values, atol=SHAPE_TOL)


# ---------------------------------------------------------------- metahuman: raw -> board, and foreign input

def test_raw_curves_give_back_any_board_within_its_ranges():
    """Board values not made from ARKit (as a model predicting raw curves could give), sticky phases included."""
    m, inv = mapping(), metahuman_inverse()
    names = m.board_map.names
    rng = np.random.default_rng(3)
    board = rng.uniform(m.board_map.low, m.board_map.high, (400, len(names)))
    idle = [i for i, name in enumerate(names) if "neckCorrectivesMultiplyer" in name]  # drive no curve
    board[:, idle] = m.board_map.rest[idle]
    eye = [i for i, name in enumerate(names) if name.split("-")[0] in ("CTRL_C_eye", "CTRL_L_eye", "CTRL_R_eye")]
    center = [i for i in eye if names[i].startswith("CTRL_C_")]
    board[:, center] = 0.0  # each eye within its own reach, then shared out as the rig does
    m.share_eye_direction(board)
    back = inv.board(m.raw(board))
    np.testing.assert_allclose(back, board, atol=1e-9)
    np.testing.assert_allclose(inv.gaze(back), inv.gaze(board), atol=1e-6)


def test_board_curves_from_a_model_are_limited_and_read_back_without_head_channels():
    rig = get_rig("metahuman-board")
    names = list(mapping().board_map.names)
    rng = np.random.default_rng(5)
    values = rng.normal(0.0, 0.8, (60, len(names))).astype(np.float32)  # noisy, often out of range
    back = rig.performance(Curves(names=names, fps=25.0, values=values, rig="emoface"))
    assert back.frames == 60 and back.fps == 25.0
    assert np.all(np.isfinite(back.expression)) and np.all((back.expression >= 0) & (back.expression <= 1))
    assert not np.any(back.head)
    assert np.all(np.abs(back.gaze[:, [GAZE["leftYaw"], GAZE["rightYaw"]]]) <= EYE_YAW_MAX_DEG + 1e-6)


@pytest.mark.parametrize("rig_name", METAHUMAN_RIGS)
def test_metahuman_inverse_names_missing_channels(rig_name):
    rig = get_rig(rig_name)
    names = list(rig.channel_names)
    curves = Curves(names=names[1:], fps=30.0, values=np.zeros((2, len(names) - 1), np.float32), rig=rig_name)
    with pytest.raises(InputError, match=f"channels of the {rig_name} rig.*{names[0]}"):
        rig.performance(curves)
    bad = Curves(names=names, fps=30.0, values=np.full((2, len(names)), np.nan, np.float32), rig=rig_name)
    with pytest.raises(InputError, match="NaN"):
        rig.performance(bad)


# ---------------------------------------------------------------- through_rig

def test_through_landmarks_is_an_unchanged_copy():
    perf = speech_like(10)
    perf.head_translation[:] = 1.5
    seen = through_rig(perf, "landmarks")
    assert seen is not perf
    for field in ("expression", "head", "head_translation", "gaze"):
        np.testing.assert_array_equal(getattr(seen, field), getattr(perf, field))


@pytest.mark.parametrize("rig_name", ["arkit"] + METAHUMAN_RIGS)
def test_through_rig_shows_what_the_rig_exports_and_is_idempotent(rig_name):
    perf = still(4)
    perf.expression[:, ARKIT_INDEX["jawLeft"]] = 0.2
    perf.expression[:, ARKIT_INDEX["jawRight"]] = 0.6
    perf.expression[:, ARKIT_INDEX["mouthSmileLeft"]] = 1.4
    perf.head_translation[:] = 3.0
    perf.gaze[:] = [70.0, 0.0, 70.0, 0.0]  # past the eye's range
    seen = through_rig(perf, rig_name)
    assert seen.expression[0, ARKIT_INDEX["mouthSmileLeft"]] == pytest.approx(1.0)
    assert not np.any(seen.head_translation)
    if rig_name == "arkit":
        assert seen.expression[0, ARKIT_INDEX["jawLeft"]] == pytest.approx(0.2)  # ARKit keeps both
        assert seen.gaze[0, GAZE["leftYaw"]] == pytest.approx(70.0, abs=1e-4)  # an unclipped rotation channel
    else:
        assert seen.expression[0, ARKIT_INDEX["jawLeft"]] == 0.0  # one slider: only the net
        assert seen.expression[0, ARKIT_INDEX["jawRight"]] == pytest.approx(0.4, abs=SHAPE_TOL)
        assert seen.gaze[0, GAZE["leftYaw"]] == pytest.approx(EYE_YAW_MAX_DEG, abs=ANGLE_TOL)  # the eye's range
    twice = through_rig(seen, rig_name)
    np.testing.assert_allclose(twice.expression, seen.expression, atol=SHAPE_TOL)
    np.testing.assert_allclose(twice.gaze, seen.gaze, atol=ANGLE_TOL)
