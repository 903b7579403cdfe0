"""The phonetic animator, spec by example: hand-timed words in, ARKit mouth shapes out."""
from __future__ import annotations

import numpy as np
import pytest

from emoanim.animators import ANIMATORS, get_animator
from emoanim.animators.phonetic import PhoneticAnimator
from emoanim.audio.types import SAMPLE_RATE, Audio
from emoanim.emotion import EMOTIONS, EmotionTrack
from emoanim.errors import InputError
from emoanim.eval.lipsync import bilabial_closure_rate, closure_in_pauses, frames_of, lip_aperture
from emoanim.motion.channels import ARKIT_INDEX
from emoanim.phonetics.types import Phone, PhoneTrack

VOWELS = {"AA", "AE", "AH", "AO", "AW", "AY", "EH", "ER", "EY", "IH", "IY", "OW", "OY", "UH", "UW"}
BILABIALS = {"P", "B", "M"}
PAUSE = 0.4  # seconds of silence around every word


def words(*spec: tuple[str, float], pause: float = PAUSE) -> PhoneTrack:
    """A PhoneTrack from ``(label, seconds)`` pairs, with a pause before and after."""
    phones, t = [Phone("sil", 0.0, pause)], pause
    for label, seconds in spec:
        phones.append(Phone(label, t, t + seconds))
        t += seconds
    phones.append(Phone("sil", t, t + pause))
    return PhoneTrack(phones, t + pause, "forced")


def speech_for(track: PhoneTrack, vowel_level: float = 0.3, consonant_level: float = 0.05) -> Audio:
    """A voiced buzz that is loud on vowels, quiet on consonants and silent in pauses: loudness as in speech."""
    samples = np.zeros(int(round(track.duration * SAMPLE_RATE)), np.float32)
    rng = np.random.default_rng(0)
    for phone in track.speech_phones():
        lo, hi = int(phone.start * SAMPLE_RATE), int(phone.end * SAMPLE_RATE)
        level = vowel_level if phone.label in VOWELS else consonant_level
        t = np.arange(hi - lo) / SAMPLE_RATE
        samples[lo:hi] = level * np.sign(np.sin(2 * np.pi * 120 * t)) + 0.005 * rng.standard_normal(hi - lo)
    return Audio(samples)


def animate(track: PhoneTrack, emotion: str = "neutral", fps: float = 30.0, audio: Audio | None = None):
    audio = speech_for(track) if audio is None else audio
    return PhoneticAnimator().animate(audio, EmotionTrack.parse(emotion), phones=track, fps=fps, seed=7)


def channel(performance, *names: str) -> np.ndarray:
    return performance.expression[:, [ARKIT_INDEX[n] for n in names]].mean(axis=1)


def phone_values(performance, track: PhoneTrack, label: str, values: np.ndarray) -> list[np.ndarray]:
    """``values`` at the scored frames of each phone labelled ``label``."""
    return [values[frames_of(p, performance.fps, performance.frames)] for p in track.phones if p.label == label]


MAMA = words(("M", 0.08), ("AA", 0.16), ("M", 0.07), ("AH", 0.12))
BOB = words(("B", 0.07), ("AA", 0.18), ("B", 0.08))
POP = words(("P", 0.09), ("AA", 0.16), ("P", 0.10))
FAST_BILABIALS = words(("AH", 0.09), ("B", 0.04), ("AH", 0.08), ("M", 0.04), ("IY", 0.07), ("P", 0.04), ("AA", 0.1))
FIVE_VIVID = words(("F", 0.10), ("AY", 0.22), ("V", 0.08), ("sil", 0.08), ("V", 0.08), ("IH", 0.1), ("V", 0.07),
                   ("IH", 0.08), ("D", 0.07))
YOU = words(("Y", 0.07), ("UW", 0.25))
OH = words(("OW", 0.3))
EE = words(("IY", 0.25))
FATHER = words(("F", 0.09), ("AA", 0.2), ("DH", 0.06), ("ER", 0.15))
OPEN_VOWEL_WORDS = words(("HH", 0.06), ("AE", 0.15), ("T", 0.06), ("sil", 0.2), ("HH", 0.05), ("AH", 0.12), ("T", 0.06),
                         ("sil", 0.2), ("K", 0.06), ("AO", 0.15), ("T", 0.06), ("sil", 0.2), ("K", 0.06), ("AW", 0.2),
                         ("sil", 0.2), ("HH", 0.05), ("AY", 0.2), ("D", 0.06))


# ---- bilabial closure: the thing lip sync is judged on ----------------------------------------------------------

