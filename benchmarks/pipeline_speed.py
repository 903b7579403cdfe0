"""Real-time factor of each stage of `emoanim render`, and peak memory, on about a minute of real speech.

    python benchmarks/pipeline_speed.py [--copies 3] [--threads 2]

The speech is examples/speech.wav (25.4 s, real voice) repeated `--copies` times. Each stage is timed in this process
next to a baseline that any speech-driven animator pays: decoding the wav and computing an 80-band log-mel
spectrogram in numpy. Ratios to that baseline travel between machines better than seconds do (the machines are
shared and noisy). Real-time factor = audio seconds / processing seconds (higher is faster).
"""
from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]


def baseline_front_end(path: Path) -> float:
    """Seconds to read the wav and compute a 25 ms / 10 ms, 80-band log-mel spectrogram."""
    import soundfile as sf

    started = time.perf_counter()
    samples, rate = sf.read(str(path), dtype="float32")
    frame, hop = int(0.025 * rate), int(0.010 * rate)
    count = 1 + (len(samples) - frame) // hop
    index = np.arange(frame)[None, :] + hop * np.arange(count)[:, None]
    spectrum = np.abs(np.fft.rfft(samples[index] * np.hanning(frame), axis=1)) ** 2
    edges = np.linspace(0, spectrum.shape[1], 82).astype(int)  # a stand-in filterbank: 80 equal bands
    bands = np.stack([spectrum[:, a:b].sum(axis=1) for a, b in zip(edges[:-1], edges[1:-1] + 1)], axis=1)
    np.log(bands + 1e-10)
    return time.perf_counter() - started


def make_speech(copies: int, folder: Path) -> tuple[Path, str]:
    import soundfile as sf

    samples, rate = sf.read(str(REPO / "examples" / "speech.wav"), dtype="float32")
    words = (REPO / "examples" / "speech.txt").read_text().strip()
    path = folder / "speech_long.wav"
    sf.write(str(path), np.tile(samples, copies), rate, subtype="PCM_16")
    return path, " ".join([words] * copies)


def time_pipeline(path: Path, transcript: str | None, rig: str, format_name: str) -> dict[str, float]:
    from emoanim.export import write
    from emoanim.pipeline import Options, run

    options = Options(emotion="happy", rig=rig, transcript=transcript)
    result = run(path, options)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as out:
        write(result.curves, Path(out) / f"speech.{rig}.out", format_name)
    seconds = dict(result.seconds, export=time.perf_counter() - started)
    seconds["total"] = sum(seconds.values())
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--copies", type=int, default=3, help="times to repeat the 25.4 s example (3 -> 76 s)")
    parser.add_argument("--rig", default="metahuman")
    parser.add_argument("--format", default="csv")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        path, words = make_speech(args.copies, Path(tmp))
        from emoanim.audio import load_audio

        duration = load_audio(path).duration
        time_pipeline(path, None, args.rig, args.format)  # warm-up: imports, decoder construction
        baseline = min(baseline_front_end(path) for _ in range(3))
        print(f"speech: {duration:.1f} s (examples/speech.wav x{args.copies}); cores: {os.cpu_count()}; "
              f"rig {args.rig}, format {args.format}")
        print(f"baseline (wav read + log-mel): {baseline:.3f} s = {duration / baseline:.0f}x real time")
        for label, transcript in (("with transcript (forced alignment)", words), ("without transcript", None)):
            seconds = time_pipeline(path, transcript, args.rig, args.format)
            print(f"\n{label}")
            print(f"  {'stage':<8} {'seconds':>8} {'x real time':>12} {'x baseline':>11}")
            for stage, value in seconds.items():
                print(f"  {stage:<8} {value:8.3f} {duration / max(value, 1e-9):12.1f} {value / baseline:11.2f}")

        tracemalloc.start()
        time_pipeline(path, None, args.rig, args.format)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        maxrss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"\npeak traced allocations during one render: {peak / 2**20:.1f} MiB; "
              f"process peak RSS (imports included): {maxrss_mb:.0f} MiB")


if __name__ == "__main__":
    main()
