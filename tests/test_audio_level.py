"""emoanim.audio.level: the active-speech level, and bringing a clip to a reference level."""
from __future__ import annotations

import numpy as np
import pytest

from emoanim.audio import Audio, normalize_level, speech_level_dbfs
from emoanim.audio.level import MAX_GAIN_DB, REFERENCE_DBFS

RATE = 16000


def tone(amplitude: float, seconds: float = 1.0) -> np.ndarray:
    return (amplitude * np.sin(2 * np.pi * 220 * np.arange(int(seconds * RATE)) / RATE)).astype(np.float32)


def test_level_is_the_speech_power_and_ignores_the_pauses_around_it():
    x = tone(0.1)  # mean power 0.005: -23 dBFS
    assert speech_level_dbfs(x, RATE) == pytest.approx(-23.0, abs=0.1)
    padded = np.concatenate([np.zeros(3 * RATE, np.float32), x, 1e-4 * np.ones(RATE, np.float32)])
    assert speech_level_dbfs(padded, RATE) == pytest.approx(-23.0, abs=0.1)


def test_a_quiet_clip_is_brought_to_the_reference_level():
    quiet = Audio(tone(0.005), RATE)  # -49 dBFS, the RAVDESS actor's neighbourhood
    louder, gain = normalize_level(quiet)
    assert gain == pytest.approx(REFERENCE_DBFS + 49.0, abs=0.2)
    assert speech_level_dbfs(louder.samples, RATE) == pytest.approx(REFERENCE_DBFS, abs=0.2)
    assert louder.samples.dtype == np.float32 and len(louder.samples) == len(quiet.samples)
    assert np.abs(louder.samples).max() <= 1.0
    softer, gain = normalize_level(Audio(tone(0.9), RATE))
    assert gain < 0 and speech_level_dbfs(softer.samples, RATE) == pytest.approx(REFERENCE_DBFS, abs=0.2)


def test_silence_is_left_alone_and_the_gain_is_bounded():
    silence = Audio(np.zeros(RATE, np.float32), RATE)
    same, gain = normalize_level(silence)
    assert gain == 0.0 and same is silence
    _, gain = normalize_level(Audio(tone(10 ** (-62 / 20)), RATE))  # speech at -65 dBFS: mostly hiss
    assert gain == pytest.approx(MAX_GAIN_DB)
    # speech at -38 dBFS with loud plosive bursts: the gain stops where the bursts would clip
    bursts = tone(0.018, 2.0)
    bursts[::400] = 0.5
    bursts[1::400] = -0.5
    _, gain = normalize_level(Audio(bursts, RATE))
    assert gain < 20.0 * np.log10(1 / 0.5) + 0.01
