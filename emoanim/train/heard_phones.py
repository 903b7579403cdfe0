"""Phones for models that read them (``model.phone_input: true``): what each training window shows the model.

At run time such a model reads forced-aligned phones when the user gives a transcript, and recognised phones
(pocketsphinx, `emoanim.phonetics.align` without a transcript) when not; the latter are wrong in places. So each
training window shows one of three, drawn per window (config ``data.phone_input``)::

    phone_input: {heard: 0.5, dropout: 0.2, recognizer: words, jobs: 2, exact_only: [synthetic]}

- no phones (``dropout``): the model must still animate from the audio alone;
- the utterance's recognised phones (``heard`` of the rest): the target is still the exact phones' animation, so the
  model learns to correct the recogniser from what it hears;
- its exact phones (the remainder).

Recognised phones are computed once per utterance and cached beside the corpus
(``<cache>/heard-<recognizer>/<utterance>.json``). Utterances without exact phones (FACEGOOD) get none of either.

``exact_only`` names sources whose recognised phones are never shown: their "heard" draws show the exact phones
(not flagged as forced: `emoanim.models.phone_input.FORCED`).
pocketsphinx hears espeak-ng's synthetic voices badly (of the frames it recognised as /p b m/ in the synthetic
corpus, 61% were bilabials, against 89-91% on the Asterisk and Flite voices), so learning from them teaches the model
to distrust a recognised bilabial more than real speech warrants.
"""
from __future__ import annotations

import json
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from emoanim.errors import InputError
from emoanim.models.phone_input import as_recognised, phone_occupancy
from emoanim.phonetics.types import Phone

HEARD_PREFIX = "heard-"  # the cache's recognised-phones folders: heard-<recognizer>/<utterance>.json


@dataclass(frozen=True)
class PhoneMix:
    """How training windows draw their phone input (see the module docstring)."""

    heard: float = 0.5
    dropout: float = 0.2

    def draw(self, rng: np.random.Generator) -> str:
        """``"none"``, ``"heard"`` or ``"exact"`` for one window."""
        if rng.random() < self.dropout:
            return "none"
        return "heard" if rng.random() < self.heard else "exact"


def phone_mix(config: Mapping[str, Any] | None) -> PhoneMix | None:
    """``data.phone_input`` -> `PhoneMix`, or None when the section is absent or empty."""
    if not config:
        return None
    mix = PhoneMix(float(config.get("heard", 0.5)), float(config.get("dropout", 0.2)))
    for name, value in (("heard", mix.heard), ("dropout", mix.dropout)):
        if not 0.0 <= value <= 1.0:
            raise InputError(f"data.phone_input.{name} must be a probability, got {value}",
                             hint="use a number from 0 to 1")
    return mix


def fill_phone_tracks(utterances: Sequence[Any], settings: Mapping[str, Any], cache: Path,
                      note: Callable[[str], None] | None = None) -> None:
    """Give each utterance with exact phones its ``phone_tracks`` ({"exact", "heard"}) from ``data.phone_input``'s
    ``settings``; an ``exact_only`` source's "heard" track is its exact one (it is not recognised at all)."""
    exact_only = set(settings.get("exact_only") or ())
    present = {u.source for u in utterances}
    if exact_only - present:
        raise InputError(f"data.phone_input.exact_only names no source of this corpus: "
                         f"{', '.join(sorted(exact_only - present))}",
                         hint=f"the sources here are {', '.join(sorted(present))}")
    heard = recognised_phones([u for u in utterances if u.source not in exact_only], cache,
                              str(settings.get("recognizer", "words")), int(settings.get("jobs", 1)), note)
    for u in utterances:
        if u.phones is not None:
            # the exact phones stand for what forced alignment gives at run time: flagged FORCED
            exact = phone_occupancy(u.phones, u.fps, u.frames, forced=True)
            u.phone_tracks = {"exact": exact, "heard": as_recognised(exact) if u.source in exact_only else
                              phone_occupancy(heard[u.name], u.fps, u.frames)}


def recognised_phones(utterances: Sequence[Any], cache: Path, recognizer: str = "words", jobs: int = 1,
                      note: Callable[[str], None] | None = None) -> dict[str, list[Phone]]:
    """``{utterance name: recognised phones}`` for every utterance with exact phones, from ``cache`` where there."""
    from emoanim.phonetics.align import check_recognizer

    folder = Path(cache) / f"{HEARD_PREFIX}{check_recognizer(recognizer)}"
    folder.mkdir(parents=True, exist_ok=True)
    wanted = [u for u in utterances if u.phones is not None]
    missing = [u for u in wanted if not (folder / f"{u.name}.json").is_file()]
    if missing and note:
        note(f"phone recognition ({recognizer}): {len(missing)} of {len(wanted)} utterances into {folder}")
    if missing:
        with ProcessPoolExecutor(max_workers=max(1, jobs)) as pool:
            found = pool.map(_recognise, [u.samples for u in missing], [recognizer] * len(missing), chunksize=8)
            for u, phones in zip(missing, found):
                temp = folder / f"{u.name}.json.tmp"
                temp.write_text(json.dumps([[p.label, p.start, p.end] for p in phones]))
                temp.replace(folder / f"{u.name}.json")
    heard = {}
    for u in wanted:
        path = folder / f"{u.name}.json"
        try:
            heard[u.name] = [Phone(str(label), float(start), float(end)) for label, start, end in
                             json.loads(path.read_text())]
        except (OSError, ValueError, TypeError) as err:
            raise InputError(f"damaged recognised-phones cache file ({err})", path=path,
                             hint="delete it to recognise that utterance again") from err
    return heard


def _recognise(samples: np.ndarray, recognizer: str) -> list[Phone]:
    from emoanim.audio.types import Audio
    from emoanim.phonetics.align import align

    return list(align(Audio(np.asarray(samples, np.float32)), None, recognizer=recognizer).phones)
