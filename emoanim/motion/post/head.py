"""Head motion from speech: nods and tilts on prosodic peaks, pitch following F0, 1/f-like sway, emotion posture.

Rotations in degrees (+pitch nods down, +yaw turns to the character's left); translation in centimetres in head
space (x to the character's left, y up, z forward).
"""
from __future__ import annotations

import numpy as np
from scipy.signal import find_peaks

from emoanim.audio.prosody import Prosody
from emoanim.motion.post.activity import SpeechActivity

# Amplitude presets: a gain on every procedural component ("none" leaves the animator's head untouched).
HEAD_MOTION_GAINS = {"none": 0.0, "subtle": 0.5, "normal": 1.0, "expressive": 1.8}

# Head motion goes with prosody: head rotation and F0 correlate (Yehia, Kuratate & Vatikiotis-Bateson 2002,
# "Linking facial animation, head motion and speech acoustics", J. Phonetics 30:555-568), and nods mark pitch
# accents (Graf, Cosatto, Strom & Huang 2002, "Visual prosody: facial movements accompanying speech", IEEE FG;
# Munhall et al. 2004, "Visual prosody and speech intelligibility", Psychol. Sci. 15:133). Speakers move their
# heads more while talking than while listening (Hadar, Steiner, Grant & Rose 1983, "Kinematics of head movements
# accompanying speech during conversation", Hum. Mov. Sci. 2:35-46). Conversational head rotations are a few
# degrees (Busso et al. 2007, "Rigid head motion in expressive speech animation", IEEE TASLP 15:1075); the
# amplitudes below are design choices of that order.
PROSODY_SMOOTHING_SECONDS = 0.1  # about a syllable's nucleus; removes pitch-period jitter
ACCENT_MIN_SPACING_SECONDS = 0.35  # pitch accents come at most every other syllable (~4-5 syllables/s)
ACCENT_MIN_PROMINENCE = 0.6  # z-score units
NOD_DEG_PER_Z = 1.1  # nod depth per unit of accent prominence
NOD_ATTACK_SECONDS, NOD_RELEASE_SECONDS = 0.15, 0.35
TILT_FRACTION = 0.5  # roll and yaw accents, relative to the nod, each with a random side
TILT_SECONDS = 0.8
F0_DEG_PER_SEMITONE = 0.3  # higher pitch lifts the head (negative pitch)
F0_CONTOUR_SECONDS = 0.6  # phrase-level smoothing of F0 for that lift

# Sway: postural sway has long-range correlated, 1/f^β-like fluctuations (Duarte & Zatsiorsky 2001, "Long-range
# correlations in human standing", Phys. Lett. A 283:124). Band and standard deviations are design choices.
SWAY_BAND_HZ = (0.05, 1.5)
SWAY_DEG = np.array([0.8, 1.2, 0.5])  # pitch, yaw, roll std at gain 1 while talking
SWAY_CM = np.array([0.3, 0.2, 0.3])  # x, y, z
PAUSE_SWAY_FACTOR = 0.5  # relative sway while silent (Hadar et al. 1983)
ACTIVITY_SMOOTHING_SECONDS = 0.4
NECK_PIVOT_CM = 10.0  # rotation centre below the head's origin: a nod moves the head forward (design choice)

# Emotion posture and liveliness, rows in EMOTIONS order; columns: pitch, yaw, roll (deg), x, y, z (cm), motion
# gain. Anger leans forward, sadness hangs the head, joy lifts it and moves more, fear and disgust withdraw, contempt
# raises the chin (Wallbott 1998, "Bodily expression of emotion", Eur. J. Soc. Psychol. 28:879-896; Dael,
# Mortillaro & Scherer 2012, "Emotion expression in body action and posture", Emotion 12:1085; AU54 "head down" in
# the EMFACS sadness prototype). Magnitudes are design choices.
EMOTION_HEAD = np.array([
    # pitch, yaw, roll, x, y, z, gain
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0],  # neutral
    [-2.0, 0.0, 1.0, 0.0, 0.3, 0.0, 1.4],  # happy
    [7.0, 0.0, 1.5, 0.0, -1.0, 0.5, 0.6],  # sad
    [-3.0, 0.0, 0.0, 0.0, 0.3, -1.0, 1.2],  # surprised
    [-1.0, 0.0, 0.0, 0.0, -0.3, -1.5, 1.1],  # fear
    [-1.0, 4.0, 1.0, 0.0, 0.0, -1.0, 1.0],  # disgusted
    [3.0, 0.0, 0.0, 0.0, 0.0, 2.0, 1.3],  # angry
    [-4.0, 2.0, 2.0, 0.0, 0.0, -0.5, 0.9],  # contempt
])


def pink_noise(rng: np.random.Generator, frames: int, fps: float, band_hz: tuple[float, float] = SWAY_BAND_HZ,
               ) -> np.ndarray:
    """``(frames,)`` zero-mean, unit-std noise with a 1/f power spectrum inside ``band_hz`` and none outside."""
    if frames < 4:
        return np.zeros(frames)
    spectrum = np.fft.rfft(rng.standard_normal(frames))
    freqs = np.fft.rfftfreq(frames, 1.0 / fps)
    shape = np.zeros_like(freqs)
    band = (freqs >= band_hz[0]) & (freqs <= band_hz[1])
    shape[band] = 1.0 / np.sqrt(freqs[band])  # amplitude ∝ f^-1/2 -> power ∝ 1/f
    noise = np.fft.irfft(spectrum * shape, frames)
    std = noise.std()
    return noise / std if std > 0 else noise


