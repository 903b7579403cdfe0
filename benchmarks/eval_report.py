"""The closing-note table of issue #6: an animator measured on real speech, real video and real animation.

    python benchmarks/eval_report.py [--prompts 24] [--data ../shared/data] [--skip video,curves,emotion]
                                     [--animator phonetic] [--checkpoint PATH]

- lipsync: Asterisk prompts (held-out ``test`` split of benchmarks/lipsync_asterisk.py, the first ``--prompts``),
  reference phones from forced alignment of each transcript, scored on the landmarks rig (emoanim.eval.
  landmark_lipsync), the animator given the words ("with") or only the audio ("without", default recogniser);
- video: the 6 GRID clips in ``<data>/grid``: mouth opening and width of the real face against the animation;
- curves: the FACEGOOD take ``1114_3_15`` (the one held out: nothing here was tuned on any FACEGOOD take, and the
  learned animators were not trained on it), its wav animated with phone recognition (Mandarin: no English word
  recogniser applies) or, for audio-only animators, from the audio alone, mapped to ARKit and compared;
- emotion: examples/speech.wav with its transcript under each emotion: EMFACS pass, intensity monotonicity, blinks
  and head motion.
Learned animators hear the audio ("audio only"); those that also read phones (``model.phone_input``) get the
phonetic animator's two rows, and a third with ``--audio-only``.
Prints Markdown. benchmarks/animator_table.py builds the issue-#7 table (every animator side by side) from the
same functions.
"""
from __future__ import annotations

import argparse
import math
import sys
import time
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))

FACEGOOD_TAKE = "1114_3_15"
EXAMPLE_SPEECH = REPO / "examples" / "speech.wav"
EXAMPLE_TRANSCRIPT = REPO / "examples" / "speech.txt"
INTENSITY_LEVELS = (0.25, 0.5, 0.75, 1.0)


def pct(value: float, n: int) -> str:
    return f"{value:.1%} ({round(value * n)}/{n})" if n else "-"


def num(value: float, digits: int = 2) -> str:
    return f"{value:.{digits}f}" if value is not None and math.isfinite(value) else "-"


# ---- the animator under test ---------------------------------------------------------------------------------------

@dataclass
class Subject:
    """One animator under test and how it is fed: ``animator`` is a registry name, ``options`` go to its
    constructor (learned ones: ``checkpoint=PATH``); ``words`` says whether it is given the transcript where a clip
    has one (only animators that read phones can take it); ``audio_only`` keeps a phone-reading learned animator to
    the audio, as ``emoanim render --audio-only`` does."""

    animator: str = "phonetic"
    options: dict = field(default_factory=dict)
    words: bool = True
    recognizer: str | None = None  # phones without a transcript; None: emoanim.phonetics.DEFAULT_RECOGNIZER
    audio_only: bool = False  # a phone-reading learned animator hears the audio alone (emoanim render --audio-only)

    @cached_property
    def instance(self):
        from emoanim.animators import get_animator

        return get_animator(self.animator, **self.options)

    @property
    def reads_phones(self) -> bool:
        return self.instance.needs_phones and not self.audio_only

    @property
    def uses_words(self) -> bool:
        return self.words and self.reads_phones

    @property
    def label(self) -> str:
        if self.audio_only and self.instance.needs_phones:
            return "--audio-only"
        if not self.instance.needs_phones:
            return "audio only"
        unsealed = ", no lip seal" if self.options.get("lip_seal") is False else ""
        if self.uses_words:
            return f"with transcript{unsealed}"
        from emoanim.phonetics import DEFAULT_RECOGNIZER

        return f"without ({self.recognizer or DEFAULT_RECOGNIZER} recogniser){unsealed}"

    def perform(self, audio, emotion: str = "neutral", transcript: str | None = None, phones=None, fps: float = 30.0,
                seed: int = 0, recognizer: str | None = None):
        """`emoanim.pipeline.animate_stages` with this animator instance: -> (Performance, phones or None, seconds).

        ``transcript`` is used only when `uses_words`. ``phones`` from an earlier call on the same audio skip
        alignment (the caller passes a transcript's alignment only when `uses_words`); an audio-only animator never
        gets any, so post-processing finds speech from the audio as the pipeline would. Without phones or words,
        phones come from ``recognizer`` (else the subject's) when the animator needs them.
        """
        from emoanim.emotion import EmotionTrack
        from emoanim.phonetics import DEFAULT_RECOGNIZER
        from emoanim.pipeline import animate_stages

        words = transcript if self.uses_words else None
        return animate_stages(self.instance, audio, EmotionTrack.parse(emotion), transcript=words,
                              phones=phones if (self.reads_phones or words is not None) else None,
                              recognizer=recognizer or self.recognizer or DEFAULT_RECOGNIZER,
                              audio_only=self.audio_only, fps=fps, seed=seed)


