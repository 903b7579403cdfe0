"""What the post-processing chain (smoothing, head motion, gaze, blinks) costs, next to the rest of the pipeline.

    python benchmarks/post_overhead.py [--seconds 60] [--fps 30] [--repeats 5]

The speech is examples/speech.wav (real voice) repeated to ``--seconds``. `emoanim.motion.post.apply` is timed on
its own (best of ``--repeats``), split into its steps, then the whole pipeline is run once on the same audio and
each stage's share reported. Seconds per audio second: lower is faster.
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]


def best_of(repeats: int, job) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        job()
        times.append(time.perf_counter() - started)
    return min(times)


def speech(seconds: float):
    import soundfile as sf

    from emoanim.audio.types import Audio

    samples, rate = sf.read(str(REPO / "examples" / "speech.wav"), dtype="float32")
    copies = int(np.ceil(seconds * rate / len(samples)))
    return Audio(np.tile(samples, copies)[: int(seconds * rate)], sample_rate=rate, source=None)


def time_post(audio, fps: float, repeats: int) -> dict[str, float]:
    from emoanim.audio.prosody import prosody
    from emoanim.emotion.track import EmotionTrack
    from emoanim.motion.performance import Performance, frame_count
    from emoanim.motion.post import apply
    from emoanim.motion.post.activity import activity_from_audio
    from emoanim.motion.post.smoothing import smooth_performance

    frames = frame_count(audio.duration, fps)
    perf = Performance.still(frames, fps)
    perf.expression[:] = np.random.default_rng(0).uniform(0, 0.3, perf.expression.shape)  # an animator's jitter
    emotion = EmotionTrack.parse("neutral@0,happy:0.8@20,sad@40")
    apply(perf, audio=audio, emotion=emotion)  # warm-up
    return {
        "apply (all steps)": best_of(repeats, lambda: apply(perf, audio=audio, emotion=emotion)),
        "  smoothing": best_of(repeats, lambda: smooth_performance(perf)),
        "  voice activity": best_of(repeats, lambda: activity_from_audio(audio, fps, frames)),
        "  prosody (YIN + energy)": best_of(repeats, lambda: prosody(audio, fps, frames)),
        "apply, head_motion=none": best_of(repeats, lambda: apply(perf, audio=audio, emotion=emotion,
                                                                  head_motion="none")),
    }


def time_pipeline(audio, fps: float) -> dict[str, float] | str:
    """Stage seconds of one `emoanim.pipeline.run`, or why it could not run."""
    import soundfile as sf

    try:
        from emoanim.pipeline import Options, run
    except ImportError as err:
        return f"pipeline not importable yet: {err}"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "speech.wav"
        sf.write(str(path), audio.samples, audio.sample_rate, subtype="PCM_16")
        try:  # no transcript: the no-transcript path is what most users run
            result = run(path, Options(emotion="happy", fps=fps))
        except Exception as err:  # reported, not hidden: this benchmark must still print the post timings
            return f"pipeline failed: {type(err).__name__}: {err}"
    return dict(result.seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--fps", type=float, default=30.0)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    audio = speech(args.seconds)
    print(f"speech: {audio.duration:.1f} s (examples/speech.wav repeated), {args.fps:g} fps, cores: {os.cpu_count()}")
    for name, seconds in time_post(audio, args.fps, args.repeats).items():
        print(f"{name:28s} {seconds:8.4f} s   {seconds / audio.duration:.5f} s per audio s")

    stages = time_pipeline(audio, args.fps)
    if isinstance(stages, str):
        print(stages)
        return
    total = sum(stages.values())
    print(f"pipeline total {total:.3f} s ({total / audio.duration:.4f} s per audio s, "
          f"{audio.duration / total:.1f}x real time)")
    for name, seconds in stages.items():
        print(f"  {name:10s} {seconds:8.4f} s  {100 * seconds / total:5.1f}%")
    if "post" in stages:
        print(f"post-processing share of the pipeline: {100 * stages['post'] / total:.1f}%")


if __name__ == "__main__":
    main()
