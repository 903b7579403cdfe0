"""Debian's Asterisk prompts: real speech with exact transcripts, from three voice actors.

- ``en``: Allison Smith, US English, CC BY-SA 3.0 (``apt-get install asterisk-core-sounds-en-g722
  asterisk-core-sounds-en``). Shared by the training corpus and benchmarks/lipsync_asterisk.py.
- ``fr``: June Wallack, Canadian French, CC BY-SA 3.0; ``it``: Carlo Flora, Italian, CC BY 3.0 (the ``-fr`` /
  ``-it`` packages). Training only: they are the only other real voices with transcripts at hand (a man's among
  them), aligned through espeak-ng pronunciations and the English acoustic model (`phonetics.align.align_foreign`).
"""
from __future__ import annotations

import gzip
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

from emoanim.audio.types import SAMPLE_RATE, Audio
from emoanim.errors import InputError
from emoanim.phonetics.types import PhoneTrack


@dataclass(frozen=True)
class Voice:
    """One language's prompt set: where Debian puts it, who speaks it, under which licence."""

    language: str  # the package suffix and the folder under /usr/share/asterisk/sounds
    speaker: str
    licence: str
    espeak_voice: str  # pronunciations for alignment (unused for English, which has a dictionary)

    @property
    def sounds(self) -> Path:
        return Path("/usr/share/asterisk/sounds") / self.language

    @property
    def transcripts(self) -> Path:
        return Path(f"/usr/share/doc/asterisk-core-sounds-{self.language}/core-sounds-{self.language}.txt.gz")

    @property
    def install_hint(self) -> str:
        return f"apt-get install asterisk-core-sounds-{self.language}-g722 asterisk-core-sounds-{self.language}"


VOICES = {
    "en": Voice("en", "Allison Smith", "CC BY-SA 3.0", "en-us"),
    "fr": Voice("fr", "June Wallack", "CC BY-SA 3.0", "fr"),
    "it": Voice("it", "Carlo Flora", "CC BY 3.0", "it"),
}
SOUNDS = VOICES["en"].sounds
LICENCE = f"{VOICES['en'].licence} (Asterisk core sounds, Digium/{VOICES['en'].speaker})"


def voice(language: str) -> Voice:
    if language not in VOICES:
        raise InputError(f"no Asterisk prompt set for language {language!r}", hint=f"use one of: {', '.join(VOICES)}")
    return VOICES[language]


def prompts(language: str = "en") -> list[tuple[str, str]]:
    """(name, transcript) for every prompt with spoken words and a G.722 file, sorted by name. For other languages
    than English, prompts whose transcript holds digits are left out (numbers are spelled in English here)."""
    v = voice(language)
    if not v.transcripts.exists() or not v.sounds.is_dir():
        raise InputError(f"the Asterisk prompts ({language}) are not installed", path=v.sounds, hint=v.install_hint)
    found = []
    for line in gzip.open(v.transcripts, "rt", encoding="utf-8", errors="replace"):
        name, sep, text = line.partition(":")
        text = re.sub(r"\[[^\]]*\]", " ", text).strip()  # [beep], [tones] ... are not speech
        if not sep or line.startswith(";") or not re.search(r"[^\W\d_]", text):
            continue
        if language != "en" and re.search(r"\d", text):
            continue
        if (v.sounds / f"{name.strip()}.g722").exists():
            found.append((name.strip(), text))
    return sorted(found)


def decode(name: str, language: str = "en") -> Audio:
    """One prompt as 16 kHz mono `Audio` (G.722 decoded by the static ffmpeg from imageio-ffmpeg)."""
    import imageio_ffmpeg

    v = voice(language)
    path = v.sounds / f"{name}.g722"
    done = subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-loglevel", "error", "-i", str(path),
         "-f", "f32le", "-ac", "1", "-ar", str(SAMPLE_RATE), "-"],
        capture_output=True,
    )
    if done.returncode != 0:
        reason = done.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["unknown error"]
        raise InputError(f"ffmpeg could not decode this prompt: {reason[0]}", path=path, hint=v.install_hint)
    return Audio(np.frombuffer(done.stdout, np.float32).copy(), SAMPLE_RATE, path)


MIN_SECONDS = 0.1  # shorter prompts (a click, a breath) hold no phone worth aligning


def aligned_prompts(names: Iterable[tuple[str, str]], language: str = "en"
                    ) -> Iterator[tuple[str, str, Audio, PhoneTrack | None]]:
    """``(name, transcript, audio, phones)`` for each (name, transcript) pair: decoded and force-aligned to its
    transcript; ``phones`` is None where the transcript does not force-align (no trustworthy timing). Prompts
    shorter than `MIN_SECONDS` are left out. Shared by the training corpus and the benchmarks, so both judge
    prompts alike."""
    from emoanim.phonetics import align
    from emoanim.phonetics.align import align_foreign

    for name, text in names:
        audio = decode(name, language)
        if audio.duration < MIN_SECONDS:
            continue
        if language == "en":
            phones = align(audio, text)
            yield name, text, audio, phones if phones.method == "forced" else None
        else:
            words = re.findall(r"[^\W\d_]+(?:'[^\W\d_]+)*", text.lower())
            yield name, text, audio, align_foreign(audio, words, VOICES[language].espeak_voice)
