"""`align`: speech (+ optional transcript) -> a gap-free `PhoneTrack` of ARPAbet phones and pauses.

With a transcript, pocketsphinx forced alignment places each word's dictionary phones in time (near-exact on
clean speech). Without one, a recogniser guesses from the audio alone (`RECOGNIZERS`):

- ``"words"`` (default): pocketsphinx word recognition with the English LM (fast settings), then forced alignment of
  the hypothesised words. The hypothesis carries dictionary pronunciations, so even a misrecognised word
  ("dial it" heard as "die lady") usually keeps its bilabials in the right place.
- ``"words-accurate"``: the same with pocketsphinx's full three-pass search; about twice the decoding time.
- ``"words+phones"``: ``"words"``, plus the bilabials that phone recognition (allphone) hears where the words have
  none, when they last 60-110 ms (`bilabials.add_bilabials`): more lip closures (tune split: 91.2% -> 94.8% of /p b m/
  closed) for more false ones (0.48% -> 1.39% of other phones) and about 0.035 CPU s per audio s more.
- ``"phones"``: pocketsphinx phone recognition (allphone) alone: fastest, but about half the phones are wrong on
  real speech (ENVIRONMENT-NOTES.md).

Figures (held-out asterisk prompts) are in benchmarks/lipsync_asterisk.py and `sphinx.WordSettings`.
"""
from __future__ import annotations

import functools
import hashlib

import numpy as np

from emoanim.audio.types import Audio
from emoanim.errors import InputError
from emoanim.phonetics import sphinx
from emoanim.phonetics.bilabials import add_bilabials
from emoanim.phonetics.g2p import pronounce
from emoanim.phonetics.transcript import normalize_transcript
from emoanim.phonetics.types import ARPABET, SILENCE, Phone, PhoneTrack

# Languages `align` supports, each with the espeak-ng voice used for words its dictionary lacks. Other languages
# need an acoustic model; the seam for them is a phone recogniser whose labels map to ARPAbet (espeak-ng can
# supply pronunciations for 100+ languages, but pocketsphinx's wheel only holds an English acoustic model).
LANGUAGES = {"en-us": "en-us"}

# Below this peak level (-60 dBFS) a clip holds no speech worth decoding: return an all-pause track at once.
SILENT_PEAK = 10 ** (-60 / 20)
# A fixed noise floor (RMS, in int16 steps; about -72 dBFS) added before decoding. Runs of exact digital zeros
# (synthetic speech, padded or gated recordings) have log energy -inf; they wreck cepstral mean normalisation and
# pocketsphinx then loses the speech (measured here: forced alignment of espeak-ng speech failed outright without
# it). Real recordings have their own noise floor well above this, so it changes nothing for them.
DITHER_RMS_INT16 = 8.0
_ARPABET = frozenset(ARPABET)

# Recogniser name -> word-search settings (None: phone recognition). ``PhoneTrack.method`` is "recognized-<name>".
RECOGNIZERS: dict[str, sphinx.WordSettings | None] = {
    "words": sphinx.FAST_WORDS,
    "words-accurate": sphinx.ACCURATE_WORDS,
    "words+phones": sphinx.FAST_WORDS,
    "phones": None,
}
DEFAULT_RECOGNIZER = "words"
# Recognisers that also run phone recognition and add the bilabials it finds to the aligned words.
WITH_PHONE_BILABIALS = frozenset({"words+phones"})


def align(audio: Audio, transcript: str | None = None, language: str = "en-us",
          recognizer: str = DEFAULT_RECOGNIZER) -> PhoneTrack:
    """Phones with timings for ``audio``.

    ``transcript`` is the text spoken (any case, punctuation and digits allowed); with it, phones come from forced
    alignment (``method="forced"``). Without it (or when it cannot be aligned), ``recognizer`` (a `RECOGNIZERS`
    name) finds them and ``method`` is ``"recognized-<recognizer>"``; if word recognition hears no words or its
    words cannot be aligned, phone recognition takes over (``"recognized-phones"``). In word modes each phone's
    ``word`` is the recognised (possibly wrong) word. The track covers ``[0, audio.duration]`` without gaps or
    overlaps; pauses and non-speech sounds are ``"sil"``. Problems the user should know about (unknown words, a
    transcript that did not fit) are in ``PhoneTrack.warnings``.
    """
    language = check_language(language)
    recognizer = check_recognizer(recognizer)
    _check_samples(audio)
    method = f"recognized-{recognizer}" if transcript is None else "forced"
    duration = audio.duration
    warnings: list[str] = []
    if _is_silent(audio):
        if transcript is not None and normalize_transcript(transcript):
            warnings.append("the audio is silent, so the transcript was not aligned")
        return PhoneTrack([Phone(SILENCE, 0.0, duration)], duration, method, warnings)
    pcm = to_pcm16(audio)

    spans = None
    if transcript is not None:
        words = _dictionary_words(normalize_transcript(transcript), language, warnings)
        if not words:
            warnings.append("the transcript has no words to align: phones were recognised from the audio instead")
        else:
            aligned = sphinx.force_align(pcm, words, language)
            if aligned is None:
                warnings.append("forced alignment failed (the transcript may not match the audio): phones were "
                                "recognised from the audio instead")
            else:
                spans = aligned.spans
                if aligned.phones_estimated:
                    warnings.append("only word timings could be aligned: phones were spread evenly inside words")
    if spans is None:
        method, spans = recognize(pcm, language, recognizer)
    return PhoneTrack(spans_to_phones(spans, duration), duration, method, warnings)


