"""Training utterances whose targets are native FLAME parameters: EMOTE's MEAD pseudo-ground-truth (Daněček et al.
2023) read by `emoanim.rigs.flame.sequences`, each clip paired with its speech.

Config (``data`` section, with ``target: flame``)::

    data:
      target: flame
      flame:
        root: EMICA-MEAD_flame2020/reconstruction   # <subject>/<view>/<emotion>/level_N/<sentence>/shape_pose_cam.*
        audio_root: MEAD                            # optional, see `find_audio`
        fps: 25                                     # the sequences' frame rate (MEAD's pseudo-GT: 25)
        expression: 50                              # first N of FLAME's 100 expression coefficients
        global_pose: false                          # append global (head) rotation, axis-angle
        val_subjects: [M003]                        # whole subjects held out for validation
        licence: "..."                              # written into the model card

Targets ``(T, C)`` in `FlameTargetLayout` order: ``exp0..exp{N-1}`` (unitless coefficients), ``jaw_x, jaw_y, jaw_z``
(axis-angle, radians), then ``global_x..z`` (radians) when asked. Emotion weights ``(T, 8)``: the clip's MEAD emotion
at its level's intensity, constant over the clip (MEAD acts one emotion per take).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Sequence

import numpy as np

from emoanim.audio.types import SAMPLE_RATE
from emoanim.emotion import EmotionTrack
from emoanim.emotion.classes import NEUTRAL
from emoanim.errors import InputError
from emoanim.motion.performance import frame_count
from emoanim.rigs.flame.sequences import MEAD_FPS, FlameSequence, find_flame_sequences, read_flame_sequence
from emoanim.train.sources import Utterance

FLAME_EXPRESSIONS = 100  # FLAME 2020/2023 expression basis size
# MEAD records three intensity levels per emotion (Wang et al. 2020, "MEAD", sec. 3: weak, medium, strong);
# spread evenly over (0, 1].
LEVEL_INTENSITY = {1: 1.0 / 3.0, 2: 2.0 / 3.0, 3: 1.0}
AUDIO_SUFFIXES = (".wav", ".flac", ".m4a", ".mp3", ".ogg")
AUDIO_STEM = "audio"
# A clip whose motion and speech lengths differ by more than this was paired with the wrong file (MEAD's video and
# audio of one take agree to within a frame or two).
MAX_LENGTH_GAP_SECONDS = 0.5
UNRECORDED_LICENCE = "not recorded: set data.flame.licence to the dataset's terms"
Cached = Callable[[str, Mapping[str, Any], Callable[[], Iterator[Utterance]]], list[Utterance]]


@dataclass(frozen=True)
class FlameTargetLayout:
    """Which FLAME parameters a model outputs, in column order."""

    expression: int = 50
    global_pose: bool = False

    def __post_init__(self) -> None:
        if not 1 <= self.expression <= FLAME_EXPRESSIONS:
            raise InputError(f"data.flame.expression={self.expression} is outside 1..{FLAME_EXPRESSIONS}",
                             hint="EMOTE uses the first 50 expression coefficients")

    @property
    def channels(self) -> int:
        return self.expression + 3 + (3 if self.global_pose else 0)

    @property
    def names(self) -> list[str]:
        poses = ["jaw"] + (["global"] if self.global_pose else [])
        return [f"exp{i}" for i in range(self.expression)] + [f"{p}_{a}" for p in poses for a in "xyz"]

    def describe(self) -> str:
        """One line for the model card."""
        text = f"FLAME targets ({self.channels} channels): exp0-exp{self.expression - 1}, jaw_pose xyz (axis-angle rad)"
        return text + (", global_pose xyz (axis-angle rad)" if self.global_pose else "")

    def targets(self, sequence: FlameSequence) -> np.ndarray:
        """``(T, channels)`` float32 from one sequence (at its own frame rate)."""
        if sequence.expression.shape[1] < self.expression:
            raise InputError(f"the clip has {sequence.expression.shape[1]} expression coefficients, the config asks "
                             f"for {self.expression}", path=sequence.path, hint="lower data.flame.expression")
        parts = [sequence.expression[:, : self.expression], sequence.jaw_pose]
        if self.global_pose:
            parts.append(sequence.global_pose)
        return np.concatenate(parts, axis=1).astype(np.float32)


def level_intensity(level: int | None, path: Path) -> float:
    """MEAD ``level_N`` -> emotion intensity (1 when the layout carries no level)."""
    if level is None:
        return 1.0
    if level not in LEVEL_INTENSITY:
        raise InputError(f"MEAD intensity level {level} is not 1, 2 or 3", path=path,
                         hint="rename the folder level_1, level_2 or level_3")
    return LEVEL_INTENSITY[level]


def emotion_label(sequence: FlameSequence) -> tuple[str, float]:
    """(emotion, intensity) of a clip: MEAD's folders, e.g. ``happy/level_2`` -> ("happy", 2/3); clips outside
    MEAD's layout carry no label and count as neutral."""
    if sequence.emotion is None:
        return NEUTRAL, 1.0
    return sequence.emotion, level_intensity(sequence.intensity, sequence.path)


