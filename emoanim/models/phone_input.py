"""Phones as an input to the learned animators (``model.phone_input: true``).

A model that hears only log-mel learns the voices it trained on: the shipped ones closed 171 of 270 bilabials on a
voice they never heard (Flite awb) where the phonetic animator, reading pocketsphinx's phones, closed 261.
pocketsphinx's acoustic model was trained on many speakers, so its phones carry what the small encoder lacks; they
are what a phonetic posteriorgram gives speaker-independent speech models. With this input a model reads the same
phones the phonetic animator reads (forced-aligned to a transcript, or recognised without one) beside the audio.

The phones enter as a multi-hot track: frame ``t`` is on for every phone that owns it under the rule the phonetic
animator and the lip-sync metric share (`emoanim.phonetics.types.phone_frames`: a phone always owns the frame
nearest its centre, so a 20 ms /b/ is never lost between frames). An all-zero frame means "no phones known"; a
pause is its own class (`SILENCE`). The projection starts at zero, so a checkpoint trained without phones starts
out unchanged when fine-tuned with them, and a model trained with phone dropout still runs on audio alone.

The track has one more channel, `FORCED`: on where a phone is known and the phones were forced-aligned to a
transcript. Forced phones are right; recognised ones are wrong in places, and a model that cannot tell them apart
learns to doubt both. A model built with ``model.forced_flag: true`` reads the channel (a learned vector added where it
is on, zero at the start); other models ignore it.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import torch
from torch import nn

from emoanim.animators.phonetic.coarticulation import normalise_label
from emoanim.errors import InputError
from emoanim.phonetics.types import ARPABET, SILENCE, Phone, phone_frames

PHONE_CLASSES = ARPABET + (SILENCE,)
_CLASS_INDEX = {label: i for i, label in enumerate(PHONE_CLASSES)}
FORCED = len(PHONE_CLASSES)  # the track's last channel: "these phones were forced-aligned to a transcript"
PHONE_CHANNELS = FORCED + 1


def phone_occupancy(phones: Sequence[Phone] | None, fps: float, frames: int, forced: bool = False) -> np.ndarray:
    """``(frames, PHONE_CHANNELS)`` float32 phone track: multi-hot over `PHONE_CLASSES`, and `FORCED` on where a
    phone is known when ``forced``; all zeros when ``phones`` is None.

    Labels with a stress digit (``AH0``) count as their phone; labels outside ARPAbet and the pause (e.g. a
    recogniser's noise fillers) are left out, as the phonetic animator treats them as pauses anyway."""

    track = np.zeros((frames, PHONE_CHANNELS), np.float32)
    if not phones or frames == 0:
        return track
    indices, starts, ends = [], [], []
    for phone in phones:
        try:
            index = _CLASS_INDEX.get(normalise_label(phone.label))
        except InputError:
            index = None
        if index is not None:
            indices.append(index)
            starts.append(phone.start)
            ends.append(phone.end)
    if not indices:
        return track
    first, last = phone_frames(np.array(starts), np.array(ends), fps, frames)
    for index, a, b in zip(indices, first, last):
        track[a:b + 1, index] = 1.0
    if forced:
        track[:, FORCED] = track[:, :FORCED].max(axis=1)
    return track


def as_recognised(track: np.ndarray) -> np.ndarray:
    """A copy of ``track`` with `FORCED` off: the same phones presented as recognised ones."""
    plain = track.copy()
    plain[..., FORCED] = 0.0
    return plain


class PhoneProjection(nn.Module):
    """``(B, T, PHONE_CHANNELS)`` phone track -> ``(B, T, dim)``, added to the speech features; zero at the start.
    With ``forced_flag`` a learned vector is added where the track's `FORCED` channel is on; without, it is ignored."""

    def __init__(self, dim: int, forced_flag: bool = False) -> None:
        super().__init__()
        # no bias: an all-zero frame (no phones known) must add nothing, exactly as leaving the input out does
        self.linear = nn.Linear(len(PHONE_CLASSES), dim, bias=False)
        nn.init.zeros_(self.linear.weight)
        self.forced = nn.Parameter(torch.zeros(dim)) if forced_flag else None

    def forward(self, phones: torch.Tensor) -> torch.Tensor:
        features = self.linear(phones[..., :FORCED])
        if self.forced is not None:
            features = features + phones[..., FORCED:] * self.forced
        return features


class HearsSpeech:
    """Mixin for the animator models: the speech features of ``samples`` over ``frames`` frames, plus the phone
    projection of ``phones (B, frames, classes)`` when the model takes phones and the caller has some."""

    speech: nn.Module
    phones: PhoneProjection | None

    def hear(self, samples: torch.Tensor, frames: int, phones: torch.Tensor | None = None) -> torch.Tensor:
        features = self.speech(samples, frames)
        if self.phones is not None and phones is not None:
            features = features + self.phones(phones)
        return features

    @property
    def takes_phones(self) -> bool:
        return self.phones is not None
