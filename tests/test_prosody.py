"""Spec for frame-level prosody: YIN pitch and energy at the animation frame rate."""
from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
from scipy.signal import resample_poly

from emoanim.audio.features import frame_rms_db
from emoanim.audio.prosody import F0_MAX_HZ, F0_MIN_HZ, pitch_track, prosody
from emoanim.audio.types import SAMPLE_RATE, Audio

FPS = 30.0


def harmonic(f0: np.ndarray, amplitudes=(0.3, 0.2, 0.1), rate: int = SAMPLE_RATE) -> np.ndarray:
    """A voice-like tone: harmonics of the per-sample F0 contour ``f0`` (Hz)."""
    phase = 2 * np.pi * np.cumsum(f0) / rate
    return sum(a * np.sin((k + 1) * phase) for k, a in enumerate(amplitudes)).astype(np.float32)


def frames_of(audio: Audio) -> int:
    return int(audio.duration * FPS)


@pytest.mark.parametrize("f0", [80.0, 150.0, 310.0])
def test_steady_tone_pitch_is_exact(f0):
    audio = Audio(harmonic(np.full(SAMPLE_RATE * 2, f0)))
    track = prosody(audio, FPS, frames_of(audio))
    inner = slice(3, -3)  # frames whose window lies inside the tone
    assert track.voiced[inner].all()
    np.testing.assert_allclose(track.f0_hz[inner], f0, rtol=0.01)


def test_missing_fundamental_gives_the_fundamental_not_a_harmonic():
    # Strong 2nd and 3rd harmonics, weak fundamental: autocorrelation methods are prone to octave errors here.
    audio = Audio(harmonic(np.full(SAMPLE_RATE, 120.0), amplitudes=(0.05, 0.3, 0.3)))
    f0 = prosody(audio, FPS, frames_of(audio)).f0_hz[3:-3]
    np.testing.assert_allclose(np.median(f0), 120.0, rtol=0.02)


def test_glide_is_followed():
    t = np.arange(SAMPLE_RATE * 2) / SAMPLE_RATE
    contour = 100.0 * 2 ** t  # one octave per second
    audio = Audio(harmonic(contour))
    frames = frames_of(audio)
    f0 = pitch_track(audio, FPS, frames)
    expected = 100.0 * 2 ** (np.arange(frames) / FPS)
    np.testing.assert_allclose(f0[3:-3], expected[3:-3], rtol=0.02)


def test_silence_and_noise_are_unvoiced():
    silence = Audio(np.zeros(SAMPLE_RATE, np.float32))
    assert not prosody(silence, FPS, 30).voiced.any()
    noise = Audio(np.random.default_rng(0).normal(0, 0.1, SAMPLE_RATE * 2).astype(np.float32))
    assert prosody(noise, FPS, 60).voiced.mean() < 0.05


def test_energy_is_frame_rms_and_semitones_are_relative_to_the_median():
    audio = Audio(np.concatenate([harmonic(np.full(SAMPLE_RATE, 100.0)), harmonic(np.full(SAMPLE_RATE, 200.0))]))
    track = prosody(audio, FPS, 60)
    np.testing.assert_array_equal(track.energy_db, frame_rms_db(audio, FPS, 60))
    semitones = track.f0_semitones()
    assert semitones[5:25].mean() == pytest.approx(semitones[35:55].mean() - 12.0, abs=0.3)  # an octave apart
    assert (semitones[~track.voiced] == 0).all()


def test_frame_rate_and_sample_rate_do_not_change_the_answer():
    f0 = np.full(22050 * 2, 180.0)
    at_22k = Audio(harmonic(f0, rate=22050), sample_rate=22050)
    at_16k = Audio(harmonic(np.full(SAMPLE_RATE * 2, 180.0)))
    np.testing.assert_allclose(np.median(prosody(at_22k, 60.0, 120).f0_hz[6:-6]), 180.0, rtol=0.01)
    np.testing.assert_allclose(np.median(prosody(at_16k, 24.0, 48).f0_hz[3:-3]), 180.0, rtol=0.01)


def test_espeak_speech_has_a_plausible_voice(say):
    wav = say("We were away a year ago, and we all remember the winter by the river.")
    samples, rate = sf.read(str(wav), dtype="float32")
    audio = Audio(resample_poly(samples, SAMPLE_RATE, rate).astype(np.float32))
    track = prosody(audio, FPS, frames_of(audio))
    loud = track.energy_db > np.percentile(track.energy_db, 95) - 20
    assert track.voiced[loud].mean() > 0.5  # this sentence is almost all voiced sounds
    median = np.median(track.f0_hz[track.voiced])
    assert F0_MIN_HZ < median < F0_MAX_HZ and 70 < median < 250
    assert np.ptp(track.f0_semitones()[track.voiced]) > 2.0  # intonation moves


def test_bad_pitch_range_is_rejected():
    with pytest.raises(ValueError):
        pitch_track(Audio(np.zeros(100, np.float32)), FPS, 1, fmin=300.0, fmax=100.0)
