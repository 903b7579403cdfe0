"""Landmark lip-sync metrics and the signal helpers under them, on cases with a known answer."""
from __future__ import annotations

import numpy as np
import pytest

from emoanim.audio.types import SAMPLE_RATE, Audio
from emoanim.eval.landmark_lipsync import (
    CLOSED_GAP,
    LABIODENTAL_CONTACT,
    av_offset,
    mouth_track,
    performance_mouth,
    score_landmark_lipsync,
)
from emoanim.eval.signals import best_lag, pearson
from emoanim.motion.resample import resample
from emoanim.motion.channels import ARKIT_INDEX
from emoanim.motion.performance import Performance
from emoanim.phonetics.types import Phone, PhoneTrack

FPS = 30.0


def smooth_noise(frames: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.convolve(rng.standard_normal(frames + 8), np.hanning(9), mode="valid")[:frames]


def test_pearson_is_one_for_scaled_copies_and_nan_for_constants():
    x = smooth_noise(100)
    assert pearson(x, 3 * x + 1) == pytest.approx(1.0)
    assert pearson(x, -x) == pytest.approx(-1.0)
    assert np.isnan(pearson(x, np.ones(100)))


@pytest.mark.parametrize("shift", [3, -2, 0])
def test_best_lag_finds_a_known_shift(shift):
    x = smooth_noise(300)
    delayed = np.roll(x, shift)
    lag = best_lag(x, delayed, max_lag=10)
    assert lag.frames == shift
    assert lag.r > 0.95
    assert lag.ms(FPS) == pytest.approx(1000 * shift / FPS)


def test_resampling_60_to_30_fps_keeps_the_curve():
    t60 = np.arange(120) / 60.0
    curve = np.sin(2 * np.pi * 1.5 * t60)
    at30 = resample(curve, 60.0, 30.0)
    assert at30.shape == (60,)
    np.testing.assert_allclose(at30, np.sin(2 * np.pi * 1.5 * np.arange(60) / 30.0), atol=1e-9)


def perf_with(frames: int, **channels) -> Performance:
    perf = Performance.still(frames, FPS)
    for name, value in channels.items():
        perf.expression[:, ARKIT_INDEX[name]] = value
    return perf


def speech_phones(labels: list[str], frames_each: int = 4) -> PhoneTrack:
    """Phones back to back, ``frames_each`` frames long, starting at frame 0."""
    step = frames_each / FPS
    phones = [Phone(label, i * step, (i + 1) * step) for i, label in enumerate(labels)]
    return PhoneTrack(phones, len(labels) * step, "test")


LABELS = ["AA", "B", "AE", "M", "AO", "F", "AH", "P", "AY", "V", "AA"]


def mouth_for(labels: list[str], closures: bool, tuck: bool, vowel_jaw: float = 0.5):
    """A performance opening the jaw on vowels, sealing /p b m/ (if ``closures``), tucking the lower lip on /f v/
    (if ``tuck``), measured on the landmarks rig."""
    frames = 4 * len(labels)
    perf = perf_with(frames)
    for i, label in enumerate(labels):
        rows = slice(4 * i, 4 * i + 4)
        if label in ("P", "B", "M"):
            perf.expression[rows, ARKIT_INDEX["jawOpen"]] = 0.05
            if closures:
                perf.expression[rows, ARKIT_INDEX["mouthClose"]] = 0.05
            else:
                perf.expression[rows, ARKIT_INDEX["jawOpen"]] = 0.35
        elif label in ("F", "V"):
            perf.expression[rows, ARKIT_INDEX["jawOpen"]] = 0.05 if tuck else 0.3
            if tuck:
                perf.expression[rows, ARKIT_INDEX["mouthRollLower"]] = 0.6
                perf.expression[rows, ARKIT_INDEX["mouthClose"]] = 0.05
        else:
            perf.expression[rows, ARKIT_INDEX["jawOpen"]] = vowel_jaw
    return performance_mouth(perf), speech_phones(labels)


def test_a_mouth_that_seals_bilabials_and_tucks_f_v_scores_full_marks():
    mouth, phones = mouth_for(LABELS, closures=True, tuck=True)
    scores = score_landmark_lipsync(mouth, phones)
    assert (scores.bilabial_closure, scores.bilabials) == (1.0, 3)
    assert (scores.labiodental_contact, scores.labiodentals) == (1.0, 2)
    assert (scores.false_closure, scores.open_vowels) == (0.0, 6)
    assert scores.jaw_contrast > 0.05


def test_closures_removed_give_a_low_closure_rate_and_open_f_v_no_contact():
    mouth, phones = mouth_for(LABELS, closures=False, tuck=False)
    scores = score_landmark_lipsync(mouth, phones)
    assert scores.bilabial_closure == 0.0
    assert scores.labiodental_contact == 0.0


def test_a_mouth_that_never_opens_shows_false_closures_and_no_jaw_contrast():
    mouth, phones = mouth_for(LABELS, closures=True, tuck=True, vowel_jaw=0.05)
    scores = score_landmark_lipsync(mouth, phones)
    assert scores.false_closure == 1.0
    assert abs(scores.jaw_contrast) < 0.01


def test_mouth_measures_are_in_interocular_units_and_scale_free():
    mouth, _ = mouth_for(["AA"], closures=True, tuck=True)
    neutral = performance_mouth(perf_with(2))
    assert neutral.inner_gap.max() <= CLOSED_GAP
    assert 0.08 < neutral.labiodental.min() < LABIODENTAL_CONTACT  # closed lips: about one lower-lip height
    assert mouth.inner_gap.min() > 2 * CLOSED_GAP
    rng = np.random.default_rng(1)
    points = rng.standard_normal((5, 68, 3))
    a, b = mouth_track(points, FPS), mouth_track(points * 7.0 + 3.0, FPS)
    np.testing.assert_allclose(a.inner_gap, b.inner_gap)
    np.testing.assert_allclose(mouth_track(points[:, :, :2], FPS).width.shape, (5,))
    with pytest.raises(ValueError):
        mouth_track(points[:, :60], FPS)


def test_av_offset_of_a_mouth_three_frames_late_is_three_frames():
    envelope = smooth_noise(240, seed=3)
    lag = av_offset(envelope, np.roll(envelope, 3), FPS)
    assert lag.frames == 3 and lag.ms(FPS) == pytest.approx(100.0)


def test_av_offset_end_to_end_from_audio_and_landmarks():
    """Noise bursts at syllable rate; the jaw opens with them 3 frames late: the measured offset is +3."""
    frames, rng = 150, np.random.default_rng(5)
    level = (smooth_noise(frames, seed=7) > 0).astype(float)  # on/off syllables
    samples = np.repeat(level, int(SAMPLE_RATE / FPS)) * rng.standard_normal(frames * int(SAMPLE_RATE / FPS)) * 0.3
    audio = Audio(samples.astype(np.float32), SAMPLE_RATE)
    jaw = 0.5 * np.roll(level, 3)
    jaw[:3] = 0.0
    perf = perf_with(frames, jawOpen=jaw)
    scores = score_landmark_lipsync(performance_mouth(perf), speech_phones(["AA"]), audio)
    assert scores.av_offset_frames == 3
    assert scores.av_offset_ms == pytest.approx(100.0)
    assert scores.av_r > 0.8
