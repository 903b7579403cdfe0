"""Speech emotion recognition (`--emotion auto`): features, classifier, timeline, model file, shipped accuracy."""
from __future__ import annotations

import re

import numpy as np
import pytest

from emoanim.audio import Audio, load_audio
from emoanim.emotion import EmotionTrack
from emoanim.emotion.recognize import DEFAULT_MODEL, SpeechEmotionModel, emotion_for, recognize
from emoanim.emotion.speech_features import FEATURE_NAMES, window_bounds, window_features
from emoanim.emotion.train_recognizer import Clip, clip_features, evaluate, fit
from emoanim.errors import InputError

RATE = 16_000


def voice(seconds: float, f0: float, glide_st: float, beat_hz: float, bright: float, seed: int) -> np.ndarray:
    """A buzzy harmonic "voice": F0 ``f0`` Hz swinging +-``glide_st`` semitones, syllable-like loudness beats at
    ``beat_hz``, harmonics rolling off less when ``bright`` is larger; a little noise from ``seed``."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * RATE)) / RATE
    pitch = f0 * 2.0 ** (glide_st * np.sin(2 * np.pi * 0.7 * t + rng.uniform(0, 6)) / 12.0)
    phase = 2 * np.pi * np.cumsum(pitch) / RATE
    wave = sum((bright ** k) * np.sin(k * phase) for k in range(1, 25))
    envelope = 0.55 + 0.45 * np.sin(2 * np.pi * beat_hz * t) ** 2
    x = wave * envelope + 0.01 * rng.standard_normal(len(t))
    return (0.3 * x / np.abs(x).max()).astype(np.float32)


def calm(seconds: float, seed: int) -> np.ndarray:  # flat, slow, dark
    return voice(seconds, 110.0 + 15 * seed, glide_st=0.5, beat_hz=1.5, bright=0.55, seed=seed)


def aroused(seconds: float, seed: int) -> np.ndarray:  # wide pitch swings, fast, bright
    return voice(seconds, 120.0 + 15 * seed, glide_st=5.0, beat_hz=3.0, bright=0.9, seed=seed)


@pytest.fixture(scope="module")
def toy_model() -> SpeechEmotionModel:
    """A model trained here on synthetic "sad" (calm) and "angry" (aroused) voices of three registers."""
    clips = [Clip(f"calm{s}", f"spk{s}", "sad", clip_features(Audio(calm(6.0, s)))) for s in range(3)]
    clips += [Clip(f"aroused{s}", f"spk{s}", "angry", clip_features(Audio(aroused(6.0, s)))) for s in range(3)]
    return fit(clips)


def test_features_are_finite_with_the_documented_shape(say):
    audio = load_audio(say("The quick brown fox jumps over the lazy dog, and then it runs away again."))
    feats = window_features(audio, window=1.0, hop=0.5)
    starts, ends = window_bounds(audio.duration, 1.0, 0.5)
    assert feats.values.shape == (len(starts), len(FEATURE_NAMES))
    assert np.isfinite(feats.values).all()
    assert feats.starts[0] == 0.0 and feats.ends[-1] == pytest.approx(audio.duration)
    assert feats.is_speech.any()
    # espeak-ng speaks at ~3-6 syllables per second; the rate proxy must land near that, not at 0 or 50.
    rate = feats.values[feats.is_speech, FEATURE_NAMES.index("syllable_rate_hz")]
    assert 1.5 < np.median(rate) < 9.0


def test_a_clip_shorter_than_a_window_is_one_window():
    starts, ends = window_bounds(2.0, 3.0, 1.5)
    assert starts.tolist() == [0.0] and ends.tolist() == [2.0]
    feats = window_features(Audio(calm(2.0, 0)))
    assert feats.values.shape == (1, len(FEATURE_NAMES))


def test_silence_has_finite_features_and_is_not_speech():
    feats = window_features(Audio(np.zeros(5 * RATE, np.float32)))
    assert np.isfinite(feats.values).all()
    assert not feats.is_speech.any()


def test_classifier_separates_classes_it_was_trained_on(toy_model):
    assert toy_model.classes == ("sad", "angry")  # EMOTIONS order, only the classes seen
    held_out = [Clip("c", "new", "sad", clip_features(Audio(calm(5.0, 7)))),
                Clip("a", "new", "angry", clip_features(Audio(aroused(5.0, 7))))]
    result = evaluate(toy_model, held_out, toy_model.classes)
    assert result.clip_accuracy == 1.0
    assert result.window_accuracy >= 0.75


def test_recognize_follows_a_change_and_covers_the_clip(toy_model):
    audio = Audio(np.concatenate([calm(9.0, 1), aroused(9.0, 1)]))
    track = recognize(audio, model=toy_model)
    assert isinstance(track, EmotionTrack)
    assert track.keys[0].time == 0.0 and track.keys[-1].time < audio.duration
    assert track.dominant(np.array([2.0]))[0] == "sad"
    assert track.dominant(np.array([audio.duration - 1.0]))[0] == "angry"
    assert len(track.keys) <= 3  # no flicker: one change, at most one passing label in the mixed window


def test_a_pause_does_not_flip_the_emotion(toy_model):
    audio = Audio(np.concatenate([aroused(5.0, 2), np.zeros(5 * RATE, np.float32), aroused(5.0, 2)]))
    track = recognize(audio, model=toy_model)
    assert [key.emotion for key in track.keys] == ["angry"]


def test_short_clip_gets_one_key(toy_model):
    track = recognize(Audio(aroused(2.0, 0)), model=toy_model)
    assert len(track.keys) == 1 and track.keys[0].time == 0.0


def test_model_file_round_trips(toy_model, tmp_path):
    path = toy_model.save(tmp_path / "m.npz")
    loaded = SpeechEmotionModel.load(path)
    x = clip_features(Audio(calm(4.0, 3)))
    np.testing.assert_allclose(loaded.probabilities(x), toy_model.probabilities(x))


def test_damaged_or_missing_model_file_is_one_line_input_error(tmp_path, toy_model):
    damaged = tmp_path / "damaged.npz"
    damaged.write_bytes(b"PK\x03\x04 not really a zip")
    missing = tmp_path / "missing.npz"
    stale = tmp_path / "stale.npz"
    with open(stale, "wb") as f:
        arrays = dict(classes=np.array(toy_model.classes), feature_names=np.array(toy_model.feature_names),
                      feature_version=np.array(0), mean=toy_model.mean, std=toy_model.std,
                      weights=toy_model.weights, bias=toy_model.bias)
        np.savez(f, **arrays)
    for path, problem in ((damaged, "damaged"), (missing, "not found"), (stale, "feature set v0")):
        with pytest.raises(InputError) as info:
            SpeechEmotionModel.load(path)
        message = str(info.value)
        assert "\n" not in message and str(path) in message and problem in message
        assert "train_recognizer" in message  # says what to do


def test_emotion_for_parses_specs_and_recognises_auto(toy_model, tmp_path):
    audio = Audio(calm(4.0, 0))
    assert emotion_for(audio, "happy:0.6") == EmotionTrack.parse("happy:0.6")
    path = toy_model.save(tmp_path / "m.npz")
    track = emotion_for(audio, " Auto ", transition=0.5, model_path=path)
    assert track.transition == 0.5 and [k.emotion for k in track.keys] == ["sad"]
    with pytest.raises(InputError, match="missing.npz"):
        emotion_for(audio, "auto", model_path=tmp_path / "missing.npz")


@pytest.mark.skipif(not DEFAULT_MODEL.is_file(), reason="shipped checkpoint absent")
def test_shipped_model_runs_on_the_example(example_wav):
    model = SpeechEmotionModel.load()
    audio = load_audio(example_wav)
    track = recognize(audio)
    assert track.keys[0].time == 0.0 and track.keys[-1].time < audio.duration
    assert {key.emotion for key in track.keys} <= set(model.classes)


@pytest.mark.shared_data
def test_leave_one_speaker_out_accuracy_matches_the_model_card(shared_data):
    from emoanim.emotion.train_recognizer import leave_one_speaker_out, load_a2f

    card = (DEFAULT_MODEL.with_suffix(".md")).read_text()
    stated = re.search(r"pooled leave-one-speaker-out window accuracy: \*\*([\d.]+)%\*\*", card)
    assert stated, "the model card must state the pooled leave-one-speaker-out window accuracy"
    results = leave_one_speaker_out(load_a2f(shared_data))
    correct = sum(np.trace(r.window_confusion) for r in results.values())
    total = sum(r.window_confusion.sum() for r in results.values())
    assert 100.0 * correct / total == pytest.approx(float(stated.group(1)), abs=3.0)
