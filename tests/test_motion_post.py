"""Spec for the post-processing chain: blinks, gaze, head motion and guarded smoothing over 5 minutes of speech."""
from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
from scipy import stats
from scipy.signal import resample_poly

from conftest import espeak_wav
from emoanim.audio.prosody import prosody
from emoanim.audio.types import SAMPLE_RATE, Audio
from emoanim.emotion.track import EmotionTrack
from emoanim.errors import InputError
from emoanim.motion.channels import ARKIT_INDEX
from emoanim.motion.performance import Performance
from emoanim.motion.post import HEAD_MOTION_PRESETS, apply, emotion_weights
from emoanim.motion.post.activity import activity_from_audio, activity_from_phones
from emoanim.motion.post.blinks import blink_intensity, plan_blinks
from emoanim.motion.post.gaze import INTERPUPILLARY_M, MICROSACCADE, SACCADE, plan_gaze, render_gaze
from emoanim.phonetics.types import SILENCE, Phone, PhoneTrack

FPS = 30.0
CORPUS_SECONDS = 300.0
BLINK_L, BLINK_R = ARKIT_INDEX["eyeBlinkLeft"], ARKIT_INDEX["eyeBlinkRight"]
JAW, CLOSE = ARKIT_INDEX["jawOpen"], ARKIT_INDEX["mouthClose"]
SENTENCES = (
    "The quick brown fox jumps over the lazy dog, and then it runs back into the forest.",
    "Please bring me the paper, a pen, and a cup of warm coffee before the meeting starts.",
    "Maybe we should build a bigger boat before the storm reaches the harbour tonight.",
    "I never thought that the museum would be open on a public holiday like this.",
    "My brother bought a map of the mountains, but he lost it somewhere on the bus.",
    "Would you like to hear the whole story, or just the most important parts of it?",
)


class Corpus:
    """Five minutes of espeak-ng sentences separated by 0.5-2.5 s pauses, with the sentence intervals as phones."""

    def __init__(self, folder):
        clips = []
        for i, text in enumerate(SENTENCES):
            wav = espeak_wav(text, folder / f"s{i}.wav", speed=160)
            samples, rate = sf.read(str(wav), dtype="float32")
            samples = resample_poly(samples, SAMPLE_RATE, rate).astype(np.float32)
            loud = np.flatnonzero(np.abs(samples) > 0.01)
            clips.append(samples[loud[0]: loud[-1] + 1])
        rng = np.random.default_rng(7)
        parts, self.sentences, t, k = [], [], 0.0, 0
        while t < CORPUS_SECONDS:
            gap = rng.uniform(0.5, 2.5)
            parts.append(np.zeros(int(gap * SAMPLE_RATE), np.float32))
            t += gap
            clip = clips[k % len(clips)]
            k += 1
            self.sentences.append((t, min(t + len(clip) / SAMPLE_RATE, CORPUS_SECONDS)))
            parts.append(clip)
            t += len(clip) / SAMPLE_RATE
        self.audio = Audio(np.concatenate(parts)[: int(CORPUS_SECONDS * SAMPLE_RATE)])
        phones, t = [], 0.0
        for start, end in self.sentences:
            if start >= CORPUS_SECONDS:
                break
            phones += [Phone(SILENCE, t, start), Phone("AH", start, end)]
            t = end
        if t < CORPUS_SECONDS:
            phones.append(Phone(SILENCE, t, CORPUS_SECONDS))
        self.phones = PhoneTrack(phones, CORPUS_SECONDS, "test")
        self.frames = int(CORPUS_SECONDS * FPS)
        self.still = Performance.still(self.frames, FPS)
        self.activity = activity_from_phones(self.phones, FPS, self.frames)

    def post(self, **kwargs) -> Performance:
        kwargs.setdefault("seed", 0)
        return apply(self.still, audio=self.audio, phones=self.phones, **kwargs)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Corpus:
    return Corpus(tmp_path_factory.mktemp("corpus"))


@pytest.fixture(scope="module")
def neutral(corpus) -> Performance:
    return corpus.post()


def blink_segments(lid: np.ndarray, threshold: float = 0.1) -> np.ndarray:
    """``(K, 2)`` frame ranges where a lid rises ``threshold`` above its resting level and shuts (>= 0.8).

    The second condition leaves out lids lowered by downward gaze, which are not blinks.
    """
    raised = lid > np.median(lid) + threshold
    edges = np.flatnonzero(np.diff(np.concatenate([[0], raised.astype(np.int8), [0]]))).reshape(-1, 2)
    return np.array([(a, b) for a, b in edges if lid[a:b].max() >= 0.8], dtype=int).reshape(-1, 2)


# ---- blinks -------------------------------------------------------------------------------------------------------

