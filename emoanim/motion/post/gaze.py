"""Gaze: fixations, main-sequence saccades and microsaccades, gaze aversion, vergence, and lids that follow the eyes.

Angles are degrees; +yaw is the character's left, +pitch is up (`GAZE_NAMES`). The plan is made for one
"cyclopean" eye looking at points in the world (the listener sits straight ahead); `eye_angles` turns it into
per-eye angles that converge on the point and counter-rotate against the head.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from emoanim.motion.post.activity import SpeechActivity

# Main sequence: saccade duration grows linearly with amplitude, D ≈ 2.2 ms/deg × A + 21 ms (Carpenter 1988,
# "Movements of the Eyes", 2nd ed.; Bahill, Clark & Stark 1975, "The main sequence, a tool for studying human eye
# movements", Math. Biosci. 24:191-204). A few percent of scatter around the line, as in real data.
MAIN_SEQUENCE_INTERCEPT_S = 0.021
MAIN_SEQUENCE_SLOPE_S_PER_DEG = 0.0022
MAIN_SEQUENCE_SCATTER = 0.05  # relative standard deviation of duration

# Microsaccades: 1-2 per second during fixation, amplitudes mostly under 0.5 deg (Martinez-Conde, Macknik & Hubel
# 2004, "The role of fixational eye movements in visual perception", Nat. Rev. Neurosci. 5:229-240); they follow
# the same main sequence (Zuber, Stark & Cook 1965, Science 150:1459).
MICROSACCADE_RATE_HZ = 1.5
MICROSACCADE_SPREAD_DEG = 0.2  # std of the fixational offset around the target
MIN_INTERSACCADE_SECONDS = 0.15  # no saccade starts within this of another's end (saccadic refractoriness)

# Geometry: conversational (personal) distance 0.45-1.2 m (Hall 1966, "The Hidden Dimension"); mean adult
# interpupillary distance ~63 mm (Dodgson 2004, "Variation and extrema of human interpupillary distance", SPIE 5291).
VIEWING_DISTANCE_M = 1.0
INTERPUPILLARY_M = 0.063
EYE_YAW_LIMIT_DEG = 35.0  # oculomotor range used in conversation; larger shifts would turn the head
EYE_PITCH_LIMIT_DEG = 30.0

# Looking at the listener: fixations move between their eyes and mouth; at 1 m their eyes are ~±1.8 deg apart and
# the mouth ~4 deg below. Fixation durations are design choices of the order Lee, Badler & Badler 2002 ("Eyes
# alive", SIGGRAPH) measured in conversation.
FACE_TARGETS_DEG = np.array([[1.8, 1.0], [-1.8, 1.0], [0.0, -3.0]])  # listener's left eye, right eye, mouth
FACE_TARGET_PROBABILITIES = np.array([0.4, 0.4, 0.2])
FACE_TARGET_JITTER_DEG = 0.4
FIXATION_SECONDS_SPEAKING = 0.8  # mean of a gamma(shape 4) fixation duration
FIXATION_SECONDS_PAUSED = 1.3
FIXATION_SHAPE = 4.0

# Gaze aversion. Speakers look away as they start an utterance and look back towards its end (Kendon 1967, "Some
# functions of gaze-direction in social interaction", Acta Psychol. 26:22-63); people avert gaze while thinking
# (Glenberg, Schroeder & Robertson 1998, Mem. Cognit. 26:651; Andrist et al. 2014, "Conversational gaze aversion
# for humanlike robots", HRI). Probabilities, durations and angles are design choices.
ONSET_AVERSION_PROBABILITY = 0.6
ONSET_AVERSION_SECONDS = (0.6, 1.8)
THINKING_PAUSE_MIN_SECONDS = 0.8
THINKING_AVERSION_PROBABILITY = 0.5
THINKING_AVERSION_SECONDS = (0.8, 3.0)
AVERSION_YAW_DEG = (6.0, 15.0)  # magnitude, either side
AVERSION_PITCH_DEG = (-6.0, 8.0)  # thinking aversions lean upward, floor-keeping ones sideways
REFIXATION_SECONDS = 0.9  # small re-fixations inside a long aversion

# Emotion, rows in EMOTIONS order; columns: aversion-probability factor, pitch bias (deg, + up) of aversions,
# pitch bias of the face fixations, fixation-duration factor. Approach emotions (anger, joy) go with direct gaze,
# avoidance emotions (fear, sadness) with averted gaze (Adams & Kleck 2003, "Perceived gaze direction and the
# processing of facial displays of emotion", Psychol. Sci. 14:644); sadness looks down (AU64 "eyes down" in the
# EMFACS sadness prototype, Ekman & Friesen). Magnitudes are design choices.
EMOTION_GAZE = np.array([
    # aversion, aversion pitch, face pitch, fixation duration
    [1.0, 0.0, 0.0, 1.0],  # neutral
    [0.8, 2.0, 0.0, 1.0],  # happy
    [1.6, -14.0, -12.0, 1.4],  # sad: below the listener's face, even with the head hung (head.EMOTION_HEAD)
    [0.7, 3.0, 0.5, 1.2],  # surprised
    [1.4, 0.0, 0.0, 0.6],  # fear: scanning, short fixations
    [1.3, -4.0, 0.0, 1.0],  # disgusted
    [0.5, 0.0, 0.0, 1.5],  # angry: staring
    [1.2, 2.0, 0.0, 1.0],  # contempt
])

SACCADE, MICROSACCADE = 0, 1


@dataclass(frozen=True)
class GazePlan:
    """Cyclopean gaze as a sequence of saccades (degrees, seconds).

    start: ``(2,)`` yaw/pitch before the first saccade. onsets, durations: ``(K,)``. targets: ``(K, 2)`` yaw/pitch
    each saccade lands on. kinds: ``(K,)`` `SACCADE` or `MICROSACCADE`.
    """

    start: np.ndarray
    onsets: np.ndarray
    durations: np.ndarray
    targets: np.ndarray
    kinds: np.ndarray

    @property
    def amplitudes(self) -> np.ndarray:
        """``(K,)`` angular size of each saccade in degrees."""
        previous = np.vstack([self.start[None, :], self.targets[:-1]])
        return np.hypot(*(self.targets - previous).T)


def main_sequence_duration(amplitude_deg: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
    """Saccade duration in seconds for amplitudes in degrees; with ``rng``, with the natural scatter."""
    duration = MAIN_SEQUENCE_INTERCEPT_S + MAIN_SEQUENCE_SLOPE_S_PER_DEG * np.asarray(amplitude_deg, float)
    if rng is not None:
        duration = duration * np.clip(1.0 + MAIN_SEQUENCE_SCATTER * rng.standard_normal(duration.shape), 0.8, 1.2)
    return duration


def _aversion_target(rng: np.random.Generator, emotion_row: np.ndarray, thinking: bool) -> np.ndarray:
    yaw = rng.choice([-1.0, 1.0]) * rng.uniform(*AVERSION_YAW_DEG)
    low, high = AVERSION_PITCH_DEG
    pitch = rng.uniform(0.0 if thinking else low, high) + emotion_row[1]
    return np.array([yaw, pitch])


def _aversions(rng: np.random.Generator, activity: SpeechActivity, emotion: np.ndarray) -> list[tuple]:
    """Aversion episodes ``(start s, end s, target (2,))`` at speech onsets and in long pauses."""
    fps = activity.fps
    episodes = []
    for onset in activity.speech_onsets():
        if onset == 0 or rng.uniform() >= ONSET_AVERSION_PROBABILITY * emotion[onset, 0]:
            continue
        start = onset / fps - rng.uniform(0.0, 0.2)  # the look-away begins with, or just before, the first word
        episodes.append((start, start + rng.uniform(*ONSET_AVERSION_SECONDS), _aversion_target(rng, emotion[onset],
                                                                                               False)))
    for begin, end in activity.pauses():
        if (end - begin) / fps < THINKING_PAUSE_MIN_SECONDS:
            continue
        if rng.uniform() >= THINKING_AVERSION_PROBABILITY * emotion[begin, 0]:
            continue
        start = begin / fps + rng.uniform(0.1, 0.3)
        stop = min(end / fps - 0.1, start + rng.uniform(*THINKING_AVERSION_SECONDS))
        if stop - start > 0.3:
            episodes.append((start, stop, _aversion_target(rng, emotion[begin], True)))
    episodes.sort(key=lambda episode: episode[0])
    return episodes


def plan_gaze(rng: np.random.Generator, activity: SpeechActivity, emotion_weights: np.ndarray) -> GazePlan:
    """Fixations on the listener's face, aversions, and microsaccades over the clip, as a `GazePlan`."""
    fps, frames = activity.fps, activity.frames
    duration = frames / fps
    emotion = emotion_weights @ EMOTION_GAZE  # (T, 4)
    episodes = _aversions(rng, activity, emotion)

    def frame_at(t: float) -> int:
        return min(frames - 1, max(0, int(t * fps)))

    def face_target(t: float) -> np.ndarray:
        row = emotion[frame_at(t)]
        base = FACE_TARGETS_DEG[rng.choice(len(FACE_TARGETS_DEG), p=FACE_TARGET_PROBABILITIES)]
        return base + rng.normal(0.0, FACE_TARGET_JITTER_DEG, 2) + np.array([0.0, row[2]])

    onsets, targets = [], []
    t = 0.0
    start = current = None
    episode_index = 0
    while t < duration:
        while episode_index < len(episodes) and episodes[episode_index][1] <= t:
            episode_index += 1
        episode = episodes[episode_index] if episode_index < len(episodes) else None
        frame = frame_at(t)
        if episode is not None and episode[0] <= t:
            target = episode[2] + rng.normal(0.0, 1.0, 2)  # re-fixations scatter around the averted point
            dwell = min(episode[1] - t, rng.gamma(FIXATION_SHAPE, REFIXATION_SECONDS / FIXATION_SHAPE))
        else:
            target = face_target(t)
            mean = FIXATION_SECONDS_SPEAKING if activity.speaking[frame] else FIXATION_SECONDS_PAUSED
            dwell = rng.gamma(FIXATION_SHAPE, mean * emotion[frame, 3] / FIXATION_SHAPE)
            if episode is not None:
                dwell = min(dwell, episode[0] - t)
        target[0] = np.clip(target[0], -EYE_YAW_LIMIT_DEG, EYE_YAW_LIMIT_DEG)
        target[1] = np.clip(target[1], -EYE_PITCH_LIMIT_DEG, EYE_PITCH_LIMIT_DEG)
        if current is None:
            start = target
            travel = 0.0
        else:
            onsets.append(t)
            targets.append(target)
            travel = float(np.hypot(*(target - current)))
        current = target
        # The eye lands (longest scattered duration) and rests before it may move again.
        t += max(dwell, 1.2 * float(main_sequence_duration(travel)) + MIN_INTERSACCADE_SECONDS)
    if start is None:
        start = np.zeros(2)
    onsets_arr = np.asarray(onsets, float)
    targets_arr = np.asarray(targets, float).reshape(-1, 2)
    return _add_microsaccades(rng, start, onsets_arr, targets_arr, duration)


