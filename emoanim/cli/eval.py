"""`emoanim eval lipsync | curves | video`: argument handling for the objective metrics (`emoanim.eval`)."""
from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

EVAL_EXAMPLES = """\
examples:
  emoanim eval lipsync clips/ --transcripts clips/transcripts.tsv --animator phonetic
        -> per clip and pooled: bilabial closure, /f v/ contact, false closures in open vowels,
           jaw-open contrast, audio-visual offset (measured on the landmarks rig)
  emoanim eval lipsync a.wav b.wav --transcripts texts/ --with-transcript
        -> the animator gets the words too (texts/a.txt, texts/b.txt)
  emoanim eval curves out/take.arkit.csv truth.csv
  emoanim eval curves pred.metahuman.csv bs_value_1114_3_15.npy --pred-rig metahuman --gt-rig facegood
        -> per region (jaw, lips, brows, eyes) r and RMSE, LVE/MVE/FDD on the default head
  emoanim eval video grid/*.mpg --animator phonetic --transcripts grid/transcripts.tsv
        -> mouth opening and width of the real face against the animation: r, best lag, RMSE
"""

COMMANDS = ("eval",)  # the `emoanim` subcommands this module handles


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Add ``eval`` and its subcommands to the `emoanim` parser's subparsers."""
    from emoanim.eval.curves_compare import COMPARABLE_RIGS

    parser = subparsers.add_parser(
        "eval", help="objective metrics: lip sync from speech + transcript, curves against ground truth",
        description="Measure animation: lip sync at transcript phone timings, or curves against ground truth.",
        epilog=EVAL_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="eval_command", metavar="METRIC", parser_class=type(parser))

    lipsync = commands.add_parser("lipsync", help="animate speech, score lip sync at the transcript's phones")
    lipsync.add_argument("inputs", nargs="+", metavar="AUDIO", help="speech file(s) or folder(s)")
    lipsync.add_argument("--transcripts", required=True, type=Path, metavar="DIR|TSV",
                         help="folder of <stem>.txt, or a TSV of '<file name or stem><TAB><words>'")
    lipsync.add_argument("--animator", default="phonetic", help="animator to score (default: phonetic)")
    lipsync.add_argument("--recognizer", default=None,
                         help="how the animator finds phones without the words (default: the pipeline's)")
    lipsync.add_argument("--with-transcript", action="store_true",
                         help="give the animator the words too (scores the animator, not the recogniser)")
    lipsync.add_argument("--emotion", default="neutral", help="emotion spec (default: neutral)")
    lipsync.add_argument("--fps", type=float, default=30.0, help="frames per second (default: 30)")

    curves = commands.add_parser("curves", help="compare predicted curves with ground-truth curves")
    curves.add_argument("pred", type=Path, metavar="PRED", help="predicted curves (.csv, .json, .npz, .npy)")
    curves.add_argument("gt", type=Path, metavar="GT", help="ground-truth curves (.csv, .json, .npz, .npy)")
    for side in ("pred", "gt"):
        curves.add_argument(f"--{side}-rig", choices=COMPARABLE_RIGS, default=None,
                            help="rig of the curves (default: guessed from the channel names)")
        curves.add_argument(f"--{side}-fps", type=float, default=None,
                            help="frame rate, for files that do not store it (FACEGOOD .npy: 30)")

    video = commands.add_parser("video", help="compare the animation of a video's audio with the real face in it")
    video.add_argument("inputs", nargs="+", type=Path, metavar="VIDEO", help="talking-face video(s) with speech")
    video.add_argument("--animator", default="phonetic", help="animator to score (default: phonetic)")
    video.add_argument("--transcripts", type=Path, default=None, metavar="DIR|TSV",
                       help="give the animator each video's words (default: it hears the audio only)")
    video.add_argument("--recognizer", default=None, help="how phones are found without words")
    video.add_argument("--emotion", default="neutral", help="emotion spec (default: neutral)")
    video.add_argument("--backend", default="auto", help="face landmark detector (default: auto)")
    return parser


def run(args: argparse.Namespace) -> int:
    if args.eval_command == "lipsync":
        return _lipsync(args)
    if args.eval_command == "curves":
        return _curves(args)
    if args.eval_command == "video":
        return _video(args)
    sys.stderr.write("emoanim eval: choose a metric: lipsync, curves or video (see emoanim eval --help)\n")
    return 2