def align_foreign(audio: Audio, words: list[str], voice: str) -> PhoneTrack | None:
    """Forced alignment of speech in another language than English: each word is pronounced by espeak-ng's
    ``voice`` (e.g. ``"it"``, ``"fr"``), mapped to the nearest ARPAbet phones (`g2p.ipa_to_arpabet`), and placed
    in time by the English acoustic model. The phones are English approximations (French /y/ reads as UW), but lip
    closures, vowels and pauses land where they are spoken, which is what the teacher animation needs. ``words``
    are already split (no number spelling: `normalize_transcript` spells English). None when espeak-ng is missing,
    a word has nothing pronounceable, or the words do not fit the audio. Used to label real speech of other voices
    for training (emoanim.train.asterisk); `align` itself stays English."""
    from emoanim.phonetics.g2p import OTHER_LANGUAGE_IPA, espeak_pronunciations

    _check_samples(audio)
    pronunciations = espeak_pronunciations(list(dict.fromkeys(words)), voice, OTHER_LANGUAGE_IPA)
    if not words or pronunciations is None or not all(pronunciations.get(w) for w in words):
        return None
    # dictionary keys of their own, so that a word spelled like an English one ("come", "a") keeps its own sounds
    keys = {w: f"{voice}_{hashlib.sha1(w.encode()).hexdigest()[:12]}" for w in pronunciations}
    new = set(sphinx.unknown_words(list(keys.values())))
    sphinx.add_pronunciations({keys[w]: phones for w, phones in pronunciations.items() if keys[w] in new})
    aligned = sphinx.force_align(to_pcm16(audio), [keys[w] for w in words])
    if aligned is None or aligned.phones_estimated:
        return None
    spoken = {key: word for word, key in keys.items()}
    spans = [sphinx.Span(s.label, s.start, s.end, spoken.get(s.word, s.word)) for s in aligned.spans]
    return PhoneTrack(spans_to_phones(spans, audio.duration), audio.duration, "forced")


def recognize(pcm: bytes, language: str, recognizer: str) -> tuple[str, list[sphinx.Span]]:
    """(method, spans) for 16 kHz int16 ``pcm`` with no usable transcript, by the named recogniser."""
    settings = RECOGNIZERS[recognizer]
    if settings is not None:
        words = sphinx.recognize_words(pcm, language, settings)
        aligned = sphinx.force_align(pcm, words, language) if words else None
        if aligned is not None:
            spans = aligned.spans
            if recognizer in WITH_PHONE_BILABIALS:
                spans = add_bilabials(spans, sphinx.recognize_phones(pcm, language))
            return f"recognized-{recognizer}", spans
    return "recognized-phones", sphinx.recognize_phones(pcm, language)


def check_recognizer(recognizer: str) -> str:
    """The canonical recogniser name; `InputError` listing the known ones otherwise."""
    name = str(recognizer).strip().lower()
    if name not in RECOGNIZERS:
        raise InputError(f"recognizer {recognizer!r} is not known", hint=f"choose one of: {', '.join(RECOGNIZERS)}")
    return name


def check_language(language: str) -> str:
    """The canonical name of a supported language; `InputError` listing the supported ones otherwise."""
    name = str(language).strip().lower().replace("_", "-")
    if name not in LANGUAGES:
        raise InputError(f"language {language!r} is not supported for phone alignment",
                         hint=f"supported: {', '.join(sorted(LANGUAGES))}")
    return name