def _add_microsaccades(rng: np.random.Generator, start: np.ndarray, onsets: np.ndarray, targets: np.ndarray,
                       duration: float) -> GazePlan:
    """Insert Poisson microsaccades inside each fixation, then give every saccade its main-sequence duration."""
    amplitudes = np.hypot(*(targets - np.vstack([start[None, :], targets[:-1]])).T) if len(targets) else np.zeros(0)
    ends = onsets + main_sequence_duration(amplitudes)
    fixation_starts = np.concatenate([[0.0], ends])
    fixation_ends = np.concatenate([onsets, [duration]])
    anchors = np.vstack([start[None, :], targets])
    # Poisson times inside the part of each fixation that is clear of the saccades around it.
    window_starts = fixation_starts + MIN_INTERSACCADE_SECONDS
    lengths = np.maximum(fixation_ends - MIN_INTERSACCADE_SECONDS - window_starts, 0.0)
    cumulative = np.cumsum(lengths)
    total = float(cumulative[-1]) if len(cumulative) else 0.0
    positions = np.sort(rng.uniform(0.0, total, rng.poisson(MICROSACCADE_RATE_HZ * total)))
    which = np.minimum(np.searchsorted(cumulative, positions, side="right"), len(lengths) - 1)
    times = window_starts[which] + positions - (cumulative[which] - lengths[which])
    spaced = np.concatenate([[True], np.diff(times) > MIN_INTERSACCADE_SECONDS]) if len(times) else np.zeros(0, bool)
    times, which = times[spaced], which[spaced]
    micro_targets = anchors[which] + rng.normal(0.0, MICROSACCADE_SPREAD_DEG, (len(times), 2))

    all_onsets = np.concatenate([onsets, times])
    all_targets = np.vstack([targets, micro_targets])
    kinds = np.concatenate([np.full(len(onsets), SACCADE), np.full(len(times), MICROSACCADE)])
    order = np.argsort(all_onsets, kind="stable")
    all_onsets, all_targets, kinds = all_onsets[order], all_targets[order], kinds[order]
    previous = np.vstack([start[None, :], all_targets[:-1]])
    durations = main_sequence_duration(np.hypot(*(all_targets - previous).T), rng)
    return GazePlan(start=start, onsets=all_onsets, durations=durations, targets=all_targets, kinds=kinds)


