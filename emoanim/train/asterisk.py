"""Debian's Asterisk prompts (one voice actor, CC BY-SA 3.0): real English speech with exact transcripts.

Install: ``apt-get install asterisk-core-sounds-en-g722 asterisk-core-sounds-en``. Shared by the training corpus
and benchmarks/lipsync_asterisk.py.
"""
from __future__ import annotations

import gzip
import re
import subprocess
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

from emoanim.audio.types import SAMPLE_RATE, Audio
from emoanim.errors import InputError
from emoanim.phonetics.types import PhoneTrack

SOUNDS = Path("/usr/share/asterisk/sounds/en")
TRANSCRIPTS = Path("/usr/share/doc/asterisk-core-sounds-en/core-sounds-en.txt.gz")
LICENCE = "CC BY-SA 3.0 (Asterisk core sounds, Digium/Allison Smith)"
INSTALL_HINT = "apt-get install asterisk-core-sounds-en-g722 asterisk-core-sounds-en"


def prompts() -> list[tuple[str, str]]:
    """(name, transcript) for every prompt with spoken words and a G.722 file, sorted by name."""
    if not TRANSCRIPTS.exists() or not SOUNDS.is_dir():
        raise InputError("the Asterisk prompts are not installed", path=SOUNDS, hint=INSTALL_HINT)
    found = []
    for line in gzip.open(TRANSCRIPTS, "rt", encoding="utf-8", errors="replace"):
        name, sep, text = line.partition(":")
        text = re.sub(r"\[[^\]]*\]", " ", text).strip()  # [beep], [tones] ... are not speech
        if not sep or line.startswith(";") or not re.search(r"[A-Za-z]", text):
            continue
        if (SOUNDS / f"{name.strip()}.g722").exists():
            found.append((name.strip(), text))
    return sorted(found)


def decode(name: str) -> Audio:
    """One prompt as 16 kHz mono `Audio` (G.722 decoded by the static ffmpeg from imageio-ffmpeg)."""
    import imageio_ffmpeg

    path = SOUNDS / f"{name}.g722"
    done = subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-loglevel", "error", "-i", str(path),
         "-f", "f32le", "-ac", "1", "-ar", str(SAMPLE_RATE), "-"],
        capture_output=True,
    )
    if done.returncode != 0:
        reason = done.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["unknown error"]
        raise InputError(f"ffmpeg could not decode this prompt: {reason[0]}", path=path, hint=INSTALL_HINT)
    return Audio(np.frombuffer(done.stdout, np.float32).copy(), SAMPLE_RATE, path)


MIN_SECONDS = 0.1  # shorter prompts (a click, a breath) hold no phone worth aligning


def aligned_prompts(names: Iterable[tuple[str, str]]) -> Iterator[tuple[str, str, Audio, PhoneTrack | None]]:
    """``(name, transcript, audio, phones)`` for each (name, transcript) pair: decoded and force-aligned to its
    transcript; ``phones`` is None where the transcript does not force-align (no trustworthy timing). Prompts
    shorter than `MIN_SECONDS` are left out. Shared by the training corpus and the benchmarks, so both judge
    prompts alike."""
    from emoanim.phonetics import align

    for name, text in names:
        audio = decode(name)
        if audio.duration < MIN_SECONDS:
            continue
        phones = align(audio, text)
        yield name, text, audio, phones if phones.method == "forced" else None