def find_audio(sequence_path: Path, root: Path, audio_root: Path | None = None) -> Path:
    """The speech of the clip whose ``shape_pose_cam.*`` is ``sequence_path`` (its folder: ``<root>/<rel>``).

    Looked for, first found wins, each with any of `AUDIO_SUFFIXES`:
      1. ``<root>/<rel>/audio.wav``   inside the clip folder;
      2. ``<root>/<rel>.wav``         beside it (``level_1/001.wav`` next to ``level_1/001/``);
      3. ``<audio_root>/<rel>.wav``   a mirror of the reconstruction tree;
      4. ``<audio_root>/<subject>/audio/<emotion>/level_N/<sentence>.m4a``: MEAD as distributed (each subject's
         ``audio.tar`` unpacked in its folder), where ``<rel>`` = ``<subject>/<view>/<emotion>/level_N/<sentence>``.
    """
    clip = sequence_path.parent
    rel = clip.relative_to(root)
    stems = [clip / AUDIO_STEM, clip]
    if audio_root is not None:
        stems.append(audio_root / rel)
        if len(rel.parts) >= 5:  # root may sit above the subjects (e.g. EMICA-MEAD_flame2020/reconstruction/...)
            subject, _view, emotion, level, sentence = rel.parts[-5:]
            stems.append(audio_root / subject / "audio" / emotion / level / sentence)
    for stem in stems:
        for suffix in AUDIO_SUFFIXES:
            candidate = stem.parent / (stem.name + suffix)
            if candidate.is_file():
                return candidate
    tried = ", ".join(str(s) + ".wav" for s in stems)
    raise InputError(f"no speech file for this clip (looked for {tried})", path=sequence_path,
                     hint="put audio.wav in the clip folder, or set data.flame.audio_root to the MEAD folder")


def flame_utterance(sequence: FlameSequence, samples: np.ndarray, layout: FlameTargetLayout, fps: float,
                    name: str) -> Utterance:
    """One clip -> an `Utterance` with one variant: targets ``(1, T, C)`` resampled (linear) from the sequence's
    fps to ``fps``, emotion weights ``(1, T, 8)``; ``T`` covers the speech (``samples`` ``(N,)`` at 16 kHz)."""
    from emoanim.motion.resample import resample

    seconds = len(samples) / SAMPLE_RATE
    motion_seconds = sequence.frames / sequence.fps
    if abs(seconds - motion_seconds) > MAX_LENGTH_GAP_SECONDS:
        raise InputError(f"the motion lasts {motion_seconds:.2f} s at {sequence.fps:g} fps but its speech "
                         f"{seconds:.2f} s", path=sequence.path,
                         hint="check data.flame.fps and that the audio belongs to this clip")
    frames = frame_count(seconds, fps)
    targets = resample(layout.targets(sequence), sequence.fps, fps, frames).astype(np.float32)
    emotion, intensity = emotion_label(sequence)
    spec = NEUTRAL if emotion == NEUTRAL else f"{emotion}:{intensity:.3g}"
    weights = EmotionTrack.constant(emotion, intensity).at(np.arange(frames) / fps).astype(np.float32)
    return Utterance(name, "flame", samples.astype(np.float32), fps, weights[None], targets[None], [spec], None)


