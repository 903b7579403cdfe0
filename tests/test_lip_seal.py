"""The lip seal on /p b m/ (emoanim.motion.lip_seal): shut on each bilabial's frames, eased in and out, untouched
elsewhere; the phonetic animator's hard seal is the same function with a 0/1 weight."""
from __future__ import annotations

import numpy as np
import pytest

from emoanim.eval.lipsync import CLOSED_APERTURE, bilabial_closure_rate, lip_aperture
from emoanim.motion.channels import ARKIT_INDEX
from emoanim.motion.frame_weights import taper
from emoanim.motion.lip_seal import RAMP_FRAMES, bilabials_in, seal_bilabials, seal_lips
from emoanim.phonetics.types import Phone

FPS = 30.0


def open_mouth(frames: int) -> np.ndarray:
    """ARKit weights with the lips well apart on every frame (aperture 0.5) and a smile that the seal must keep."""
    expression = np.zeros((frames, 52))
    expression[:, ARKIT_INDEX["jawOpen"]] = 0.4
    expression[:, ARKIT_INDEX["mouthClose"]] = 0.1
    for name in ("mouthUpperUpLeft", "mouthUpperUpRight", "mouthLowerDownLeft", "mouthLowerDownRight"):
        expression[:, ARKIT_INDEX[name]] = 0.2
    expression[:, ARKIT_INDEX["mouthSmileLeft"]] = 0.6
    return expression


def test_a_seal_of_weight_w_scales_the_lip_aperture_by_one_minus_w():
    expression = open_mouth(4)
    before = lip_aperture(expression)
    seal_lips(expression, np.array([0.0, 0.25, 0.5, 1.0]))
    np.testing.assert_allclose(lip_aperture(expression), before * [1.0, 0.75, 0.5, 0.0])
    np.testing.assert_array_equal(expression[:, ARKIT_INDEX["mouthSmileLeft"]], 0.6)  # the expression stays
    np.testing.assert_array_equal(expression[:, ARKIT_INDEX["jawOpen"]], 0.4)  # so does the jaw
    assert (expression[:, ARKIT_INDEX["mouthClose"]] <= expression[:, ARKIT_INDEX["jawOpen"]]).all()


PHONES = [Phone("AE1", 0.0, 0.5), Phone("M", 0.5, 0.6), Phone("AA1", 0.6, 1.0), Phone("B", 1.0, 1.05),
          Phone("IY0", 1.05, 2.0)]
SHUT = np.r_[15:19, 30:32]  # the frames of M (0.5-0.6 s) and B (1.0-1.05 s) at 30 fps


def test_each_bilabial_is_shut_on_its_frames_and_the_rest_is_untouched():
    expression = open_mouth(60)
    original = expression.copy()
    assert len(seal_bilabials(expression, PHONES, FPS)) == 2
    assert bilabial_closure_rate(expression, FPS, PHONES) == (1.0, 2)
    assert (lip_aperture(expression)[SHUT] == 0).all()
    rest = np.setdiff1d(np.arange(60), SHUT)
    assert RAMP_FRAMES == 0  # so every other frame keeps the model's values
    np.testing.assert_array_equal(expression[rest], original[rest])
    assert (lip_aperture(expression)[rest] > CLOSED_APERTURE).all()


def test_a_ramp_eases_the_seal_in_and_out_on_each_side():
    expression = open_mouth(60)
    seal_bilabials(expression, PHONES, FPS, ramp_frames=2)
    aperture = lip_aperture(expression)
    assert (aperture[SHUT] == 0).all()
    assert 0 < aperture[19] < aperture[20] < aperture[21] == aperture[40]  # after M: 1/3, 2/3, then untouched
    assert 0 < aperture[14] < aperture[13] < aperture[12] == aperture[40]  # before it


def test_only_p_b_m_are_sealed_whatever_their_stress_marks_and_no_bilabial_changes_nothing():
    assert [p.label for p in bilabials_in([Phone("m", 0, 1), Phone("F", 1, 2), Phone("B0", 2, 3),
                                           Phone("N", 3, 4)])] == ["m", "B0"]
    expression = open_mouth(30)
    assert len(seal_bilabials(expression, [Phone("F", 0.0, 0.5), Phone("V", 0.5, 1.0)], FPS)) == 0
    np.testing.assert_array_equal(expression, open_mouth(30))


@pytest.mark.parametrize("frames", [1, 2, 7])
def test_taper_holds_the_mask_and_falls_linearly_even_at_the_clip_edges(frames):
    mask = np.zeros(frames, bool)
    mask[frames // 2] = True
    weight = taper(mask, 2)
    assert weight[frames // 2] == 1.0 and weight.shape == (frames,)
    distance = np.abs(np.arange(frames) - frames // 2)
    np.testing.assert_allclose(weight, np.clip(1 - distance / 3, 0, 1))