def subjects_for(animator: str, **options) -> list[Subject]:
    """The ways one animator is fed: with and without the transcript when it uses phones (to read them, or to seal
    the lips on their bilabials), else audio only; a learned animator that uses phones also with ``--audio-only``."""
    from emoanim.animators.learned import LearnedAnimator

    first = Subject(animator, dict(options), words=True)
    if not first.instance.needs_phones:
        return [first]
    feeds = [first, Subject(animator, dict(options), words=False)]
    if isinstance(first.instance, LearnedAnimator):
        feeds.append(Subject(animator, dict(options), words=False, audio_only=True))
    return feeds


# ---- lipsync: held-out Asterisk prompts ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Prompt:
    name: str
    words: str
    audio: object  # emoanim Audio
    reference: object  # PhoneTrack from forced alignment of ``words``


@dataclass(frozen=True)
class LipsyncResult:
    """ARKit-curve rates (emoanim.eval.lipsync, as lipsync_asterisk.py) and landmark scores pooled over clips."""

    prompts: int
    seconds_audio: float
    closure: tuple[float, int]  # /p b m/ with a closed frame (ARKit lip aperture)
    opened: tuple[float, int]  # open vowels whose jaw opens
    false_closure: tuple[float, int]  # other speech phones closed throughout
    landmarks: object  # LandmarkLipSync (emoanim.eval.lipsync_run.pool)
    seconds: float


def asterisk_prompts(count: int, start: int = 0) -> list[Prompt]:
    """The held-out test split (odd indices of the sorted prompts), ``count`` of them from ``start``, decoded and
    force-aligned; prompts shorter than 0.1 s or whose transcript does not align are left out (no trustworthy
    reference), as lipsync_asterisk.py does."""
    from emoanim.train.asterisk import aligned_prompts, prompts

    chosen = prompts()[1::2][start:start + count]
    return [Prompt(name, words, audio, reference) for name, words, audio, reference in aligned_prompts(chosen)
            if reference is not None]


def flite_prompts(voice: str, count: int, start: int = 0) -> list[Prompt]:
    """The same test-split transcripts as `asterisk_prompts`, spoken by a Flite voice (emoanim.train.flite) instead
    of the Asterisk actor: another speaker under a permissive licence, with exact transcripts."""
    from emoanim.train.asterisk import prompts
    from emoanim.train.flite import aligned_speech

    texts = [text for _, text in prompts()[1::2][start:start + count]]
    return [Prompt(name, words, audio, reference) for name, words, audio, reference in aligned_speech(texts, [voice])
            if reference is not None]


