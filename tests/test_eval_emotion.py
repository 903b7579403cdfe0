"""Emotion fidelity and liveliness metrics on hand-made curves with known answers."""
from __future__ import annotations

import numpy as np
import pytest

from emoanim.emotion.classes import EMOTION_INDEX, EMOTIONS
from emoanim.emotion.prototypes import PROTOTYPE_MATRIX
from emoanim.eval.emotion_metrics import (
    AU_SHOWN,
    au_activations,
    blink_stats,
    emfacs_score,
    head_motion_stats,
    intensity_monotonicity,
    prototype_strength,
)
from emoanim.motion.channels import ARKIT_INDEX

FPS = 30.0


def speech_like(frames: int = 90, seed: int = 0) -> np.ndarray:
    """``(T, 52)`` speech shapes (jaw and lips moving) that every emotion shares."""
    rng = np.random.default_rng(seed)
    x = np.zeros((frames, 52))
    x[:, ARKIT_INDEX["jawOpen"]] = rng.uniform(0, 0.5, frames)
    x[:, ARKIT_INDEX["mouthFunnel"]] = rng.uniform(0, 0.3, frames)
    return x


@pytest.mark.parametrize("emotion", [e for e in EMOTIONS if e != "neutral"])
def test_each_prototype_on_top_of_speech_passes_as_its_own_emotion(emotion):
    neutral = speech_like()
    row = PROTOTYPE_MATRIX[EMOTION_INDEX[emotion]]
    score = emfacs_score(np.clip(neutral + row, 0, 1), neutral, emotion)
    assert score.passed, (score.missing, score.intruding)
    assert score.selectivity > 0.95


def test_a_happy_face_judged_as_angry_misses_and_intrudes():
    neutral = speech_like()
    happy = neutral + PROTOTYPE_MATRIX[EMOTION_INDEX["happy"]]
    score = emfacs_score(happy, neutral, "angry")
    assert not score.passed
    assert set(score.missing) == {4, 5, 7, 23}
    assert set(score.intruding) == {6, 12}
    assert score.selectivity < 0.05


def test_an_extra_au_is_caught_and_blinks_do_not_count():
    neutral = speech_like()
    happy = neutral + PROTOTYPE_MATRIX[EMOTION_INDEX["happy"]]
    happy[:, ARKIT_INDEX["browDownLeft"]] += 0.4  # AU4 on one side: a frown mixed into the smile
    happy[::10, ARKIT_INDEX["eyeBlinkLeft"]] = 1.0  # blinks in 10 % of frames: not an emotion
    happy[::10, ARKIT_INDEX["eyeBlinkRight"]] = 1.0
    score = emfacs_score(happy, neutral, "happy")
    assert score.intruding == (4,)
    assert score.activations[4] == pytest.approx(0.4)
    assert score.activations[41] < AU_SHOWN


def test_au_activations_recover_known_amounts():
    offset = 0.5 * PROTOTYPE_MATRIX[EMOTION_INDEX["surprised"]]
    acts = au_activations(offset)
    assert acts[1] == pytest.approx(0.35) and acts[2] == pytest.approx(0.35) and acts[26] == pytest.approx(0.125)


def test_intensity_monotonicity_from_prototype_strength():
    neutral = speech_like()
    row = PROTOTYPE_MATRIX[EMOTION_INDEX["sad"]]
    levels = [0.0, 0.25, 0.5, 1.0]
    strengths = [prototype_strength(neutral + k * row, neutral, "sad") for k in levels]
    np.testing.assert_allclose(strengths, levels, atol=1e-9)
    good = intensity_monotonicity(levels, strengths)
    assert good.monotone and good.spearman == pytest.approx(1.0)
    bad = intensity_monotonicity(levels, [0.0, 0.5, 0.3, 0.9])
    assert not bad.monotone and bad.spearman < 1.0


def lid_track(seconds: float, blink_times: list[float], close: float = 0.08, shut: float = 0.05,
              reopen: float = 0.15, rest: float = 0.0) -> np.ndarray:
    """``(T, 52)`` with both eyeBlink lids at ``rest`` and a linear close/hold/reopen blink at each time."""
    t = np.arange(int(seconds * FPS)) / FPS
    lid = np.full_like(t, rest)
    for start in blink_times:
        u = t - start
        shape = np.clip(np.minimum(u / close, (close + shut + reopen - u) / reopen), 0, 1)
        lid = np.maximum(lid, rest + (1 - rest) * shape)
    x = np.zeros((len(t), 52))
    x[:, ARKIT_INDEX["eyeBlinkLeft"]] = x[:, ARKIT_INDEX["eyeBlinkRight"]] = lid
    return x


def test_blink_rate_and_duration_of_known_blinks():
    starts = list(np.arange(1.0, 60.0, 3.0))  # 20 blinks in a minute
    stats = blink_stats(lid_track(60.0, starts), FPS)
    assert stats.count == 20 and stats.per_minute == pytest.approx(20.0)
    # 0.28 s of lid movement; the 10 %-of-closure edges trim a little, frame sampling adds up to one frame.
    assert 0.2 <= stats.mean_duration_s <= 0.32
    assert stats.rate_human and stats.duration_human


def test_too_few_blinks_and_held_droop_are_measured_from_rest():
    stats = blink_stats(lid_track(60.0, [10.0, 40.0], rest=0.3), FPS)  # sad droop: lid rests at 0.3
    assert stats.count == 2 and not stats.rate_human
    assert blink_stats(lid_track(10.0, []), FPS).count == 0


def test_head_motion_amplitude_peak_and_slope():
    t = np.arange(int(60 * FPS)) / FPS
    head = np.zeros((len(t), 3))
    head[:, 0] = 3.0 * np.sin(2 * np.pi * 0.5 * t)
    stats = head_motion_stats(head, FPS)
    assert stats.std_deg[0] == pytest.approx(3.0 / np.sqrt(2), rel=1e-3)
    assert stats.peak_hz[0] == pytest.approx(0.5, abs=0.07)
    assert stats.jitter_share < 0.01
    # Brownian drift falls off as 1/f^2; white jitter is flat: the slope tells them apart.
    rng = np.random.default_rng(0)
    drift = np.cumsum(rng.standard_normal((len(t), 3)), axis=0) * 0.05
    jitter = rng.standard_normal((len(t), 3))
    assert head_motion_stats(drift, FPS).spectral_slope < -1.5
    assert abs(head_motion_stats(jitter, FPS).spectral_slope) < 0.5
    assert head_motion_stats(jitter, FPS).jitter_share > 0.5