def _minimum_jerk(u: np.ndarray) -> np.ndarray:
    """Position 0..1 along a saccade at normalised time u: smooth start and stop, bell-shaped velocity."""
    u = np.clip(u, 0.0, 1.0)
    return u ** 3 * (10.0 - 15.0 * u + 6.0 * u * u)


def render_gaze(plan: GazePlan, fps: float, frames: int) -> np.ndarray:
    """``(T, 2)`` cyclopean yaw/pitch in degrees sampled at ``fps`` from a `GazePlan`."""
    times = np.arange(frames) / fps
    if len(plan.onsets) == 0:
        return np.tile(plan.start, (frames, 1))
    index = np.searchsorted(plan.onsets, times, side="right") - 1
    previous = np.vstack([plan.start[None, :], plan.targets[:-1]])
    safe = np.maximum(index, 0)
    u = (times - plan.onsets[safe]) / plan.durations[safe]
    moving = previous[safe] + (plan.targets[safe] - previous[safe]) * _minimum_jerk(u)[:, None]
    return np.where((index >= 0)[:, None], moving, plan.start[None, :])


def eye_angles(cyclopean: np.ndarray, head: np.ndarray) -> np.ndarray:
    """``(T, 4)`` leftYaw, leftPitch, rightYaw, rightPitch for a world gaze ``(T, 2)`` and head ``(T, 3)``.

    The eyes counter-rotate against head pitch and yaw (vestibulo-ocular reflex, gain ~1 for natural head motion;
    Leigh & Zee, "The Neurology of Eye Movements"), then converge on the point at `VIEWING_DISTANCE_M`. Small-angle
    head compensation is exact enough for the few degrees of conversational head motion; head roll would need
    ocular torsion, which the rigs do not carry.
    """
    yaw = np.radians(cyclopean[:, 0] - head[:, 1])  # +head yaw turns the face left; the eyes turn back right
    pitch = np.radians(cyclopean[:, 1] + head[:, 0])  # +head pitch nods down; the eyes look up to compensate
    # Point in head coordinates: x to the character's left, y up, z forward.
    x = VIEWING_DISTANCE_M * np.sin(yaw) * np.cos(pitch)
    y = VIEWING_DISTANCE_M * np.sin(pitch)
    z = VIEWING_DISTANCE_M * np.cos(yaw) * np.cos(pitch)
    out = np.empty((len(cyclopean), 4))
    for column, eye_x in ((0, INTERPUPILLARY_M / 2), (2, -INTERPUPILLARY_M / 2)):  # left eye sits at +x
        dx = x - eye_x
        out[:, column] = np.degrees(np.arctan2(dx, z))
        out[:, column + 1] = np.degrees(np.arctan2(y, np.hypot(dx, z)))
    out[:, 0::2] = np.clip(out[:, 0::2], -EYE_YAW_LIMIT_DEG, EYE_YAW_LIMIT_DEG)
    out[:, 1::2] = np.clip(out[:, 1::2], -EYE_PITCH_LIMIT_DEG, EYE_PITCH_LIMIT_DEG)
    return out


# Lid-eye coordination: the upper lid follows vertical eye position (Becker & Fuchs 1988, "Lid-eye coordination
# during vertical gaze changes in man and monkey", J. Neurophysiol. 60:1227). Blendshape scales are design choices:
# most rigs' eyeLook* shapes already move the lids a little, so this adds only the rest.
LID_DROOP_PER_DEG_DOWN = 0.012
LID_DROOP_MAX = 0.35
LID_WIDE_PER_DEG_UP = 0.008
LID_WIDE_MAX = 0.2


def lids_from_gaze(gaze: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(T, 2)`` lid droop and ``(T, 2)`` eyeWide (left, right) from per-eye gaze ``(T, 4)``."""
    pitch = gaze[:, 1::2]
    droop = np.clip(-pitch * LID_DROOP_PER_DEG_DOWN, 0.0, LID_DROOP_MAX)
    wide = np.clip(pitch * LID_WIDE_PER_DEG_UP, 0.0, LID_WIDE_MAX)
    return droop, wide