def clip_name(sequence_path: Path, root: Path) -> str:
    """``flame-M003-front-happy-level_2-001``: unique per clip, safe as a file name."""
    rel = sequence_path.parent.relative_to(root).parts or (sequence_path.stem,)
    return "flame-" + "-".join(re.sub(r"[^A-Za-z0-9_.]+", "_", part) for part in rel)


def flame_utterances(paths: Sequence[Path], root: Path, audio_root: Path | None, layout: FlameTargetLayout,
                     sequence_fps: float, fps: float) -> Iterator[Utterance]:
    """Each clip in ``paths`` (under ``root``) with its speech, one at a time."""
    from emoanim.audio import load_audio

    for path in paths:
        sequence = read_flame_sequence(path, fps=sequence_fps)
        audio = load_audio(find_audio(path, root, audio_root))
        yield flame_utterance(sequence, audio.samples, layout, fps, clip_name(path, root))


def subject_of(utterance: Utterance) -> str:
    """The subject folder from a `clip_name`: MEAD's ``<subject>/<view>/<emotion>/level_N/<sentence>``, counted from
    the end (root may sit higher up); the first folder for shallower layouts."""
    parts = utterance.name.removeprefix("flame-").split("-")
    return parts[-5] if len(parts) >= 5 else parts[0]


def flame_split(data: Mapping[str, Any], fps: float, cached: Cached
                ) -> tuple[list[Utterance], list[Utterance], dict[str, str]]:
    """The ``data.flame`` source for `emoanim.train.dataset.build_corpus`: (train, val, licence entry).

    ``cached(kind, recipe, build)`` reads the utterances from the corpus cache or builds them there."""
    flame = data.get("flame") or {}
    if data.get("target") != "flame":
        raise InputError(f"data.flame.root is set but data.target is {data.get('target')!r}",
                         hint="set data.target=flame to train on FLAME sequences")
    if not flame.get("root"):
        raise InputError("data.target is flame but no data.flame.root is set",
                         hint="data.flame.root=PATH/EMICA-MEAD_flame2020 (EMOTE's MEAD reconstructions)")
    root = Path(flame["root"]).expanduser()
    audio_root = Path(flame["audio_root"]).expanduser() if flame.get("audio_root") else None
    if audio_root is not None and not audio_root.is_dir():
        raise InputError("data.flame.audio_root is not a folder", path=audio_root,
                         hint="name the MEAD folder holding <subject>/audio/, or a mirror of data.flame.root")
    layout = FlameTargetLayout(int(flame.get("expression", 50)), bool(flame.get("global_pose", False)))
    sequence_fps = float(flame.get("fps", MEAD_FPS))
    paths = find_flame_sequences(root)
    recipe = {"root": str(root), "audio_root": str(audio_root), "clips": [str(p.relative_to(root)) for p in paths],
              "layout": layout.names, "sequence_fps": sequence_fps, "fps": fps}
    items = cached("flame", recipe, lambda: flame_utterances(paths, root, audio_root, layout, sequence_fps, fps))
    held = set(flame.get("val_subjects") or [])
    subjects = {subject_of(u) for u in items}
    if held - subjects:
        raise InputError(f"data.flame.val_subjects names {sorted(held - subjects)}, not among the clips' subjects "
                         f"({', '.join(sorted(subjects)[:8])}{', ...' if len(subjects) > 8 else ''})", path=root,
                         hint="hold out subjects that the folder holds")
    train = [u for u in items if subject_of(u) not in held]
    val = [u for u in items if subject_of(u) in held]
    licence = {"source": f"FLAME sequences with speech ({len(items)} clips from {root.name})",
               "licence": str(flame.get("licence") or UNRECORDED_LICENCE),
               "notes": layout.describe() + (f"; subjects {', '.join(sorted(held))} held out" if held else "")}
    return train, val, licence
