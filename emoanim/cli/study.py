"""`emoanim study create | serve | report`: argument handling for the perceptual A/B study kit
(`emoanim.eval.study`)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

COMMANDS = ("study",)  # the top-level `emoanim` subcommands this module handles

STUDY_EXAMPLES = """\
examples:
  emoanim study create --speech a.wav b.wav --systems phonetic:happy phonetic:neutral --out study/ --raters 8
        -> study/manifest.json, study/clips/*.mp4, study/study.sqlite
  emoanim study create --speech a.wav --systems "phonetic:happy head_motion=subtle" "phonetic:happy" --out s2/
        -> a system is ANIMATOR:EMOTION plus optional key=value settings (rig, recognizer, fps, seed,
           transition, blinks, gaze, head_motion, audio_only, lip_seal, label); e.g.
           "emote:happy" against "emote:happy lip_seal=false" puts the lip seal to a listening test
  emoanim study serve study/ --port 8000
        -> raters open http://127.0.0.1:8000/?rater=THEIR_ID
  emoanim study report study/
        -> study/report/report.md, report.json and PNG charts
"""


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Add ``study`` and its three subcommands to the `emoanim` parser's subparsers."""
    from emoanim.eval.study.analysis import DEFAULT_MIN_CHECK_RATE
    from emoanim.render.scene import DEFAULT_VIEW

    study = subparsers.add_parser(
        "study", help="perceptual A/B study: create, serve to raters, report",
        description="Build a counterbalanced A/B study of rendered clips, collect ratings in the browser, report.",
        epilog=STUDY_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = study.add_subparsers(dest="study_command", metavar="STEP", parser_class=type(study))

    create = commands.add_parser("create", help="render the clips and plan the trials into a new study folder")
    create.add_argument("--speech", nargs="+", required=True, type=Path, metavar="SPEECH", help="speech files")
    create.add_argument("--systems", nargs="+", required=True, metavar="SYSTEM",
                        help="ANIMATOR:EMOTION [key=value ...], quoted, at least two")
    create.add_argument("--out", type=Path, required=True, help="new study folder")
    create.add_argument("--raters", type=int, default=4,
                        help="rater slots, even (default: 4); more raters reuse the slots in turn")
    create.add_argument("--seed", type=int, default=0, help="seed for trial order and check choice (default: 0)")
    create.add_argument("--checks", type=int, default=1, help="attention checks of each kind per rater (default: 1)")
    create.add_argument("--size", type=int, default=384, help="clip size in pixels (default: 384)")
    create.add_argument("--view", default=DEFAULT_VIEW, help=f"camera: front, three-quarter or profile "
                                                             f"(default: {DEFAULT_VIEW})")
    create.add_argument("--clips", type=Path, metavar="DIR",
                        help="use pre-rendered clips named <speech stem>__<system slug>.mp4 from this folder; "
                             "others are rendered")
    create.add_argument("--offset", type=float, default=None,
                        help="speech delay in seconds for the sync check (default: 1)")

    serve = commands.add_parser("serve", help="serve the study page to raters")
    serve.add_argument("study_dir", type=Path, metavar="STUDY_DIR")
    serve.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    serve.add_argument("--host", default="127.0.0.1",
                       help="address to listen on (default: 127.0.0.1, this machine only)")
    serve.add_argument("-q", "--quiet", action="store_true", help="do not log requests")

    report = commands.add_parser("report", help="write the results: report.md, report.json, PNG charts")
    report.add_argument("study_dir", type=Path, metavar="STUDY_DIR")
    report.add_argument("--min-check-rate", type=float, default=DEFAULT_MIN_CHECK_RATE,
                        help="keep raters passing at least this share of attention checks "
                             f"(default: {DEFAULT_MIN_CHECK_RATE:g})")
    report.add_argument("--out", type=Path, help="report folder (default: STUDY_DIR/report)")
    return study


def run(args: argparse.Namespace) -> int:
    if args.study_command == "create":
        return _create(args)
    if args.study_command == "serve":
        return _serve(args)
    if args.study_command == "report":
        return _report(args)
    sys.stderr.write("emoanim study: choose a step: create, serve or report (see emoanim study --help)\n")
    return 2


def _create(args: argparse.Namespace) -> int:
    from emoanim.eval.study import create_study, parse_system, preview_renderer

    systems = [parse_system(spec) for spec in args.systems]
    renderer = preview_renderer(args.size, args.view)
    study = create_study(args.speech, systems, args.out, raters=args.raters, seed=args.seed, checks=args.checks,
                         renderer=renderer, prerendered=args.clips, offset_seconds=args.offset,
                         progress=lambda line: sys.stderr.write(f"emoanim: {line}\n"))
    trials = len(study.plans[0].trials)
    print(f"{args.out}: {len(study.clips)} clips, {len(study.pairs)} comparisons, {trials} trials per rater, "
          f"{len(study.plans)} rater slots; serve it with `emoanim study serve {args.out}`")
    return 0


def _serve(args: argparse.Namespace) -> int:
    from emoanim.eval.study import make_server

    server = make_server(args.study_dir, args.host, args.port, quiet=args.quiet)
    host, port = server.server_address[:2]
    print(f"serving {args.study_dir} at http://{host}:{port}/?rater=RATER_ID (Ctrl+C stops)", flush=True)
    if host not in ("127.0.0.1", "localhost", "::1"):
        sys.stderr.write("emoanim: warning: the study page has no password; anyone who can reach this address "
                         "can submit answers\n")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass  # Ctrl+C is how a study session ends; every answer is already committed
    finally:
        server.server_close()
    return 0


def _report(args: argparse.Namespace) -> int:
    from emoanim.eval.study import report_study

    results, files = report_study(args.study_dir, min_check_rate=args.min_check_rate, out=args.out)
    print(f"{len(results.included)} of {len(results.raters)} raters kept, {results.answers_used} comparisons")
    for question, q in results.questions.items():
        ranking = ", ".join(f"{s.label} {s.bradley_terry:+.2f}" for s in q.systems)
        print(f"{question}: Bradley–Terry {ranking}")
    for path in files:
        print(path)
    return 0