def _lipsync(args: argparse.Namespace) -> int:
    from emoanim.audio import load_audio
    from emoanim.cli.main import collect_inputs
    from emoanim.eval.lipsync_run import pool, read_transcripts, score_clip, transcript_for
    from emoanim.phonetics import DEFAULT_RECOGNIZER
    from emoanim.pipeline import Options

    options = Options(emotion=args.emotion, animator=args.animator, fps=args.fps,
                      recognizer=args.recognizer or DEFAULT_RECOGNIZER)
    options.check()
    table = read_transcripts(args.transcripts)
    paths = collect_inputs(args.inputs)
    words = {path: transcript_for(path, table) for path in paths}  # every transcript found before any work
    clips = []
    print(f"{'clip':<24} {'sec':>5} {'p b m closed':>13} {'f v contact':>12} {'false closures':>15} "
          f"{'jaw contrast':>12} {'AV offset':>14}")
    for path in paths:
        clip = score_clip(load_audio(path), words[path], options, name=path.name,
                          with_transcript=args.with_transcript)
        if clip.reference_method != "forced":
            sys.stderr.write(f"emoanim: warning: {path}: the transcript did not align ({clip.reference_method}); "
                             "its reference phones are unreliable\n")
        clips.append(clip)
        print(_row(clip.name, clip.seconds, clip.scores))
    print(_row(f"pooled ({len(clips)} clips)", sum(c.seconds for c in clips), pool(clips)))
    print("closed/contact/false: share of phones (count); jaw contrast in inter-ocular units; "
          "AV offset > 0: mouth after sound")
    return 0


def _row(name: str, seconds: float, s) -> str:
    def rate(value: float, n: int) -> str:
        return f"{value:6.1%} ({n:3d})" if n else f"{'-':>12}"

    offset = (f"{s.av_offset_frames:+d} f {s.av_offset_ms:+5.0f} ms" if s.av_offset_frames is not None
              else f"{'-':>14}")
    contrast = f"{s.jaw_contrast:12.3f}" if math.isfinite(s.jaw_contrast) else f"{'-':>12}"
    return (f"{name[:24]:<24} {seconds:5.1f} {rate(s.bilabial_closure, s.bilabials):>13} "
            f"{rate(s.labiodental_contact, s.labiodentals):>12} {rate(s.false_closure, s.open_vowels):>15} "
            f"{contrast} {offset:>14}")


def _curves(args: argparse.Namespace) -> int:
    from emoanim.eval.curves_compare import compare_curves, load_curves

    pred = load_curves(args.pred, fps=args.pred_fps)
    truth = load_curves(args.gt, fps=args.gt_fps)
    result = compare_curves(pred, truth, pred_rig=args.pred_rig, truth_rig=args.gt_rig)
    print(f"{result.frames} frames at {result.fps:g} fps ({result.frames / result.fps:.1f} s)")
    print(f"{'region':<7} {'r':>6} {'moving':>7} {'RMSE':>7}")
    for g in result.groups:
        r = f"{g.r:6.3f}" if math.isfinite(g.r) else f"{'-':>6}"
        print(f"{g.group:<7} {r} {g.correlated:>3}/{g.channels:<3} {g.rmse:7.4f}")
    print(f"on the default head: LVE {result.lve_mm:.2f} mm ({result.lve_mm2:.2f} mm² squared form), "
          f"MVE {result.mve_mm:.2f} mm, FDD {result.fdd_mm2:+.3f} mm²")
    for note in result.notes:
        print(f"note: {note}")
    return 0


def _video(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from emoanim.eval.lipsync_run import read_transcripts, transcript_for
    from emoanim.eval.video_sync import evaluate_video, mean_match
    from emoanim.phonetics import DEFAULT_RECOGNIZER
    from emoanim.pipeline import Options

    options = Options(emotion=args.emotion, animator=args.animator, recognizer=args.recognizer or DEFAULT_RECOGNIZER)
    options.check()
    table = read_transcripts(args.transcripts) if args.transcripts else None
    words = {path: transcript_for(path, table) if table else None for path in args.inputs}
    results = []
    print(f"{'video':<20} {'opening r':>9} {'lag':>12} {'RMSE':>5}   {'width r':>7} {'lag':>12} {'RMSE':>5}")
    for path in args.inputs:
        result = evaluate_video(path, replace(options, transcript=words[path]), backend=args.backend)
        if result.missed_frames:
            sys.stderr.write(f"emoanim: warning: {path}: no face in {result.missed_frames} frames "
                             "(filled from their neighbours)\n")
        results.append(result)
        print(_video_row(result.name, result.opening, result.width))
    print(_video_row(f"mean ({len(results)})", mean_match([r.opening for r in results]),
                     mean_match([r.width for r in results])))
    print("lag > 0: the animation moves after the real face; RMSE after scaling each series to its 5-95 % range")
    return 0


def _video_row(name: str, opening, width) -> str:
    def part(m) -> str:
        return f"{m.r:9.2f} {m.lag_frames:+3d} ({m.lag_ms:+4.0f}ms) {m.rmse:5.2f}"

    return f"{name[:20]:<20} {part(opening)}   {part(width)}"