def to_pcm16(audio: Audio, dither_rms: float = DITHER_RMS_INT16) -> bytes:
    """``audio`` as 16 kHz mono int16 bytes with a ``dither_rms`` noise floor (int16 steps), ready for pocketsphinx."""
    samples = _check_samples(audio)
    if audio.sample_rate != sphinx.SAMPLE_RATE:
        from scipy.signal import resample_poly

        divisor = np.gcd(int(audio.sample_rate), sphinx.SAMPLE_RATE)
        samples = resample_poly(samples, sphinx.SAMPLE_RATE // divisor, int(audio.sample_rate) // divisor)
    scaled = samples * 32767.0 + _dither(len(samples), dither_rms)
    return np.clip(np.rint(scaled), -32768, 32767).astype(np.int16).tobytes()


def spans_to_phones(spans: list[sphinx.Span], duration: float) -> list[Phone]:
    """Frame spans -> phones in seconds covering ``[0, duration]``: fillers become ``"sil"``, gaps are filled with
    ``"sil"``, overlaps are trimmed, neighbouring pauses merged."""
    phones: list[Phone] = []
    cursor = 0.0

    def add(label: str, start: float, end: float, word: str | None) -> None:
        if end <= start:
            return
        if label == SILENCE and phones and phones[-1].label == SILENCE:
            phones[-1] = Phone(SILENCE, phones[-1].start, end)
        else:
            phones.append(Phone(label, start, end, None if label == SILENCE else word))

    for span in sorted(spans, key=lambda s: s.start):
        start = min(span.start / sphinx.FRAME_RATE, duration)
        end = min(span.end / sphinx.FRAME_RATE, duration)
        if start > cursor:
            add(SILENCE, cursor, start, None)
        start = max(start, cursor)
        add(phone_label(span.label), start, end, span.word)
        cursor = max(cursor, end)
    if cursor < duration:
        if phones and phones[-1].label != SILENCE and duration - cursor < 1.0 / sphinx.FRAME_RATE:
            last = phones[-1]  # less than a frame of rounding left: stretch the last phone instead of a sliver
            phones[-1] = Phone(last.label, last.start, duration, last.word)
        else:
            add(SILENCE, cursor, duration, None)
    return phones or [Phone(SILENCE, 0.0, duration)]


def phone_label(label: str) -> str:
    """A pocketsphinx phone name -> ARPAbet without stress, or ``"sil"`` for SIL and fillers (+NSN+, +SPN+, ...)."""
    plain = label.upper().rstrip("012")
    return plain if plain in _ARPABET else SILENCE


def _dictionary_words(words: list[str], language: str, warnings: list[str]) -> list[str]:
    """``words`` with pronunciations added for those missing from the dictionary (and a warning naming them)."""
    missing = sphinx.unknown_words(words, language)
    if not missing:
        return words
    pronunciations, source = pronounce(missing, LANGUAGES[language])
    unpronounceable = [w for w, phones in pronunciations.items() if not phones]
    usable = {w: phones for w, phones in pronunciations.items() if phones}
    sphinx.add_pronunciations(usable, language)
    if usable:
        warnings.append(f"not in the pronunciation dictionary, pronounced by {source}: {', '.join(usable)}")
    if unpronounceable:
        warnings.append(f"skipped words with nothing pronounceable: {', '.join(unpronounceable)}")
    return [w for w in words if w not in unpronounceable]


def _check_samples(audio: Audio) -> np.ndarray:
    samples = np.asarray(audio.samples, dtype=np.float32)
    if samples.ndim != 1:
        raise InputError(f"audio must be mono (N,), got shape {samples.shape}", path=audio.source,
                         hint="load it with emoanim.audio.load_audio, which mixes down to mono")
    if not np.isfinite(samples).all():
        raise InputError("audio contains NaN or infinite samples", path=audio.source, hint="re-export the file")
    return samples


def _is_silent(audio: Audio) -> bool:
    return len(audio.samples) == 0 or float(np.max(np.abs(audio.samples))) < SILENT_PEAK


@functools.lru_cache(maxsize=4)
def _dither_period(rms: float) -> np.ndarray:
    # One second of seeded Gaussian noise, tiled: deterministic output, and no fresh random draw per sample.
    return np.random.default_rng(0).normal(0.0, rms, sphinx.SAMPLE_RATE).astype(np.float32)


def _dither(length: int, rms: float) -> np.ndarray:
    return np.resize(_dither_period(float(rms)), length)
