"""Speech level: measure how loud the speech in a clip is, and bring it to a reference level.

Recordings arrive at any level: the Asterisk prompts sit near -16 dBFS, the RAVDESS actor near -45 dBFS, a phone
memo anywhere. A model that hears log-mel power learns the levels it was trained on; the learned animators heard
-24 to -13 dBFS (augmented by +-6 dB) and, 30 dB below that, emote closed 36 of 60 bilabials where the phonetic
animator closed 55. So speech is brought to `REFERENCE_DBFS` before a level-sensitive model hears it.
"""
from __future__ import annotations

import numpy as np

from emoanim.audio.types import Audio

FRAME_SECONDS = 0.02
# Active speech: frames within this many dB of the loud end of the clip (its 95th-percentile frame). Pauses,
# breaths and room noise fall below it, so a clip's level does not depend on how much silence it holds.
ACTIVE_RANGE_DB = 25.0
SILENT_DBFS = -70.0  # nothing above this: digital silence or a dead microphone, left as it is
# The middle of the learned animators' training speech (espeak-ng at about -20 dBFS, the Asterisk voice at -16).
REFERENCE_DBFS = -18.0
MAX_GAIN_DB = 40.0  # a quieter clip is mostly noise; amplifying it further would only feed the model hiss
PEAK_QUANTILE = 0.999  # gain stops where this quantile of |sample| reaches full scale: clicks may clip, speech not


def speech_level_dbfs(samples: np.ndarray, sample_rate: int) -> float:
    """Mean power of the active-speech frames, in dBFS (a sine at full scale reads -3); `SILENT_DBFS` or less for
    a clip with no frame above it."""
    x = np.asarray(samples, np.float64)
    size = max(1, int(FRAME_SECONDS * sample_rate))
    if len(x) < size:
        return float(10.0 * np.log10(np.mean(x * x) + 1e-20)) if len(x) else -200.0
    frames = x[: len(x) // size * size].reshape(-1, size)
    power_db = 10.0 * np.log10(np.mean(frames * frames, axis=1) + 1e-20)
    threshold = max(float(np.percentile(power_db, 95)) - ACTIVE_RANGE_DB, SILENT_DBFS)
    active = power_db[power_db > threshold]
    if not len(active):
        return float(np.max(power_db))
    return float(10.0 * np.log10(np.mean(10.0 ** (active / 10.0))))


def normalize_level(audio: Audio, target_dbfs: float = REFERENCE_DBFS) -> tuple[Audio, float]:
    """``audio`` scaled so its speech sits at ``target_dbfs``, and the gain applied in dB (0 for silence). The gain
    is at most `MAX_GAIN_DB` and stops before the speech itself would clip."""
    level = speech_level_dbfs(audio.samples, audio.sample_rate)
    if level <= SILENT_DBFS or not len(audio.samples):
        return audio, 0.0
    peak = float(np.quantile(np.abs(audio.samples), PEAK_QUANTILE))
    headroom = -20.0 * np.log10(peak) if peak > 0 else MAX_GAIN_DB
    gain_db = float(min(target_dbfs - level, MAX_GAIN_DB, headroom))
    scaled = np.clip(audio.samples * 10.0 ** (gain_db / 20.0), -1.0, 1.0).astype(np.float32)
    return Audio(scaled, audio.sample_rate, audio.source), gain_db
