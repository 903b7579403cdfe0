"""The phonetics stage: forced alignment, phone recognition, transcript normalisation and unknown words."""
from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from emoanim.audio.types import Audio
from emoanim.errors import InputError
from emoanim.phonetics import ARPABET, DEFAULT_RECOGNIZER, RECOGNIZERS, SILENCE, Phone, PhoneTrack, align
from emoanim.phonetics import g2p, sphinx
from emoanim.phonetics.align import phone_label, spans_to_phones
from emoanim.phonetics.bilabials import add_bilabials
from emoanim.phonetics.sphinx import Span
from emoanim.phonetics.transcript import normalize_transcript, spell_number, spell_ordinal, spell_year

VALID_LABELS = set(ARPABET) | {SILENCE}


def read(path) -> Audio:
    """espeak-ng writes 22.05 kHz wavs; `align` must take them as they are and resample itself."""
    samples, rate = sf.read(str(path), dtype="float32")
    return Audio(samples, sample_rate=rate, source=path)


def assert_covers(track: PhoneTrack, duration: float) -> None:
    assert track.duration == pytest.approx(duration)
    assert track.phones[0].start == 0.0
    assert track.phones[-1].end == pytest.approx(duration, abs=1e-9)
    for before, after in zip(track.phones, track.phones[1:]):
        assert after.start == pytest.approx(before.end, abs=1e-9), (before, after)
    assert all(p.duration > 0 for p in track.phones)
    assert {p.label for p in track.phones} <= VALID_LABELS


def test_forced_alignment_finds_bilabials_in_order_inside_the_audio(say):
    audio = read(say("bob made pop music"))
    track = align(audio, "Bob made pop music.")

    assert track.method == "forced"
    assert track.warnings == []
    assert_covers(track, audio.duration)
    speech = track.speech_phones()
    assert [p.label for p in speech] == "B AA B M EY D P AA P M Y UW Z IH K".split()
    assert [p.word for p in speech][:3] == ["bob"] * 3 and speech[-1].word == "music"
    bilabials = [p for p in speech if p.label in ("P", "B", "M")]
    assert [p.label for p in bilabials] == ["B", "B", "M", "P", "P", "M"]
    starts = [p.start for p in bilabials]
    assert starts == sorted(starts)
    assert 0.0 <= starts[0] and bilabials[-1].end < audio.duration
    # espeak-ng at 150 words/min: the four words span most of the clip, no phone is absurdly long
    assert speech[-1].end - speech[0].start > 0.5 * audio.duration
    assert max(p.duration for p in speech) < 0.5


def test_phone_recognition_without_transcript_covers_the_audio_without_gaps(say):
    audio = read(say("please pass the butter maybe tomorrow morning"))
    track = align(audio, recognizer="phones")

    assert track.method == "recognized-phones"
    assert_covers(track, audio.duration)
    assert len(track.speech_phones()) >= 5
    assert all(p.word is None for p in track.phones)


def test_default_recognition_decodes_words_and_aligns_their_dictionary_phones(say):
    audio = read(say("please pass the butter maybe tomorrow morning"))
    track = align(audio)

    assert DEFAULT_RECOGNIZER == "words" and track.method == "recognized-words"
    assert_covers(track, audio.duration)
    speech = track.speech_phones()
    assert len(speech) >= 10 and all(p.word for p in speech)
    # Phones are the dictionary pronunciations of the recognised words, so each word's phones are contiguous.
    for before, after in zip(speech, speech[1:]):
        assert after.start >= before.end - 1e-9
    # Seven bilabials are spoken (p p b m b m m); the word hypothesis must keep most of them.
    assert sum(p.label in ("P", "B", "M") for p in speech) >= 4


def test_every_recognizer_is_selectable_and_unknown_ones_are_input_errors(say):
    audio = read(say("bob made pop music"))
    assert set(RECOGNIZERS) == {"words", "words-accurate", "words+phones", "phones"}
    for name in RECOGNIZERS:
        track = align(audio, recognizer=name)
        assert track.method == f"recognized-{name}"
        assert_covers(track, audio.duration)
    with pytest.raises(InputError, match="words-accurate"):
        align(audio, recognizer="wav2vec")
    # A transcript wins over any recogniser.
    assert align(audio, "bob made pop music", recognizer="phones").method == "forced"


