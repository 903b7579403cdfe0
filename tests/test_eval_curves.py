"""Curves against ground truth: rig mapping, frame rates, per-region r/RMSE, LVE/MVE/FDD, the FACEGOOD table."""
from __future__ import annotations

import numpy as np
import pytest

from emoanim.eval import vertex_metrics
from emoanim.eval.curves_compare import (
    GROUPS,
    arkit_weights,
    compare_arkit,
    compare_curves,
    facegood_table,
    group_scores,
    guess_rig,
    load_curves,
    read_facegood,
)
from emoanim.motion.channels import ARKIT_INDEX, ARKIT_NAMES
from emoanim.motion.performance import Performance
from emoanim.rigs import get_rig
from emoanim.rigs.curves import Curves


def moving_performance(seconds: float, fps: float) -> Performance:
    """Jaw, smile and brows moving at different rates, defined in continuous time (so any fps samples the same)."""
    perf = Performance.still(int(round(seconds * fps)), fps)
    t = perf.times
    perf.expression[:, ARKIT_INDEX["jawOpen"]] = 0.3 + 0.25 * np.sin(2 * np.pi * 2.0 * t)
    perf.expression[:, ARKIT_INDEX["mouthSmileLeft"]] = 0.3 + 0.2 * np.sin(2 * np.pi * 0.7 * t)
    perf.expression[:, ARKIT_INDEX["browInnerUp"]] = 0.2 + 0.2 * np.sin(2 * np.pi * 0.3 * t)
    perf.expression[:, ARKIT_INDEX["eyeBlinkLeft"]] = 0.5 + 0.5 * np.sin(2 * np.pi * 0.5 * t) ** 9
    return perf


def test_identical_curves_give_r_one_rmse_zero_and_zero_vertex_errors():
    curves = get_rig("arkit").curves(moving_performance(2.0, 30.0))
    result = compare_curves(curves, curves)
    for name in ("jaw", "lips", "brows"):
        assert result.group(name).r == pytest.approx(1.0)
        assert result.group(name).rmse == pytest.approx(0.0, abs=1e-9)
    assert result.lve_mm == result.mve_mm == result.fdd_mm2 == 0.0


def test_60_fps_prediction_matches_30_fps_truth_of_the_same_motion():
    truth = get_rig("arkit").curves(moving_performance(2.0, 30.0))
    pred = get_rig("arkit").curves(moving_performance(2.0, 60.0))
    result = compare_curves(pred, truth)
    assert result.frames == truth.frames and result.fps == 30.0
    assert result.group("jaw").r > 0.999 and result.group("jaw").rmse < 1e-3
    assert any("resampled" in note for note in result.notes)


def test_metahuman_prediction_is_read_back_through_the_rig_inverse():
    perf = moving_performance(2.0, 30.0)
    truth = get_rig("arkit").curves(perf)
    pred = get_rig("metahuman").curves(perf)
    assert guess_rig(Curves(pred.names, pred.fps, pred.values, rig="unknown")) == "metahuman"
    result = compare_curves(pred, truth)
    assert result.group("jaw").r > 0.99
    assert result.group("lips").r > 0.95


def test_unrelated_motion_scores_low_and_shifted_jaw_raises_rmse():
    fps, t = 30.0, np.arange(90) / 30.0
    a = np.zeros((90, 52))
    b = np.zeros((90, 52))
    a[:, ARKIT_INDEX["jawOpen"]] = 0.3 + 0.2 * np.sin(2 * np.pi * 2 * t)
    b[:, ARKIT_INDEX["jawOpen"]] = 0.3 + 0.2 * np.cos(2 * np.pi * 2 * t)
    jaw = group_scores(a, b)[0]
    assert jaw.group == "jaw" and abs(jaw.r) < 0.1 and jaw.correlated == 1
    assert jaw.rmse == pytest.approx(np.sqrt(np.mean((a - b)[:, ARKIT_INDEX["jawOpen"]] ** 2) / 5))
    result = compare_arkit(a, b, fps)
    assert result.lve_mm > 1.0  # a jaw difference of up to 0.4 moves the lips by millimetres


