"""``emoanim portrait PHOTO SPEECH``: a talking portrait from one photo. Argument handling only: the work is done by
`emoanim.pipeline.run` (speech -> Performance through the ``landmarks`` rig) and `emoanim.render.portrait`."""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

PORTRAIT_EXAMPLES = """\
examples:
  emoanim portrait photo.jpg speech.wav --emotion happy -o talk.mp4
  emoanim portrait photo.jpg speech.wav --style landmarks -o lm.mp4
        -> the driven landmarks (contours, lips, eyes, gaze rays) on a plain background
  emoanim portrait photo.jpg speech.wav --transcript "the words spoken" --size face-crop
        -> forced-aligned lip sync, video at the photo's own face-crop resolution
"""


COMMANDS = ("portrait",)  # the top-level `emoanim` subcommands this module handles

def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``portrait`` on the `emoanim` command's subparsers; return its parser."""
    from emoanim.motion.performance import DEFAULT_FPS
    from emoanim.render.portrait.options import DEFAULT_SIZE, FACE_CROP, STYLES

    parser = subparsers.add_parser(
        "portrait", help="photo + speech -> talking-portrait MP4",
        description="Animate a portrait photo with speech and emotion; the speech is muxed into the MP4.",
        epilog=PORTRAIT_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("photo", metavar="PHOTO", help="a JPEG, PNG, PPM or WebP photo of one face")
    parser.add_argument("speech", metavar="SPEECH", help="the speech audio file")
    parser.add_argument("--emotion", default="neutral", help="emotion spec (default: neutral)")
    parser.add_argument("-o", "--out", type=Path, default=None,
                        help="output MP4 (default: out/<speech stem>.portrait.mp4)")
    parser.add_argument("--style", default="photo", choices=STYLES,
                        help="photo: the animated photo (default); landmarks: the landmark drawing")
    parser.add_argument("--transcript", help="the words spoken, as text or a .txt file")
    parser.add_argument("--size", default=str(DEFAULT_SIZE),
                        help=f"video side in pixels (default: {DEFAULT_SIZE}) or {FACE_CROP!r} for the photo's own "
                             "resolution around the face")
    parser.add_argument("--fps", type=float, default=DEFAULT_FPS, help=f"frames per second (default: {DEFAULT_FPS:g})")
    parser.add_argument("--seed", type=int, default=0, help="random seed for blinks, gaze and head motion")
    parser.add_argument("--backend", default="auto", help="face landmark detector (default: auto)")
    parser.add_argument("--head-motion", default="normal", help="none, subtle, normal or expressive")
    parser.add_argument("-q", "--quiet", action="store_true", help="no summary line")
    return parser


def run(args: argparse.Namespace) -> int:
    from emoanim.errors import InputError
    from emoanim.pipeline import Options
    from emoanim.pipeline import run as run_pipeline
    from emoanim.render.portrait.video import FACE_CROP, check_size, load_portrait, render_portrait

    size = args.size if args.size == FACE_CROP else check_size(args.size)
    options = Options(emotion=args.emotion, rig="landmarks", transcript=args.transcript, fps=args.fps,
                      seed=args.seed, head_motion=args.head_motion)
    options.check()
    speech = Path(args.speech)
    if not speech.is_file():
        raise InputError("speech file not found", path=speech, hint="check the path")
    out = args.out if args.out is not None else Path("out") / f"{speech.stem}.portrait.mp4"
    if args.out is None:
        out.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    portrait = load_portrait(args.photo, size=size, backend=args.backend)  # before the audio: a bad photo fails fast
    for warning in portrait.warnings:
        sys.stderr.write(f"emoanim: warning: {args.photo}: {warning}\n")
    result = run_pipeline(speech, options)
    for warning in result.performance.metadata.get("warnings", []):
        sys.stderr.write(f"emoanim: warning: {speech}: {warning}\n")
    written = render_portrait(portrait, result.performance, out, audio=result.audio, style=args.style)
    if not args.quiet:
        elapsed = time.perf_counter() - started
        duration = result.performance.duration
        height, width = portrait.size
        print(f"{speech}: {duration:.2f} s, {result.performance.frames} frames {width}x{height} at {args.fps:g} fps "
              f"-> {written} [{elapsed:.2f} s, {duration / max(elapsed, 1e-9):.2f}x real time]")
    return 0
