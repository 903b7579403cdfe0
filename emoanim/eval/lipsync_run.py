"""Animate speech with an animator and score its lip sync on landmarks at the transcript's phone timings.

Reference phones come from pocketsphinx forced alignment of the transcript (near-exact on clean speech); the
animator gets the audio only, unless ``with_transcript`` is set, so by default the score is the honest end-to-end
one (recognition errors included). Transcripts come from a folder (``<stem>.txt`` per speech file) or a TSV file
(``<file name or stem><TAB><words>`` per line, as GRID's transcripts.tsv).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from emoanim.audio.types import Audio
from emoanim.errors import InputError
from emoanim.eval.landmark_lipsync import LandmarkLipSync, performance_mouth, score_landmark_lipsync


@dataclass(frozen=True)
class ScoredClip:
    name: str
    seconds: float
    reference_method: str  # "forced" when the transcript fitted the audio
    scores: LandmarkLipSync


def read_transcripts(path: str | Path) -> dict[str, str]:
    """``{file name or stem: words}`` from a folder of ``.txt`` files or a TSV file."""
    path = Path(path)
    if path.is_dir():
        table = {p.stem: p.read_text(encoding="utf-8").strip() for p in sorted(path.glob("*.txt"))}
        if not table:
            raise InputError("folder has no .txt transcripts", path=path, hint="one <speech file stem>.txt each")
        return table
    if not path.is_file():
        raise InputError("no such transcript folder or TSV file", path=path, hint="check the path")
    table = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        name, sep, words = line.partition("\t")
        if not sep or not words.strip():
            raise InputError(f"line {number} is not '<name><TAB><words>'", path=path)
        table[name.strip()] = words.strip()
    return table


def transcript_for(speech: Path, table: dict[str, str]) -> str:
    """The words for ``speech``, looked up by file name, then by stem."""
    for key in (speech.name, speech.stem):
        if key in table:
            return table[key]
    raise InputError("no transcript for this file", path=speech,
                     hint=f"add a line '{speech.name}<TAB>words' (or {speech.stem}.txt to the folder)")


def score_clip(audio: Audio, words: str, options, name: str = "", with_transcript: bool = False) -> ScoredClip:
    """Align ``words`` for reference phones, animate (`pipeline.Options` ``options``), score on landmarks."""
    from emoanim.phonetics import align
    from emoanim.pipeline import perform

    reference = align(audio, words)
    animate_options = replace(options, transcript=words if with_transcript else None)
    performance, _, _ = perform(audio, animate_options, phones=reference if with_transcript else None)
    scores = score_landmark_lipsync(performance_mouth(performance), reference, audio)
    return ScoredClip(name or str(audio.source or ""), audio.duration, reference.method, scores)


def pool(clips: list[ScoredClip]) -> LandmarkLipSync:
    """Rates pooled over every phone of every clip; jaw contrast averaged over clips (weighted by their vowels);
    the offset is the median over the clips that have one (robust to one clip where the envelope and mouth do not
    line up); a clip whose mouth or envelope never varies has no offset (its r is NaN, and `best_lag` reports lag 0
    there, which would pull the median towards 0)."""
    if not clips:
        raise ValueError("pool: no clips")
    s = [c.scores for c in clips]

    def pooled(rate: str, count: str) -> tuple[float, int]:
        n = sum(getattr(x, count) for x in s)
        return (sum(getattr(x, rate) * getattr(x, count) for x in s) / n if n else 0.0), n

    contrasts = [(x.jaw_contrast, x.open_vowels) for x in s if np.isfinite(x.jaw_contrast)]
    weight = sum(w for _, w in contrasts)
    contrast = sum(c * w for c, w in contrasts) / weight if weight else float("nan")
    offsets = [x for x in s if x.av_offset_frames is not None and np.isfinite(x.av_r)]
    frames = int(round(float(np.median([x.av_offset_frames for x in offsets])))) if offsets else None
    ms = float(np.median([x.av_offset_ms for x in offsets])) if offsets else float("nan")
    r = float(np.median([x.av_r for x in offsets])) if offsets else float("nan")
    return LandmarkLipSync(*pooled("bilabial_closure", "bilabials"), *pooled("labiodental_contact", "labiodentals"),
                           *pooled("false_closure", "open_vowels"), contrast, frames, ms, r)
