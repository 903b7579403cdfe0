"""Pronunciations (ARPAbet) for words pocketsphinx's dictionary lacks.

First choice is espeak-ng, whose rules cover any spelling: its IPA output (``--ipa --sep=_``, one phoneme per
``_``-separated token) is mapped to ARPAbet by `IPA_TO_ARPABET`. Without espeak-ng, `letters_to_sounds` gives a
rough spelling-based guess, which is still far better for alignment than dropping the word.
"""
from __future__ import annotations

import shutil
import subprocess
import unicodedata

from emoanim.phonetics.types import ARPABET

ESPEAK_TIMEOUT_S = 20.0

# IPA as espeak-ng writes it for en-us (and en), to the nearest CMU ARPAbet phone(s). Longer keys are tried first,
# so "aɪ" wins over "a" + "ɪ". Length marks are removed before lookup (ARPAbet has no length contrast).
IPA_TO_ARPABET: dict[str, tuple[str, ...]] = {
    # vowels and diphthongs
    "ɑ": ("AA",), "ɒ": ("AA",), "a": ("AE",), "æ": ("AE",), "ʌ": ("AH",), "ə": ("AH",), "ɐ": ("AH",),
    "ɔ": ("AO",), "aʊ": ("AW",), "aɪ": ("AY",), "ɛ": ("EH",), "e": ("EH",), "ɜ": ("ER",), "ɚ": ("ER",),
    "ɝ": ("ER",), "eɪ": ("EY",), "ɪ": ("IH",), "ᵻ": ("IH",), "ɨ": ("IH",), "i": ("IY",), "oʊ": ("OW",),
    "əʊ": ("OW",), "o": ("OW",), "ɔɪ": ("OY",), "ʊ": ("UH",), "u": ("UW",), "ɯ": ("UW",), "y": ("UW",),
    "ø": ("ER",), "œ": ("ER",), "ɵ": ("AH",),
    # r-coloured and syllabic sequences espeak writes as one token
    "oɹ": ("AO", "R"), "ɔɹ": ("AO", "R"), "aɪɚ": ("AY", "ER"), "aɪə": ("AY", "ER"), "aʊɚ": ("AW", "ER"),
    "iə": ("IY", "AH"), "eə": ("EH", "R"), "ʊə": ("UH", "R"), "ɪə": ("IH", "R"),
    "əl": ("AH", "L"), "l̩": ("AH", "L"), "n̩": ("AH", "N"), "m̩": ("AH", "M"),
    # consonants
    "b": ("B",), "tʃ": ("CH",), "d": ("D",), "ð": ("DH",), "f": ("F",), "ɡ": ("G",), "g": ("G",), "h": ("HH",),
    "dʒ": ("JH",), "k": ("K",), "l": ("L",), "ɫ": ("L",), "ɬ": ("L",), "m": ("M",), "n": ("N",), "ɲ": ("N", "Y"),
    "ŋ": ("NG",), "p": ("P",), "ɹ": ("R",), "r": ("R",), "ɾ": ("T",), "ɽ": ("R",), "s": ("S",), "ʃ": ("SH",),
    "t": ("T",), "ʔ": ("T",), "θ": ("TH",), "v": ("V",), "w": ("W",), "ʍ": ("W",), "j": ("Y",), "z": ("Z",),
    "ʒ": ("ZH",), "x": ("K",), "χ": ("K",), "ç": ("HH",), "ʁ": ("R",), "β": ("V",), "ts": ("T", "S"),
    "dz": ("D", "Z"),
}
_IGNORED_MARKS = set("ˈˌːˑ'-.|‖") | {"\u0361", "\u035c"}  # stress, length, syllable/tie marks
_LONGEST_KEY = max(len(key) for key in IPA_TO_ARPABET)

# Spelling fallback: letter groups tried longest first. A rough guess in the spirit of NRL's letter-to-sound
# rules (Elovitz et al. 1976), deliberately small: it only has to give the aligner something close.
_LETTER_GROUPS: dict[str, tuple[str, ...]] = {
    "tch": ("CH",), "igh": ("AY",), "sch": ("S", "K"),
    "ch": ("CH",), "sh": ("SH",), "th": ("TH",), "ph": ("F",), "ng": ("NG",), "ck": ("K",), "qu": ("K", "W"),
    "wh": ("W",), "gh": ("G",), "kn": ("N",), "wr": ("R",), "ee": ("IY",), "ea": ("IY",), "oo": ("UW",),
    "ai": ("EY",), "ay": ("EY",), "oa": ("OW",), "ou": ("AW",), "ow": ("OW",), "oi": ("OY",), "oy": ("OY",),
    "au": ("AO",), "aw": ("AO",), "ie": ("IY",), "ei": ("EY",), "ey": ("EY",), "ue": ("UW",), "ew": ("UW",),
    "er": ("ER",), "ir": ("ER",), "ur": ("ER",), "ar": ("AA", "R"), "or": ("AO", "R"),
    "a": ("AE",), "b": ("B",), "c": ("K",), "d": ("D",), "e": ("EH",), "f": ("F",), "g": ("G",), "h": ("HH",),
    "i": ("IH",), "j": ("JH",), "k": ("K",), "l": ("L",), "m": ("M",), "n": ("N",), "o": ("AA",), "p": ("P",),
    "q": ("K",), "r": ("R",), "s": ("S",), "t": ("T",), "u": ("AH",), "v": ("V",), "w": ("W",), "x": ("K", "S"),
    "y": ("IY",), "z": ("Z",),
    "0": ("Z", "IY", "R", "OW"), "1": ("W", "AH", "N"), "2": ("T", "UW"), "3": ("TH", "R", "IY"),
    "4": ("F", "AO", "R"), "5": ("F", "AY", "V"), "6": ("S", "IH", "K", "S"), "7": ("S", "EH", "V", "AH", "N"),
    "8": ("EY", "T"), "9": ("N", "AY", "N"),
}


