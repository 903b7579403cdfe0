"""The plan of a paired-comparison (A/B) study: systems, clips, pairs, attention checks and each rater's trial order.

Pure planning, no rendering: `design_study` turns speech names and system specs into a `Study`, which is saved as
``manifest.json`` in the study folder (`save_manifest` / `load_study`).

Counterbalancing. Every unordered pair of systems on each speech clip is one comparison. Rater slot ``r`` sees
comparison ``q`` with system A on the left when ``(r + q)`` is even and on the right otherwise: a 2 x 2 Latin square
over (slot parity, comparison parity). With an even number of slots every comparison is shown in both orders equally
often, and each slot shows half its comparisons each way, so a left/right bias cancels (ITU-T P.910 §6 and
ITU-R BS.1534 both ask for presentation order to be balanced). The sequence of trials is shuffled per slot with a
seed derived from the study seed, so order effects (fatigue, anchoring on the first trials) average out too.

Attention checks, mixed in among the real trials:
- ``identical``: the same clip on both sides; an attentive rater names the same emotion for both.
- ``offset``: a clip against a copy whose speech lags by `SYNC_CHECK_OFFSET_S`; the in-sync clip must win on sync.
  A 1 s lag is ~8x the ~125 ms at which audio-lagging-video asynchrony becomes detectable (ITU-R BT.1359), so any
  rater who watches and listens should get it right.
"""
from __future__ import annotations

import json
import random
from dataclasses import asdict, dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from emoanim.errors import InputError

MANIFEST = "manifest.json"
CLIPS_DIR = "clips"
DATABASE = "study.sqlite"
FORMAT = "emoanim-study/1"
SYNC_CHECK_OFFSET_S = 1.0
CHOICES = ("left", "right")
QUESTIONS = {
    "natural": "Which face moves more naturally?",
    "sync": "In which clip do the lips match the speech better?",
    "emotion": "Which emotion does each face show?",
}
KINDS = ("compare", "identical", "offset")
# Keys a system spec may set: the pipeline Options fields other than animator and emotion (given up front), and
# not the transcript, which belongs to a speech clip rather than a system.
SETTING_TYPES = {"rig": str, "recognizer": str, "fps": float, "seed": int, "transition": float, "blinks": bool,
                 "gaze": bool, "head_motion": str, "audio_only": bool, "lip_seal": bool, "label": str}
SYSTEM_HINT = ("write a system as 'ANIMATOR:EMOTION' with optional space-separated key=value settings, "
               "e.g. 'phonetic:happy:0.8 head_motion=subtle'")


@dataclass(frozen=True)
class System:
    """One condition under test: an animator, an emotion spec and optional pipeline settings."""

    spec: str  # as the user wrote it; also the system's id in the manifest and the report
    animator: str
    emotion: str
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return str(self.settings.get("label", self.spec))

    def intended_emotion(self) -> str | None:
        """The one emotion class the system means to show, or None for a timeline of several."""
        from emoanim.emotion import EmotionTrack

        names = {key.emotion for key in EmotionTrack.parse(self.emotion).keys}
        return names.pop() if len(names) == 1 else None

    def options(self):
        """The `emoanim.pipeline.Options` that render this system."""
        from emoanim.pipeline import Options

        settings = {k: v for k, v in self.settings.items() if k != "label"}
        return Options(animator=self.animator, emotion=self.emotion, **settings)


def parse_system(spec: str) -> System:
    """``"phonetic:happy:0.8 head_motion=subtle seed=3"`` -> `System` (InputError on a malformed spec)."""
    words = spec.split()
    if not words or ":" not in words[0]:
        raise InputError(f"system {spec!r} has no ANIMATOR:EMOTION part", hint=SYSTEM_HINT)
    animator, emotion = words[0].split(":", 1)
    settings: dict[str, Any] = {}
    for word in words[1:]:
        key, sep, raw = word.partition("=")
        if not sep or key not in SETTING_TYPES:
            raise InputError(f"system {spec!r}: cannot use setting {word!r}",
                             hint="settings are key=value with key one of " + ", ".join(SETTING_TYPES))
        settings[key] = _setting_value(spec, key, raw)
    system = System(spec=" ".join(words), animator=animator, emotion=emotion, settings=settings)
    system.options().check()  # unknown animator, rig or emotion fails now, not after an hour of rendering
    return system


