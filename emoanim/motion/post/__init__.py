"""What happens to a `Performance` after the animator: smoothing, head motion, gaze and blinks.

`apply` is the one entry point. Each step is a pure, seedable function in its own module; the steps draw from
independent random streams spawned from ``seed``, so switching one step off leaves the others' output unchanged.

Order, and why:
1. smoothing: removes the animator's frame jitter, keeping lip closures and blinks (`smoothing`);
2. head motion: prosody-driven nods, tilts, sway and emotion posture, added to the animator's head (`head`);
3. gaze: fixations and saccades, per-eye, counter-rotating against the final head (`gaze`);
4. eyelids: blinks, emotion lid posture, and lids that follow vertical gaze (`blinks`).
Steps 2-4 generate smooth motion by construction and are not smoothed again: saccades and blinks are fast on
purpose, and smoothing them would break the main sequence and the lid profile.
"""
from __future__ import annotations

import numpy as np

from emoanim.audio.prosody import prosody as measure_prosody
from emoanim.audio.types import Audio
from emoanim.emotion.classes import EMOTION_INDEX, EMOTIONS, NEUTRAL
from emoanim.emotion.track import EmotionTrack
from emoanim.errors import InputError
from emoanim.motion.performance import Performance
from emoanim.motion.post import blinks as blink_step
from emoanim.motion.post import gaze as gaze_step
from emoanim.motion.post.activity import SpeechActivity, speech_activity
from emoanim.motion.post import head as head_step
from emoanim.motion.post.smoothing import smooth_performance
from emoanim.phonetics.types import PhoneTrack

HEAD_MOTION_PRESETS = tuple(head_step.HEAD_MOTION_GAINS)  # ("none", "subtle", "normal", "expressive")

# Independent random streams, one per step (numpy SeedSequence spawning by key).
_HEAD_STREAM, _GAZE_STREAM, _BLINK_STREAM = 1, 2, 3


def emotion_weights(emotion: EmotionTrack | None, times: np.ndarray) -> np.ndarray:
    """``(T, 8)`` weights from ``emotion.at(times)`` (None: neutral), rows summing to 1.

    Weight the track leaves unassigned goes to neutral, so every step can mix per-emotion parameter tables.
    """
    frames = len(times)
    if emotion is None:
        weights = np.zeros((frames, len(EMOTIONS)))
    else:
        weights = np.asarray(emotion.at(times), dtype=np.float64)
        if weights.shape != (frames, len(EMOTIONS)):
            raise ValueError(f"emotion.at() returned shape {weights.shape}, expected {(frames, len(EMOTIONS))}")
        weights = np.clip(np.nan_to_num(weights), 0.0, None)
    weights[:, EMOTION_INDEX[NEUTRAL]] += np.clip(1.0 - weights.sum(axis=1), 0.0, None)
    return weights / weights.sum(axis=1, keepdims=True)


def _rng(seed: int, stream: int) -> np.random.Generator:
    return np.random.default_rng([seed, stream])


def _check(head_motion_preset: str, seed: int) -> None:
    if head_motion_preset not in HEAD_MOTION_PRESETS:
        raise InputError(f"unknown head-motion preset {head_motion_preset!r}",
                         hint=f"choose one of: {', '.join(HEAD_MOTION_PRESETS)}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InputError(f"seed must be a non-negative integer, got {seed!r}", hint="e.g. --seed 0")


def apply(perf: Performance, *, audio: Audio | None = None, phones: PhoneTrack | None = None,
          emotion: EmotionTrack | None = None, seed: int = 0, blinks: bool = True, gaze: bool = True,
          head_motion: str = "normal") -> Performance:
    """A new `Performance`: ``perf`` smoothed, with head motion, gaze and blinks added. ``perf`` is not changed.

    blinks/gaze switch those steps off; the emotion's lid posture (sad droop, surprised wide eyes) stays either way.

    audio drives head motion (pitch and energy) and, without phones, the speech/pause timing. phones give exact
    speech/pause timing. emotion: an `EmotionTrack` (None = neutral). Same inputs and seed -> identical output.
    head_motion: one of `HEAD_MOTION_PRESETS`.
    """
    _check(head_motion, seed)
    out = smooth_performance(perf)
    fps, frames = out.fps, out.frames
    weights = emotion_weights(emotion, out.times)
    activity: SpeechActivity = speech_activity(fps, frames, phones=phones, audio=audio)
    stats: dict[str, float | int | str] = {"activity": activity.source}

    gain = head_step.HEAD_MOTION_GAINS[head_motion]
    if gain > 0:
        prosody = measure_prosody(audio, fps, frames) if audio is not None else None
        rotation, translation = head_step.head_motion(_rng(seed, _HEAD_STREAM), activity, prosody, weights, gain)
        out.head = (out.head + rotation).astype(out.head.dtype)
        out.head_translation = (out.head_translation + translation).astype(out.head_translation.dtype)

    if gaze:
        plan = gaze_step.plan_gaze(_rng(seed, _GAZE_STREAM), activity, weights)
        world = gaze_step.render_gaze(plan, fps, frames)
        out.gaze = (out.gaze + gaze_step.eye_angles(world, out.head)).astype(out.gaze.dtype)
        stats["saccades"] = int(np.sum(plan.kinds == gaze_step.SACCADE))
        stats["microsaccades"] = int(np.sum(plan.kinds == gaze_step.MICROSACCADE))

    # The lids' resting level: the emotion's posture, and the upper lid following the eyes (whoever moved them).
    droop, wide = blink_step.emotion_lid_posture(weights)
    gaze_droop, gaze_wide = gaze_step.lids_from_gaze(out.gaze)
    droop, wide = np.maximum(droop[:, None], gaze_droop), wide[:, None] + gaze_wide
    closure = np.zeros((frames, 2))
    if blinks:
        events = blink_step.plan_blinks(_rng(seed, _BLINK_STREAM), blink_step.blink_intensity(activity, weights), fps)
        closure = blink_step.render_blinks(events, fps, frames)
        stats["blinks"] = len(events)
    out.expression = blink_step.compose_eyelids(out.expression, closure, droop, wide).astype(out.expression.dtype)
    out.metadata["post_stats"] = stats
    return out


__all__ = ["HEAD_MOTION_PRESETS", "apply", "emotion_weights"]