def test_phone_bilabials_are_laid_over_word_phones_only_when_credible():
    words = [Span("SIL", 0, 10), Span("N", 10, 20, "nine"), Span("AY", 20, 40, "nine"), Span("M", 40, 48, "my"),
             Span("SIL", 48, 80)]
    heard = [Span("M", 12, 20), Span("B", 22, 25), Span("P", 26, 46), Span("B", 41, 47), Span("P", 50, 58),
             Span("AY", 20, 40)]
    merged = add_bilabials(words, heard)
    # Only the 8-frame M over the N is credible: B too short, P too long, B overlaps the existing M, P in a pause.
    assert merged == [Span("SIL", 0, 10), Span("N", 10, 12, "nine"), Span("M", 12, 20, "nine"),
                      Span("AY", 20, 40, "nine"), Span("M", 40, 48, "my"), Span("SIL", 48, 80)]
    # A bilabial inside a longer phone splits it in two.
    split = add_bilabials([Span("AA", 0, 30, "ah")], [Span("B", 10, 18)])
    assert [(s.label, s.start, s.end) for s in split] == [("AA", 0, 10), ("B", 10, 18), ("AA", 18, 30)]
    assert add_bilabials(words, []) == words


def test_words_plus_phones_keeps_every_word_mode_bilabial_and_covers_the_audio(say):
    audio = read(say("please pass the butter maybe tomorrow morning"))
    words = align(audio, recognizer="words")
    both = align(audio, recognizer="words+phones")
    assert both.method == "recognized-words+phones"
    assert_covers(both, audio.duration)
    bilabials = [p for p in both.phones if p.label in ("P", "B", "M")]
    for phone in (p for p in words.phones if p.label in ("P", "B", "M")):
        assert any(b.label == phone.label and b.start <= phone.start + 1e-9 and b.end >= phone.end - 1e-9
                   for b in bilabials), phone
    assert len(bilabials) >= sum(p.label in ("P", "B", "M") for p in words.phones)


def test_word_mode_falls_back_to_phone_recognition_when_no_words_are_heard(say, monkeypatch):
    audio = read(say("bob made pop music"))
    monkeypatch.setattr(sphinx, "recognize_words", lambda pcm, language, settings: [])
    track = align(audio)
    assert track.method == "recognized-phones"
    assert_covers(track, audio.duration)


def test_silence_gives_only_sil():
    audio = Audio(np.zeros(16_000, dtype=np.float32))
    for transcript in (None, "hello there"):
        track = align(audio, transcript)
        assert [p.label for p in track.phones] == [SILENCE]
        assert_covers(track, 1.0)
    assert "silent" in align(audio, "hello there").warnings[0]


def test_empty_audio_gives_an_empty_pause():
    track = align(Audio(np.zeros(0, dtype=np.float32)))
    assert [(p.label, p.start, p.end) for p in track.phones] == [(SILENCE, 0.0, 0.0)]


def test_unknown_word_is_pronounced_by_espeak_and_aligned_with_a_warning(say):
    audio = read(say("the zorbleflax made pop music"))
    track = align(audio, "The zorbleflax made pop music")

    assert track.method == "forced"
    assert any("zorbleflax" in w and "espeak-ng" in w for w in track.warnings)
    invented = [p for p in track.phones if p.word == "zorbleflax"]
    assert invented[0].label == "Z" and "B" in [p.label for p in invented]
    assert_covers(track, audio.duration)


def test_unknown_word_without_espeak_falls_back_to_spelling_rules(say, monkeypatch):
    audio = read(say("a glimbertox is here"))
    monkeypatch.setattr(g2p.shutil, "which", lambda name: None)
    track = align(audio, "a glimbertox is here")

    assert track.method == "forced"
    assert any("glimbertox" in w and "spelling rules" in w for w in track.warnings)
    assert [p.label for p in track.phones if p.word == "glimbertox"][:3] == ["G", "L", "IH"]


def test_transcript_that_does_not_fit_falls_back_to_recognition_and_says_so(say):
    audio = read(say("bob made pop music"))
    track = align(audio, "the quick brown fox jumps over the lazy dog again and again")

    assert track.method == "recognized-words"
    assert any("forced alignment failed" in w for w in track.warnings)
    assert_covers(track, audio.duration)


def test_numbers_in_the_transcript_are_spoken_words(say):
    assert normalize_transcript("Press 1.") == ["press", "one"]
    audio = read(say("press one for sales"))
    track = align(audio, "Press 1 for sales")
    assert track.method == "forced"
    assert [p.label for p in track.phones if p.word == "one"] == ["W", "AH", "N"]


def test_number_speller():
    assert spell_number(0) == "zero"
    assert spell_number(40) == "forty"
    assert spell_number(115) == "one hundred fifteen"
    assert spell_number(999_999) == "nine hundred ninety nine thousand nine hundred ninety nine"
    assert spell_year(1984) == "nineteen eighty four"
    assert spell_year(1905) == "nineteen oh five"
    assert spell_year(2007) == "two thousand seven"
    assert spell_year(2024) == "twenty twenty four"
    assert spell_ordinal(21) == "twenty first" and spell_ordinal(12) == "twelfth" and spell_ordinal(30) == "thirtieth"


