"""The closing-note table of issue #6: the phonetic animator measured on real speech, real video and real animation.

    python benchmarks/eval_report.py [--prompts 24] [--data ../shared/data] [--skip video,curves,emotion]

- lipsync: Asterisk prompts (held-out ``test`` split of benchmarks/lipsync_asterisk.py, the first ``--prompts``),
  reference phones from forced alignment of each transcript, scored on the landmarks rig (emoanim.eval.
  landmark_lipsync), the animator given the words ("with") or only the audio ("without", default recogniser);
- video: the 6 GRID clips in ``<data>/grid``: mouth opening and width of the real face against the animation;
- curves: the FACEGOOD take ``1114_3_15`` (the one held out: nothing here was tuned on any FACEGOOD take), its wav
  animated with phone recognition (Mandarin: no English word recogniser applies), mapped to ARKit and compared;
- emotion: examples/speech.wav with its transcript under each emotion: EMFACS pass, intensity monotonicity, blinks
  and head motion.
Prints Markdown.
"""
from __future__ import annotations

import argparse
import math
import sys
import time
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))

FACEGOOD_TAKE = "1114_3_15"


def pct(value: float, n: int) -> str:
    return f"{value:.1%} ({round(value * n)}/{n})" if n else "-"


def num(value: float, digits: int = 2) -> str:
    return f"{value:.{digits}f}" if value is not None and math.isfinite(value) else "-"


def lipsync_rows(count: int) -> list[str]:
    from emoanim.train.asterisk import decode, prompts  # the prompt list and decoder lipsync_asterisk.py uses too

    from emoanim.eval.lipsync_run import pool, score_clip
    from emoanim.pipeline import Options

    chosen = prompts()[1::2][:count]
    rows = []
    for label, with_words in (("with transcript", True), ("without (words recogniser)", False)):
        clips, started = [], time.perf_counter()
        for name, words in chosen:
            audio = decode(name)
            clip = score_clip(audio, words, Options(), name=name, with_transcript=with_words)
            if clip.reference_method == "forced":
                clips.append(clip)
        s = pool(clips)
        seconds = sum(c.seconds for c in clips)
        rows.append(f"| lipsync: {len(clips)} Asterisk prompts ({seconds / 60:.1f} min), {label} | "
                    f"p b m closed {pct(s.bilabial_closure, s.bilabials)}; f v contact "
                    f"{pct(s.labiodental_contact, s.labiodentals)}; false closures in open vowels "
                    f"{pct(s.false_closure, s.open_vowels)}; jaw contrast {num(s.jaw_contrast, 3)} IOD; AV offset "
                    f"{s.av_offset_frames:+d} frames ({s.av_offset_ms:+.0f} ms, median r {num(s.av_r)}) | "
                    f"{time.perf_counter() - started:.0f} s |")
    return rows


def video_rows(data: Path) -> list[str]:
    from emoanim.eval.lipsync_run import read_transcripts, transcript_for
    from emoanim.eval.video_sync import evaluate_video, mean_match
    from emoanim.pipeline import Options

    folder = data / "grid"
    table = read_transcripts(folder / "transcripts.tsv")
    clips = sorted(folder.glob("*.mpg"))
    rows = []
    for label, with_words in (("with transcript", True), ("without", False)):
        started = time.perf_counter()
        results = [evaluate_video(c, Options(transcript=transcript_for(c, table) if with_words else None))
                   for c in clips]
        o, w = mean_match([r.opening for r in results]), mean_match([r.width for r in results])
        rows.append(f"| video: {len(clips)} GRID clips, {label} | mouth opening r {num(o.r)}, best lag "
                    f"{o.lag_frames:+d} frames ({o.lag_ms:+.0f} ms, r {num(o.lag_r)}), RMSE {num(o.rmse)}; width r "
                    f"{num(w.r)}, RMSE {num(w.rmse)}; per clip opening r "
                    f"{', '.join(num(r.opening.r) for r in results)} | {time.perf_counter() - started:.0f} s |")
    return rows


def curves_rows(data: Path) -> list[str]:
    from emoanim.eval.curves_compare import compare_curves, read_facegood
    from emoanim.pipeline import Options, run

    started = time.perf_counter()
    truth = read_facegood(data / "facegood" / "bs_value" / f"bs_value_{FACEGOOD_TAKE}.npy")
    pred = run(data / "facegood" / "wav" / f"{FACEGOOD_TAKE}.wav", Options(recognizer="phones")).curves
    c = compare_curves(pred, truth)
    groups = "; ".join(f"{g.group} r {num(g.r)} ({g.correlated}/{g.channels} moving) RMSE {num(g.rmse, 3)}"
                       for g in c.groups)
    return [f"| curves: FACEGOOD take {FACEGOOD_TAKE} ({c.frames / c.fps:.0f} s, Mandarin, phone recognition) | "
            f"{groups}; default head: LVE {num(c.lve_mm)} mm ({num(c.lve_mm2)} mm²), MVE {num(c.mve_mm)} mm, "
            f"FDD {num(c.fdd_mm2, 3)} mm² | {time.perf_counter() - started:.0f} s |"]


def emotion_rows() -> list[str]:
    from emoanim.audio import load_audio
    from emoanim.emotion import EMOTIONS
    from emoanim.eval.emotion_metrics import (blink_stats, emfacs_score, head_motion_stats, intensity_monotonicity,
                                              prototype_strength)
    from emoanim.pipeline import Options, perform

    started = time.perf_counter()
    audio = load_audio(REPO / "examples" / "speech.wav")
    base = Options(transcript=(REPO / "examples" / "speech.txt").read_text())
    neutral, phones, _ = perform(audio, base)
    passed, monotone = [], []
    for emotion in EMOTIONS[1:]:
        shown, _, _ = perform(audio, replace(base, emotion=emotion), phones=phones)
        if emfacs_score(shown.expression, neutral.expression, emotion).passed:
            passed.append(emotion)
        levels = (0.25, 0.5, 0.75, 1.0)
        strengths = [prototype_strength(perform(audio, replace(base, emotion=f"{emotion}:{k}"), phones=phones)[0]
                                        .expression, neutral.expression, emotion) for k in levels]
        if intensity_monotonicity(levels, strengths).monotone:
            monotone.append(emotion)
    blinks = blink_stats(neutral.expression, neutral.fps)
    head = head_motion_stats(neutral.head, neutral.fps)
    return [f"| emotion: examples/speech.wav ({audio.duration:.0f} s), 7 emotions | EMFACS prototype passed "
            f"{len(passed)}/7; intensity monotone {len(monotone)}/7; blinks {blinks.per_minute:.1f}/min, mean "
            f"{blinks.mean_duration_s * 1000:.0f} ms (human: {blinks.rate_human and blinks.duration_human}); head "
            f"std pitch/yaw/roll {'/'.join(num(v, 1) for v in head.std_deg)} deg, spectral slope "
            f"{num(head.spectral_slope, 1)}, power above 2 Hz {head.jitter_share:.1%} | "
            f"{time.perf_counter() - started:.0f} s |"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--prompts", type=int, default=24, help="Asterisk prompts from the test split (default 24)")
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data", help="shared data folder")
    parser.add_argument("--skip", default="", help="comma-separated parts to leave out: lipsync,video,curves,emotion")
    args = parser.parse_args()
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}

    print("| data | phonetic animator | time |")
    print("|---|---|---|")
    parts = {
        "lipsync": lambda: lipsync_rows(args.prompts),
        "video": lambda: video_rows(args.data),
        "curves": lambda: curves_rows(args.data),
        "emotion": emotion_rows,
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
