"""Do the learned animators' departures from their teacher move toward real faces?

    python benchmarks/teacher_departure.py [--animators emote,emoface] [--checkpoint-dir checkpoints]
                                           [--data ../shared/data] [--threads 2]
    python benchmarks/teacher_departure.py --animators emoface=runs/x/step_001600.pt   # a candidate checkpoint

The learned animators are trained to reproduce the phonetic animator (their teacher) on English speech, plus the
keyed animation of the FACEGOOD takes (Mandarin). Where they differ from it on a real face, the difference either
carries something of the real face, or is noise to it. This measures which, on both real references the data holds:

- GRID: the 6 real talking-face clips; signal = the inner lip gap (landmarks rig against the video's face), fed as
  the table's "without" row (words recogniser, lip seal on);
- FACEGOOD: take 1114_3_15, held out of all training; signal = ``jawOpen`` against its keyed curves mapped to ARKit
  (`emoanim.eval.curves_compare.arkit_weights`; phones recogniser, as benchmarks/animator_table.py feeds it).

Per clip, both signals are standardised, the learned one is written teacher + departure, and the real signal's r is
taken with teacher + k * departure for several k (mean over clips): k = 0 is the teacher, k = 1 the learned
animator. An r that grows with k says the departures carry the real face; one that falls says they are noise to it.
``agreement`` is the mean r of the learned signal with the teacher's. Prints Markdown; progress goes to stderr.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))

from eval_report import FACEGOOD_TAKE, Subject, grid_clips, num  # noqa: E402

from emoanim.eval import signals  # noqa: E402
from emoanim.motion.channels import ARKIT_NAMES  # noqa: E402

SCALES = (-0.5, 0.0, 0.5, 1.0, 1.5)
JAW = ARKIT_NAMES.index("jawOpen")


def standardised(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, np.float64)
    spread = np.nanstd(x)
    if not spread > signals.MIN_STD:
        raise ValueError("a signal does not move: r is undefined")
    return (x - np.nanmean(x)) / spread


def pearson(a: np.ndarray, b: np.ndarray) -> float:
    """`emoanim.eval.signals.pearson` over the frames both signals have and neither lacks (NaN: no face found)."""
    n = min(len(a), len(b))
    a, b = np.asarray(a[:n], np.float64), np.asarray(b[:n], np.float64)
    both = ~np.isnan(a) & ~np.isnan(b)
    return signals.pearson(a[both], b[both])


def departure_curve(real: list, teacher: list, learned: list) -> tuple[list[float], float]:
    """Mean r of ``real`` with teacher + k * (learned - teacher) for each k of `SCALES` (standardised signals, one
    array per clip); and the mean r of learned with teacher."""
    taught = [standardised(t) for t in teacher]
    departures = [standardised(s) - t for s, t in zip(learned, taught)]
    rs = [float(np.mean([pearson(r, t + k * d) for r, t, d in zip(real, taught, departures)])) for k in SCALES]
    agreement = float(np.mean([pearson(s, t) for s, t in zip(learned, teacher)]))
    return rs, agreement


def grid_signals(subject: Subject, clips: list) -> list[np.ndarray]:
    from emoanim.eval.landmark_lipsync import performance_mouth

    return [performance_mouth(subject.perform(c.audio, transcript=c.words, fps=c.real.fps)[0]).inner_gap
            for c in clips]


def facegood_take(data: Path) -> tuple[object, np.ndarray]:
    """The held-out take's audio and its keyed ``jawOpen`` (30 fps, the animators' default rate)."""
    from emoanim.audio import load_audio
    from emoanim.eval.curves_compare import arkit_weights, read_facegood

    truth = read_facegood(data / "facegood" / "bs_value" / f"bs_value_{FACEGOOD_TAKE}.npy")
    return load_audio(data / "facegood" / "wav" / f"{FACEGOOD_TAKE}.wav"), arkit_weights(truth)[:, JAW]


def facegood_jaw(subject: Subject, audio) -> np.ndarray:
    perf, _, _ = subject.perform(audio, recognizer="phones")
    return perf.expression[:, JAW]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--animators", default="emote,emoface",
                        help="comma-separated learned animators, each NAME (<checkpoint-dir>/NAME.pt) or NAME=CKPT")
    parser.add_argument("--checkpoint-dir", type=Path, default=REPO / "checkpoints")
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data", help="shared data folder")
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads (default 2)")
    args = parser.parse_args()
    if not (args.data / "grid").is_dir() or not (args.data / "facegood").is_dir():
        sys.exit(f"{args.data}: needs grid/ and facegood/ (the shared data folder); name it with --data")

    import torch

    torch.set_num_threads(args.threads)
    clips = grid_clips(args.data)
    teacher = Subject("phonetic", words=False)
    grid_teacher = grid_signals(teacher, clips)
    face_audio, face_truth = facegood_take(args.data)
    face_teacher = facegood_jaw(teacher, face_audio)
    header = " | ".join(f"k={k:g}" for k in SCALES)
    print(f"| animator | reference | agreement with teacher | {header} |")
    print("|---|---|---|" + "---|" * len(SCALES))
    for spec in args.animators.split(","):
        name, _, checkpoint = spec.partition("=")
        checkpoint = Path(checkpoint) if checkpoint else args.checkpoint_dir / f"{name}.pt"
        subject = Subject(name, {"checkpoint": checkpoint}, words=False)
        print(f"{name}: GRID", file=sys.stderr, flush=True)
        rs, agreement = departure_curve([c.real.inner_gap for c in clips], grid_teacher, grid_signals(subject, clips))
        print(f"| {name} | GRID inner lip gap ({len(clips)} clips) | {num(agreement)} | "
              f"{' | '.join(num(r) for r in rs)} |")
        print(f"{name}: FACEGOOD", file=sys.stderr, flush=True)
        rs, agreement = departure_curve([face_truth], [face_teacher], [facegood_jaw(subject, face_audio)])
        print(f"| {name} | FACEGOOD {FACEGOOD_TAKE} jawOpen | {num(agreement)} | {' | '.join(num(r) for r in rs)} |")


if __name__ == "__main__":
    main()
