"""Move a built corpus cache to another machine (a GPU box without espeak-ng, pocketsphinx or the Asterisk
prompts) in a small fraction of its size, and rebuild the cache there.

    python -m emoanim.train.portable pack corpora/main corpora/main.pack
    python -m emoanim.train.portable unpack corpora/main.pack corpora/main [--workers 16]

What travels, per utterance: the speech as Ogg Vorbis (about 8 kB/s instead of 64 kB/s of float32 — lossy, which
changes the features about as much as the codec augmentation the issue asks for), the exact phones and the
emotion specs. Teacher targets are *not* carried for phone-labelled utterances: unpacking relabels them with the
phonetic animator from the decoded audio (the same `sources.label` that built them), so only FACEGOOD's real
animation travels as numbers (float16). The recipe files travel unchanged, so training configs find the rebuilt
cache under the same recipe hashes. The recognised phones of a phone-input run (``heard-<recogniser>/``,
`emoanim.train.heard_phones`) travel as they are: small JSON files, recognised from the original audio, so a GPU
run shows the models the same recognised phones as a CPU run and need not recognise again.
"""
from __future__ import annotations

import argparse
import io
import json
import shutil
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import soundfile

from emoanim.audio.types import SAMPLE_RATE, Audio
from emoanim.errors import InputError
from emoanim.phonetics.types import PhoneTrack
from emoanim.train import sources
from emoanim.train.dataset import phone_fields, phones_from, read_utterance, write_utterance
from emoanim.train.heard_phones import HEARD_PREFIX

DONE, RECIPE = "complete.json", "recipe.json"


def pack(cache: Path, out: Path) -> int:
    """Every complete source folder of ``cache`` into ``out``; returns the number of utterances packed."""
    folders = sorted(f for f in cache.iterdir() if (f / DONE).is_file()) if cache.is_dir() else []
    if not folders:
        raise InputError("no complete corpus sources in this folder", path=cache,
                         hint="build the corpus first (emoanim train CONFIG builds it)")
    count = 0
    for folder in folders:
        target = out / folder.name
        target.mkdir(parents=True, exist_ok=True)
        for name in json.loads((folder / DONE).read_text())["utterances"]:
            _pack_one(folder / f"{name}.npz", target / f"{name}.npz")
            count += 1
        shutil.copy2(folder / RECIPE, target / RECIPE)
        shutil.copy2(folder / DONE, target / DONE)
    _copy_heard(cache, out)
    return count


def _copy_heard(source: Path, dest: Path) -> None:
    """The recognised-phones folders (``heard-*``) of ``source``, copied into ``dest`` file by file."""
    for folder in sorted(source.glob(f"{HEARD_PREFIX}*")):
        if folder.is_dir():
            shutil.copytree(folder, dest / folder.name, dirs_exist_ok=True)


def unpack(packed: Path, cache: Path, workers: int = 1) -> int:
    """Rebuild the cache folders of a `pack` (a folder's ``complete.json`` is written last, so an interrupted
    unpack is rebuilt next time rather than read half-done). Returns the number of utterances written."""
    folders = sorted(f for f in packed.iterdir() if (f / DONE).is_file()) if packed.is_dir() else []
    if not folders:
        raise InputError("not a packed corpus (no complete source folders)", path=packed,
                         hint="make one with `python -m emoanim.train.portable pack CACHE OUT`")
    count = 0
    for folder in folders:
        recipe = json.loads((folder / RECIPE).read_text())
        target = cache / folder.name
        target.mkdir(parents=True, exist_ok=True)
        names = json.loads((folder / DONE).read_text())["utterances"]
        jobs = [(str(folder / f"{n}.npz"), str(target / f"{n}.npz"), recipe) for n in names]
        with ProcessPoolExecutor(max(1, workers)) as pool:
            for _ in pool.map(_unpack_one, jobs, chunksize=8):
                count += 1
        shutil.copy2(folder / RECIPE, target / RECIPE)
        shutil.copy2(folder / DONE, target / DONE)
    _copy_heard(packed, cache)
    return count


def _pack_one(source: Path, dest: Path) -> None:
    u = read_utterance(source)
    ogg = io.BytesIO()
    soundfile.write(ogg, u.samples, SAMPLE_RATE, format="OGG", subtype="VORBIS")
    fields = dict(name=u.name, source=u.source, fps=u.fps, emotions=np.array(u.emotions),
                  duration=len(u.samples) / SAMPLE_RATE, samples_count=len(u.samples),
                  ogg=np.frombuffer(ogg.getvalue(), np.uint8), **phone_fields(u.phones))
    if u.phones is None:  # real animation: the numbers themselves must travel
        fields.update(targets=u.targets.astype(np.float16), weights=u.weights.astype(np.float16))
    np.savez_compressed(dest, **fields)


def _unpack_one(job: tuple[str, str, dict]) -> None:
    source, dest, recipe = job
    with np.load(source) as z:
        samples, _ = soundfile.read(io.BytesIO(z["ogg"].tobytes()), dtype="float32")
        samples = _fit(samples, int(z["samples_count"]))
        name, origin, fps = str(z["name"]), str(z["source"]), float(z["fps"])
        emotions = [str(e) for e in z["emotions"]]
        phones = phones_from(z)
        if phones is not None:
            track = PhoneTrack(phones, float(z["duration"]), "forced")
            u = sources.label(name, origin, Audio(samples, SAMPLE_RATE, None), track, emotions, fps,
                              str(recipe.get("target", "arkit")))
            u.source = origin
        else:
            u = sources.Utterance(name, origin, samples, fps, z["weights"].astype(np.float32),
                                  z["targets"].astype(np.float32), emotions, None)
    write_utterance(Path(dest), u)


def _fit(samples: np.ndarray, count: int) -> np.ndarray:
    """The decoded audio trimmed or zero-padded to the original sample count (codecs pad the last block)."""
    samples = np.asarray(samples, np.float32).reshape(-1)
    return samples[:count] if len(samples) >= count else np.pad(samples, (0, count - len(samples)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m emoanim.train.portable", description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=("pack", "unpack"))
    parser.add_argument("source", type=Path)
    parser.add_argument("dest", type=Path)
    parser.add_argument("--workers", type=int, default=1, help="processes relabelling utterances (unpack)")
    args = parser.parse_args(argv)
    try:
        count = pack(args.source, args.dest) if args.action == "pack" else unpack(args.source, args.dest,
                                                                                  args.workers)
    except InputError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"{args.action}: {count} utterances -> {args.dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