def test_transcript_normalisation():
    assert normalize_transcript("“Don’t” stop—it's well-known!") == ["don't", "stop", "it's", "well", "known"]
    assert normalize_transcript("In 1984, 2,500 people paid $3.50 [laughs]") == [
        "in", "nineteen", "eighty", "four", "two", "thousand", "five", "hundred", "people", "paid", "three",
        "dollars", "fifty", "cents"]
    assert normalize_transcript("the 1990s & 50%") == ["the", "nineteen", "nineties", "and", "fifty", "percent"]
    assert normalize_transcript("...!?") == []


def test_ipa_from_espeak_maps_to_arpabet():
    assert g2p.ipa_to_arpabet("tʃ_ˈɜː_tʃ") == ["CH", "ER", "CH"]
    assert g2p.ipa_to_arpabet("b_ˈʌ_ɾ_ɚ") == ["B", "AH", "T", "ER"]
    assert g2p.ipa_to_arpabet("m_ˈoːɹ") == ["M", "AO", "R"]
    assert g2p.ipa_to_arpabet("f_ˈaɪɚ") == ["F", "AY", "ER"]
    assert g2p.ipa_to_arpabet("dʒ_ˈʌ_dʒ") == ["JH", "AH", "JH"]
    assert {p for phones in g2p.IPA_TO_ARPABET.values() for p in phones} <= set(ARPABET)


def test_spelling_rules():
    assert g2p.letters_to_sounds("make") == ["M", "AE", "K"]
    assert g2p.letters_to_sounds("church") == ["CH", "ER", "CH"]
    assert g2p.letters_to_sounds("yarn") == ["Y", "AA", "R", "N"]


def test_sphinx_fillers_become_sil_and_gaps_are_filled():
    assert [phone_label(x) for x in ("SIL", "+NSN+", "+SPN+", "+BREATH+", "AH0", "ng")] == [
        SILENCE, SILENCE, SILENCE, SILENCE, "AH", "NG"]
    spans = [Span("+NSN+", 0, 10), Span("SIL", 10, 20), Span("B", 25, 30, "bob"), Span("AA", 28, 40, "bob")]
    phones = spans_to_phones(spans, 0.5)
    assert phones == [Phone(SILENCE, 0.0, 0.25), Phone("B", 0.25, 0.30, "bob"), Phone("AA", 0.30, 0.40, "bob"),
                      Phone(SILENCE, 0.40, 0.5)]


def test_unsupported_language_names_the_supported_ones():
    audio = Audio(np.zeros(1600, dtype=np.float32))
    with pytest.raises(InputError, match="en-us"):
        align(audio, language="fr-fr")
    assert align(audio, language="EN_US").method.startswith("recognized")


def test_non_finite_audio_is_an_input_error():
    samples = np.full(1600, 0.5, dtype=np.float32)
    samples[10] = np.nan
    with pytest.raises(InputError, match="NaN"):
        align(Audio(samples))


def test_speech_in_another_language_is_aligned_through_its_own_pronunciations(say):
    from emoanim.phonetics.align import align_foreign

    words = ["come", "babbo", "mangia", "la", "pasta"]  # "come" is also English, spelled alike, said otherwise
    audio = read(say("Come babbo mangia la pasta", voice="it"))
    track = align_foreign(audio, words, "it")
    assert track is not None and track.method == "forced"
    assert_covers(track, audio.duration)
    speech = track.speech_phones()
    assert [p.word for p in speech][:3] == ["come"] * 3  # words come back as spoken, not as dictionary keys
    assert [p.label for p in speech if p.word == "come"] == ["K", "OW", "M", "EH"]  # Italian, not /k ah m/
    bilabials = [p for p in speech if p.label in ("P", "B", "M")]
    assert [(p.label, p.word) for p in bilabials] == [("M", "come"), ("B", "babbo"), ("B", "babbo"),
                                                      ("M", "mangia"), ("P", "pasta")]
    assert [p.label for p in speech if p.word == "pasta"] == ["P", "AA", "S", "T", "AA"]  # open Italian /a/
    assert [p.start for p in bilabials] == sorted(p.start for p in bilabials)
    assert speech[-1].end - speech[0].start > 0.5 * audio.duration
    assert align_foreign(audio, words + ["!!"], "it") is None  # nothing pronounceable in a word: no timing


def test_asterisk_prompt_sets_know_their_voices_and_name_a_missing_one():
    from emoanim.train import asterisk

    assert {v.speaker for v in asterisk.VOICES.values()} == {"Allison Smith", "June Wallack", "Carlo Flora"}
    assert asterisk.SOUNDS == asterisk.VOICES["en"].sounds  # the English set keeps its old names
    with pytest.raises(InputError, match="no Asterisk prompt set for language 'de'"):
        asterisk.prompts("de")
