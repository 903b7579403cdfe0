"""The `emoanim` command. Argument handling only: the work is done by `emoanim.pipeline` and `emoanim.export`."""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from emoanim.cli import bench, portrait, study, train
from emoanim.cli import eval as evaluate
from emoanim.errors import EmoanimError, InputError

# Subcommands that live in their own modules: each has COMMANDS, add_parser(subparsers) and run(args).
SUBCOMMAND_MODULES = (portrait, evaluate, study, train, bench)

AUDIO_SUFFIXES = (".wav", ".wave", ".flac", ".ogg", ".oga", ".opus", ".mp3", ".m4a", ".aac", ".aif", ".aiff")
LONG_JOB_SECONDS = 60.0  # single files longer than this get a stage progress bar

RENDER_EXAMPLES = """\
examples:
  emoanim render speech.wav --emotion happy --rig metahuman
        -> out/speech.metahuman.csv  (Unreal MetaHuman CTRL_expressions_* curves)
  emoanim render speech.wav --transcript "the words spoken" --fps 60 --out anim/
        -> forced alignment to the words: the most exact lip sync
  emoanim render speech.wav --transcript speech.txt --rig arkit --format livelinkface
        -> a Live Link Face take CSV (52 ARKit shapes + head and eye rotations)
  emoanim render speech.wav --emotion "neutral@0,happy:0.8@1.5,sad@4"
        -> neutral, then 80%% happy from 1.5 s, then sad from 4 s (0.3 s blends; see --transition)
  emoanim render dialogue/ --emotion angry:0.5 --rig metahuman
        -> every audio file in the folder; a bad file is reported and skipped
  emoanim render speech.wav --no-blinks --head-motion subtle --seed 7
  emoanim render speech.wav --emotion happy --compare sad --compare angry:0.6
        -> out/speech.compare.mp4: the clip three ways, side by side and labelled
  emoanim render dialogue/ --no-video
        -> curves only (the preview video takes most of the time)
  emoanim render speech.wav --animator emote --emotion sad --rig metahuman
        -> the learned EMOTE-style animator (checkpoints/emote.pt; --checkpoint for another)
  emoanim render speech.wav --emotion fear --rig flame --flame-model ~/flame2020/generic_model.pkl
        -> out/speech.flame.npz: FLAME expression, jaw/neck/eye/global pose and vertices (T, 5023, 3)

emotion specs: NAME, NAME:INTENSITY (0..1), or a timeline NAME[:INTENSITY]@SECONDS,...
run `emoanim info` for the rigs, animators, emotions and formats.
"""