def labelled_prompts(labels: Path) -> tuple[list[Prompt], int]:
    """Speech files listed in a tab-separated file with ``path`` (relative to it) and ``transcript`` columns (e.g.
    ``<data>/ravdess-actor01/labels.tsv``: another speaker than the Asterisk voice), decoded and force-aligned as
    the Asterisk prompts are; files whose transcript does not align are left out. Returns the prompts and how many
    files were listed, so a caller can say how many were left out."""
    import csv

    from emoanim.audio import load_audio
    from emoanim.phonetics import align

    with open(labels, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    missing = {"path", "transcript"} - set(rows[0] if rows else {})
    if missing:
        raise ValueError(f"{labels}: no {', '.join(sorted(missing))} column; give a tab-separated file with "
                         "path and transcript columns")
    prompts = []
    for row in rows:
        audio = load_audio(labels.parent / row["path"])
        reference = align(audio, row["transcript"])
        if reference.method == "forced":
            prompts.append(Prompt(row["path"], row["transcript"], audio, reference))
    return prompts, len(rows)


def lipsync_result(subject: Subject, prompts: list[Prompt]) -> LipsyncResult:
    from emoanim.eval.landmark_lipsync import performance_mouth, score_landmark_lipsync
    from emoanim.eval.lipsync import bilabial_closure_rate, false_closure_rate, open_vowel_rate
    from emoanim.eval.lipsync_run import ScoredClip, pool

    if not prompts:
        raise ValueError("lipsync_result: no prompts")
    started = time.perf_counter()
    clips, totals = [], {"closure": [0, 0], "opened": [0, 0], "false": [0, 0]}
    for p in prompts:
        known = p.reference if subject.uses_words else None  # the reference is the transcript's alignment
        perf, _, _ = subject.perform(p.audio, transcript=p.words, phones=known)
        for key, rate in (("closure", bilabial_closure_rate), ("opened", open_vowel_rate),
                          ("false", false_closure_rate)):
            value, n = rate(perf.expression, perf.fps, p.reference)
            totals[key][0] += round(value * n)
            totals[key][1] += n
        scores = score_landmark_lipsync(performance_mouth(perf), p.reference, p.audio)
        clips.append(ScoredClip(p.name, p.audio.duration, p.reference.method, scores))

    def rate(key: str) -> tuple[float, int]:
        hits, n = totals[key]
        return (hits / n if n else 0.0), n

    return LipsyncResult(len(prompts), sum(p.audio.duration for p in prompts), rate("closure"), rate("opened"),
                         rate("false"), pool(clips), time.perf_counter() - started)


def lipsync_rows(count: int, animator: str = "phonetic", **options) -> list[str]:
    prompts = asterisk_prompts(count)
    rows = []
    for subject in subjects_for(animator, **options):
        r = lipsync_result(subject, prompts)
        s = r.landmarks
        rows.append(f"| lipsync: {r.prompts} Asterisk prompts ({r.seconds_audio / 60:.1f} min), {subject.label} | "
                    f"p b m closed {pct(s.bilabial_closure, s.bilabials)}; f v contact "
                    f"{pct(s.labiodental_contact, s.labiodentals)}; false closures in open vowels "
                    f"{pct(s.false_closure, s.open_vowels)}; jaw contrast {num(s.jaw_contrast, 3)} IOD; AV offset "
                    f"{_offset(s)} | {r.seconds:.0f} s |")
    return rows


def _offset(s) -> str:
    if s.av_offset_frames is None:
        return "-"
    return f"{s.av_offset_frames:+d} frames ({s.av_offset_ms:+.0f} ms, median r {num(s.av_r)})"


# ---- video: GRID ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class GridClip:
    path: Path
    words: str
    audio: object
    real: object  # MouthTrack of the face in the video
    missed: int


def grid_clips(data: Path) -> list[GridClip]:
    """Every GRID clip with its transcript, audio and the real face's mouth (measured once, shared by all rows)."""
    from emoanim.audio import load_audio
    from emoanim.eval.lipsync_run import read_transcripts, transcript_for
    from emoanim.eval.video_sync import video_mouth

    folder = data / "grid"
    table = read_transcripts(folder / "transcripts.tsv")
    clips = []
    for path in sorted(folder.glob("*.mpg")):
        real, missed = video_mouth(path)
        clips.append(GridClip(path, transcript_for(path, table), load_audio(path), real, missed))
    return clips


def video_result(subject: Subject, clips: list[GridClip]) -> list:
    """One `VideoSync` per clip: the animation made at the video's frame rate."""
    from emoanim.eval.landmark_lipsync import performance_mouth
    from emoanim.eval.video_sync import compare_mouths

    results = []
    for c in clips:
        perf, _, _ = subject.perform(c.audio, transcript=c.words, fps=c.real.fps)
        results.append(compare_mouths(c.real, performance_mouth(perf), c.path.name, c.missed))
    return results


def video_rows(data: Path, animator: str = "phonetic", **options) -> list[str]:
    from emoanim.eval.video_sync import mean_match

    started = time.perf_counter()
    clips = grid_clips(data)
    rows = []
    for subject in subjects_for(animator, **options):
        results = video_result(subject, clips)
        o, w = mean_match([r.opening for r in results]), mean_match([r.width for r in results])
        label = "without" if subject.label.startswith("without") else subject.label
        rows.append(f"| video: {len(clips)} GRID clips, {label} | mouth opening r {num(o.r)}, best lag "
                    f"{o.lag_frames:+d} frames ({o.lag_ms:+.0f} ms, r {num(o.lag_r)}), RMSE {num(o.rmse)}; width r "
                    f"{num(w.r)}, RMSE {num(w.rmse)}; per clip opening r "
                    f"{', '.join(num(r.opening.r) for r in results)} | {time.perf_counter() - started:.0f} s |")
        started = time.perf_counter()
    return rows


# ---- curves: the held-out FACEGOOD take ----------------------------------------------------------------------------

def curves_result(subject: Subject, data: Path):
    """`CurvesComparison` of the animation of take `FACEGOOD_TAKE`'s wav against its keyed curves. Phone-driven
    animators get phones from the ``phones`` recogniser (the speech is Mandarin; no transcript)."""
    from emoanim.audio import load_audio
    from emoanim.eval.curves_compare import compare_curves, read_facegood
    from emoanim.rigs import get_rig

    truth = read_facegood(data / "facegood" / "bs_value" / f"bs_value_{FACEGOOD_TAKE}.npy")
    audio = load_audio(data / "facegood" / "wav" / f"{FACEGOOD_TAKE}.wav")
    perf, _, _ = subject.perform(audio, recognizer="phones")
    return compare_curves(get_rig("arkit").curves(perf), truth)


def curves_rows(data: Path, animator: str = "phonetic", **options) -> list[str]:
    subject = Subject(animator, dict(options), words=False)  # no transcript exists
    started = time.perf_counter()
    c = curves_result(subject, data)
    groups = "; ".join(f"{g.group} r {num(g.r)} ({g.correlated}/{g.channels} moving) RMSE {num(g.rmse, 3)}"
                       for g in c.groups)
    how = "phone recognition" if subject.instance.needs_phones else "audio only"
    return [f"| curves: FACEGOOD take {FACEGOOD_TAKE} ({c.frames / c.fps:.0f} s, Mandarin, {how}) | "
            f"{groups}; default head: LVE {num(c.lve_mm)} mm ({num(c.lve_mm2)} mm²), MVE {num(c.mve_mm)} mm, "
            f"FDD {num(c.fdd_mm2, 3)} mm² | {time.perf_counter() - started:.0f} s |"]


# ---- emotion: EMFACS, intensity, blinks, head ----------------------------------------------------------------------

@dataclass(frozen=True)
class EmotionResult:
    seconds_audio: float
    passed: tuple[str, ...]  # emotions whose EMFACS prototype is shown (and nothing else)
    monotone: tuple[str, ...]  # emotions whose prototype strength rises with intensity
    tested: int
    blinks: object  # BlinkStats of the neutral performance
    head: object  # HeadMotionStats of the neutral performance
    seconds: float


def emotion_result(subject: Subject, audio=None, transcript: str | None = None) -> EmotionResult:
    """Every non-neutral emotion on one clip (default examples/speech.wav and its transcript), the same phones and
    seed as the neutral take so only the emotion differs."""
    from emoanim.audio import load_audio
    from emoanim.emotion import EMOTIONS
    from emoanim.eval.emotion_metrics import (blink_stats, emfacs_score, head_motion_stats, intensity_monotonicity,
                                              prototype_strength)

    started = time.perf_counter()
    if audio is None:
        audio = load_audio(EXAMPLE_SPEECH)
        transcript = EXAMPLE_TRANSCRIPT.read_text()
    neutral, phones, _ = subject.perform(audio, transcript=transcript)

    def shown(spec: str) -> np.ndarray:
        return subject.perform(audio, spec, transcript=transcript, phones=phones)[0].expression

    passed, monotone = [], []
    for emotion in EMOTIONS[1:]:
        if emfacs_score(shown(emotion), neutral.expression, emotion).passed:
            passed.append(emotion)
        strengths = [prototype_strength(shown(f"{emotion}:{k}"), neutral.expression, emotion)
                     for k in INTENSITY_LEVELS]
        if intensity_monotonicity(INTENSITY_LEVELS, strengths).monotone:
            monotone.append(emotion)
    return EmotionResult(audio.duration, tuple(passed), tuple(monotone), len(EMOTIONS) - 1,
                         blink_stats(neutral.expression, neutral.fps), head_motion_stats(neutral.head, neutral.fps),
                         time.perf_counter() - started)


def emotion_rows(animator: str = "phonetic", **options) -> list[str]:
    r = emotion_result(subjects_for(animator, **options)[0])
    b, h = r.blinks, r.head
    return [f"| emotion: examples/speech.wav ({r.seconds_audio:.0f} s), {r.tested} emotions | EMFACS prototype passed "
            f"{len(r.passed)}/{r.tested}; intensity monotone {len(r.monotone)}/{r.tested}; blinks "
            f"{b.per_minute:.1f}/min, mean {b.mean_duration_s * 1000:.0f} ms "
            f"(human: {b.rate_human and b.duration_human}); "
            f"head std pitch/yaw/roll {'/'.join(num(v, 1) for v in h.std_deg)} deg, spectral slope "
            f"{num(h.spectral_slope, 1)}, power above 2 Hz {h.jitter_share:.1%} | {r.seconds:.0f} s |"]


# ---- speed ---------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SpeedResult:
    seconds_audio: float
    seconds: dict  # stage -> fastest seconds: align, animate, post, rig (ARKit curves)

    @property
    def animate_rtf(self) -> float:
        return self.seconds_audio / self.seconds["animate"]

    @property
    def pipeline_rtf(self) -> float:
        return self.seconds_audio / sum(self.seconds.values())


def speed_result(subject: Subject, audio=None, transcript: str | None = None, repeats: int = 3) -> SpeedResult:
    """Fastest of ``repeats`` runs of each stage (emoanim.eval.bench.timed: the least-disturbed run on a shared
    machine): alignment when the animator reads phones (of the transcript, or recognition without one), animate,
    post-processing, ARKit curves. The caller sets torch's thread count."""
    from emoanim.audio import load_audio
    from emoanim.emotion import EmotionTrack
    from emoanim.eval.bench import timed
    from emoanim.motion.post import apply as post_process
    from emoanim.phonetics import DEFAULT_RECOGNIZER
    from emoanim.pipeline import align_long
    from emoanim.rigs import get_rig

    if audio is None:
        audio = load_audio(EXAMPLE_SPEECH)
        transcript = EXAMPLE_TRANSCRIPT.read_text()
    animator, track = subject.instance, EmotionTrack.parse("happy")
    words = transcript if subject.uses_words else None
    seconds, phones = {"align": 0.0}, None
    if subject.reads_phones:
        seconds["align"], phones = timed(
            lambda: align_long(audio, words, subject.recognizer or DEFAULT_RECOGNIZER), repeats)
    seconds["animate"], perf = timed(lambda: animator.animate(audio, track, phones=phones, fps=30.0, seed=0),
                                     repeats)
    seconds["post"], perf = timed(lambda: post_process(perf, audio=audio, phones=phones, emotion=track, seed=0),
                                  repeats)
    seconds["rig"], _ = timed(lambda: get_rig("arkit").curves(perf), repeats)
    return SpeedResult(audio.duration, seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--prompts", type=int, default=24, help="Asterisk prompts from the test split (default 24)")
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data", help="shared data folder")
    parser.add_argument("--skip", default="", help="comma-separated parts to leave out: lipsync,video,curves,emotion")
    parser.add_argument("--animator", default="phonetic", help="registry name: phonetic, emote, emoface")
    parser.add_argument("--checkpoint", type=Path, help="a learned animator's checkpoint (default checkpoints/NAME.pt)")
    args = parser.parse_args()
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    options = {"checkpoint": args.checkpoint} if args.checkpoint else {}

    print(f"| data | {args.animator} animator | time |")
    print("|---|---|---|")
    parts = {
        "lipsync": lambda: lipsync_rows(args.prompts, args.animator, **options),
        "video": lambda: video_rows(args.data, args.animator, **options),
        "curves": lambda: curves_rows(args.data, args.animator, **options),
        "emotion": lambda: emotion_rows(args.animator, **options),
    }
    for name, make in parts.items():
        if name in skip:
            continue
        if name in ("video", "curves") and not args.data.is_dir():
            print(f"| {name} | skipped: {args.data} is absent | |")
            continue
        for row in make():
            print(row, flush=True)


if __name__ == "__main__":
    main()
