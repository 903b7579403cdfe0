"""pocketsphinx decoders, built once per process and reused: forced alignment, phone and word recognition.

Building a decoder reads the acoustic model and the 134,860-word dictionary (about 0.1-0.2 s); decoding itself runs
at 0.02-0.07 CPU seconds per audio second (ENVIRONMENT-NOTES.md), so the cache is what keeps short clips fast.
pocketsphinx decoders are not thread-safe: each cached one carries a lock.

Everything here works in 10 ms frames (`FRAME_RATE`); `align.py` turns frames into seconds.
"""
from __future__ import annotations

import functools
import threading
from dataclasses import asdict, dataclass
from pathlib import Path

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pocketsphinx

FRAME_RATE = 100  # frames per second: pocketsphinx's default -frate, which its en-us acoustic model was trained at
SAMPLE_RATE = 16_000  # Hz, int16 mono: what the en-us acoustic model expects
SAMPLES_PER_FRAME = SAMPLE_RATE // FRAME_RATE
# The phone-level alignment pass holds a frames x HMM-states table, so its memory grows with the square of the
# clip length (measured: 0.25 GB for 100 s, 8 GB for 584 s). Past PHONE_PASS_MAX_S it runs on pieces of about
# PHONE_PASS_PIECE_S cut at pauses.
PHONE_PASS_MAX_S = 40.0
PHONE_PASS_PIECE_S = 20.0
_LOG_LEVEL = "FATAL"  # failed alignments are reported by the caller as warnings, not as C-level log spam


@dataclass(frozen=True)
class SphinxModel:
    """The files of one pocketsphinx language inside the wheel."""

    acoustic: Path
    dictionary: Path
    phone_lm: Path
    word_lm: Path


def _pocketsphinx():
    """The pocketsphinx module, imported on first use: code that only needs phone types (training on a machine
    without pocketsphinx, the metrics) must not pay for, or depend on, the recogniser."""
    import pocketsphinx

    return pocketsphinx


def english_model() -> SphinxModel:
    root = Path(_pocketsphinx().get_model_path()) / "en-us"
    return SphinxModel(root / "en-us", root / "cmudict-en-us.dict", root / "en-us-phone.lm.bin", root / "en-us.lm.bin")


# Languages pocketsphinx can align with the models at hand. A language added here needs an acoustic model whose
# phone set `align.py` can map onto ARPAbet.
MODELS = {"en-us": english_model}


@dataclass(frozen=True)
class Span:
    """A stretch of frames ``[start, end)`` labelled with a model phone (or filler) and, when aligned, its word."""

    label: str
    start: int
    end: int
    word: str | None = None


@dataclass(frozen=True)
class ForcedAlignment:
    """Phone spans from forced alignment. ``phones_estimated`` is True when only word boundaries were aligned and
    each word's phones were spread evenly over it (the phone-level pass failed)."""

    spans: list[Span]
    phones_estimated: bool = False


@dataclass(frozen=True)
class RecognitionSettings:
    """pocketsphinx options for phone recognition (allphone search).

    ``lw``: phone-LM weight; ``wip``: insertion probability per phone (the allphone search reads ``wip``; ``pip``
    had no effect there); ``beam``/``pbeam``: pruning thresholds (smaller keeps more hypotheses, slower);
    ``use_phone_lm``: the phone trigram model shipped in the wheel, or a flat loop over all phones.

    Tuned with benchmarks/phone_recognition.py (60 asterisk prompts, 345 s, forced alignment as reference).
    pocketsphinx's default lw=6.5 lets the phone LM override the acoustics: bilabial recall 0.568, precision
    0.559, phone error rate 0.540. lw=1.5 gives recall 0.774, precision 0.645, PER 0.477 at the same speed
    (0.034 CPU s/s). No phone LM: recall 0.784 but precision 0.605, PER 0.585. Beams and topn changed little.
    """

    lw: float = 1.5
    wip: float = 0.65
    beam: float = 1e-48
    pbeam: float = 1e-48
    use_phone_lm: bool = True
    extra: tuple[tuple[str, object], ...] = ()  # any further pocketsphinx option, e.g. (("topn", 8),)