def test_blink_rate_and_durations_are_human(corpus, neutral):
    segments = blink_segments(neutral.expression[:, BLINK_L])
    rate = len(segments) / (CORPUS_SECONDS / 60)
    assert 10 <= rate <= 40, rate
    whole = segments[segments[:, 1] < corpus.frames]  # a blink cut by the clip's end is shorter
    widths_ms = (whole[:, 1] - whole[:, 0]) / FPS * 1000
    assert widths_ms.min() >= 100 and widths_ms.max() <= 400, (widths_ms.min(), widths_ms.max())
    # Every blink shuts the eye fully on at least one frame.
    peaks = [neutral.expression[a:b, BLINK_L].max() for a, b in segments]
    assert min(peaks) > 0.95
    assert len(segments) == neutral.metadata["post_stats"]["blinks"]


def test_blink_events_have_asymmetric_profile_and_never_overlap(corpus):
    weights = emotion_weights(None, corpus.still.times)
    events = plan_blinks(np.random.default_rng(0), blink_intensity(corpus.activity, weights), FPS)
    assert len(events) > 50
    for blink in events:
        assert 0.06 <= blink.close <= 0.10 and 0.15 <= blink.open <= 0.25
        assert blink.open > blink.close
        assert 0.1 <= blink.end - blink.start <= 0.4
    for before, after in zip(events, events[1:]):
        assert after.start > before.end
    gaps = np.array([after.start - before.end for before, after in zip(events, events[1:])])
    assert np.mean(gaps < 0.15) < 0.2  # double blinks are occasional


def test_blinks_are_more_frequent_in_pauses_than_in_speech(corpus, neutral):
    starts = blink_segments(neutral.expression[:, BLINK_L])[:, 0]
    speaking = corpus.activity.speaking
    speech_minutes = speaking.sum() / FPS / 60
    pause_minutes = (~speaking).sum() / FPS / 60
    in_speech = speaking[starts].sum()
    pause_rate = (len(starts) - in_speech) / pause_minutes
    speech_rate = in_speech / speech_minutes
    assert pause_rate > 1.3 * speech_rate, (pause_rate, speech_rate)


def test_emotion_changes_blinks_and_lids(corpus, neutral):
    surprised = corpus.post(emotion=EmotionTrack.constant("surprised"))
    sad = corpus.post(emotion=EmotionTrack.constant("sad"))
    blinks_neutral = len(blink_segments(neutral.expression[:, BLINK_L]))
    assert len(blink_segments(surprised.expression[:, BLINK_L])) < 0.8 * blinks_neutral
    assert np.median(surprised.expression[:, ARKIT_INDEX["eyeWideLeft"]]) > 0.3
    assert np.median(sad.expression[:, BLINK_L]) > np.median(neutral.expression[:, BLINK_L]) + 0.15


def test_lids_follow_vertical_gaze(neutral):
    pitch = neutral.gaze[:, 1]
    lid = neutral.expression[:, BLINK_L]
    open_eye = lid < 0.5  # leave out blinks
    down, level = open_eye & (pitch < -4), open_eye & (np.abs(pitch) < 1)
    assert down.sum() > 30 and level.sum() > 30
    assert lid[down].mean() > lid[level].mean() + 0.03
    up = open_eye & (pitch > 4)
    assert neutral.expression[up, ARKIT_INDEX["eyeWideLeft"]].mean() > 0.02


# ---- gaze ---------------------------------------------------------------------------------------------------------

def test_saccades_follow_the_main_sequence(corpus):
    """Saccades found from eye velocity at 1 kHz: duration ≈ 20-30 ms + 2-3 ms per degree (Carpenter 1988)."""
    fps = 1000.0
    frames = int(CORPUS_SECONDS * fps)
    activity = activity_from_phones(corpus.phones, fps, frames)
    plan = plan_gaze(np.random.default_rng(3), activity, emotion_weights(None, np.arange(frames) / fps))
    gaze = render_gaze(plan, fps, frames)
    speed = np.hypot(*np.diff(gaze, axis=0).T) * fps  # deg/s
    moving = speed > 1.0  # fixations hold still, so any motion is a saccade
    edges = np.flatnonzero(np.diff(np.concatenate([[0], moving.astype(np.int8), [0]]))).reshape(-1, 2)
    amplitude = np.hypot(*(gaze[edges[:, 1]] - gaze[edges[:, 0]]).T)
    duration_ms = (edges[:, 1] - edges[:, 0]) / fps * 1000
    big = amplitude > 0.5
    assert big.sum() > 200 and (~big).sum() > 50  # saccades and microsaccades both present
    fit = stats.linregress(amplitude, duration_ms)
    assert 2.0 <= fit.slope <= 3.0, fit
    assert 15.0 <= fit.intercept <= 30.0, fit
    assert fit.rvalue > 0.9, fit
    assert abs(len(edges) - len(plan.onsets)) <= 0.02 * len(plan.onsets)
    assert set(np.unique(plan.kinds)) == {SACCADE, MICROSACCADE}