def _smooth(signal: np.ndarray, fps: float, seconds: float) -> np.ndarray:
    """Moving average over ``seconds`` (at least one frame)."""
    width = min(max(1, int(round(seconds * fps))), max(1, len(signal)))  # np.convolve "same" needs kernel <= signal
    kernel = np.ones(width) / width
    return np.convolve(signal, kernel, mode="same")


def _zscore(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """z-scores relative to the frames in ``mask``; 0 outside it."""
    out = np.zeros_like(values, dtype=float)
    if mask.sum() > 1:
        chosen = values[mask]
        spread = chosen.std()
        out[mask] = (chosen - chosen.mean()) / (spread if spread > 0 else 1.0)
    return out


def prominence(prosody: Prosody | None, activity: SpeechActivity) -> np.ndarray:
    """``(T,)`` prosodic prominence (z-score units) while speaking: mean of energy and F0 z-scores, smoothed.

    Without audio, speech onsets stand in as the only prominent moments.
    """
    fps, speaking = activity.fps, activity.speaking
    if prosody is None:
        onsets = np.zeros(activity.frames)
        onsets[activity.speech_onsets()] = 1.0
        return onsets
    energy = _zscore(prosody.energy_db.astype(float), speaking)
    pitch = _zscore(prosody.f0_semitones(), speaking & prosody.voiced)
    combined = np.where(speaking, 0.5 * energy + 0.5 * pitch, 0.0)
    return _smooth(combined, fps, PROSODY_SMOOTHING_SECONDS)


def _pulse(fps: float, attack: float, release: float) -> np.ndarray:
    """A raised-cosine bump rising over ``attack`` s and falling over ``release`` s, peak 1 at index ``attack*fps``."""
    rise = 0.5 * (1 - np.cos(np.pi * np.arange(int(round(attack * fps)) + 1) / max(attack * fps, 1e-9)))
    fall_n = int(round(release * fps)) + 1
    fall = 0.5 * (1 + np.cos(np.pi * np.arange(1, fall_n) / max(release * fps, 1e-9)))
    return np.concatenate([np.minimum(rise, 1.0), fall])


def _place(impulses: np.ndarray, kernel: np.ndarray, peak_index: int) -> np.ndarray:
    """Convolve an impulse train with ``kernel`` so each kernel's peak lands on its impulse."""
    full = np.convolve(impulses, kernel)
    return full[peak_index: peak_index + len(impulses)]


def head_motion(rng: np.random.Generator, activity: SpeechActivity, prosody: Prosody | None,
                emotion_weights: np.ndarray, gain: float) -> tuple[np.ndarray, np.ndarray]:
    """``(T, 3)`` rotation (deg) and ``(T, 3)`` translation (cm) to add to the animator's head.

    gain: the preset's amplitude (`HEAD_MOTION_GAINS`); 0 gives zeros.
    """
    frames, fps = activity.frames, activity.fps
    rotation = np.zeros((frames, 3))
    translation = np.zeros((frames, 3))
    if gain == 0.0 or frames == 0:
        return rotation, translation
    emotion = emotion_weights @ EMOTION_HEAD  # (T, 7)
    liveliness = gain * emotion[:, 6]

    # Accents -> nods (pitch) with smaller tilts (roll) and turns (yaw) to a random side.
    prom = prominence(prosody, activity)
    threshold = ACCENT_MIN_PROMINENCE if prosody is not None else 0.5
    peaks, _ = find_peaks(prom, height=threshold, distance=max(1, int(ACCENT_MIN_SPACING_SECONDS * fps)))
    strength = np.zeros(frames)
    strength[peaks] = prom[peaks] * rng.uniform(0.7, 1.3, len(peaks))
    nod_kernel = _pulse(fps, NOD_ATTACK_SECONDS, NOD_RELEASE_SECONDS)
    rotation[:, 0] += NOD_DEG_PER_Z * _place(strength, nod_kernel, int(round(NOD_ATTACK_SECONDS * fps)))
    tilt_kernel = _pulse(fps, TILT_SECONDS / 2, TILT_SECONDS / 2)
    for axis in (1, 2):
        sides = np.zeros(frames)
        sides[peaks] = rng.choice([-1.0, 1.0], len(peaks))
        rotation[:, axis] += TILT_FRACTION * NOD_DEG_PER_Z * _place(strength * sides, tilt_kernel,
                                                                    int(round(TILT_SECONDS / 2 * fps)))

    # The head rises and falls with the phrase-level intonation contour (slower than the accents' nods).
    if prosody is not None:
        contour = _smooth(np.where(prosody.voiced, prosody.f0_semitones(), 0.0), fps, F0_CONTOUR_SECONDS)
        rotation[:, 0] -= F0_DEG_PER_SEMITONE * contour

    # Sway, livelier while talking.
    envelope = _smooth(np.where(activity.speaking, 1.0, PAUSE_SWAY_FACTOR), fps, ACTIVITY_SMOOTHING_SECONDS)
    for axis in range(3):
        rotation[:, axis] += SWAY_DEG[axis] * envelope * pink_noise(rng, frames, fps)
        translation[:, axis] += SWAY_CM[axis] * envelope * pink_noise(rng, frames, fps)

    rotation *= liveliness[:, None]
    translation *= liveliness[:, None]
    # Posture: held, not scaled past 1 by the expressive preset.
    posture_gain = min(gain, 1.0)
    rotation += posture_gain * emotion[:, 0:3]
    translation += posture_gain * emotion[:, 3:6]
    # A nod turns about the neck, below the head: nodding down (+pitch) carries the head forward.
    translation[:, 2] += NECK_PIVOT_CM * np.sin(np.radians(rotation[:, 0]))
    return rotation, translation