@dataclass(frozen=True)
class WordSettings:
    """pocketsphinx options for word recognition with the English trigram LM (the search behind "word mode").

    Field names are pocketsphinx's: ``ds`` decodes every ds-th frame; ``maxhmmpf``/``maxwpf`` cap the HMMs and
    distinct word exits kept per frame (-1: no cap); ``fwdflat`` and ``bestpath`` are the second (flat-lexicon) and
    third (lattice) search passes after the first (tree-lexicon) pass. Defaults are `FAST_WORDS`.

    Tuned on the tune half of the asterisk prompts (even indices of the sorted names; first 40, 179 s): bilabial
    recall/precision (benchmarks/phone_recognition.py's definitions) of the forced alignment of the recognised words
    against the forced alignment of the true transcript, and CPU s per audio s of the word decode alone (quiet
    2-core machine; forced alignment of the words adds about 0.03):

    ==========================================  ======  =========  ======
    settings                                    recall  precision  decode
    ==========================================  ======  =========  ======
    pocketsphinx defaults (`ACCURATE_WORDS`)     0.928      0.928   0.10
    ds=2                                         0.919      0.919   0.084
    fwdflat off                                  0.901      0.927   0.086
    ds=2, fwdflat+bestpath off                   0.901      0.894   0.066
    ds=2, fwdflat off, maxhmmpf 3000, maxwpf 10  0.892      0.935   0.064
    all of the above (`FAST_WORDS`)              0.901      0.881   0.050
    narrower beams (1e-40, wbeam 1e-24)          0.856      0.872   0.071
    ==========================================  ======  =========  ======

    On 119 tune prompts (349 s) `FAST_WORDS` gave recall 0.901, precision 0.881 (allphone, `RecognitionSettings`:
    0.774 / 0.645 on benchmarks/phone_recognition.py's set). ``topn``, ``pl_window`` and ``maxhmmpf`` alone
    changed little; narrower beams lost bilabials fast.
    """

    ds: int = 2
    maxhmmpf: int = 3000
    maxwpf: int = 10
    fwdflat: bool = False
    bestpath: bool = False
    beam: float = 1e-48
    wbeam: float = 7e-29
    pbeam: float = 1e-48
    lw: float = 6.5
    extra: tuple[tuple[str, object], ...] = ()  # any further pocketsphinx option


# Tree pass only, every other frame, capped search: the word decode costs about 0.05 CPU s per audio s here (about
# half of the full search) and the bilabial figures drop only a little (tune split, see the report in
# benchmarks/lipsync_asterisk.py).
FAST_WORDS = WordSettings()
# pocketsphinx's own defaults (all three passes, every frame, no caps): about 0.10 CPU s per audio s to decode.
ACCURATE_WORDS = WordSettings(ds=1, maxhmmpf=30000, maxwpf=-1, fwdflat=True, bestpath=True)


class _Locked:
    """A decoder and the lock that serialises its use."""

    def __init__(self, decoder: pocketsphinx.Decoder):
        self.decoder = decoder
        self.lock = threading.Lock()


@functools.lru_cache(maxsize=None)
def _aligner(language: str) -> _Locked:
    model = MODELS[language]()
    # bestpath=False: the lattice rescoring pass can hand the phone-level pass a word segmentation it cannot
    # follow ("phone has impossible duration ... consider disabling bestpath search"); measured here on espeak-ng
    # speech, where the phone pass then failed.
    return _Locked(_pocketsphinx().Decoder(hmm=str(model.acoustic), dict=str(model.dictionary), lm=None,
                                        bestpath=False, loglevel=_LOG_LEVEL))


@functools.lru_cache(maxsize=8)
def _recognizer(language: str, settings: RecognitionSettings) -> _Locked:
    model = MODELS[language]()
    options = asdict(settings)
    options.pop("extra")
    use_phone_lm = options.pop("use_phone_lm")
    options.update(dict(settings.extra))
    if use_phone_lm:
        options["allphone"] = str(model.phone_lm)
    decoder = _pocketsphinx().Decoder(hmm=str(model.acoustic), dict=str(model.dictionary), lm=None,
                                   loglevel=_LOG_LEVEL, **options)
    if not use_phone_lm:
        decoder.add_allphone_file("allphone", None)  # no phone LM: a flat loop over all phones
        decoder.activate_search("allphone")
    return _Locked(decoder)


