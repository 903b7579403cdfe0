"""Window-level prosodic and spectral statistics of speech, the input of the speech emotion classifier.

Frame analysis runs once over the whole clip at `FRAME_RATE` (pitch and level from `emoanim.audio.prosody`, a
25 ms STFT for the spectrum); each window's features are then statistics over its frames. The set follows the
"minimalistic" acoustic parameters that emotion research keeps coming back to (eGeMAPS: Eyben et al. 2016, "The
Geneva Minimalistic Acoustic Parameter Set", IEEE Trans. Affective Computing 7:190-202): pitch level and variation,
loudness variation, spectral balance (alpha ratio, Hammarberg index), and a rate measure.

Chosen for robustness on very little data, every feature is meant to survive a change of speaker, of microphone
gain, and a pause inside a window. Every statistic is over active (speech-level) frames only, so a window that is
half pause describes the same voice as a full one (the pause share itself is left out for that reason). Pitch is in
semitones *within* the window (range, spread, slope), never absolute Hz, because a male and a female voice differ by
about an octave while emotion moves the mean by a few semitones. Levels are relative (spread, range), never absolute
dBFS; band energies are relative to the window's mean band level.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from emoanim.audio.prosody import VOICED_BELOW_PEAK_DB, VOICED_MIN_DB, prosody
from emoanim.audio.types import Audio

FEATURE_VERSION = 1  # bump when FEATURE_NAMES or any definition changes: old checkpoints must then be refused
FRAME_RATE = 100.0  # frames per second: 10 ms hop, the usual speech-analysis rate
STFT_SECONDS = 0.025  # 25 ms Hann window: resolves harmonics of voices above ~80 Hz
N_FFT = 512  # at 16 kHz: 31.25 Hz bins
MEL_BANDS = 8  # coarse bands: spectral *shape*, too few to learn words or a speaker's formants on 8 clips
MEL_FMIN, MEL_FMAX = 60.0, 7600.0
ALPHA_LOW_HZ, ALPHA_SPLIT_HZ, ALPHA_HIGH_HZ = 50.0, 1000.0, 5000.0  # eGeMAPS alpha ratio bands
HAMMARBERG_SPLIT_HZ = 2000.0  # Hammarberg et al. 1980: peak level 0-2 kHz minus peak level 2-5 kHz
MIN_SPEECH_FRAMES = 20  # 0.2 s of active frames: below this a window counts as a pause
SYLLABLE_PROMINENCE_DB = 3.0  # de Jong & Wempe 2009 (Behav. Res. Methods 41:385) count level peaks >= 2-4 dB
SYLLABLE_MIN_GAP_SECONDS = 0.08  # no two syllable nuclei closer than ~80 ms (max ~12 syllables/s)
MAX_F0_STEP_ST = 1.0  # semitones per 10 ms frame = 100 st/s; see `_window_stats`
_STFT_CHUNK = 4096  # frames per batch, bounding memory on long clips

FEATURE_NAMES: tuple[str, ...] = (
    "voiced_fraction",  # voiced / active frames
    "f0_std_st",  # spread of F0 around the window's median, semitones
    "f0_range_st",  # 90th - 10th percentile of F0, semitones
    "f0_slope_st_per_s",  # linear trend of F0 over the window
    "f0_speed_st_per_s",  # mean |dF0/dt| between consecutive voiced frames
    "energy_std_db",  # spread of the level over active frames
    "energy_range_db",  # 95th - 10th percentile of the level over active frames
    "energy_flux_db",  # mean |level change| between consecutive active frames, dB
    "syllable_rate_hz",  # level peaks per second of active speech (speech-rate proxy)
    "centroid_log2_hz",  # spectral centroid of active frames, log2 Hz
    "alpha_ratio_db",  # energy 1-5 kHz over 50 Hz-1 kHz
    "hammarberg_db",  # peak level 0-2 kHz minus 2-5 kHz
    "flatness",  # spectral flatness (geometric / arithmetic mean), 0 tonal .. 1 noise
    "mel_flux_db",  # mean |change| of the mel band levels per frame: articulation activity
) + tuple(f"mel{band}_rel_db" for band in range(MEL_BANDS))


@dataclass(frozen=True)
class WindowFeatures:
    """Features of overlapping windows of one clip.

    values: ``(W, F)`` in `FEATURE_NAMES` order, all finite.
    speech_fraction: ``(W,)`` share of each window's frames that are active speech, 0..1.
    starts, ends: ``(W,)`` window bounds in seconds.
    """

    values: np.ndarray
    speech_fraction: np.ndarray
    starts: np.ndarray
    ends: np.ndarray

    @property
    def is_speech(self) -> np.ndarray:
        """``(W,)`` bool: the window holds at least `MIN_SPEECH_FRAMES` active frames."""
        return self.speech_fraction * (self.ends - self.starts) * FRAME_RATE >= MIN_SPEECH_FRAMES


def window_bounds(duration: float, window: float, hop: float) -> tuple[np.ndarray, np.ndarray]:
    """Window starts and ends in seconds covering ``[0, duration]``; one window when the clip is not longer.

    The last window is pulled back to end at ``duration`` so the end of the clip is analysed with full context.
    """
    if not (window > 0 and hop > 0):
        raise ValueError(f"window and hop must be > 0, got window={window}, hop={hop}")
    if duration <= window:
        return np.array([0.0]), np.array([max(duration, 0.0)])
    starts = np.arange(0.0, duration - window + 1e-9, hop)
    if starts[-1] + window < duration - 1e-9:
        starts = np.append(starts, duration - window)
    return starts, starts + window


def window_features(audio: Audio, window: float = 3.0, hop: float = 1.5) -> WindowFeatures:
    """``audio`` -> `WindowFeatures` for windows of ``window`` seconds every ``hop`` seconds."""
    frames = _frame_analysis(audio)
    starts, ends = window_bounds(audio.duration, window, hop)
    lo = np.clip(np.round(starts * FRAME_RATE).astype(int), 0, frames.count)
    hi = np.clip(np.round(ends * FRAME_RATE).astype(int), lo + 1, max(frames.count, 1))
    rows = [_window_stats(frames, a, b) for a, b in zip(lo, hi)]
    values = np.array([row[0] for row in rows], np.float64).reshape(len(rows), len(FEATURE_NAMES))
    return WindowFeatures(values=values, speech_fraction=np.array([row[1] for row in rows]), starts=starts, ends=ends)


@dataclass(frozen=True)
class _Frames:
    """Per-frame analysis at `FRAME_RATE`; every array has length ``count``."""

    f0_st: np.ndarray  # semitones re 100 Hz, NaN where unvoiced
    energy_db: np.ndarray
    active: np.ndarray  # bool: within the clip's speech level range
    mel_db: np.ndarray  # (count, MEL_BANDS)
    centroid_hz: np.ndarray
    alpha_db: np.ndarray
    hammarberg_db: np.ndarray
    flatness: np.ndarray

    @property
    def count(self) -> int:
        return len(self.energy_db)


def _frame_analysis(audio: Audio) -> _Frames:
    count = max(1, int(np.ceil(audio.duration * FRAME_RATE)))
    pros = prosody(audio, FRAME_RATE, count)
    loud = float(np.percentile(pros.energy_db, 95))
    # The same gate `prosody` uses for voicing: quieter frames are pauses or background.
    active = pros.energy_db >= max(VOICED_MIN_DB, loud - VOICED_BELOW_PEAK_DB)
    f0_st = np.full(count, np.nan)
    f0_st[pros.voiced] = 12.0 * np.log2(pros.f0_hz[pros.voiced] / 100.0)
    spectral = _spectral_frames(audio, count)
    return _Frames(f0_st=f0_st, energy_db=pros.energy_db.astype(np.float64), active=active, **spectral)


def _spectral_frames(audio: Audio, count: int) -> dict[str, np.ndarray]:
    rate = audio.sample_rate
    length = int(round(STFT_SECONDS * rate))
    n_fft = max(N_FFT, 1 << int(np.ceil(np.log2(length))))
    freqs = np.fft.rfftfreq(n_fft, 1.0 / rate)
    filters = _mel_filters(freqs)
    low = (freqs >= ALPHA_LOW_HZ) & (freqs < ALPHA_SPLIT_HZ)
    high = (freqs >= ALPHA_SPLIT_HZ) & (freqs < ALPHA_HIGH_HZ)
    below_split = freqs < HAMMARBERG_SPLIT_HZ
    hann = np.hanning(length)
    samples = np.concatenate([np.zeros(length), audio.samples.astype(np.float64), np.zeros(length)])
    centres = np.round(np.arange(count) / FRAME_RATE * rate).astype(np.int64)
    out = {name: np.empty(count) for name in ("centroid_hz", "alpha_db", "hammarberg_db", "flatness")}
    out["mel_db"] = np.empty((count, MEL_BANDS))
    tiny = 1e-12
    for a in range(0, count, _STFT_CHUNK):
        b = min(count, a + _STFT_CHUNK)
        index = (centres[a:b] - length // 2 + length)[:, None] + np.arange(length)[None, :]
        power = np.abs(np.fft.rfft(samples[index] * hann, n_fft)) ** 2 + tiny  # (frames, bins)
        total = power.sum(axis=1)
        out["centroid_hz"][a:b] = power @ freqs / total
        out["alpha_db"][a:b] = 10.0 * np.log10(power[:, high].sum(axis=1) / power[:, low].sum(axis=1))
        level = 10.0 * np.log10(power)
        out["hammarberg_db"][a:b] = level[:, below_split].max(axis=1) - level[:, high & ~below_split].max(axis=1)
        out["flatness"][a:b] = np.exp(np.log(power).mean(axis=1)) / power.mean(axis=1)
        out["mel_db"][a:b] = 10.0 * np.log10(power @ filters + tiny)
    return out


def _mel_filters(freqs: np.ndarray) -> np.ndarray:
    """``(bins, MEL_BANDS)`` triangles equally spaced on the HTK mel scale (mel = 2595 log10(1 + f / 700))."""
    to_mel = lambda f: 2595.0 * np.log10(1.0 + np.asarray(f) / 700.0)  # noqa: E731
    edges = 700.0 * (10.0 ** (np.linspace(to_mel(MEL_FMIN), to_mel(MEL_FMAX), MEL_BANDS + 2) / 2595.0) - 1.0)
    f = freqs[:, None]
    rising = (f - edges[:-2]) / (edges[1:-1] - edges[:-2])
    falling = (edges[2:] - f) / (edges[2:] - edges[1:-1])
    filters = np.clip(np.minimum(rising, falling), 0.0, None)
    return filters / np.maximum(filters.sum(axis=0, keepdims=True), 1e-12)


def _window_stats(frames: _Frames, lo: int, hi: int) -> tuple[list[float], float]:
    """Features of frames ``[lo, hi)`` and the window's speech fraction; pitch features are 0 without voicing."""
    active = frames.active[lo:hi]
    speech_fraction = float(active.mean()) if hi > lo else 0.0
    use = active if active.sum() >= 2 else np.ones_like(active)  # a pause: describe what is there
    energy = frames.energy_db[lo:hi][use]
    f0 = frames.f0_st[lo:hi]
    voiced = ~np.isnan(f0)
    f0_voiced = f0[voiced]
    if len(f0_voiced) >= 3:
        times = np.nonzero(voiced)[0] / FRAME_RATE
        f0_std = float(np.std(f0_voiced))
        f0_range = float(np.percentile(f0_voiced, 90) - np.percentile(f0_voiced, 10))
        f0_slope = float(np.polyfit(times, f0_voiced, 1)[0]) if np.ptp(times) > 0 else 0.0
        steps = np.abs(np.diff(f0))  # NaN wherever either neighbour is unvoiced
        # Over MAX_F0_STEP_ST per frame is a YIN octave/tracking error, not a glide (Xu & Sun 2002, JASA 111:1399,
        # measured maximum pitch-change speeds of ~50-100 semitones/s).
        steps = steps[steps <= MAX_F0_STEP_ST]
        f0_speed = float(np.mean(steps) * FRAME_RATE) if len(steps) else 0.0
    else:
        f0_std = f0_range = f0_slope = f0_speed = 0.0
    mel = frames.mel_db[lo:hi][use]
    mel_mean = mel.mean(axis=0)
    values = [
        float(voiced.sum() / max(use.sum(), 1)),
        f0_std,
        f0_range,
        f0_slope,
        f0_speed,
        float(np.std(energy)),
        float(np.percentile(energy, 95) - np.percentile(energy, 10)),
        _active_flux(frames.energy_db[lo:hi], active),
        _syllable_rate(frames.energy_db[lo:hi], active),
        float(np.log2(max(np.mean(frames.centroid_hz[lo:hi][use]), 1.0))),
        float(np.mean(frames.alpha_db[lo:hi][use])),
        float(np.mean(frames.hammarberg_db[lo:hi][use])),
        float(np.mean(frames.flatness[lo:hi][use])),
        float(np.mean(np.abs(np.diff(mel, axis=0)))) if len(mel) > 1 else 0.0,
        *(mel_mean - mel_mean.mean()),
    ]
    return values, speech_fraction


def _active_flux(energy_db: np.ndarray, active: np.ndarray) -> float:
    """Mean |level step| between neighbouring active frames: pause edges would otherwise dominate it."""
    both = active[1:] & active[:-1]
    return float(np.mean(np.abs(np.diff(energy_db))[both])) if both.any() else 0.0


def _syllable_rate(energy_db: np.ndarray, active: np.ndarray) -> float:
    """Level peaks (syllable nuclei) per second of active speech, after de Jong & Wempe 2009."""
    seconds = active.sum() / FRAME_RATE
    if seconds < MIN_SPEECH_FRAMES / FRAME_RATE:
        return 0.0
    from scipy.signal import find_peaks  # lazy: keeps `import emoanim` fast

    smooth = np.convolve(energy_db, np.ones(5) / 5.0, mode="same")  # 50 ms: merges pitch-period ripple
    peaks, _ = find_peaks(smooth, prominence=SYLLABLE_PROMINENCE_DB,
                          distance=max(1, int(SYLLABLE_MIN_GAP_SECONDS * FRAME_RATE)))
    return float(active[peaks].sum() / seconds)