def test_gaze_averts_at_speech_onsets(corpus, neutral):
    eccentricity = np.hypot(neutral.gaze[:, 0] + neutral.gaze[:, 2], neutral.gaze[:, 1] + neutral.gaze[:, 3]) / 2
    onsets = corpus.activity.speech_onsets()[1:]
    near_onset = np.zeros(corpus.frames, bool)
    for onset in onsets:
        near_onset[onset: onset + int(FPS)] = True
    later_speech = corpus.activity.speaking & ~near_onset
    for onset in onsets:
        later_speech[onset: onset + int(2.5 * FPS)] = False
    assert eccentricity[near_onset].mean() > 1.5 * eccentricity[later_speech].mean()


def test_eyes_converge_on_the_listener(neutral):
    left_yaw, right_yaw = np.radians(neutral.gaze[:, 0]), np.radians(neutral.gaze[:, 2])
    assert np.all(left_yaw < right_yaw)  # the left eye (at +x) turns right, towards the midline, and vice versa
    distance = INTERPUPILLARY_M / (np.tan(right_yaw) - np.tan(left_yaw))
    assert 0.8 < np.median(distance) < 1.3


def test_sadness_looks_and_hangs_down(corpus, neutral):
    sad = corpus.post(emotion=EmotionTrack.constant("sad"))
    assert sad.gaze[:, 1::2].mean() < neutral.gaze[:, 1::2].mean() - 1.5
    assert sad.head[:, 0].mean() > neutral.head[:, 0].mean() + 3.0  # +pitch = head down


# ---- head ---------------------------------------------------------------------------------------------------------

def test_head_motion_follows_energy_and_pitch(corpus, neutral):
    features = prosody(corpus.audio, FPS, corpus.frames)
    speed = np.linalg.norm(np.diff(neutral.head, axis=0), axis=1) * FPS  # deg/s
    speaking = corpus.activity.speaking[1:]
    r_energy = stats.pearsonr(features.energy_db[1:][speaking], speed[speaking])
    assert r_energy.statistic > 0 and r_energy.pvalue < 0.05, r_energy
    voiced = features.voiced[1:] & speaking
    r_pitch = stats.pearsonr(features.f0_semitones()[1:][voiced], speed[voiced])
    assert r_pitch.statistic > 0 and r_pitch.pvalue < 0.05, r_pitch


def test_head_presets_scale_motion_and_none_keeps_the_animators_head(corpus):
    spread = {}
    for preset in HEAD_MOTION_PRESETS:
        out = corpus.post(head_motion=preset, gaze=False, blinks=False)
        spread[preset] = out.head.std(axis=0).sum()
        if preset == "none":
            np.testing.assert_array_equal(out.head, corpus.still.head)
            np.testing.assert_array_equal(out.head_translation, corpus.still.head_translation)
    assert spread["subtle"] < spread["normal"] < spread["expressive"]
    assert spread["normal"] > 1.0  # degrees, summed over the three axes


def test_emotion_shapes_posture(corpus, neutral):
    angry = corpus.post(emotion=EmotionTrack.constant("angry"))
    happy = corpus.post(emotion=EmotionTrack.constant("happy"))
    assert angry.head_translation[:, 2].mean() > neutral.head_translation[:, 2].mean() + 1.0  # leans forward
    assert np.abs(np.diff(happy.head, axis=0)).mean() > 1.2 * np.abs(np.diff(neutral.head, axis=0)).mean()


def test_bad_preset_is_an_input_error_listing_the_choices():
    with pytest.raises(InputError, match="none, subtle, normal, expressive"):
        apply(Performance.still(10, FPS), head_motion="wild")
    with pytest.raises(InputError, match="seed"):
        apply(Performance.still(10, FPS), seed=-1)


# ---- smoothing ----------------------------------------------------------------------------------------------------

def speech_like_mouth(frames: int, rng: np.random.Generator) -> tuple[Performance, np.ndarray]:
    """Jaw opening at syllable rate with frame jitter (what a noisy animator might produce), and the clean curve."""
    perf = Performance.still(frames, FPS)
    clean = 0.35 + 0.25 * np.sin(2 * np.pi * 4 * perf.times)  # ~4 syllables/s
    perf.expression[:, JAW] = np.clip(clean + rng.normal(0, 0.05, frames), 0, 1)
    return perf, clean


