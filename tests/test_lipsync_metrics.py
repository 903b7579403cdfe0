"""Lip-sync metrics on hand-made ARKit curves: each must pass what it should and catch what it should not."""
from __future__ import annotations

import numpy as np
import pytest

from emoanim.eval import (
    CLOSED_APERTURE,
    OPEN_JAW,
    bilabial_closure_rate,
    closure_in_pauses,
    lip_aperture,
    open_vowel_rate,
    score_lipsync,
)
from emoanim.eval.lipsync import frames_of
from emoanim.motion.channels import ARKIT_INDEX, ARKIT_NAMES
from emoanim.phonetics.types import Phone, PhoneTrack

FPS = 30.0


def curves(frames: int, **channels: float | np.ndarray) -> np.ndarray:
    """``(frames, 52)`` zeros with the named channels set (a scalar or a ``(frames,)`` array)."""
    x = np.zeros((frames, len(ARKIT_NAMES)), np.float32)
    for name, value in channels.items():
        x[:, ARKIT_INDEX[name]] = value
    return x


def set_frames(x: np.ndarray, frames, **channels: float) -> None:
    for name, value in channels.items():
        x[frames, ARKIT_INDEX[name]] = value


def test_aperture_is_the_gap_the_jaw_leaves_plus_lip_raisers():
    assert lip_aperture(curves(1, jawOpen=0.5))[0] == pytest.approx(0.5)
    # mouthClose brings the lips together against the open jaw.
    assert lip_aperture(curves(1, jawOpen=0.5, mouthClose=0.5))[0] == pytest.approx(0.0)
    # Each lip raiser/lowerer moves one lip: half weight, averaged over the sides.
    assert lip_aperture(curves(1, mouthLowerDownLeft=0.4, mouthLowerDownRight=0.4))[0] == pytest.approx(0.2)
    assert lip_aperture(curves(1, mouthUpperUpLeft=0.4))[0] == pytest.approx(0.1)
    # More closure than jaw is still just closed, never negative.
    assert lip_aperture(curves(1, jawOpen=0.1, mouthClose=0.4))[0] == 0.0
    # Shaping the lips is not opening them.
    assert lip_aperture(curves(1, mouthPucker=0.8, mouthSmileLeft=1.0))[0] == 0.0


def test_aperture_rejects_arrays_that_are_not_arkit_frames():
    with pytest.raises(ValueError, match="52"):
        lip_aperture(np.zeros((10, 51)))
    with pytest.raises(ValueError, match="52"):
        lip_aperture(np.zeros(52))


def test_frames_of_a_phone_include_its_centre_even_when_no_frame_time_falls_inside():
    assert list(frames_of(Phone("B", 0.1, 0.2), FPS, 100)) == [3, 4, 5, 6]
    # 10 ms phone between frames 3 (0.100 s) and 4 (0.133 s): the centre (0.115 s) is nearest frame 3.
    assert list(frames_of(Phone("B", 0.105, 0.125), FPS, 100)) == [3]
    # Clipped to the clip.
    assert list(frames_of(Phone("B", 3.0, 3.1), FPS, 50)) == [49]


def test_bilabial_closure_rate_counts_phones_with_a_closed_frame():
    frames = 30
    x = curves(frames, jawOpen=0.4)  # open everywhere
    phones = [Phone("sil", 0.0, 0.1), Phone("B", 0.1, 0.2), Phone("AA", 0.2, 0.5), Phone("M", 0.5, 0.6),
              Phone("P", 0.6, 0.7), Phone("AA", 0.7, 1.0)]
    assert bilabial_closure_rate(x, FPS, phones) == (0.0, 3)
    set_frames(x, 4, mouthClose=0.4)  # B closes at one frame, fully
    set_frames(x, 16, mouthClose=0.37)  # M closes to an aperture of 0.03: within the threshold
    set_frames(x, 20, mouthClose=0.3)  # P only narrows (aperture 0.1)
    rate, n = bilabial_closure_rate(x, FPS, phones)
    assert n == 3 and rate == pytest.approx(2 / 3)
    assert bilabial_closure_rate(x, FPS, phones, threshold=0.0)[0] == pytest.approx(1 / 3)
    assert bilabial_closure_rate(x, FPS, phones, threshold=0.15)[0] == 1.0


def test_a_closure_outside_the_phone_does_not_count():
    x = curves(30, jawOpen=0.4)
    set_frames(x, slice(0, 3), mouthClose=0.4)  # closed before the /b/ starts (frame 3 = 0.1 s)
    phones = PhoneTrack([Phone("sil", 0, 0.12), Phone("B", 0.12, 0.2), Phone("AA", 0.2, 1.0)], 1.0, "forced")
    assert bilabial_closure_rate(x, FPS, phones) == (0.0, 1)


def test_a_one_frame_bilabial_is_scored_at_its_centre_frame():
    x = curves(30, jawOpen=0.4)
    phones = [Phone("AA", 0.0, 0.105), Phone("B", 0.105, 0.125), Phone("AA", 0.125, 1.0)]
    assert bilabial_closure_rate(x, FPS, phones) == (0.0, 1)
    set_frames(x, 3, mouthClose=0.4)
    assert bilabial_closure_rate(x, FPS, phones) == (1.0, 1)


