"""The main job as one library call: speech file -> rig curves (and the `Performance` behind them).

The CLI is a thin wrapper over these functions; a Python user calls the same ones.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from emoanim.animators import Animator, get_animator
from emoanim.animators.learned import LearnedAnimator
from emoanim.audio import Audio, load_audio, split_long
from emoanim.emotion import EmotionTrack
from emoanim.emotion.recognize import AUTO, SpeechEmotionModel, emotion_for
from emoanim.errors import InputError
from emoanim.motion import Performance
from emoanim.motion.performance import DEFAULT_FPS
from emoanim.motion.post import HEAD_MOTION_PRESETS
from emoanim.motion.post import apply as post_process
from emoanim.phonetics import DEFAULT_RECOGNIZER, PhoneTrack, align, check_recognizer
from emoanim.phonetics.types import SILENCE, Phone
from emoanim.rigs import Curves, get_rig

LONG_AUDIO_SECONDS = 600.0  # alignment runs chunk by chunk past this, so memory stays bounded


@dataclass
class Options:
    """Everything that shapes one render, apart from the speech itself."""

    emotion: str | EmotionTrack = "neutral"
    rig: str = "arkit"
    animator: str = "phonetic"
    transcript: str | None = None
    recognizer: str = DEFAULT_RECOGNIZER  # how phones are found without a transcript; see emoanim.phonetics
    fps: float = DEFAULT_FPS
    seed: int = 0
    transition: float = 0.3
    blinks: bool = True
    gaze: bool = True
    head_motion: str = "normal"
    checkpoint: Path | None = None  # a learned animator's checkpoint (default: checkpoints/<animator>.pt)
    speech_encoder: Path | None = None  # the user's copy of the wav2vec2/HuBERT folder a checkpoint was trained with
    # a learned animator hears the audio alone: no phone recognition (so no phone input and no lip seal), far
    # faster, but less exact on voices unlike its training speech (README: the animator table)
    audio_only: bool = False
    # a learned animator shuts the lips on every /p b m/ of the phones (emoanim.motion.lip_seal); False: the model's
    # own closures (the phonetic animator always seals)
    lip_seal: bool = True

    @property
    def emotion_is_auto(self) -> bool:
        """``--emotion auto``: recognise the emotion from the speech (experimental; checkpoints/speech_emotion.md)."""
        return isinstance(self.emotion, str) and self.emotion.strip().lower() == AUTO

    def emotion_track(self) -> EmotionTrack:
        """The given emotion as a track (not for ``auto``, which needs the audio: see `emotion_for`)."""
        if isinstance(self.emotion, EmotionTrack):
            return self.emotion
        return EmotionTrack.parse(self.emotion, transition=self.transition)

    def animator_options(self) -> dict[str, Path | bool]:
        """Constructor options for the animator: only those set, so the phonetic animator gets none."""
        options: dict[str, Path | bool] = {name: Path(value) for name, value in
                                           (("checkpoint", self.checkpoint), ("speech_encoder", self.speech_encoder))
                                           if value is not None}
        if not self.lip_seal:
            options["lip_seal"] = False
        return options

    def make_animator(self) -> Animator:
        """The animator, loaded once per (name, checkpoint file, speech folder) and reused: a comparison or a folder
        of files does not reload the weights for every clip."""
        checkpoint = self.animator_options().get("checkpoint")
        stamp = checkpoint.stat().st_mtime_ns if checkpoint is not None and checkpoint.is_file() else None
        return _cached_animator(self.animator.strip().lower(), tuple(sorted(self.animator_options().items())), stamp)

    def check(self) -> None:
        """Fail fast, before any audio is read, on options that can never work."""
        if not self.fps > 0 or self.fps > 1000:
            raise InputError(f"--fps must be between 0 and 1000, got {self.fps}", hint="use e.g. 24, 30 or 60")
        if self.emotion_is_auto:
            SpeechEmotionModel.load()
        else:
            self.emotion_track()
        check_recognizer(self.recognizer)
        if self.head_motion not in HEAD_MOTION_PRESETS:
            raise InputError(f"unknown head-motion preset {self.head_motion!r}",
                             hint=f"use one of: {', '.join(HEAD_MOTION_PRESETS)}")
        get_rig(self.rig)
        if not self.lip_seal and self.animator.strip().lower() == "phonetic":
            raise InputError("--no-lip-seal is for the learned animators; the phonetic animator always seals /p b m/",
                             hint="use --animator emote or emoface, or leave --no-lip-seal out")
        animator = self.make_animator()  # a learned animator loads its checkpoint here: a missing file fails first
        if self.audio_only and not isinstance(animator, LearnedAnimator):
            raise InputError(f"--audio-only is for the learned animators; {self.animator} animates from phones",
                             hint="use --animator emote or emoface, or leave --audio-only out")


@lru_cache(maxsize=2)
def _cached_animator(name: str, options: tuple[tuple[str, Path | bool], ...], stamp: int | None) -> Animator:
    # ``stamp`` (the checkpoint's mtime) is part of the key so a retrained checkpoint is picked up in the same process.
    return get_animator(name, **dict(options))


@dataclass
class Result:
    performance: Performance
    curves: Curves
    phones: PhoneTrack | None
    audio: Audio
    seconds: dict[str, float] = field(default_factory=dict)


def read_transcript(transcript: str | Path | None) -> str | None:
    """A transcript is text, or the path of a UTF-8 .txt file holding it."""
    if transcript is None:
        return None
    path = _transcript_path(transcript)
    text = str(transcript)
    if path is not None:
        if not path.is_file():
            raise InputError("transcript file not found", path=path, hint="give the text itself or an existing .txt")
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise InputError("transcript is not UTF-8 text", path=path, hint="save it as UTF-8") from None
    if not text.strip():
        raise InputError("transcript is empty", path=path, hint="give the words spoken, or leave --transcript out")
    return text


def _transcript_path(transcript: str | Path) -> Path | None:
    """The file a transcript argument names, or None when it is the text itself."""
    if isinstance(transcript, Path) or transcript.lower().endswith(".txt"):
        return Path(transcript)
    if "\n" in transcript or len(transcript) > 255:  # longer than any file name: surely words
        return None
    try:
        return Path(transcript) if Path(transcript).is_file() else None
    except OSError:
        return None


def align_long(audio: Audio, transcript: str | None, recognizer: str = DEFAULT_RECOGNIZER) -> PhoneTrack:
    """`align`, chunk by chunk for audio past `LONG_AUDIO_SECONDS`, phones shifted back onto one timeline."""
    if audio.duration <= LONG_AUDIO_SECONDS:
        return align(audio, transcript, recognizer=recognizer)
    warnings: list[str] = []
    if transcript is not None:
        # Splitting a transcript to match audio chunks needs a first alignment pass we don't have yet.
        warnings.append(f"transcripts are not used for audio over {LONG_AUDIO_SECONDS:.0f} s yet: phones were "
                        "recognised from the audio instead")
        transcript = None
    phones: list[Phone] = []
    methods = set()
    for offset, chunk in split_long(audio, LONG_AUDIO_SECONDS):
        track = align(chunk, transcript, recognizer=recognizer)
        methods.add(track.method)
        warnings.extend(track.warnings)
        phones.extend(Phone(p.label, p.start + offset, p.end + offset, p.word) for p in track.phones)
    if not phones:
        phones = [Phone(SILENCE, 0.0, audio.duration)]
    return PhoneTrack(phones, audio.duration, "+".join(sorted(methods)), warnings)


def animate_stages(animator: Animator, audio: Audio, emotion: EmotionTrack, *, transcript: str | None = None,
                   phones: PhoneTrack | None = None, recognizer: str = DEFAULT_RECOGNIZER, audio_only: bool = False,
                   fps: float = 30.0, seed: int = 0, post: dict[str, bool] | None = None
                   ) -> tuple[Performance, PhoneTrack | None, dict[str, float]]:
    """An animator instance's stages after the emotion is known: align (only when the animator reads phones, unless
    ``audio_only``, or a ``transcript`` is given), animate, post-process (``post``: blinks, gaze, head_motion
    switches). -> (Performance, phones or None, seconds per stage). `perform` runs them for a render; the benchmarks
    run them with one animator instance over many clips."""
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    uses_phones = animator.needs_phones and not audio_only
    if phones is None and (uses_phones or transcript):
        phones = align_long(audio, transcript, recognizer)
    seconds["align"] = time.perf_counter() - started

    started = time.perf_counter()
    performance = animator.animate(audio, emotion, phones=phones if uses_phones else None, fps=fps, seed=seed)
    seconds["animate"] = time.perf_counter() - started

    started = time.perf_counter()
    performance = post_process(performance, audio=audio, phones=phones, emotion=emotion, seed=seed, **(post or {}))
    seconds["post"] = time.perf_counter() - started
    return performance, phones, seconds


def perform(
    audio: Audio, options: Options, phones: PhoneTrack | None = None
) -> tuple[Performance, PhoneTrack | None, dict[str, float]]:
    """Audio -> `Performance` (animator, then blinks, gaze and head motion).

    Pass ``phones`` from an earlier call on the same audio to skip alignment (e.g. one clip, several emotions).
    Alignment runs only for an animator that needs phones (the phonetic one, and a learned checkpoint that reads
    phones unless ``options.audio_only``), or when a transcript is given: an audio-only learned animator reads
    the audio itself, and the blinks, gaze and head motion after it time their pauses from the audio's energy
    (`emoanim.motion.post.activity`), or from the aligned phones when a transcript makes them exact.
    """
    started = time.perf_counter()
    emotion = emotion_for(audio, options.emotion, options.transition)
    emotion_seconds = time.perf_counter() - started
    transcript = read_transcript(options.transcript)
    performance, phones, stage_seconds = animate_stages(
        options.make_animator(), audio, emotion, transcript=transcript, phones=phones, recognizer=options.recognizer,
        audio_only=options.audio_only, fps=options.fps, seed=options.seed,
        post={"blinks": options.blinks, "gaze": options.gaze, "head_motion": options.head_motion})
    seconds = {"emotion": emotion_seconds, **stage_seconds}
    performance.metadata.update(
        source=str(audio.source) if audio.source else None,
        emotion=emotion.to_dict(),
        emotion_source="recognised" if options.emotion_is_auto else "given",
        seed=options.seed,
        transcript=transcript is not None,
        post={"blinks": options.blinks, "gaze": options.gaze, "head_motion": options.head_motion},
    )
    if phones is not None and phones.warnings:
        performance.metadata.setdefault("warnings", [])
        for warning in phones.warnings:
            if warning not in performance.metadata["warnings"]:
                performance.metadata["warnings"].append(warning)
    return performance, phones, seconds


def run(speech: str | Path | Audio, options: Options) -> Result:
    """Speech (a path or `Audio`) -> `Result` with the performance, the rig curves and stage timings."""
    options.check()
    started = time.perf_counter()
    audio = speech if isinstance(speech, Audio) else load_audio(speech)
    load_seconds = time.perf_counter() - started
    performance, phones, seconds = perform(audio, options)
    started = time.perf_counter()
    curves = get_rig(options.rig).curves(performance)
    seconds = {"load": load_seconds, **seconds, "rig": time.perf_counter() - started}
    return Result(performance, curves, phones, audio, seconds)


def write_preview(result: Result, out_path: str | Path, *, size: int, view: str) -> Path:
    """The preview MP4 of a render: the default head driven through the chosen rig's mapping and back, so the video
    shows what the exported curves hold, with the speech muxed in."""
    from emoanim.render import render_performance_video
    from emoanim.rigs import through_rig

    shown = through_rig(result.performance, result.curves.rig)
    return render_performance_video(shown, out_path, audio=result.audio, size=size, view=view,
                                    head=_preview_head(result.curves.rig))


def _preview_head(rig: str):
    """The mesh a preview draws: the user's FLAME model for the flame rig, else the default head (None)."""
    if rig != "flame":
        return None
    from emoanim.rigs.flame import FlameHead

    return FlameHead(get_rig("flame"))