@functools.lru_cache(maxsize=4)
def _word_recognizer(language: str, settings: WordSettings) -> _Locked:
    model = MODELS[language]()
    options = asdict(settings)
    options.pop("extra")
    options.update(dict(settings.extra))
    return _Locked(_pocketsphinx().Decoder(hmm=str(model.acoustic), dict=str(model.dictionary), lm=str(model.word_lm),
                                        loglevel=_LOG_LEVEL, **options))


def unknown_words(words: list[str], language: str = "en-us") -> list[str]:
    """The distinct words of ``words`` missing from the alignment dictionary, in first-seen order."""
    decoder = _aligner(language).decoder
    return [w for w in dict.fromkeys(words) if decoder.lookup_word(w) is None]


def add_pronunciations(pronunciations: dict[str, list[str]], language: str = "en-us") -> None:
    """Teach the alignment dictionary new words (ARPAbet phone lists); they stay for the life of the process."""
    cached = _aligner(language)
    with cached.lock:
        for word, phones in pronunciations.items():
            cached.decoder.add_word(word, " ".join(phones), False)


def _decode(decoder: pocketsphinx.Decoder, pcm: bytes) -> None:
    # The feature front end carries state (live CMN among it) from one utterance into the next: the same clip
    # decoded after another one gave different words. Resetting it makes every clip decode as in a fresh process
    # (measured: identical words, 0.1 ms), so output never depends on what was decoded before.
    decoder.reinit_feat()
    decoder.start_utt()
    decoder.process_raw(pcm, full_utt=True)  # the whole clip at once: batch cepstral mean normalisation
    decoder.end_utt()


def force_align(pcm: bytes, words: list[str], language: str = "en-us") -> ForcedAlignment | None:
    """Phone spans for ``words`` (all in the dictionary) in 16 kHz int16 ``pcm``; ``None`` if no alignment exists.

    Two passes, as pocketsphinx 5 does it: a word-level alignment through a grammar of the words with optional
    pauses between them, then `set_alignment` and a second pass that fixes each phone's (and state's) frames.
    The second pass keeps a frames x states table (measured: 8 GB for 10 minutes of speech), so past
    `PHONE_PASS_MAX_S` it runs piece by piece, cutting at pauses the first pass found.
    """
    cached = _aligner(language)
    with cached.lock:
        decoder = cached.decoder
        segments = _word_pass(decoder, pcm, words)
        if segments is None:
            return None  # the grammar could not reach its final state: the transcript does not fit the audio
        spans: list[Span] = []
        estimated = False
        for first, last in _pieces(segments):
            start, end = segments[first].start, segments[last].end
            piece = pcm[start * SAMPLES_PER_FRAME * 2:end * SAMPLES_PER_FRAME * 2]
            piece_words = [s.word for s in segments[first:last + 1] if s.word is not None]
            found = _phone_pass(decoder, piece, piece_words, whole=(first, last) == (0, len(segments) - 1))
            if found is None:
                estimated = True
                found = _spread_phones(decoder, segments[first:last + 1], offset=start)
            spans.extend(Span(s.label, s.start + start, s.end + start, s.word) for s in found)
        return ForcedAlignment(spans, phones_estimated=estimated) if spans else None


def _word_pass(decoder: pocketsphinx.Decoder, pcm: bytes, words: list[str]) -> list[Span] | None:
    """Word spans (``label`` the dictionary entry, ``word`` None for pauses and noises), or None on failure."""
    try:
        decoder.set_align_text(" ".join(words))
        _decode(decoder, pcm)
    except RuntimeError:
        return None
    if decoder.hyp() is None:
        return None
    spans = [Span(seg.word, seg.start_frame, seg.end_frame + 1, None if _is_filler(seg.word) else
                  _strip_variant(seg.word)) for seg in decoder.seg() or [] if seg.end_frame >= seg.start_frame]
    return spans or None