def test_vertex_metrics_on_hand_made_sequences():
    truth = np.zeros((4, 3, 3))
    pred = truth.copy()
    pred[:, 0, 0] = [1.0, 2.0, 0.0, 1.0]  # vertex 0 off by these distances
    pred[:, 2, 1] = 0.5  # vertex 2 off by 0.5 in every frame
    lips = np.array([0, 1])
    assert vertex_metrics.lve(pred, truth, lips) == pytest.approx(np.mean([1, 4, 0, 1]))
    assert vertex_metrics.lve_distance(pred, truth, lips) == pytest.approx(1.0)
    assert vertex_metrics.mve(pred, truth) == pytest.approx((1 + 2 + 0 + 1 + 4 * 0.5) / 12)
    # FDD: the truth's upper vertex moves, the prediction's stands still -> positive; swapped -> negative.
    template = np.zeros((3, 3))
    moving = truth.copy()
    moving[:, 1, 2] = [0.0, 1.0, 0.0, 1.0]
    upper = np.array([1])
    assert vertex_metrics.fdd(truth, moving, template, upper) == pytest.approx(0.5)
    assert vertex_metrics.fdd(moving, truth, template, upper) == pytest.approx(-0.5)
    assert vertex_metrics.fdd(moving, moving, template, upper) == 0.0


def test_facegood_table_covers_all_116_shapes_with_real_arkit_targets():
    names, matrix = facegood_table()
    assert len(names) == 116 and len(set(names)) == 116
    assert matrix.shape == (116, 52)
    jaw = matrix[names.index("mouth_stretch_c")]
    assert jaw[ARKIT_INDEX["jawOpen"]] == 1.0 and jaw.sum() == 1.0
    # Four funnel quadrants at full weight make one full funnel; the two pucker halves one pucker.
    quadrants = [names.index(f"mouth_funnel_{q}") for q in ("dl", "dr", "ul", "ur")]
    assert matrix[quadrants, ARKIT_INDEX["mouthFunnel"]].sum() == pytest.approx(1.0)
    assert matrix[names.index("mouth_lipCornerPull_l"), ARKIT_INDEX["mouthSmileLeft"]] == 1.0
    assert not matrix[[i for i, n in enumerate(names) if n.startswith("tongue")]].any()


def test_facegood_arrays_are_read_one_column_shifted(tmp_path):
    names, _ = facegood_table()
    values = np.zeros((5, 116))
    values[:, names.index("mouth_stretch_c") + 1] = 0.4  # where the takes store the jaw
    np.save(tmp_path / "take.npy", values)
    curves = load_curves(tmp_path / "take.npy")
    assert curves.rig == "facegood" and curves.fps == 30.0
    weights = arkit_weights(curves)
    np.testing.assert_allclose(weights[:, ARKIT_INDEX["jawOpen"]], 0.4)
    assert weights.sum() == pytest.approx(5 * 0.4)


def test_curves_from_files_round_trip_through_the_readers(tmp_path):
    from emoanim.export import write

    curves = get_rig("arkit").curves(moving_performance(1.0, 30.0))
    write(curves, tmp_path / "a.csv", "csv")
    write(curves, tmp_path / "a.npz", "npz")
    result = compare_curves(load_curves(tmp_path / "a.csv"), load_curves(tmp_path / "a.npz"))
    assert result.group("jaw").rmse < 1e-5


def test_groups_partition_named_arkit_regions():
    grouped = [n for names in GROUPS.values() for n in names]
    assert len(grouped) == len(set(grouped))
    assert set(grouped) <= set(ARKIT_NAMES)
    assert "jawOpen" in GROUPS["jaw"] and "eyeBlinkLeft" in GROUPS["eyes"] and "mouthSmileLeft" in GROUPS["lips"]


@pytest.mark.shared_data
def test_facegood_symmetric_pairs_line_up_only_after_the_shift(shared_data):
    """The evidence for the column shift: left/right pairs are identical columns in the shifted reading."""
    curves = read_facegood(shared_data / "facegood" / "bs_value" / "bs_value_1114_3_15.npy")
    for pair in (("mouth_funnel_dl", "mouth_funnel_dr"), ("mouth_suck_ul", "mouth_suck_ur"),
                 ("mouth_lipCornerPull_l", "mouth_lipCornerPull_r")):
        a, b = (curves.column(name) for name in pair)
        assert a.std() > 0.01 and np.allclose(a, b)
    jaw = curves.column("mouth_stretch_c")
    assert jaw.max() > 0.5
