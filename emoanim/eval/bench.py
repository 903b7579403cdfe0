"""Speed and memory of every stage and every animator, against the phonetic animator in the same run.

Machines here are shared and noisy, so absolute seconds travel badly; ratios measured in one process, seconds
apart, travel better. Each stage is timed `repeats` times and the fastest run is kept (the least-disturbed one).
Peak memory is measured in a separate pass under ``tracemalloc`` (which slows Python down, so it never overlaps the
timing pass): the most memory the stage's Python and numpy allocations held at once, in MiB.

Rows:
- ``load``: decoding the speech file (when a path is given), no ratio;
- ``align`` / ``animate`` / ``post`` per animator: ratio = seconds / the phonetic animator's seconds for that stage;
- ``rig:<name>``, ``export:<format>``: on the phonetic performance; ratio = seconds / the phonetic pipeline's total
  (align + animate + post), i.e. what the step adds to a render;
- ``render``: the preview renderer (pyrender) on the first `render_seconds` of the phonetic performance: frames per
  second, and ratio as for rigs;
- ``align(<recognizer>)``: phones without the transcript; ratio = seconds / the forced-alignment ``align`` row. Left out, with the reason in ``notes``, when OpenGL is not available.
Real-time factor = audio seconds / stage seconds (higher is faster; 1 = as fast as the speech plays).
"""
from __future__ import annotations

import tempfile
import time
import tracemalloc
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from emoanim.audio.types import Audio
from emoanim.errors import EmoanimError

BASELINE = "phonetic"
PIPELINE_STAGES = ("align", "animate", "post")


@dataclass(frozen=True)
class StageTiming:
    stage: str
    animator: str
    seconds: float
    realtime_factor: float
    peak_mib: float
    ratio: float  # see the module docstring for what each row is divided by
    fps: float | None = None  # frames per second, for rendering


@dataclass
class BenchReport:
    audio_seconds: float
    frames: int
    rows: list[StageTiming] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def row(self, stage: str, animator: str = BASELINE) -> StageTiming:
        return next(r for r in self.rows if r.stage == stage and r.animator == animator)


def timed(job: Callable[[], object], repeats: int) -> tuple[float, object]:
    """Fastest of ``repeats`` runs of ``job`` in seconds, and its last result."""
    best, result = float("inf"), None
    for _ in range(max(1, repeats)):
        started = time.perf_counter()
        result = job()
        best = min(best, time.perf_counter() - started)
    return best, result


def peak_mib(job: Callable[[], object]) -> float:
    """The most memory ``job``'s allocations held at once (tracemalloc), MiB."""
    was_tracing = tracemalloc.is_tracing()
    if not was_tracing:
        tracemalloc.start()
    tracemalloc.reset_peak()
    base, _ = tracemalloc.get_traced_memory()
    try:
        job()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        if not was_tracing:
            tracemalloc.stop()
    return (peak - base) / 2**20


def _measure(job: Callable[[], object], repeats: int) -> tuple[float, float, object]:
    seconds, result = timed(job, repeats)
    return seconds, peak_mib(job), result