def _setting_value(spec: str, key: str, raw: str) -> Any:
    kind = SETTING_TYPES[key]
    if kind is bool:
        if raw.lower() not in ("true", "false", "yes", "no", "1", "0"):
            raise InputError(f"system {spec!r}: {key} must be true or false, got {raw!r}", hint=SYSTEM_HINT)
        return raw.lower() in ("true", "yes", "1")
    try:
        return kind(raw)
    except ValueError:
        raise InputError(f"system {spec!r}: {key} must be a {kind.__name__}, got {raw!r}", hint=SYSTEM_HINT) from None


@dataclass(frozen=True)
class Speech:
    id: str  # "s1", "s2", ...
    name: str  # the source file's name, for the report
    source: str  # the path it was rendered from


@dataclass(frozen=True)
class Clip:
    """One video file in ``clips/``; names are opaque so raters cannot read the condition from the URL."""

    id: str
    file: str  # relative to the study folder
    speech: str
    system: str  # System.spec
    kind: str = "system"  # "system", or "offset": a sync-check copy of clip ``of`` with the speech delayed
    of: str | None = None


@dataclass(frozen=True)
class Pair:
    """An unordered comparison: system ``a`` against system ``b`` on one speech clip."""

    id: str
    speech: str
    a: str
    b: str


@dataclass(frozen=True)
class Trial:
    id: str  # unique within the study
    kind: str  # one of KINDS
    left: str  # clip id
    right: str
    pair: str | None = None  # for "compare"
    in_sync: str | None = None  # for "offset": the side ("left"/"right") holding the original clip


@dataclass(frozen=True)
class RaterPlan:
    slot: int
    trials: tuple[Trial, ...]


@dataclass(frozen=True)
class Study:
    seed: int
    systems: tuple[System, ...]
    speech: tuple[Speech, ...]
    clips: tuple[Clip, ...]
    pairs: tuple[Pair, ...]
    plans: tuple[RaterPlan, ...]
    offset_seconds: float = SYNC_CHECK_OFFSET_S
    format: str = FORMAT

    def clip(self, clip_id: str) -> Clip:
        return self._clips[clip_id]

    def system(self, spec: str) -> System:
        return self._systems[spec]

    def trial(self, trial_id: str) -> Trial:
        return self._trials[trial_id]

    # Look-up tables built once per Study (cached_property stores them beside the frozen fields, not as fields).
    @cached_property
    def _clips(self) -> dict[str, Clip]:
        return {c.id: c for c in self.clips}

    @cached_property
    def _systems(self) -> dict[str, System]:
        return {s.spec: s for s in self.systems}

    @cached_property
    def _trials(self) -> dict[str, Trial]:
        return {t.id: t for plan in self.plans for t in plan.trials}


