"""`emoanim bench`: argument handling for the speed and memory benchmark (`emoanim.eval.bench`)."""
from __future__ import annotations

import argparse
from pathlib import Path

EXAMPLE_SPEECH = Path(__file__).resolve().parents[2] / "examples" / "speech.wav"

BENCH_EXAMPLES = """\
examples:
  emoanim bench
        -> examples/speech.wav with its transcript: every stage and animator, render fps, peak memory
  emoanim bench long.wav --transcript long.txt --animators phonetic,emote --repeats 5
  emoanim bench --render-seconds 0 --recognizers words,phones
"""

COMMANDS = ("bench",)  # the `emoanim` subcommands this module handles


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Add ``bench`` to the `emoanim` parser's subparsers."""
    parser = subparsers.add_parser(
        "bench", help="real-time factor, render fps and peak memory of every stage and animator",
        description="Time every stage and animator on one speech file, as ratios against the phonetic animator.",
        epilog=BENCH_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("speech", nargs="?", type=Path, default=None, metavar="SPEECH",
                        help="speech file (default: the example clip, with its transcript)")
    parser.add_argument("--transcript", default=None, help="the words spoken, as text or a .txt file")
    parser.add_argument("--animators", default=None, help="comma-separated (default: every registered one)")
    parser.add_argument("--recognizers", default="",
                        help="comma-separated recognisers to time alignment without the transcript too")
    parser.add_argument("--repeats", type=int, default=3, help="runs per stage, fastest kept (default: 3)")
    parser.add_argument("--render-seconds", type=float, default=2.0,
                        help="seconds of the clip to render for the fps figure; 0 skips rendering (default: 2)")
    parser.add_argument("--size", type=int, default=256, help="render size in pixels (default: 256)")
    parser.add_argument("--fps", type=float, default=30.0, help="animation frame rate (default: 30)")
    return parser


def run(args: argparse.Namespace) -> int:
    from emoanim.errors import InputError
    from emoanim.eval.bench import bench, format_report
    from emoanim.phonetics import check_recognizer
    from emoanim.pipeline import read_transcript

    speech, transcript = args.speech, args.transcript
    if speech is None:
        speech = EXAMPLE_SPEECH
        transcript = transcript or str(EXAMPLE_SPEECH.with_suffix(".txt"))
    if not Path(speech).is_file():
        raise InputError("no such speech file", path=speech, hint="give an audio file")
    if args.repeats < 1:
        raise InputError(f"--repeats must be at least 1, got {args.repeats}")
    recognizers = tuple(r.strip() for r in args.recognizers.split(",") if r.strip())
    for recognizer in recognizers:
        check_recognizer(recognizer)
    animators = [a.strip() for a in args.animators.split(",") if a.strip()] if args.animators else None
    from emoanim.animators import ANIMATORS

    unknown = [a for a in animators or [] if a.lower() not in ANIMATORS]
    if unknown:
        raise InputError(f"unknown animators {unknown}", hint=f"use some of: {', '.join(ANIMATORS)}")
    report = bench(speech, read_transcript(transcript), animators=animators, recognizers=recognizers,
                   repeats=args.repeats, render_seconds=args.render_seconds, render_size=args.size, fps=args.fps)
    print(format_report(report))
    return 0
