"""`PhoneticAnimator`: timed phones + loudness + emotion -> ARKit expression channels, no learned weights.

Steps per clip (all vectorised over frames):
1. phones -> viseme segments -> Cohen–Massaro blend of articulator targets (`coarticulation`);
2. jaw opening = the blended per-phone range ``(quiet, loud)`` walked by the frame's loudness (JALI's jaw axis,
   Edwards et al. 2016: jaw activation follows vocal effort);
3. emotion restyles the articulation (`style`), then the emotion's face is added (`expression_offsets`), clip [0, 1];
4. every frame of a /p b m/ phone (and always its centre frame) is sealed: lips fully closed against the jaw.
   Step 4 comes last so neither coarticulation, style nor the emotion's face can open a bilabial closure.
Head and gaze stay zero: blinks, gaze and head motion are `emoanim.motion.post`'s job.
"""
from __future__ import annotations

import numpy as np

from emoanim.animators.phonetic.coarticulation import blend, build_segments, clean_phones
from emoanim.animators.phonetic.style import apply_style
from emoanim.animators.phonetic.visemes import PARAM_INDEX, params_to_arkit
from emoanim.audio.features import SILENCE_FLOOR_DB, frame_rms_db
from emoanim.audio.types import Audio
from emoanim.emotion import EmotionTrack, expression_offsets
from emoanim.errors import InputError
from emoanim.motion.lip_seal import bilabials_in, closure_frames, seal_lips
from emoanim.motion.performance import Performance, frame_count
from emoanim.phonetics.types import PhoneTrack

LOUDNESS_REFERENCE_PERCENTILE = 95  # of speech-frame levels: "loud" for this speaker and recording
LOUDNESS_RANGE_DB = 20.0  # dB below the reference that maps to the quiet end of the jaw range; stressed vs
# unstressed vowels differ by roughly 5-15 dB in read English, consonants lie further down
MIN_SPEECH_LEVEL_DB = SILENCE_FLOOR_DB + 15.0  # below this the audio says nothing usable about loudness
NO_LOUDNESS_LEVEL = 0.5  # jaw position within its range when the audio gives no loudness
DURATION_MISMATCH_S = 0.1  # phones ending this far from the audio's end get a warning
SPEAKING = 0.5  # `speaking` param above this counts as a speech frame

class PhoneticAnimator:
    """Coarticulated visemes from timed phones; deterministic (no randomness, ``seed`` only goes to metadata)."""

    name = "phonetic"
    needs_phones = True

    def animate(
        self, audio: Audio, emotion: EmotionTrack, *, phones: PhoneTrack | None, fps: float, seed: int = 0
    ) -> Performance:
        """Speech + emotion -> `Performance` with ``frame_count(audio.duration, fps)`` frames; head and gaze zero."""
        if phones is None:
            raise InputError(
                "the phonetic animator needs timed phones",
                path=audio.source,
                hint="pass phones=emoanim.phonetics.align(audio, transcript)",
            )
        if not np.isfinite(fps) or fps <= 0:
            raise InputError(f"fps must be a positive number, got {fps!r}", hint="use e.g. 24, 30 or 60")
        frames = frame_count(audio.duration, fps)
        times = np.arange(frames, dtype=np.float64) / fps
        warnings = list(phones.warnings)
        if abs(phones.duration - audio.duration) > DURATION_MISMATCH_S:
            warnings.append(
                f"phones cover {phones.duration:.2f} s but the audio lasts {audio.duration:.2f} s: "
                "the phones were probably aligned to other audio"
            )

        clean = clean_phones(phones.phones, audio.duration)
        params = blend(build_segments(clean), times)
        speaking = params[:, PARAM_INDEX["speaking"]] > SPEAKING
        loudness, loudness_warning = speech_loudness(audio, fps, frames, speaking)
        if loudness_warning:
            warnings.append(loudness_warning)
        quiet, loud = params[:, PARAM_INDEX["jaw_quiet"]], params[:, PARAM_INDEX["jaw_loud"]]
        jaw = quiet + (loud - quiet) * loudness

        weights = emotion.at(times)
        params, jaw = apply_style(params, jaw, weights)
        expression = params_to_arkit(params, jaw) + expression_offsets(weights)
        np.clip(expression, 0.0, 1.0, out=expression)
        closures = bilabials_in(clean)
        seal_lips(expression, closure_frames(closures, fps, frames))

        performance = Performance.still(frames, fps)
        performance.expression[:] = expression
        performance.metadata.update(
            animator=self.name,
            fps=fps,
            emotion=emotion.to_dict(),
            phone_method=phones.method,
            seed=seed,
            # Seconds, so post-processing (smoothing, resampling) can keep these closures shut.
            lip_closures=[[p.start, p.end] for p in closures],
            warnings=warnings,
        )
        return performance


def speech_loudness(audio: Audio, fps: float, frames: int, speaking: np.ndarray) -> tuple[np.ndarray, str | None]:
    """``(T,)`` loudness in [0, 1] relative to this clip's loud speech, and a warning when the audio has none.

    speaking: ``(T,)`` bool, frames inside speech phones (the reference level is taken there).
    """
    level = frame_rms_db(audio, fps, frames).astype(np.float64)
    reference = np.percentile(level[speaking] if speaking.any() else level, LOUDNESS_REFERENCE_PERCENTILE)
    if reference < MIN_SPEECH_LEVEL_DB:
        return np.full(frames, NO_LOUDNESS_LEVEL), (
            f"the audio is near-silent where speech phones are (level {reference:.0f} dBFS): "
            "jaw opening follows the phones alone"
        )
    return np.clip(1.0 - (reference - level) / LOUDNESS_RANGE_DB, 0.0, 1.0), None