class OneLineParser(argparse.ArgumentParser):
    """argparse prints usage plus the error; our contract is one line and exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"{self.prog}: error: {message} (see {self.prog} --help)\n")
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    from emoanim.motion.performance import DEFAULT_FPS

    parser = OneLineParser(prog="emoanim", description="Speech to emotional facial animation.")
    parser.add_argument("--version", action="version", version=_version())
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=OneLineParser)

    render = commands.add_parser(
        "render", help="speech file(s) -> animation curves for a rig",
        description="Turn speech into facial animation curves that an engine imports.",
        epilog=RENDER_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    render.add_argument("inputs", nargs="+", metavar="SPEECH", help="audio file(s) or folder(s) of audio files")
    render.add_argument("--emotion", default="neutral",
                        help="emotion spec (default: neutral); `auto` recognises it from the speech (experimental; "
                             "see checkpoints/speech_emotion.md)")
    render.add_argument("--transition", type=float, default=0.3, help="seconds to blend between emotions")
    render.add_argument("--rig", default="arkit", help="target rig (default: arkit; see `emoanim info`)")
    render.add_argument("--format", default=None, dest="format_name",
                        help="output writer (default: csv; flame-npz for --rig flame)")
    render.add_argument("--flame-model", type=Path, default=None, metavar="PKL",
                        help="your FLAME generic_model.pkl/.npz for --rig flame (or set EMOANIM_FLAME_MODEL)")
    render.add_argument("--flame-obj", action="store_true", help="with --rig flame: also an OBJ per frame")
    render.add_argument("--transcript", help="the words spoken, as text or a .txt file (single input only)")
    render.add_argument("--recognizer", default=None,
                        help="without a transcript: words (default; ~12x real time), words+phones (most bilabials "
                             "closed, ~9x), words-accurate (slower), or phones (fastest, least accurate)")
    render.add_argument("--fps", type=float, default=DEFAULT_FPS, help=f"frames per second (default: {DEFAULT_FPS:g})")
    render.add_argument("--animator", default="phonetic",
                        help="animation backend: phonetic (default), emote or emoface (learned; see `emoanim info`)")
    render.add_argument("--checkpoint", type=Path, default=None, metavar="PATH",
                        help="a learned animator's checkpoint (default: checkpoints/<animator>.pt)")
    render.add_argument("--audio-only", action="store_true",
                        help="learned animators: hear the audio alone, without recognising phones (far faster; "
                             "less exact on voices unlike the training speech)")
    render.add_argument("--lip-seal", action=argparse.BooleanOptionalAction, default=True,
                        help="learned animators: shut the lips on every /p b m/ the phones hold (default; "
                             "--no-lip-seal shows the model's own closures)")
    render.add_argument("--speech-encoder", type=Path, default=None, metavar="DIR",
                        help="your local wav2vec2/HuBERT folder, for a checkpoint trained with one (its config names "
                             "the trainer's folder)")
    render.add_argument("--out", type=Path, default=Path("out"), help="output folder (default: out/)")
    render.add_argument("--seed", type=int, default=0, help="random seed: same seed, same output (default: 0)")
    render.add_argument("--blinks", action=argparse.BooleanOptionalAction, default=True, help="add blinks")
    render.add_argument("--gaze", action=argparse.BooleanOptionalAction, default=True, help="add gaze and saccades")
    render.add_argument("--video", action=argparse.BooleanOptionalAction, default=True,
                        help="write a preview <stem>.mp4 with the speech beside the curves (default: on)")
    render.add_argument("--size", type=int, default=512, help="preview video size in pixels (default: 512)")
    render.add_argument("--view", default="three-quarter", help="preview camera: front, three-quarter or profile")
    render.add_argument("--compare", action="append", default=[], metavar="EMOTION",
                        help="also render the clip with this emotion spec, side by side, into <stem>.compare.mp4 "
                             "(repeat for more panels)")
    render.add_argument("--head-motion", default="normal", help="none, subtle, normal or expressive")
    render.add_argument("-q", "--quiet", action="store_true", help="no progress bar or summary lines")

    commands.add_parser("info", help="list rigs, animators, emotions and formats")
    for module in SUBCOMMAND_MODULES:
        module.add_parser(commands)
    return parser


def _version() -> str:
    from emoanim import __version__

    return f"emoanim {__version__}"


def collect_inputs(inputs: list[str]) -> list[Path]:
    """Files as given, folders expanded to their audio files (sorted). Missing paths are errors up front."""
    paths: list[Path] = []
    for raw in inputs:
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in AUDIO_SUFFIXES)
            if not found:
                raise InputError("folder has no audio files", path=path,
                                 hint=f"expected files ending in {', '.join(AUDIO_SUFFIXES)}")
            paths.extend(found)
        elif path.exists():
            paths.append(path)
        else:
            raise InputError("no such file or folder", path=path, hint="check the path")
    return paths


def output_path(out_dir: Path, source: Path, rig: str, format_name: str) -> Path:
    from emoanim.export import extension

    return out_dir / f"{source.stem}.{rig}{extension(format_name)}"


def render(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from emoanim.export import check_format, write
    from emoanim.emotion import EmotionTrack
    from emoanim.phonetics import DEFAULT_RECOGNIZER
    from emoanim.pipeline import Options, run, write_comparison, write_flame_objs, write_preview
    from emoanim.render.scene import check_size, get_view

    if args.format_name is None:
        args.format_name = "flame-npz" if args.rig == "flame" else "csv"
    if args.flame_model is not None:
        from emoanim.rigs.flame import set_flame_model

        set_flame_model(args.flame_model)
    options = Options(
        emotion=args.emotion, rig=args.rig, animator=args.animator, transcript=args.transcript, fps=args.fps,
        recognizer=args.recognizer or DEFAULT_RECOGNIZER,
        seed=args.seed, transition=args.transition, blinks=args.blinks, gaze=args.gaze, head_motion=args.head_motion,
        checkpoint=args.checkpoint, speech_encoder=args.speech_encoder, audio_only=args.audio_only,
        lip_seal=args.lip_seal,
    )
    options.check()
    check_format(args.format_name, rig=args.rig)
    if args.video or args.compare:
        check_size(args.size)
        get_view(args.view)
    for spec in args.compare:
        EmotionTrack.parse(spec, transition=args.transition)
    if args.format_name == "livelinkface" and args.fps not in (30.0, 60.0):
        # Unreal's Live Link Face importer guesses 30 or 60 fps from the timecodes; other rates play at the wrong speed.
        sys.stderr.write(f"emoanim: warning: Unreal reads Live Link Face takes as 30 or 60 fps, not {args.fps:g}\n")
    paths = collect_inputs(args.inputs)
    if args.transcript is not None and len(paths) > 1:
        raise InputError("--transcript applies to one input, but several were given",
                         hint="render files one at a time to give each its transcript")

    failures = 0
    bar = tqdm(paths, unit="file", disable=args.quiet or len(paths) < 2 or None, file=sys.stderr)
    for path in bar:
        bar.set_postfix_str(path.name)
        started = time.perf_counter()
        try:
            result = run(path, options)
            targets = [write(result.curves, output_path(args.out, path, args.rig, args.format_name), args.format_name)]
            if args.flame_obj and args.rig == "flame":
                targets.append(write_flame_objs(result.curves, args.out / f"{path.stem}.flame_obj"))
            if args.video:
                targets.append(write_preview(result, args.out / f"{path.stem}.mp4", size=args.size, view=args.view))
            if args.compare:
                targets.append(write_comparison(result, args.compare, options, args.out / f"{path.stem}.compare.mp4",
                                                size=args.size, view=args.view))
        except EmoanimError as err:
            if len(paths) == 1:
                raise
            failures += 1
            bar.write(f"emoanim: skipped: {err}", file=sys.stderr)
            continue
        elapsed = time.perf_counter() - started
        duration = result.performance.duration
        for warning in result.performance.metadata.get("warnings", []):
            bar.write(f"emoanim: warning: {path}: {warning}", file=sys.stderr)
        if result.performance.metadata.get("emotion_source") == "recognised" and not args.quiet:
            bar.write(f"{path}: recognised emotion (experimental): {result.performance.metadata['emotion']['spec']}")
        if not args.quiet:
            bar.write(
                f"{path}: {duration:.2f} s, {result.curves.frames} frames at {args.fps:g} fps -> "
                f"{', '.join(str(t) for t in targets)} "
                f"[{elapsed:.2f} s, {duration / max(elapsed, 1e-9):.1f}x real time]"
            )
    if failures:
        sys.stderr.write(f"emoanim: {failures} of {len(paths)} files failed; the rest were written\n")
        return 2
    return 0


def info() -> int:
    from emoanim.animators import ANIMATORS
    from emoanim.emotion import EMOTIONS
    from emoanim.export import FORMATS
    from emoanim.motion.post import HEAD_MOTION_PRESETS
    from emoanim.phonetics import RECOGNIZERS
    from emoanim.rigs import RIGS, get_rig

    print(_version())
    print("rigs:")
    for name in RIGS:
        try:
            print(f"  {name:<18} {len(get_rig(name).channel_names)} channels")
        except EmoanimError as err:  # a rig that needs a user file (FLAME) still gets listed, with what it needs
            print(f"  {name:<18} needs a model file: {err}")
    print("animators:    " + ", ".join(ANIMATORS))
    print("recognizers:  " + ", ".join(RECOGNIZERS) + " (phones without a transcript)")
    print("emotions:     " + ", ".join(EMOTIONS))
    print("formats:      " + ", ".join(FORMATS))
    print("head motion:  " + ", ".join(HEAD_MOTION_PRESETS))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as done:  # --help, --version, or a usage error already printed as one line
        return int(done.code or 0)
    try:
        if args.command == "render":
            return render(args)
        if args.command == "info":
            return info()
        for module in SUBCOMMAND_MODULES:
            if args.command in module.COMMANDS:
                return module.run(args)
        parser.print_help()
        return 2
    except EmoanimError as err:
        sys.stderr.write(f"emoanim: error: {err}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("emoanim: interrupted\n")
        return 130