def test_one_frame_bilabial_closures_survive_smoothing():
    perf, clean = speech_like_mouth(300, np.random.default_rng(1))
    perf.expression[100, JAW] = 0.0  # closure by the jaw
    perf.expression[200, CLOSE] = perf.expression[200, JAW] = 0.5  # closure by mouthClose over an open jaw
    out = apply(perf, blinks=False, gaze=False, head_motion="none")
    gap = out.expression[:, JAW] - out.expression[:, CLOSE]
    assert gap[100] <= 1e-6 and gap[200] <= 1e-6
    # ... while the jitter elsewhere is smoothed (closer to the clean curve) and the syllables keep their size.
    error_in = np.sqrt(np.mean((perf.expression[110:190, JAW] - clean[110:190]) ** 2))
    error_out = np.sqrt(np.mean((out.expression[110:190, JAW] - clean[110:190]) ** 2))
    assert error_out < 0.85 * error_in, (error_out, error_in)
    swing = np.percentile(out.expression[110:190, JAW], 95) - np.percentile(out.expression[110:190, JAW], 5)
    assert swing > 0.9 * (np.percentile(clean, 95) - np.percentile(clean, 5))


def test_animator_blinks_survive_smoothing():
    perf, _ = speech_like_mouth(120, np.random.default_rng(2))
    perf.expression[40, [BLINK_L, BLINK_R]] = 1.0  # a one-frame blink
    perf.expression[[80, 81, 83, 84], BLINK_L] = 1.0  # a double blink reopening on frame 82
    out = apply(perf, blinks=False, gaze=False, head_motion="none")
    assert out.expression[40, BLINK_L] == pytest.approx(1.0) and out.expression[40, BLINK_R] == pytest.approx(1.0)
    assert out.expression[[80, 81, 83, 84], BLINK_L].min() == pytest.approx(1.0)
    assert out.expression[82, BLINK_L] < 0.5


# ---- determinism, purity, ranges ----------------------------------------------------------------------------------

def test_same_seed_same_output_different_seed_different_output(corpus, neutral):
    again = corpus.post()
    other = corpus.post(seed=1)
    for name in ("expression", "head", "head_translation", "gaze"):
        np.testing.assert_array_equal(getattr(again, name), getattr(neutral, name))
        assert not np.array_equal(getattr(other, name), getattr(neutral, name)), name


def test_steps_use_independent_streams(corpus, neutral):
    no_blinks = corpus.post(blinks=False)
    np.testing.assert_array_equal(no_blinks.gaze, neutral.gaze)
    np.testing.assert_array_equal(no_blinks.head, neutral.head)


def test_input_is_not_mutated_and_channels_stay_in_range(corpus, neutral):
    assert not corpus.still.expression.any() and not corpus.still.gaze.any() and not corpus.still.head.any()
    assert neutral is not corpus.still and neutral.frames == corpus.frames
    for name in ("expression", "head", "head_translation", "gaze"):
        assert np.isfinite(getattr(neutral, name)).all()
    assert neutral.expression.min() >= 0.0 and neutral.expression.max() <= 1.0
    assert np.abs(neutral.gaze[:, 0::2]).max() <= 35.0 and np.abs(neutral.gaze[:, 1::2]).max() <= 30.0
    assert np.abs(neutral.head).max() < 20.0 and np.abs(neutral.head_translation).max() < 10.0


def test_voice_activity_without_phones_matches_the_sentences(corpus):
    from_audio = activity_from_audio(corpus.audio, FPS, corpus.frames)
    assert np.mean(from_audio.speaking == corpus.activity.speaking) > 0.9
    out = apply(corpus.still, audio=corpus.audio, seed=0)
    assert out.metadata["post_stats"]["activity"] == "audio"
    assert 10 <= len(blink_segments(out.expression[:, BLINK_L])) / (CORPUS_SECONDS / 60) <= 40


def test_works_without_audio_or_phones_and_on_tiny_clips():
    for frames in (1, 3, 90):
        out = apply(Performance.still(frames, FPS), seed=5)
        assert out.frames == frames and np.isfinite(out.gaze).all()
        assert out.expression.min() >= 0 and out.expression.max() <= 1


def test_emotion_weights_fill_neutral_and_check_shape():
    weights = emotion_weights(EmotionTrack.parse("happy:0.6"), np.zeros(4))
    np.testing.assert_allclose(weights.sum(axis=1), 1.0)
    assert weights[0, 0] == pytest.approx(0.4) and weights[0, 1] == pytest.approx(0.6)

    class WrongShape:
        def at(self, times):
            return np.zeros((len(times), 3))

    with pytest.raises(ValueError, match="shape"):
        emotion_weights(WrongShape(), np.zeros(4))