def design_study(speech: list[Speech], systems: list[System], *, raters: int, seed: int,
                 checks: int = 1) -> Study:
    """Plan the study: system clips, sync-check clips, counterbalanced pairs and a shuffled order per rater slot.

    ``raters``: the number of rater slots (even, so each pair order is shown equally often); more raters than
    slots reuse slots in turn. ``checks``: attention checks of each kind per rater.
    """
    if raters < 2 or raters % 2:
        raise InputError(f"--raters must be an even number >= 2, got {raters}",
                         hint="each pair is shown in both orders, so order counts balance only over rater pairs")
    if len(systems) < 2:
        raise InputError("a study needs at least two systems to compare", hint=SYSTEM_HINT)
    if len({s.spec for s in systems}) != len(systems):
        raise InputError("the same system is listed twice", hint="give each system once")
    if not speech:
        raise InputError("a study needs at least one speech file", hint="pass --speech a.wav [b.wav ...]")
    if checks < 0:
        raise InputError(f"--checks must be >= 0, got {checks}")

    clips: list[Clip] = []
    by_condition: dict[tuple[str, str], str] = {}
    for item in speech:
        for system in systems:
            clip_id = f"c{len(clips) + 1:03d}"
            clips.append(Clip(clip_id, f"{CLIPS_DIR}/{clip_id}.mp4", item.id, system.spec))
            by_condition[(item.id, system.spec)] = clip_id
    # One sync-check copy per speech clip, of a different system each time, so no one system is the "obvious" one.
    checked: list[tuple[str, str]] = []
    for index, item in enumerate(speech):
        source = by_condition[(item.id, systems[index % len(systems)].spec)]
        clip_id = f"c{len(clips) + 1:03d}"
        clips.append(Clip(clip_id, f"{CLIPS_DIR}/{clip_id}.mp4", item.id, systems[index % len(systems)].spec,
                          kind="offset", of=source))
        checked.append((source, clip_id))

    pairs = [Pair(f"p{q + 1:03d}", item.id, a.spec, b.spec)
             for q, (item, a, b) in enumerate((item, systems[i], systems[j]) for item in speech
                                              for i in range(len(systems)) for j in range(i + 1, len(systems)))]
    system_clips = [c.id for c in clips if c.kind == "system"]
    plans = []
    for slot in range(raters):
        rng = random.Random(f"{seed}:{slot}")  # str seeds hash stably across runs and Python versions
        trials = []
        for q, pair in enumerate(pairs):
            first, second = by_condition[(pair.speech, pair.a)], by_condition[(pair.speech, pair.b)]
            left, right = (first, second) if (slot + q) % 2 == 0 else (second, first)
            trials.append(Trial("", "compare", left, right, pair=pair.id))
        for check in range(checks):
            same = rng.choice(system_clips)
            trials.append(Trial("", "identical", same, same))
            original, delayed = rng.choice(checked)
            if (slot + check) % 2 == 0:
                trials.append(Trial("", "offset", original, delayed, in_sync="left"))
            else:
                trials.append(Trial("", "offset", delayed, original, in_sync="right"))
        rng.shuffle(trials)
        numbered = tuple(Trial(f"r{slot + 1}t{n + 1:03d}", t.kind, t.left, t.right, t.pair, t.in_sync)
                         for n, t in enumerate(trials))
        plans.append(RaterPlan(slot, numbered))
    return Study(seed, tuple(systems), tuple(speech), tuple(clips), tuple(pairs), tuple(plans))


def save_manifest(study: Study, folder: Path) -> Path:
    path = Path(folder) / MANIFEST
    temp = path.with_suffix(".json.tmp")
    temp.write_text(json.dumps(asdict(study), indent=1) + "\n", encoding="utf-8")
    temp.replace(path)
    return path


def load_study(folder: str | Path) -> Study:
    """Read ``folder/manifest.json`` (InputError if it is missing or not a study manifest)."""
    path = Path(folder) / MANIFEST
    if not path.is_file():
        raise InputError("no study manifest here", path=path, hint="create one with `emoanim study create`")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != FORMAT:
            raise InputError(f"not an {FORMAT} manifest (format {data.get('format')!r})", path=path,
                             hint="re-create the study with this version of emoanim")
        return Study(
            seed=data["seed"],
            systems=tuple(System(**s) for s in data["systems"]),
            speech=tuple(Speech(**s) for s in data["speech"]),
            clips=tuple(Clip(**c) for c in data["clips"]),
            pairs=tuple(Pair(**p) for p in data["pairs"]),
            plans=tuple(RaterPlan(p["slot"], tuple(Trial(**t) for t in p["trials"])) for p in data["plans"]),
            offset_seconds=data["offset_seconds"],
            format=data["format"],
        )
    except (ValueError, KeyError, TypeError) as err:
        raise InputError(f"study manifest is damaged ({type(err).__name__}: {err})", path=path,
                         hint="re-create the study with `emoanim study create`") from None