def _pieces(segments: list[Span]) -> list[tuple[int, int]]:
    """Index ranges of ``segments`` for the phone pass: all at once if short, else pieces of about
    `PHONE_PASS_PIECE_S` ending at a pause (or at any word end once a piece reaches `PHONE_PASS_MAX_S`)."""
    if segments[-1].end - segments[0].start <= PHONE_PASS_MAX_S * FRAME_RATE:
        return [(0, len(segments) - 1)]
    pieces, first = [], 0
    for i, seg in enumerate(segments):
        length = seg.end - segments[first].start
        pause = seg.word is None
        if (pause and length >= PHONE_PASS_PIECE_S * FRAME_RATE) or length >= PHONE_PASS_MAX_S * FRAME_RATE:
            pieces.append((first, i))
            first = i + 1
    if first < len(segments):
        pieces.append((first, len(segments) - 1))
    return pieces


def _phone_pass(decoder: pocketsphinx.Decoder, pcm: bytes, words: list[str], whole: bool) -> list[Span] | None:
    """Phone spans (frames relative to ``pcm``) by state alignment; None if it fails. ``whole`` says the word pass
    just ran on exactly this audio and text, so it need not run again."""
    if not words:
        return [Span("SIL", 0, len(pcm) // (2 * SAMPLES_PER_FRAME))]
    try:
        if not whole and _word_pass(decoder, pcm, words) is None:
            return None
        decoder.set_alignment()
        _decode(decoder, pcm)
        alignment = decoder.get_alignment()
    except RuntimeError:
        return None
    if alignment is None:
        return None
    spans = []
    for word in alignment:
        name = None if _is_filler(word.name) else _strip_variant(word.name)
        spans.extend(Span(phone.name, phone.start, phone.start + phone.duration, name)
                     for phone in word if phone.duration > 0)
    return spans or None


def _spread_phones(decoder: pocketsphinx.Decoder, segments: list[Span], offset: int = 0) -> list[Span]:
    """Word spans -> phone spans (frames minus ``offset``), each word's dictionary phones sharing it evenly."""
    spans = []
    for seg in segments:
        start, end = seg.start - offset, seg.end - offset
        phones = (decoder.lookup_word(seg.label) or "").split() if seg.word is not None else []
        if not phones:
            spans.append(Span("SIL", start, end))
            continue
        edges = [start + round(i * (end - start) / len(phones)) for i in range(len(phones) + 1)]
        spans.extend(Span(p, a, b, seg.word) for p, a, b in zip(phones, edges[:-1], edges[1:]) if b > a)
    return spans


def recognize_phones(pcm: bytes, language: str = "en-us",
                     settings: RecognitionSettings = RecognitionSettings()) -> list[Span]:
    """Phone spans recognised in 16 kHz int16 ``pcm`` with no transcript (fillers and pauses included)."""
    cached = _recognizer(language, settings)
    with cached.lock:
        _decode(cached.decoder, pcm)
        return [Span(seg.word, seg.start_frame, seg.end_frame + 1) for seg in cached.decoder.seg() or []]


def recognize_words(pcm: bytes, language: str = "en-us", settings: WordSettings = FAST_WORDS) -> list[str]:
    """The words (dictionary entries, pronunciation variants dropped) recognised in 16 kHz int16 ``pcm`` with the
    language's word LM; pauses and noises left out. Empty when nothing word-like was heard."""
    cached = _word_recognizer(language, settings)
    with cached.lock:
        _decode(cached.decoder, pcm)
        return [_strip_variant(seg.word) for seg in cached.decoder.seg() or [] if not _is_filler(seg.word)]


def _is_filler(word: str) -> bool:
    """``<sil>``, ``<s>``, ``[NOISE]``, ``+NSN+``...: not words of the transcript."""
    return word.startswith(("<", "[", "+"))


def _strip_variant(word: str) -> str:
    """``"the(2)"`` (the dictionary's second pronunciation) -> ``"the"``."""
    return word.split("(", 1)[0] if word.endswith(")") else word