# Other languages' espeak-ng IPA: as English, except bare /a/, which in French, Italian or Spanish is open and
# central, nearer ARPAbet AA than English "trap" (AE). Measured: an espeak-ng Italian sentence did not force-align
# at all with AE, and did with AA.
OTHER_LANGUAGE_IPA: dict[str, tuple[str, ...]] = {**IPA_TO_ARPABET, "a": ("AA",)}


def ipa_to_arpabet(ipa: str, table: dict[str, tuple[str, ...]] = IPA_TO_ARPABET) -> list[str]:
    """espeak-ng IPA with ``_`` between phonemes -> ARPAbet by ``table``. Symbols with no ARPAbet neighbour are
    dropped."""
    phones: list[str] = []
    for token in ipa.replace(" ", "_").split("_"):
        token = "".join(ch for ch in token if ch not in _IGNORED_MARKS)
        start = 0
        while start < len(token):
            for size in range(min(_LONGEST_KEY, len(token) - start), 0, -1):
                piece = token[start:start + size]
                if piece in table:
                    phones.extend(table[piece])
                    start += size
                    break
            else:
                start += 1  # a diacritic or a sound English lacks: skip it
    return phones


def letters_to_sounds(word: str) -> list[str]:
    """A spelling-based ARPAbet guess for ``word`` (used only when espeak-ng is unavailable)."""
    plain = unicodedata.normalize("NFKD", word.lower())
    letters = "".join(ch for ch in plain if ch.isascii() and (ch.isalpha() or ch.isdigit()))
    if len(letters) > 2 and letters.endswith("e") and letters[-2] not in "aeiouy":
        letters = letters[:-1]  # silent final e, as in "make"
    phones: list[str] = []
    start = 0
    while start < len(letters):
        for size in (3, 2, 1):
            group = letters[start:start + size]
            if len(group) == size and group in _LETTER_GROUPS:
                if size == 1 and start > 0 and group == letters[start - 1]:
                    break  # a doubled consonant ("ll") is one sound
                phones.extend(_LETTER_GROUPS[group])
                break
        start += size
    if letters.startswith("y") and phones[:1] == ["IY"]:
        phones[0] = "Y"  # initial y is a consonant ("yarn")
    return phones


def espeak_pronunciations(words: list[str], voice: str = "en-us",
                          table: dict[str, tuple[str, ...]] = IPA_TO_ARPABET) -> dict[str, list[str]] | None:
    """ARPAbet (by ``table``) for each word from espeak-ng in one process call; ``None`` when espeak-ng is not
    installed.

    Raises RuntimeError if espeak-ng is installed but fails: that is a broken set-up, not something to hide.
    """
    exe = shutil.which("espeak-ng")
    if exe is None or not words:
        return None if exe is None else {}
    # One word per line: espeak-ng answers each input line on its own output line.
    result = subprocess.run(
        [exe, "-q", "-v", voice, "--ipa", "--sep=_"], input="\n".join(words) + "\n",
        capture_output=True, text=True, timeout=ESPEAK_TIMEOUT_S,
    )
    if result.returncode != 0:
        raise RuntimeError(f"espeak-ng failed ({result.returncode}): {result.stderr.strip()}")
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    if len(lines) != len(words):  # it merged or split lines after all: ask word by word
        if len(words) == 1:
            lines = [" ".join(lines)]
        else:
            merged: dict[str, list[str]] = {}
            for word in words:
                merged.update(espeak_pronunciations([word], voice, table) or {})
            return merged
    return {word: ipa_to_arpabet(line, table) for word, line in zip(words, lines)}


def pronounce(words: list[str], voice: str = "en-us") -> tuple[dict[str, list[str]], str]:
    """ARPAbet pronunciations for ``words`` and the name of the source used ("espeak-ng" or "spelling rules").

    A word may map to an empty list when nothing pronounceable is in it; the caller decides what to do then.
    """
    found = espeak_pronunciations(words, voice)
    if found is not None:
        source = "espeak-ng"
    else:
        found, source = {}, "spelling rules"
    for word in words:
        phones = [p for p in found.get(word, []) if p in ARPABET]
        found[word] = phones if phones else letters_to_sounds(word)
    return found, source