def assert_every_bilabial_sealed(performance, track: PhoneTrack) -> None:
    aperture = lip_aperture(performance.expression)
    jaw, close = channel(performance, "jawOpen"), channel(performance, "mouthClose")
    for phone in track.phones:
        if phone.label not in BILABIALS:
            continue
        frames = frames_of(phone, performance.fps, performance.frames)
        best = frames[np.argmin(aperture[frames])]
        assert aperture[best] <= 1e-6, f"{phone} never closes: aperture {aperture[frames]}"
        assert close[best] == pytest.approx(jaw[best]), "closure must be mouthClose against the jaw"


@pytest.mark.parametrize("fps", [24.0, 30.0, 60.0])
@pytest.mark.parametrize("track", [MAMA, BOB, POP, FAST_BILABIALS], ids=["mama", "bob", "pop", "40ms"])
def test_every_bilabial_closes_the_lips_fully(track, fps):
    assert_every_bilabial_sealed(animate(track, fps=fps), track)


def test_a_bilabial_shorter_than_a_frame_still_gets_a_closed_frame():
    # 15 ms /b/ between two vowels at 24 fps (41.7 ms per frame): no frame time may fall inside it.
    track = words(("AA", 0.2), ("B", 0.015), ("AA", 0.2))
    performance = animate(track, fps=24.0)
    assert_every_bilabial_sealed(performance, track)
    assert bilabial_closure_rate(performance.expression, 24.0, track, threshold=0.0) == (1.0, 1)


@pytest.mark.parametrize("emotion", EMOTIONS)
def test_every_emotion_at_full_intensity_still_closes_bilabials(emotion):
    for track in (MAMA, BOB, POP, FAST_BILABIALS):
        assert_every_bilabial_sealed(animate(track, emotion=emotion), track)


def test_lips_part_between_bilabials():
    # The closure must not leak into the vowel: "bob" opens in the middle.
    performance = animate(BOB)
    assert max(v.max() for v in phone_values(performance, BOB, "AA", lip_aperture(performance.expression))) > 0.4


# ---- other visemes ---------------------------------------------------------------------------------------------

def test_open_vowels_open_the_jaw():
    for track in (FATHER, MAMA, OPEN_VOWEL_WORDS):
        performance = animate(track)
        jaw = channel(performance, "jawOpen")
        for label in ("AA", "AE", "AH", "AO", "AW", "AY"):
            for values in phone_values(performance, track, label, jaw):
                assert values.max() >= 0.25, f"{label} in {track.phones}: jaw {values}"


def test_open_vowels_open_wider_than_close_vowels():
    wide = channel(animate(FATHER), "jawOpen").max()
    narrow = channel(animate(EE), "jawOpen").max()
    assert wide > narrow + 0.2


def test_rounded_vowels_pucker_and_funnel():
    rounding = {}
    for name, track, label in (("you", YOU, "UW"), ("oh", OH, "OW"), ("ee", EE, "IY")):
        performance = animate(track)
        values = phone_values(performance, track, label, channel(performance, "mouthPucker") +
                              channel(performance, "mouthFunnel"))
        rounding[name] = values[0].max()
    assert rounding["you"] >= 0.5 and rounding["oh"] >= 0.5
    assert rounding["ee"] < 0.1 < rounding["you"] - 0.3


def test_f_and_v_tuck_the_lower_lip_under_the_upper_teeth():
    performance = animate(FIVE_VIVID)
    roll, upper = channel(performance, "mouthRollLower"), channel(performance, "mouthUpperUpLeft", "mouthUpperUpRight")
    jaw = channel(performance, "jawOpen")
    for label in ("F", "V"):
        for phone in (p for p in FIVE_VIVID.phones if p.label == label):
            frames = frames_of(phone, performance.fps, performance.frames)
            assert roll[frames].max() >= 0.3, f"{phone}: mouthRollLower {roll[frames]}"
            assert upper[frames].max() >= 0.1, f"{phone}: mouthUpperUp {upper[frames]}"
            assert jaw[frames].min() <= 0.2, f"{phone}: jaw {jaw[frames]}"
    # ...and nowhere else: the open vowel AY does not keep the tuck.
    ay = phone_values(performance, FIVE_VIVID, "AY", roll)[0]
    assert ay.min() < 0.1


def test_rounding_is_anticipated_in_the_consonants_before_a_rounded_vowel():
    # Cohen-Massaro: /s t r/ before "oo" (strew) is rounded, before "ee" (street) it is not.
    strew = words(("S", 0.1), ("T", 0.06), ("R", 0.06), ("UW", 0.25))
    street = words(("S", 0.1), ("T", 0.06), ("R", 0.06), ("IY", 0.25))
    pucker = [phone_values(p, t, "T", channel(p, "mouthPucker"))[0].mean() for p, t in
              ((animate(strew), strew), (animate(street), street))]
    assert pucker[0] > pucker[1] + 0.1


