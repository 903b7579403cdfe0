"""Where the speaker talks and where they pause, per animation frame.

Blinks, gaze aversions and head motion all follow the rhythm of speech, so they share one `SpeechActivity`.
It comes from the phones when there are any (exact with a transcript), otherwise from the audio's energy.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from emoanim.audio.features import frame_rms_db
from emoanim.audio.types import Audio
from emoanim.phonetics.types import PhoneTrack

# Silences shorter than this are part of speech (stop closures, word joins), not pauses. Silent-pause studies use
# 200-250 ms thresholds (Goldman-Eisler 1968, "Psycholinguistics"; Campione & Véronis 2002, "A large-scale
# multilingual study of silent pause duration", Speech Prosody).
MIN_PAUSE_SECONDS = 0.2
MIN_SPEECH_SECONDS = 0.08  # shorter energy bursts (clicks, breaths) are not speech
# Voice activity from energy: speech is louder than the noise floor by a margin and not far below the loud level.
VAD_ABOVE_FLOOR_DB = 12.0
VAD_BELOW_LOUD_DB = 35.0


@dataclass(frozen=True)
class SpeechActivity:
    """``speaking``: ``(T,)`` bool at ``fps``; True while the speaker talks, False in pauses (>= MIN_PAUSE_SECONDS).

    ``source`` says where it came from: ``"phones"``, ``"audio"`` or ``"none"`` (no speech information: all pause).
    """

    fps: float
    speaking: np.ndarray
    source: str

    @property
    def frames(self) -> int:
        return len(self.speaking)

    def runs(self, value: bool) -> np.ndarray:
        """``(K, 2)`` frame ranges ``[start, end)`` where ``speaking == value``, in time order."""
        mask = np.concatenate([[False], self.speaking == value, [False]])
        edges = np.flatnonzero(np.diff(mask.astype(np.int8)))
        return edges.reshape(-1, 2)

    def speech_onsets(self) -> np.ndarray:
        """``(K,)`` first frames of each stretch of speech."""
        return self.runs(True)[:, 0]

    def pauses(self) -> np.ndarray:
        """``(K, 2)`` frame ranges of the pauses."""
        return self.runs(False)

    def seconds_since_pause_start(self) -> np.ndarray:
        """``(T,)`` seconds since the current pause began; +inf while speaking."""
        out = np.full(self.frames, np.inf)
        for start, end in self.pauses():
            out[start:end] = (np.arange(end - start)) / self.fps
        return out


def _fill_short_runs(mask: np.ndarray, value: bool, max_frames: int) -> np.ndarray:
    """Flip runs of ``value`` no longer than ``max_frames`` that lie between two runs of the other value."""
    out = mask.copy()
    padded = np.concatenate([[not value], mask == value, [not value]]).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded)).reshape(-1, 2)
    for start, end in edges:
        inside = start > 0 and end < len(mask)
        if inside and end - start <= max_frames:
            out[start:end] = not value
    return out


def _clean(speaking: np.ndarray, fps: float) -> np.ndarray:
    """Merge silences shorter than a pause into speech, then drop bursts too short to be speech."""
    merged = _fill_short_runs(speaking, False, int(round(MIN_PAUSE_SECONDS * fps)) - 1)
    return _fill_short_runs(merged, True, max(0, int(round(MIN_SPEECH_SECONDS * fps)) - 1))


def activity_from_phones(phones: PhoneTrack, fps: float, frames: int) -> SpeechActivity:
    """Speech wherever a non-silence phone covers the frame time."""
    times = np.arange(frames) / fps
    speaking = np.zeros(frames, bool)
    for phone in phones.speech_phones():
        lo, hi = np.searchsorted(times, [phone.start, phone.end], side="left")
        speaking[lo:hi] = True
    return SpeechActivity(fps, _clean(speaking, fps), "phones")


def activity_from_audio(audio: Audio, fps: float, frames: int) -> SpeechActivity:
    """Energy-based voice activity: frames well above the noise floor (10th percentile) are speech."""
    level = frame_rms_db(audio, fps, frames)
    if frames == 0:
        return SpeechActivity(fps, np.zeros(0, bool), "audio")
    floor, loud = np.percentile(level, [10, 95])
    threshold = max(floor + VAD_ABOVE_FLOOR_DB, loud - VAD_BELOW_LOUD_DB)
    speaking = level > threshold
    return SpeechActivity(fps, _clean(speaking, fps), "audio")


def speech_activity(fps: float, frames: int, *, phones: PhoneTrack | None = None, audio: Audio | None = None,
                    ) -> SpeechActivity:
    """From the phones when given (they are exact with a transcript), else from the audio, else all pause."""
    if phones is not None and phones.speech_phones():
        return activity_from_phones(phones, fps, frames)
    if audio is not None:
        return activity_from_audio(audio, fps, frames)
    if phones is not None:  # a PhoneTrack of nothing but silence
        return SpeechActivity(fps, np.zeros(frames, bool), "phones")
    return SpeechActivity(fps, np.zeros(frames, bool), "none")


__all__ = ["MIN_PAUSE_SECONDS", "SpeechActivity", "activity_from_audio", "activity_from_phones",
           "speech_activity"]
