"""Audio augmentation for training windows: gain, additive noise, band-limiting by resampling (telephone-like
channels), a codec (G.711 mu-law telephone speech), a simple synthetic reverb, and vocal-tract-length perturbation
(another speaker's formants), and equalisation (a microphone's and a room's colouring: a spectral tilt and one
resonance). Each is applied with its own probability, seeded by the caller's rng."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.signal import fftconvolve, istft, resample_poly, stft

from emoanim.audio.types import SAMPLE_RATE

LOW_RATES = (8000, 11025, 12000)  # Hz: narrow-band telephone (8 kHz) and older wideband recorders


@dataclass(frozen=True)
class Augmentation:
    gain_db: float = 6.0  # +- this many dB, uniform
    noise: float = 0.5  # probability of additive white noise
    snr_db: tuple[float, float] = (10.0, 40.0)
    resample: float = 0.2  # probability of a round trip through one of LOW_RATES
    reverb: float = 0.3  # probability of reverb
    rt60_s: tuple[float, float] = (0.15, 0.6)  # reverberation time range (small rooms to living rooms)
    wet: tuple[float, float] = (0.1, 0.5)  # reverberant share of the mix
    codec: float = 0.0  # probability of a G.711 mu-law round trip at 8 kHz (the shipped checkpoints had none)
    # probability of vocal-tract-length perturbation: the real speech is one voice actor, and the learned animators
    # followed other speakers' mouths less well than the phonetic animator does
    vtlp: float = 0.0
    vtlp_range: tuple[float, float] = (0.85, 1.15)  # spectral stretch factors (adult vocal tracts differ ~ +-15%)
    # +- this many dB of gain drift across the window (a linear ramp): speakers trail off at the ends of phrases,
    # where the learned animators stopped opening on other speakers' quiet last words
    gain_drift_db: float = 0.0
    # probability of equalisation: the learned animators opened the mouth less on GRID's recordings than on any
    # training speech, where the phonetic animator (loudness relative to the clip) did not
    eq: float = 0.0
    eq_tilt_db: float = 3.0  # +- this many dB per octave around 1 kHz
    eq_peak_db: float = 8.0  # +- this many dB at one resonance, one octave wide, centred 150 Hz - 5 kHz

    @classmethod
    def from_config(cls, config) -> "Augmentation | None":
        if not config or not config.get("enabled", True):
            return None
        fields = {k: (tuple(v) if isinstance(v, (list, tuple)) else v) for k, v in dict(config).items()
                  if k != "enabled"}
        return cls(**fields)

    def __call__(self, samples: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """``(N,)`` -> ``(N,)`` float32 (the same length, so frames stay aligned)."""
        x = samples.astype(np.float64)
        # drawn only when enabled, so configs without it keep the random stream (and batches) they always had
        if self.vtlp and rng.random() < self.vtlp:
            x = warp_vocal_tract(x, rng.uniform(*self.vtlp_range))
        if self.eq and rng.random() < self.eq:
            x = equalize(x, rng.uniform(-self.eq_tilt_db, self.eq_tilt_db), float(np.exp(rng.uniform(np.log(150.0),
                         np.log(5000.0)))), rng.uniform(-self.eq_peak_db, self.eq_peak_db))
        if rng.random() < self.reverb:
            x = add_reverb(x, rng.uniform(*self.rt60_s), rng.uniform(*self.wet), rng)
        if rng.random() < self.resample:
            x = band_limit(x, int(rng.choice(LOW_RATES)))
        if rng.random() < self.codec:
            x = mu_law(x)
        if rng.random() < self.noise:
            x = add_noise(x, rng.uniform(*self.snr_db), rng)
        x = x * 10 ** (rng.uniform(-self.gain_db, self.gain_db) / 20)
        if self.gain_drift_db:
            x = x * 10 ** (np.linspace(0.0, rng.uniform(-self.gain_drift_db, self.gain_drift_db), len(x)) / 20)
        return np.clip(x, -1.0, 1.0).astype(np.float32)


def equalize(x: np.ndarray, tilt_db_per_octave: float, peak_hz: float, peak_db: float,
             peak_octaves: float = 1.0) -> np.ndarray:
    """``x`` through a linear-phase equaliser: ``tilt_db_per_octave`` around 1 kHz plus a Gaussian bump of
    ``peak_db`` at ``peak_hz`` (``peak_octaves`` wide at about 1/e of its height, on a log-frequency axis); the RMS
    level is kept, so it colours the sound without acting as gain."""
    if not np.any(x):
        return x
    frequencies = np.maximum(np.fft.rfftfreq(len(x), 1.0 / SAMPLE_RATE), 20.0)
    gain_db = (tilt_db_per_octave * np.log2(frequencies / 1000.0)
               + peak_db * np.exp(-0.5 * (np.log2(frequencies / peak_hz) / (peak_octaves / 2)) ** 2))
    y = np.fft.irfft(np.fft.rfft(x) * 10 ** (gain_db / 20), n=len(x))
    return y * (np.sqrt(np.mean(x ** 2)) / max(np.sqrt(np.mean(y ** 2)), 1e-12))


def add_noise(x: np.ndarray, snr_db: float, rng: np.random.Generator) -> np.ndarray:
    """White noise at ``snr_db`` below the signal's mean power."""
    power = float(np.mean(x ** 2)) or 1e-8
    return x + rng.normal(0.0, np.sqrt(power / 10 ** (snr_db / 10)), len(x))


