"""English speech from Flite's voices: four more speakers with exact transcripts, for training and for choosing.

Flite (``apt-get install flite``, CMU's BSD-style licence, voices included) speaks with models built from real
recordings of real people (CMU ARCTIC), unlike espeak-ng's formant synthesis:

- ``kal16``: a US man, diphone concatenation (pieces of his recorded speech);
- ``rms``: a US man, ``slt``: a US woman, ``awb``: a Scottish man, statistical parametric (clustergen) voices.

So they add speakers, accents and vocal tracts the one real English voice (Asterisk's) lacks, while the text is
known and English, so the forced alignment is as exact as Asterisk's (the French and Italian voices are aligned
through approximate pronunciations). The texts are the Asterisk prompts' transcripts: the tune half for training;
the selection set speaks the test half's first prompts in a voice kept out of training.
"""
from __future__ import annotations

import io
import shutil
import subprocess
from typing import Iterator, Sequence

import numpy as np
import soundfile
from scipy.signal import resample_poly

from emoanim.audio.types import SAMPLE_RATE, Audio
from emoanim.errors import InputError
from emoanim.phonetics.types import PhoneTrack

VOICES = {
    "kal16": "US English man (diphone)",
    "rms": "US English man (clustergen)",
    "slt": "US English woman (clustergen)",
    "awb": "Scottish English man (clustergen)",
}
LICENCE = "Flite licence (BSD-style, Carnegie Mellon University; voices from CMU ARCTIC)"
INSTALL_HINT = "apt-get install flite (make setup installs it)"


def speak(text: str, voice: str) -> Audio:
    """Flite's speech of ``text`` in ``voice`` as 16 kHz mono `Audio`."""
    if voice not in VOICES:
        raise InputError(f"no Flite voice {voice!r}", hint=f"use one of: {', '.join(VOICES)}")
    if shutil.which("flite") is None:
        raise InputError("flite is not installed", hint=INSTALL_HINT)
    done = subprocess.run(["flite", "-voice", voice, "-t", text, "-o", "/dev/stdout"], capture_output=True)
    if done.returncode != 0 or not done.stdout:
        raise InputError(f"flite failed for voice {voice!r}: {done.stderr.decode(errors='replace').strip()}",
                         hint=INSTALL_HINT)
    samples, rate = soundfile.read(io.BytesIO(done.stdout), dtype="float32")
    if rate != SAMPLE_RATE:
        samples = resample_poly(samples, SAMPLE_RATE, rate).astype(np.float32)
    return Audio(samples, SAMPLE_RATE, None)


def aligned_speech(texts: Sequence[str], voices: Sequence[str]
                   ) -> Iterator[tuple[str, str, Audio, PhoneTrack | None]]:
    """``(name, text, audio, phones)`` for every text in every voice (text by text, so a prefix keeps the voices
    balanced); ``phones`` is None where the text did not force-align (the aligner fell back to recognition)."""
    from emoanim.phonetics import align

    for index, text in enumerate(texts):
        for voice in voices:
            audio = speak(text, voice)
            phones = align(audio, text)
            yield f"{voice}-{index:04d}", text, audio, phones if phones.method == "forced" else None