def write_flame_objs(curves: Curves, folder: Path) -> Path:
    """One OBJ per frame of flame-rig ``curves`` (vertices from the user's FLAME model) in ``folder``."""
    from emoanim.export.flame_npz import write_obj_sequence

    rig = get_rig("flame")
    write_obj_sequence(rig.vertices(rig.parameters_from_curves(curves)), rig.model.faces, folder)
    return folder


def write_comparison(result: Result, emotions: list[str], options: Options, out_path: str | Path, *,
                     size: int, view: str) -> Path:
    """Side-by-side MP4 of one clip under several emotion specs (the render's own emotion first), labelled."""
    from dataclasses import replace

    from emoanim.render import render_comparison
    from emoanim.rigs import through_rig

    specs = [result.performance.metadata["emotion"]["spec"]] + list(emotions)  # "auto": what was recognised
    performances = [result.performance]
    for spec in emotions:
        # Same phones, same seed: only the emotion differs between the panels.
        performance, _, _ = perform(result.audio, replace(options, emotion=spec), phones=result.phones)
        performances.append(performance)
    shown = [through_rig(perf, result.curves.rig) for perf in performances]
    return render_comparison(shown, specs, out_path, audio=result.audio, size=size, view=view,
                             head=_preview_head(result.curves.rig))


def animate(speech: str | Path | Audio, emotion: str | EmotionTrack = "neutral", rig: str = "arkit", **options) -> Curves:
    """Speech -> the rig's animation curves.

    >>> curves = animate("speech.wav", emotion="happy", rig="metahuman")
    >>> curves.names[:2], curves.fps, curves.values.shape   # (T, C)

    Other keywords are `Options` fields: transcript, recognizer, fps, animator, checkpoint, speech_encoder, seed,
    transition, blinks, gaze, head_motion. ``emotion="auto"`` recognises it from the speech (experimental).
    """
    return run(speech, Options(emotion=emotion, rig=rig, **options)).curves