def test_stress_digits_and_case_do_not_hide_phones():
    x = curves(30, jawOpen=0.4)
    phones = [Phone("b", 0.1, 0.2), Phone("AA1", 0.2, 0.5), Phone("ao0", 0.5, 0.8)]
    assert bilabial_closure_rate(x, FPS, phones)[1] == 1
    assert open_vowel_rate(x, FPS, phones) == (1.0, 2)


def test_open_vowel_rate_needs_the_jaw_to_peak_past_the_threshold():
    x = curves(30)
    phones = [Phone("AA", 0.0, 0.2), Phone("T", 0.2, 0.3), Phone("AE", 0.3, 0.5), Phone("IY", 0.5, 0.7),
              Phone("AY", 0.7, 1.0)]
    set_frames(x, 3, jawOpen=0.3)  # AA peaks open
    set_frames(x, slice(9, 15), jawOpen=0.2)  # AE stays at 0.2: not open
    set_frames(x, slice(16, 21), jawOpen=0.9)  # IY is not an open vowel: not counted
    rate, n = open_vowel_rate(x, FPS, phones)
    assert n == 3 and rate == pytest.approx(1 / 3)
    assert open_vowel_rate(x, FPS, phones, threshold=0.2)[0] == pytest.approx(2 / 3)
    assert OPEN_JAW == 0.25 and CLOSED_APERTURE == 0.05


def test_closure_in_pauses_scores_the_middle_of_long_pauses_only():
    frames = 90
    x = curves(frames)
    phones = PhoneTrack(
        [Phone("sil", 0.0, 1.0), Phone("AA", 1.0, 1.5), Phone("sil", 1.5, 1.7), Phone("AA", 1.7, 2.0),
         Phone("sil", 2.0, 3.0)], 3.0, "forced",
    )
    # The mouth moves within 100 ms of speech: allowed.
    set_frames(x, slice(28, 30), jawOpen=0.3)
    set_frames(x, slice(60, 63), jawOpen=0.3)
    # The short 0.2 s pause is not scored even though the mouth is open there.
    set_frames(x, slice(45, 51), jawOpen=0.3)
    assert closure_in_pauses(x, FPS, phones) == (1.0, 2)
    # A mouth hanging open through the last pause fails it.
    set_frames(x, slice(66, 90), jawOpen=0.2)
    assert closure_in_pauses(x, FPS, phones) == (0.5, 2)
    # A brief movement in the middle of a pause (a breath) is tolerated: the median decides.
    y = curves(frames)
    set_frames(y, slice(12, 15), jawOpen=0.3)
    assert closure_in_pauses(y, FPS, phones) == (1.0, 2)


def test_nothing_to_score_gives_rate_zero_with_count_zero():
    x = curves(10, jawOpen=0.5)
    phones = [Phone("T", 0.0, 0.33)]
    assert bilabial_closure_rate(x, FPS, phones) == (0.0, 0)
    assert open_vowel_rate(x, FPS, phones) == (0.0, 0)
    assert closure_in_pauses(x, FPS, phones) == (0.0, 0)


def test_score_lipsync_bundles_all_three():
    x = curves(30, jawOpen=0.4)
    set_frames(x, 4, mouthClose=0.4)
    phones = [Phone("B", 0.1, 0.2), Phone("AA", 0.2, 0.6), Phone("sil", 0.6, 1.0)]
    scores = score_lipsync(x, FPS, phones)
    assert (scores.bilabial_closure, scores.bilabials) == (1.0, 1)
    assert (scores.open_vowels_opened, scores.open_vowels) == (1.0, 1)
    assert (scores.closed_in_pauses, scores.pauses) == (0.0, 1)  # jaw hangs at 0.4 in the pause


def test_false_closure_rate_counts_non_bilabials_closed_from_start_to_end():
    from emoanim.eval.lipsync import false_closure_rate

    x = curves(30, jawOpen=0.4)
    phones = [Phone("sil", 0.0, 0.1), Phone("T", 0.1, 0.2), Phone("AA", 0.2, 0.4), Phone("M", 0.4, 0.5),
              Phone("K", 0.5, 0.6), Phone("IY", 0.6, 1.0)]
    # Bilabials and pauses are not candidates; T, AA, K, IY are.
    assert false_closure_rate(x, FPS, phones) == (0.0, 4)
    set_frames(x, slice(0, 4), mouthClose=0.4)  # the pause and T's first frame (T is frames 3..6): not a closure of T
    assert false_closure_rate(x, FPS, phones) == (0.0, 4)
    set_frames(x, slice(12, 16), mouthClose=0.4)  # M closed, and its closure spills into K's first frame only
    assert false_closure_rate(x, FPS, phones) == (0.0, 4)
    set_frames(x, slice(15, 19), mouthClose=0.4)  # K (frames 15..18) sealed throughout: a false closure
    rate, n = false_closure_rate(x, FPS, phones)
    assert n == 4 and rate == pytest.approx(1 / 4)
    # A looser threshold turns the partly open frames into closures too.
    assert false_closure_rate(curves(30, jawOpen=0.04), FPS, phones) == (1.0, 4)
    assert false_closure_rate(curves(30, jawOpen=0.04), FPS, phones, threshold=0.03) == (0.0, 4)
