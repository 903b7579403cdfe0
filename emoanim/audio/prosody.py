"""Frame-level prosody (pitch F0 and energy) at the animation frame rate.

F0 is estimated with YIN (de Cheveigné & Kawahara 2002, "YIN, a fundamental frequency estimator for speech and
music", JASA 111:1917-1930): the cumulative-mean-normalised difference function, the first dip under an absolute
threshold, then parabolic interpolation. Every frame is computed at once with FFT cross-correlation, in chunks so
memory stays bounded for long clips.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from emoanim.audio.features import SILENCE_FLOOR_DB, frame_rms_db
from emoanim.audio.types import Audio

F0_MIN_HZ = 60.0  # lowest adult male speaking F0 is ~60-70 Hz; 400 Hz covers children and raised voices
F0_MAX_HZ = 400.0
YIN_WINDOW_SECONDS = 0.04  # integration window: at least one period of F0_MIN_HZ (16.7 ms) with margin
YIN_THRESHOLD = 0.15  # de Cheveigné & Kawahara 2002 used 0.1-0.15 for the first-dip rule
# With no dip under YIN_THRESHOLD, the global minimum of d' is taken (the paper's fallback) and the frame counts as
# voiced when that aperiodicity is under this; breathy and jittery voices (and espeak-ng) sit at 0.15-0.35.
MAX_APERIODICITY = 0.35
VOICED_MIN_DB = -50.0  # dBFS; quieter frames are treated as unvoiced whatever their periodicity
VOICED_BELOW_PEAK_DB = 40.0  # and so are frames more than this far under the clip's loud (95th-percentile) level
_CHUNK_FRAMES = 2048  # frames analysed per FFT batch: ~8 MB of float64 per batch


@dataclass(frozen=True)
class Prosody:
    """Pitch and loudness per animation frame.

    f0_hz: ``(T,)`` fundamental frequency in Hz, 0 where unvoiced.
    voiced: ``(T,)`` bool.
    energy_db: ``(T,)`` RMS level in dBFS (see `frame_rms_db`).
    """

    fps: float
    f0_hz: np.ndarray
    voiced: np.ndarray
    energy_db: np.ndarray

    @property
    def frames(self) -> int:
        return len(self.f0_hz)

    def f0_semitones(self) -> np.ndarray:
        """``(T,)`` F0 in semitones relative to the clip's median voiced F0; 0 where unvoiced.

        Semitones, not Hz, because perceived pitch movement (and the head motion that goes with it) is roughly
        logarithmic in frequency, and it removes the speaker's register.
        """
        out = np.zeros(self.frames, np.float64)
        if self.voiced.any():
            f0 = self.f0_hz[self.voiced].astype(np.float64)
            out[self.voiced] = 12.0 * np.log2(f0 / np.median(f0))
        return out


def _frame_segments(samples: np.ndarray, starts: np.ndarray, length: int) -> np.ndarray:
    """``(F, length)`` slices of ``samples`` beginning at ``starts``; zero outside the signal."""
    padded = np.concatenate([np.zeros(length), samples, np.zeros(length)])
    index = starts[:, None] + length + np.arange(length)[None, :]
    return padded[index]


def _yin_chunk(segments: np.ndarray, window: int, min_lag: int, max_lag: int, sample_rate: int) -> np.ndarray:
    """YIN on ``(F, window + max_lag)`` segments -> ``(F,)`` F0 in Hz, 0 where no period was found."""
    frames, length = segments.shape
    nfft = 1 << int(np.ceil(np.log2(length)))
    head = np.zeros_like(segments)
    head[:, :window] = segments[:, :window]
    # r(τ) = Σ_j x_j x_{j+τ} over the window; no wrap-around because nfft >= window + max_lag.
    corr = np.fft.irfft(np.conj(np.fft.rfft(head, nfft)) * np.fft.rfft(segments, nfft), nfft)[:, : max_lag + 1]
    power = np.concatenate([np.zeros((frames, 1)), np.cumsum(segments * segments, axis=1)], axis=1)
    lags = np.arange(max_lag + 1)
    energy_lagged = power[:, lags + window] - power[:, lags]  # Σ_j x_{j+τ}² over the window
    diff = np.maximum(energy_lagged[:, :1] + energy_lagged - 2.0 * corr, 0.0)  # d(τ), eq. 7 of the paper
    running = np.cumsum(diff[:, 1:], axis=1)
    cmnd = np.ones_like(diff)
    cmnd[:, 1:] = diff[:, 1:] * lags[1:] / np.maximum(running, 1e-12)  # d'(τ), eq. 8

    search = cmnd[:, min_lag : max_lag + 1]
    below = search < YIN_THRESHOLD
    found = below.any(axis=1)
    first = np.argmax(below, axis=1)
    # From the first dip under the threshold, walk on to the bottom of that dip (step 4 of the paper).
    rising = np.zeros_like(below)
    rising[:, :-1] = search[:, 1:] > search[:, :-1]
    rising[:, -1] = True
    after_first = np.arange(search.shape[1])[None, :] >= first[:, None]
    best = np.where(found, np.argmax(rising & after_first, axis=1), np.argmin(search, axis=1))
    found |= search.min(axis=1) < MAX_APERIODICITY
    lag = best + min_lag

    # Parabolic interpolation through d' at τ-1, τ, τ+1 for sub-sample precision (step 5).
    rows = np.arange(frames)
    left = cmnd[rows, np.clip(lag - 1, 0, max_lag)]
    mid = cmnd[rows, lag]
    right = cmnd[rows, np.clip(lag + 1, 0, max_lag)]
    curvature = left - 2.0 * mid + right
    shift = np.where(np.abs(curvature) > 1e-12, 0.5 * (left - right) / np.where(curvature == 0, 1, curvature), 0.0)
    precise = lag + np.clip(shift, -1.0, 1.0)
    return np.where(found, sample_rate / precise, 0.0)


def pitch_track(audio: Audio, fps: float, frames: int, *, fmin: float = F0_MIN_HZ, fmax: float = F0_MAX_HZ,
                ) -> np.ndarray:
    """``(frames,)`` YIN F0 in Hz centred on each frame time ``i / fps``; 0 where no period was found."""
    if not 0 < fmin < fmax:
        raise ValueError(f"need 0 < fmin < fmax, got fmin={fmin}, fmax={fmax}")
    sr = audio.sample_rate
    window = int(round(YIN_WINDOW_SECONDS * sr))
    min_lag = max(2, int(np.floor(sr / fmax)))
    max_lag = int(np.ceil(sr / fmin))
    samples = audio.samples.astype(np.float64)
    centres = np.round(np.arange(frames) / fps * sr).astype(np.int64)
    starts = centres - (window + max_lag) // 2
    f0 = np.zeros(frames, np.float64)
    for lo in range(0, frames, _CHUNK_FRAMES):
        hi = min(frames, lo + _CHUNK_FRAMES)
        segments = _frame_segments(samples, starts[lo:hi], window + max_lag)
        f0[lo:hi] = _yin_chunk(segments, window, min_lag, max_lag, sr)
    f0[(f0 < fmin) | (f0 > fmax)] = 0.0
    return f0


def prosody(audio: Audio, fps: float, frames: int) -> Prosody:
    """Pitch and energy of ``audio`` at ``fps``, ``frames`` long (frames past the audio's end are silent)."""
    energy = frame_rms_db(audio, fps, frames)
    f0 = pitch_track(audio, fps, frames)
    loud = float(np.percentile(energy, 95)) if frames else SILENCE_FLOOR_DB
    gate = max(VOICED_MIN_DB, loud - VOICED_BELOW_PEAK_DB)
    voiced = (f0 > 0) & (energy >= gate)
    return Prosody(fps=fps, f0_hz=np.where(voiced, f0, 0.0).astype(np.float32), voiced=voiced,
                   energy_db=energy)