def bench(speech: str | Path | Audio, transcript: str | None = None, *, animators: list[str] | None = None,
          recognizers: tuple[str, ...] = (),
          rigs: tuple[str, ...] = ("arkit", "metahuman", "landmarks"), formats: tuple[str, ...] = ("csv", "json", "npz"),
          emotion: str = "happy", fps: float = 30.0, repeats: int = 3, render_seconds: float = 2.0,
          render_size: int = 256) -> BenchReport:
    """Time every stage for each animator (phonetic first: it is the baseline) on ``speech`` (a path or `Audio`).

    ``recognizers`` adds one ``align(<name>)`` row each: phones found without the transcript, that way.
    """
    from emoanim.animators import ANIMATORS, get_animator
    from emoanim.audio import load_audio
    from emoanim.emotion import EmotionTrack
    from emoanim.export import write
    from emoanim.motion.post import apply as post_process
    from emoanim.pipeline import align_long
    from emoanim.rigs import get_rig

    load_row = None
    if isinstance(speech, Audio):
        audio = speech
    else:
        seconds, peak, audio = _measure(lambda: load_audio(speech), repeats)
        load_row = (seconds, peak)
    names = [BASELINE] + [a for a in (animators or list(ANIMATORS)) if a != BASELINE]
    emotion_track = EmotionTrack.parse(emotion)
    duration = audio.duration
    report = BenchReport(audio_seconds=duration, frames=0)
    if load_row is not None:
        report.rows.append(StageTiming("load", "-", load_row[0], _rtf(duration, load_row[0]), load_row[1],
                                       float("nan")))
    baseline: dict[str, float] = {}
    baseline_performance = None

    for name in names:
        try:
            animator = get_animator(name)
        except EmoanimError as err:
            report.notes.append(f"{name}: not benchmarked: {err}")
            continue
        phones = None
        stage_jobs: dict[str, Callable[[], object]] = {}
        if animator.needs_phones or transcript:
            stage_jobs["align"] = lambda: align_long(audio, transcript)
        seconds, peak, phones = (_measure(stage_jobs["align"], repeats) if "align" in stage_jobs
                                 else (0.0, 0.0, None))
        results = {"align": (seconds, peak)}
        seconds, peak, performance = _measure(
            lambda: animator.animate(audio, emotion_track, phones=phones, fps=fps, seed=0), repeats)
        results["animate"] = (seconds, peak)
        seconds, peak, performance = _measure(
            lambda: post_process(performance, audio=audio, phones=phones, emotion=emotion_track, seed=0), repeats)
        results["post"] = (seconds, peak)
        for stage in PIPELINE_STAGES:
            seconds, peak = results[stage]
            if name == BASELINE:
                baseline[stage] = seconds
            ratio = seconds / baseline[stage] if baseline.get(stage) else float("nan")
            report.rows.append(StageTiming(stage, name, seconds, _rtf(duration, seconds), peak, ratio))
        if name == BASELINE:
            baseline_performance = performance
            report.frames = performance.frames

    for recognizer in recognizers:
        seconds, peak, _ = _measure(lambda: align_long(audio, None, recognizer), repeats)
        report.rows.append(StageTiming(f"align({recognizer})", BASELINE, seconds, _rtf(duration, seconds), peak,
                                       seconds / baseline["align"] if baseline.get("align") else float("nan")))

    pipeline_seconds = sum(baseline.get(s, 0.0) for s in PIPELINE_STAGES)
    perf = baseline_performance
    arkit_curves = None
    for rig_name in rigs:
        rig = get_rig(rig_name)
        seconds, peak, curves = _measure(lambda: rig.curves(perf), repeats)
        arkit_curves = curves if rig_name == "arkit" else arkit_curves
        report.rows.append(StageTiming(f"rig:{rig_name}", BASELINE, seconds, _rtf(duration, seconds), peak,
                                       seconds / pipeline_seconds))
    curves = arkit_curves or get_rig("arkit").curves(perf)
    with tempfile.TemporaryDirectory() as folder:
        for format_name in formats:
            target = Path(folder) / f"bench.{format_name}"
            seconds, peak, _ = _measure(lambda: write(curves, target, format_name), repeats)
            report.rows.append(StageTiming(f"export:{format_name}", BASELINE, seconds, _rtf(duration, seconds), peak,
                                           seconds / pipeline_seconds))
    if render_seconds > 0:
        _bench_render(report, perf, render_seconds, render_size, pipeline_seconds)
    return report


def _bench_render(report: BenchReport, perf, render_seconds: float, size: int, pipeline_seconds: float) -> None:
    """Preview frames per second on a slice of ``perf``; a missing OpenGL stack is a note, not a crash."""
    from emoanim.motion.performance import frame_count

    frames = min(perf.frames, frame_count(render_seconds, perf.fps))
    clip = perf.copy(expression=perf.expression[:frames], head=perf.head[:frames],
                     head_translation=perf.head_translation[:frames], gaze=perf.gaze[:frames])
    try:
        from emoanim.render import render_performance_frames

        def job() -> int:
            return sum(1 for _ in render_performance_frames(clip, size=size))

        job()  # warm-up: GL context, shader compilation and buffers are a one-off cost per process
        seconds, count = timed(job, 1)
    except (ImportError, OSError, RuntimeError) as err:
        report.notes.append(f"render: not benchmarked, the preview renderer could not start: {err}")
        return
    scale = perf.frames / count  # the whole clip would take this many times longer
    report.rows.append(StageTiming("render", BASELINE, seconds * scale, _rtf(report.audio_seconds, seconds * scale),
                                   float("nan"), seconds * scale / pipeline_seconds, fps=count / seconds))
    report.notes.append(f"render: {count} frames at {size}x{size} timed, scaled to the whole clip")


def _rtf(audio_seconds: float, seconds: float) -> float:
    return audio_seconds / seconds if seconds > 0 else float("inf")


def format_report(report: BenchReport) -> str:
    """The report as an aligned text table."""
    lines = [f"speech: {report.audio_seconds:.1f} s, {report.frames} frames; baseline animator: {BASELINE}",
             f"{'stage':<14} {'animator':<10} {'seconds':>8} {'x real time':>12} {'peak MiB':>9} {'ratio':>7} "
             f"{'fps':>7}"]
    for r in report.rows:
        fps = f"{r.fps:7.1f}" if r.fps is not None else f"{'':>7}"
        peak = f"{r.peak_mib:9.1f}" if r.peak_mib == r.peak_mib else f"{'-':>9}"
        lines.append(f"{r.stage:<14} {r.animator:<10} {r.seconds:8.3f} {r.realtime_factor:12.1f} {peak} "
                     f"{r.ratio:7.3f} {fps}")
    lines += [f"note: {n}" for n in report.notes]
    lines.append("ratio: pipeline stages / the phonetic animator's same stage; rig, export and render rows / the "
                 "phonetic pipeline's align+animate+post")
    return "\n".join(lines)
