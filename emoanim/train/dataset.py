"""Training corpora: build (or load from the cache folder the user names) labelled utterances, and cut them into
training windows of (audio, emotion weights, target motion).

Config (``data`` section)::

    data:
      cache: corpora/tiny        # one .npz per utterance; reused when its recipe is unchanged
      target: arkit              # or metahuman-board (174 controls)
      emotions: [neutral, happy, sad, surprised, fear, disgusted, angry, contempt]
      intensities: [0.5, 1.0]
      synthetic: {count: 40, voices: [en-us, en-gb], rates: [140, 175], pitches: [35, 65], val_every: 10,
                  asterisk_texts: false}   # true: also speak the Asterisk tune-half transcripts
      asterisk: {count: 0, val_count: 0,       # prompts from the tune / held-out test halves
                 languages: {}}                # e.g. {fr: 300, it: 300}: other voices, training only
      flite: {count: 0, voices: [kal16, rms, slt]}  # Flite speakers of the tune-half transcripts (train.flite)
      facegood: {root: null, holdout: null}    # e.g. ../shared/data/facegood; holdout: one take for validation
      flame: {root: null, audio_root: null}    # with target: flame; see emoanim.train.flame_source
      augment: {enabled: true, gain_db: 6, noise: 0.5, resample: 0.2, reverb: 0.3, codec: 0.0}  # codec: mu-law
      phone_input: {heard: 0.5, dropout: 0.2, recognizer: words, jobs: 2,  # for model.phone_input (heard_phones)
                    exact_only: []}  # sources never shown recognised phones, e.g. [synthetic]
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

import numpy as np
import torch

from emoanim.emotion.classes import EMOTIONS
from emoanim.errors import InputError
from emoanim.models.phone_input import PHONE_CHANNELS
from emoanim.phonetics.types import Phone
from emoanim.train import labels, sources
from emoanim.train.asterisk import LICENCE as ASTERISK_LICENCE
from emoanim.train.asterisk import prompts, voice
from emoanim.train.flite import LICENCE as FLITE_LICENCE
from emoanim.train.augment import Augmentation
from emoanim.train.heard_phones import PhoneMix, fill_phone_tracks, phone_mix
from emoanim.train.sources import Utterance

SAMPLE_RATE = 16000


@dataclass
class Corpus:
    train: list[Utterance]
    val: list[Utterance]
    licences: list[dict[str, str]]  # for the model card: [{"source", "licence", "notes"}]
    phones: PhoneMix | None = None  # how training windows draw their phone input (data.phone_input), if at all


@dataclass
class Batch:
    samples: torch.Tensor  # (B, S) 16 kHz audio covering the window
    weights: torch.Tensor  # (B, W, 8)
    targets: torch.Tensor  # (B, W, C)
    visemes: torch.Tensor  # (B, W) int64 frame viseme labels, labels.UNKNOWN where the utterance has no phones
    emotion: torch.Tensor  # (B, 8) each window's emotion distribution (labels.emotion_target)
    phones: torch.Tensor | None = None  # (B, W, classes) phone input, with data.phone_input only

    def to(self, device: torch.device) -> "Batch":
        return Batch(*(t.to(device, non_blocking=True) if t is not None else None
                       for t in (self.samples, self.weights, self.targets, self.visemes, self.emotion, self.phones)))


class StepBatches(torch.utils.data.Dataset):
    """Training batch ``step`` = `sample_batch` drawn with ``numpy.random.default_rng([seed, step])``: the same
    batches in the same order whether drawn here or by worker processes, and after a resume."""

    def __init__(self, utterances: Sequence[Utterance], size: int, window: int, seed: int,
                 augment: Augmentation | None, phones: PhoneMix | None = None) -> None:
        self.utterances, self.size, self.window, self.seed, self.augment = utterances, size, window, seed, augment
        self.phones = phones

    def __len__(self) -> int:
        return 1 << 62

    def __getitem__(self, step: int) -> Batch:
        return sample_batch(self.utterances, self.size, self.window, np.random.default_rng([self.seed, step]),
                            self.augment, self.phones)

    def loader(self, first: int, last: int, workers: int) -> Iterable[Batch]:
        """Batches ``first .. last - 1`` in order; ``workers`` > 0 draws them ahead in that many processes."""
        if workers <= 0:
            return (self[step] for step in range(first, last))
        return torch.utils.data.DataLoader(self, batch_size=None, sampler=range(first, last), num_workers=workers,
                                           prefetch_factor=4, pin_memory=torch.cuda.is_available())


def build_corpus(data: Mapping[str, Any], fps: float, progress: Callable[[str], None] | None = None) -> Corpus:
    """Every utterance the ``data`` config asks for, from the cache where possible."""
    if not data.get("cache"):
        raise InputError("the data config needs a cache folder", hint="set data.cache=some/folder")
    cache = Path(data["cache"])
    cache.mkdir(parents=True, exist_ok=True)
    target = str(data.get("target", "arkit"))
    specs = sources.emotion_specs(list(data.get("emotions", EMOTIONS)), list(data.get("intensities", [0.5, 1.0])))
    train: list[Utterance] = []
    val: list[Utterance] = []
    licences: list[dict[str, str]] = []
    note = progress or (lambda _: None)

    synthetic = data.get("synthetic") or {}
    if int(synthetic.get("count", 0)) > 0:
        recipe = dict(synthetic, specs=specs, fps=fps, target=target)
        val_every = int(synthetic.get("val_every", 0))
        def build_synthetic() -> Iterator[Utterance]:
            sentences = list(sources.SENTENCES)
            if synthetic.get("asterisk_texts"):
                # the words of the Asterisk prompts' tune half, spoken by espeak-ng: far more varied text than our
                # own sentences; the test half's words stay unseen, as its recordings do
                sentences += [text for _, text in prompts()[0::2]]
            return sources.synthetic_utterances(
                int(synthetic["count"]), list(synthetic.get("voices", ["en-us"])),
                list(synthetic.get("rates", [175])), list(synthetic.get("pitches", [50])), specs, fps, target,
                sentences)

        items = _cached(cache, "synthetic", recipe, build_synthetic, note)
        for u in items:
            index = int(u.name.rsplit("-", 1)[1])
            (val if val_every and index % val_every == val_every - 1 else train).append(u)
        licences.append({"source": f"synthetic espeak-ng speech ({len(items)} utterances)",
                         "licence": sources.ESPEAK_LICENCE, "notes": "targets from the phonetic animator"})

    asterisk = data.get("asterisk") or {}
    if int(asterisk.get("count", 0)) > 0 or int(asterisk.get("val_count", 0)) > 0:
        # Recipes name the split and count, not the prompt list itself, so a cache moved to a machine without the
        # prompts installed (emoanim.train.portable) is still found; only building reads the prompts.
        for split, count, bucket in (("tune", int(asterisk.get("count", 0)), train),
                                     ("test", int(asterisk.get("val_count", 0)), val)):
            if count:
                recipe = {"split": split, "count": count, "specs": specs, "fps": fps, "target": target}
                offset = 0 if split == "tune" else 1
                bucket += _cached(cache, f"asterisk-{split}", recipe, lambda o=offset, n=count: (
                    sources.asterisk_utterances(prompts()[o::2][:n], specs, fps, target)), note)
        licences.append({"source": "Asterisk core sounds (en)", "licence": ASTERISK_LICENCE,
                         "notes": "forced-aligned; targets from the phonetic animator"})
    languages = {language: int(count) for language, count in dict(asterisk.get("languages") or {}).items()}
    for language, count in languages.items():
        # other voices (emoanim.train.asterisk.VOICES), all for training: the first `count` prompts by name
        v = voice(language)
        recipe = {"language": language, "count": count, "specs": specs, "fps": fps, "target": target}
        train += _cached(cache, f"asterisk-{language}", recipe, lambda lang=language, n=count: (
            sources.asterisk_utterances(prompts(lang)[:n], specs, fps, target, lang)), note)
        licences.append({"source": f"Asterisk core sounds ({language}, {v.speaker})", "licence": v.licence,
                         "notes": "aligned through espeak-ng pronunciations; targets from the phonetic animator"})

    flite = data.get("flite") or {}
    if int(flite.get("count", 0)) > 0:
        voices = list(flite.get("voices", ["kal16", "rms", "slt"]))
        recipe = {"count": int(flite["count"]), "voices": voices, "specs": specs, "fps": fps, "target": target}
        # the tune half's transcripts only: the test half's words are the report's (and awb, kept out, speaks the
        # selection set: benchmarks/select_checkpoint.py save --flite awb)
        train += _cached(cache, "flite", recipe, lambda: sources.flite_utterances(
            [text for _, text in prompts()[0::2]], voices, int(flite["count"]), specs, fps, target), note)
        licences.append({"source": f"Flite speech ({', '.join(voices)})", "licence": FLITE_LICENCE,
                         "notes": "the Asterisk tune-half transcripts, forced-aligned; targets from the phonetic "
                                  "animator"})

    facegood = data.get("facegood") or {}
    if facegood.get("root"):
        root = Path(facegood["root"])
        recipe = {"source": "facegood", "fps": fps, "target": target}  # the takes are read from root when building
        items = _cached(cache, "facegood", recipe, lambda: sources.facegood_utterances(
            root, sources.facegood_takes(root), fps, target), note)
        takes = sorted(u.name.removeprefix("facegood-") for u in items)
        holdout = facegood.get("holdout") or takes[-1]
        if holdout not in takes:
            raise InputError(f"no FACEGOOD take {holdout!r}", path=root, hint=f"use one of: {', '.join(takes)}")
        for u in items:
            (val if u.name == f"facegood-{holdout}" else train).append(u)
        licences.append({"source": "FACEGOOD-Audio2Face takes", "licence": sources.FACEGOOD_LICENCE,
                         "notes": f"real animation; take {holdout} held out"})

    if target == "flame" or (data.get("flame") or {}).get("root"):
        from emoanim.train.flame_source import flame_split

        flame_train, flame_val, flame_licence = flame_split(
            data, fps, lambda kind, recipe, build: _cached(cache, kind, recipe, build, note))
        train, val = train + flame_train, val + flame_val
        licences.append(flame_licence)
    if not train:
        raise InputError("the data config selects no training utterances",
                         hint="set data.synthetic.count, data.asterisk.count or data.facegood.root")
    for u in train + val:
        u.visemes = labels.viseme_frames(u.phones, u.fps, u.frames)
    mix = phone_mix(data.get("phone_input"))
    if mix is not None:
        fill_phone_tracks(train + val, data["phone_input"], cache, note)
    return Corpus(train, val, licences, mix)


def sample_batch(utterances: Sequence[Utterance], size: int, window: int, rng: np.random.Generator,
                 augment: Augmentation | None = None, phones: PhoneMix | None = None) -> Batch:
    """``size`` random windows of ``window`` frames: utterances drawn in proportion to their length, a random
    labelled variant of each, a random start. Short utterances are padded (audio with silence, weights and targets
    with their last frame, viseme labels with UNKNOWN, phone input with "no phones"). With ``phones``, each window
    also draws its phone input (`emoanim.train.heard_phones`)."""
    lengths = np.array([u.frames for u in utterances], np.float64)
    picks = rng.choice(len(utterances), size=size, p=lengths / lengths.sum())
    fps = utterances[0].fps
    span = int(round(window * SAMPLE_RATE / fps))
    audio = np.zeros((size, span), np.float32)
    weights, targets, visemes, heard = [], [], [], []
    for row, pick in enumerate(picks):
        u = utterances[pick]
        variant = int(rng.integers(len(u.emotions)))
        start = int(rng.integers(max(1, u.frames - window + 1)))
        first = int(round(start * SAMPLE_RATE / fps))
        piece = u.samples[first:first + span]
        audio[row, : len(piece)] = augment(piece, rng) if augment is not None else piece
        weights.append(_pad(u.weights[variant, start:start + window], window))
        targets.append(_pad(u.targets[variant, start:start + window], window))
        known = u.visemes if u.visemes is not None else labels.viseme_frames(u.phones, fps, u.frames)
        piece_labels = known[start:start + window]
        visemes.append(np.pad(piece_labels, (0, window - len(piece_labels)), constant_values=labels.UNKNOWN))
        if phones is not None:
            heard.append(_phone_window(u, phones.draw(rng), start, window))
    weights_array = np.stack(weights)
    return Batch(torch.from_numpy(audio), torch.from_numpy(weights_array), torch.from_numpy(np.stack(targets)),
                 torch.from_numpy(np.stack(visemes)), torch.from_numpy(np.stack([labels.emotion_target(w)
                                                                                 for w in weights_array])),
                 torch.from_numpy(np.stack(heard)) if phones is not None else None)


def _phone_window(u: Utterance, which: str, start: int, window: int) -> np.ndarray:
    """``(window, PHONE_CHANNELS)`` phone input of one window: ``which`` of the utterance's tracks, zeros for "none" or
    an utterance without phones, zero-padded past its end."""
    if which == "none" or not u.phone_tracks:
        return np.zeros((window, PHONE_CHANNELS), np.float32)
    piece = u.phone_tracks[which][start:start + window]
    return np.pad(piece, ((0, window - len(piece)), (0, 0)))


def _pad(values: np.ndarray, window: int) -> np.ndarray:
    if len(values) >= window:
        return values[:window]
    return np.concatenate([values, np.repeat(values[-1:], window - len(values), axis=0)])


# ---- cache -------------------------------------------------------------------------------------------------------

def _cached(cache: Path, kind: str, recipe: Mapping[str, Any], build: Callable[[], Iterator[Utterance]],
            note: Callable[[str], None]) -> list[Utterance]:
    """The utterances of one source: read from ``cache/<kind>-<recipe hash>/`` when complete, else built there."""
    digest = hashlib.sha256(json.dumps(recipe, sort_keys=True, default=str).encode()).hexdigest()[:12]
    folder = cache / f"{kind}-{digest}"
    done = folder / "complete.json"
    if done.is_file():
        names = json.loads(done.read_text())["utterances"]
        note(f"{kind}: {len(names)} utterances from {folder}")
        return [read_utterance(folder / f"{n}.npz") for n in names]
    folder.mkdir(parents=True, exist_ok=True)
    note(f"{kind}: building into {folder}")
    items = []
    for u in build():
        write_utterance(folder / f"{u.name}.npz", u)
        items.append(u)
    (folder / "recipe.json").write_text(json.dumps(recipe, sort_keys=True, indent=1, default=str))
    done.write_text(json.dumps({"utterances": [u.name for u in items]}))
    return items


def write_utterance(path: Path, u: Utterance) -> None:
    temp = path.with_suffix(".tmp.npz")
    np.savez_compressed(
        temp, name=u.name, source=u.source, samples=u.samples, fps=u.fps, weights=u.weights, targets=u.targets,
        emotions=np.array(u.emotions), **phone_fields(u.phones),
    )
    temp.replace(path)


def phone_fields(phones: Sequence[Phone] | None) -> dict[str, np.ndarray | bool]:
    """Phones as plain arrays for an ``.npz`` (no pickles); `phones_from` reads them back."""
    listed = phones or []
    return dict(has_phones=phones is not None,
                phone_labels=np.array([p.label for p in listed], dtype=str),
                phone_times=np.array([[p.start, p.end] for p in listed], np.float64).reshape(-1, 2),
                phone_words=np.array([p.word or "" for p in listed], dtype=str))


def phones_from(z: Mapping[str, np.ndarray]) -> list[Phone] | None:
    if not bool(z["has_phones"]):
        return None
    return [Phone(str(lab), float(t[0]), float(t[1]), str(w) or None)
            for lab, t, w in zip(z["phone_labels"], z["phone_times"], z["phone_words"])]


def read_utterance(path: Path) -> Utterance:
    try:
        with np.load(path) as z:
            return Utterance(str(z["name"]), str(z["source"]), z["samples"], float(z["fps"]), z["weights"],
                             z["targets"], [str(e) for e in z["emotions"]], phones_from(z))
    except (OSError, KeyError, ValueError) as err:
        raise InputError(f"damaged corpus cache file ({err})", path=path,
                         hint="delete its folder to rebuild it") from err