MU = 255.0  # G.711 mu-law (ITU-T G.711, North America / Japan telephony)


def mu_law(x: np.ndarray) -> np.ndarray:
    """A telephone line: 8 kHz band, then 8-bit mu-law companding and back (G.711's quantisation noise, which is
    loud in quiet passages and rides on the signal, unlike additive noise)."""
    narrow = np.clip(band_limit(x, 8000), -1.0, 1.0)
    code = np.round(np.sign(narrow) * np.log1p(MU * np.abs(narrow)) / np.log1p(MU) * 127.0)  # 8 bits: -127..127
    y = code / 127.0
    return np.sign(y) * np.expm1(np.abs(y) * np.log1p(MU)) / MU


def band_limit(x: np.ndarray, rate: int) -> np.ndarray:
    """Down to ``rate`` Hz and back to 16 kHz: removes everything above ``rate / 2``."""
    g = np.gcd(SAMPLE_RATE, rate)
    low = resample_poly(x, rate // g, SAMPLE_RATE // g)
    return resample_poly(low, SAMPLE_RATE // g, rate // g)[: len(x)]


def add_reverb(x: np.ndarray, rt60_s: float, wet: float, rng: np.random.Generator) -> np.ndarray:
    """Convolve with exponentially decaying noise (a standard late-reverb model: energy falls 60 dB in ``rt60_s``)
    and mix ``wet`` of it in, at the dry signal's level."""
    length = int(rt60_s * SAMPLE_RATE)
    t = np.arange(length) / SAMPLE_RATE
    response = rng.normal(0.0, 1.0, length) * 10 ** (-3.0 * t / rt60_s)  # amplitude -60 dB at rt60
    tail = fftconvolve(x, response)[: len(x)]
    tail *= np.sqrt(np.mean(x ** 2) / max(np.mean(tail ** 2), 1e-12))
    return (1.0 - wet) * x + wet * tail


VTLP_FFT = 512  # 32 ms frames at 16 kHz: resolves harmonics of low voices
VTLP_HOP = 128


def warp_vocal_tract(x: np.ndarray, alpha: float) -> np.ndarray:
    """Vocal-tract-length perturbation (as in Jaitly & Hinton 2013, on the waveform here): the magnitude spectrum of
    every frame is stretched along frequency by ``alpha`` (output bin k takes the magnitude at k / alpha), which
    moves the formants as a shorter (alpha > 1) or longer (alpha < 1) vocal tract would, and the harmonics with
    them. Timing is untouched, so the frame labels stay valid; the result has the input's RMS level."""
    if len(x) < VTLP_FFT:
        return x
    _, _, spectrum = stft(x, nperseg=VTLP_FFT, noverlap=VTLP_FFT - VTLP_HOP, boundary="even")
    bins = spectrum.shape[0]
    source = np.arange(bins) / alpha
    low = np.minimum(np.floor(source).astype(int), bins - 1)
    high = np.minimum(low + 1, bins - 1)
    frac = (source - low)[:, None]
    magnitude = np.abs(spectrum)
    warped = (1.0 - frac) * magnitude[low] + frac * magnitude[high]
    warped[source > bins - 1] = 0.0  # stretched past Nyquist: nothing to take
    _, y = istft(warped * np.exp(1j * np.angle(spectrum)), nperseg=VTLP_FFT, noverlap=VTLP_FFT - VTLP_HOP,
                 boundary=True)
    y = np.pad(y[: len(x)], (0, max(0, len(x) - len(y))))
    return y * np.sqrt(np.mean(x ** 2) / max(float(np.mean(y ** 2)), 1e-12))
