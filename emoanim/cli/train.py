"""`emoanim train CONFIG.yaml [key=value ...]`: argument handling for `emoanim.train.loop.train`."""
from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

COMMANDS = ("train",)

TRAIN_EXAMPLES = """\
examples:
  emoanim train configs/flint.yaml
        -> runs/flint/last.pt (+ log.jsonl, MODEL_CARD.md); run it again to resume
  emoanim train configs/emote.yaml model.flint_checkpoint=runs/flint/last.pt train.steps=20000
        -> omegaconf dot-list overrides after the config
  emoanim train configs/emoface.yaml data.cache=corpora/big data.facegood.root=../shared/data/facegood
"""


def add_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "train", help="train a FLINT prior, EMOTE or EmoFace model from a YAML config",
        description="Train a model from an omegaconf YAML config; key=value arguments override its entries.",
        epilog=TRAIN_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("config", type=Path, help="configs/<name>.yaml")
    parser.add_argument("overrides", nargs="*", metavar="key=value", help="config overrides (omegaconf dot-list)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def run(args: argparse.Namespace) -> int:
    from omegaconf import OmegaConf
    from omegaconf.errors import OmegaConfBaseException

    from emoanim.errors import InputError
    from emoanim.train.loop import train

    if not args.config.is_file():
        raise InputError("no such config file", path=args.config, hint="e.g. configs/emoface.yaml")
    bad = [o for o in args.overrides if "=" not in o]
    if bad:
        raise InputError(f"override {bad[0]!r} is not key=value", hint="e.g. train.steps=500")
    try:
        config = OmegaConf.merge(OmegaConf.load(args.config), OmegaConf.from_dotlist(list(args.overrides)))
    except (OmegaConfBaseException, ValueError) as err:
        first = str(err).strip().splitlines()[0]
        raise InputError(f"cannot read the config: {first}", path=args.config) from err
    if "model" not in config or "data" not in config:
        raise InputError("the config needs model: and data: sections", path=args.config)
    command = "emoanim train " + " ".join(shlex.quote(a) for a in [str(args.config), *args.overrides])
    result = train(config, progress=not args.quiet and sys.stderr.isatty(), command=command)
    metrics = ", ".join(f"{k} {v:.4g}" for k, v in result.metrics.items())
    print(f"{result.checkpoint}: step {result.step} ({result.steps_run} this run, {result.seconds:.1f} s)"
          + (f"; {metrics}" if metrics else ""))
    return 0