def test_tongue_consonants_leave_the_lips_to_the_vowels_but_bilabials_do_not():
    # "oo-t-oo" keeps the pucker through /t/; "oo-b-oo" seals it.
    uwtuw = words(("UW", 0.2), ("T", 0.06), ("UW", 0.2))
    performance = animate(uwtuw)
    assert phone_values(performance, uwtuw, "T", channel(performance, "mouthPucker"))[0].min() > 0.35
    assert phone_values(performance, uwtuw, "T", lip_aperture(performance.expression))[0].min() > 0.05


def test_the_mouth_rests_closed_and_relaxed_in_pauses():
    track = words(("HH", 0.06), ("AH", 0.12), ("L", 0.06), ("OW", 0.2), ("sil", 0.6), ("B", 0.07), ("AY", 0.25))
    performance = animate(track)
    rate, pauses = closure_in_pauses(performance.expression, performance.fps, track)
    assert (rate, pauses) == (1.0, 3)
    rest = [p for p in track.phones if p.label == "sil"]
    press = channel(performance, "mouthPressLeft", "mouthPressRight")
    for pause in rest:
        inner = frames_of(Phone("sil", pause.start + 0.15, pause.end - 0.15), performance.fps, performance.frames)
        assert lip_aperture(performance.expression)[inner].max() <= 0.02
        assert press[inner].max() <= 0.02, "rest is relaxed, not pressed"


def test_jaw_follows_loudness_within_the_phone_range():
    # Loudness is relative to the clip's loud speech: a stressed "AA" opens wider than a soft one in the same clip.
    track = words(("HH", 0.05), ("AA", 0.2), ("sil", 0.3), ("HH", 0.05), ("AA", 0.2))
    audio = speech_for(track)
    first, second = [p for p in track.phones if p.label == "AA"]
    soft = slice(int(second.start * SAMPLE_RATE), int(second.end * SAMPLE_RATE))
    audio.samples[soft] *= 0.1  # 20 dB down
    performance = animate(track, audio=audio)
    peak = [v.max() for v in phone_values(performance, track, "AA", channel(performance, "jawOpen"))]
    assert peak[0] > peak[1] + 0.2
    assert peak[1] >= 0.25, "quiet open vowels still read as open"


def test_silent_audio_warns_and_still_animates_from_phones():
    silent = Audio(np.zeros(int(FATHER.duration * SAMPLE_RATE), np.float32))
    performance = animate(FATHER, audio=silent)
    assert any("near-silent" in w for w in performance.metadata["warnings"])
    assert phone_values(performance, FATHER, "AA", channel(performance, "jawOpen"))[0].max() >= 0.25


# ---- emotion changes articulation ------------------------------------------------------------------------------

SENTENCE = words(("HH", 0.05), ("AW", 0.2), ("D", 0.05), ("UW", 0.15), ("Y", 0.05), ("UW", 0.15), ("sil", 0.25),
                 ("M", 0.07), ("AA", 0.15), ("M", 0.07), ("AH", 0.1), ("S", 0.1), ("IY", 0.15), ("Z", 0.08),
                 ("F", 0.08), ("AA", 0.2), ("DH", 0.05), ("ER", 0.15))


def speaking_frames(performance) -> np.ndarray:
    return np.concatenate([frames_of(p, performance.fps, performance.frames) for p in SENTENCE.speech_phones()])


def test_happy_smiles_more_with_intensity():
    smiles = [channel(animate(SENTENCE, spec), "mouthSmileLeft", "mouthSmileRight").mean()
              for spec in ("happy:0", "happy:0.25", "happy:0.5", "happy:1")]
    assert all(a < b for a, b in zip(smiles, smiles[1:])), smiles
    assert smiles[-1] > smiles[0] + 0.3


@pytest.mark.parametrize(
    ("emotion", "names", "direction"),
    [
        ("happy", ("mouthPucker",), -1),  # smiles widen the visemes
        ("happy", ("mouthStretchLeft", "mouthStretchRight"), +1),
        ("sad", ("jawOpen",), -1),  # sadness damps the jaw
        ("angry", ("mouthPressLeft", "mouthPressRight"), +1),  # anger presses the lips
        ("surprised", ("jawOpen",), +1),  # surprise opens more
        ("fear", ("mouthStretchLeft", "mouthStretchRight"), +1),
        ("disgusted", ("mouthUpperUpLeft", "mouthUpperUpRight"), +1),
    ],
)
def test_emotion_signature_grows_monotonically_with_intensity(emotion, names, direction):
    values = []
    for intensity in (0.0, 0.25, 0.5, 1.0):
        performance = animate(SENTENCE, f"{emotion}:{intensity}")
        values.append(direction * channel(performance, *names)[speaking_frames(performance)].mean())
    assert all(a < b for a, b in zip(values, values[1:])), (emotion, names, values)


def test_an_emotion_timeline_changes_the_face_at_its_key_times():
    performance = animate(SENTENCE, "neutral@0,happy@1.2")
    smile = channel(performance, "mouthSmileLeft", "mouthSmileRight")
    times = performance.times
    assert smile[times > 1.5].mean() > smile[times < 0.9].mean() + 0.3


# ---- the Performance contract ----------------------------------------------------------------------------------

@pytest.mark.parametrize("fps", [24.0, 30.0, 60.0])
def test_frame_count_is_round_duration_times_fps(fps):
    audio = speech_for(FATHER)
    performance = animate(FATHER, fps=fps, audio=audio)
    assert performance.frames == round(audio.duration * fps)
    assert performance.fps == fps


def test_output_is_expression_only_in_range_and_deterministic():
    first, second = animate(SENTENCE, "angry:0.7"), animate(SENTENCE, "angry:0.7")
    np.testing.assert_array_equal(first.expression, second.expression)
    assert first.expression.min() >= 0.0 and first.expression.max() <= 1.0
    assert not first.head.any() and not first.gaze.any() and not first.head_translation.any()
    assert (channel(first, "mouthClose") <= channel(first, "jawOpen") + 1e-7).all(), "lips cannot pass each other"


def test_metadata_records_how_the_performance_was_made():
    performance = animate(BOB, "happy:0.5")
    meta = performance.metadata
    assert meta["animator"] == "phonetic" and meta["fps"] == 30.0 and meta["seed"] == 7
    assert meta["phone_method"] == "forced"
    assert EmotionTrack.from_dict(meta["emotion"]) == EmotionTrack.parse("happy:0.5")
    assert meta["lip_closures"] == [[p.start, p.end] for p in BOB.phones if p.label == "B"]
    assert meta["warnings"] == []


def test_stress_digits_and_pause_aliases_are_accepted():
    plain = words(("B", 0.07), ("AA", 0.18), ("B", 0.08))
    marked = PhoneTrack([Phone("sp" if p.label == "sil" else p.label + ("1" if p.label == "AA" else ""), p.start, p.end)
                         for p in plain.phones], plain.duration, "forced")
    np.testing.assert_array_equal(animate(plain).expression, animate(marked, audio=speech_for(plain)).expression)


def test_gaps_between_phones_are_pauses():
    gappy = PhoneTrack([Phone("M", 0.5, 0.58), Phone("AA", 0.58, 0.8)], 1.6, "recognized")
    performance = animate(gappy)
    assert lip_aperture(performance.expression)[: int(0.3 * 30)].max() <= 0.01
    assert lip_aperture(performance.expression)[int(1.1 * 30):].max() <= 0.01
    assert_every_bilabial_sealed(performance, gappy)


def test_bad_inputs_raise_input_errors_that_say_what_to_do():
    audio = speech_for(BOB)
    with pytest.raises(InputError, match="needs timed phones"):
        PhoneticAnimator().animate(audio, EmotionTrack.constant(), phones=None, fps=30.0, seed=0)
    bad = PhoneTrack([Phone("XX", 0.0, 0.5)], 0.5, "forced")
    with pytest.raises(InputError, match="unknown phone label 'XX'.*ARPAbet"):
        PhoneticAnimator().animate(audio, EmotionTrack.constant(), phones=bad, fps=30.0, seed=0)
    backwards = PhoneTrack([Phone("AA", 0.5, 0.2)], 0.5, "forced")
    with pytest.raises(InputError, match="start <= end"):
        PhoneticAnimator().animate(audio, EmotionTrack.constant(), phones=backwards, fps=30.0, seed=0)


def test_registry_finds_the_phonetic_animator_and_lists_names_for_unknown_ones():
    assert "phonetic" in ANIMATORS
    animator = get_animator("Phonetic")
    assert isinstance(animator, PhoneticAnimator) and animator.name == "phonetic" and animator.needs_phones
    with pytest.raises(InputError, match="unknown animator 'nope'.*phonetic"):
        get_animator("nope")


# ---- end to end on real (synthetic) speech ---------------------------------------------------------------------

def test_every_aligned_bilabial_closes_in_espeak_speech(say):
    from emoanim.audio import load_audio
    from emoanim.phonetics import align

    text = "bob made pop music"
    audio = load_audio(say(text))
    track = align(audio, text)
    assert [p.label for p in track.phones if p.label in BILABIALS] == ["B", "B", "M", "P", "P", "M"]
    for emotion in ("neutral", "happy", "angry", "surprised"):
        performance = PhoneticAnimator().animate(audio, EmotionTrack.parse(emotion), phones=track, fps=30.0, seed=0)
        assert bilabial_closure_rate(performance.expression, 30.0, track) == (1.0, 6)
