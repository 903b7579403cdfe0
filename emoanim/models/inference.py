"""Chunked inference: any length of speech through an animation model in bounded memory.

Models are trained on windows of ``window_frames``; attention cost grows with the square of the length, so a
10-minute clip (18,000 frames at 30 fps) is run as overlapping windows of the training length and cross-faded
linearly over the overlap. Memory then depends on the window and the batch of windows, not on the clip.
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

from emoanim.models.flint import DOWNSAMPLE
from emoanim.models.speech_encoders import SAMPLE_RATE

DEFAULT_BATCH = 8  # windows per forward pass


def chunk_starts(frames: int, window: int, overlap: int) -> list[int]:
    """First frame of each window; windows after the first start ``window - overlap`` apart; the last window ends
    at ``frames`` (it may be shorter than ``window`` only when the clip is)."""
    if window <= overlap:
        raise ValueError(f"window ({window}) must be longer than overlap ({overlap})")
    if frames <= window:
        return [0]
    hop = window - overlap
    starts = list(range(0, frames - window, hop))
    return starts + [frames - window]


def run_chunked(model: nn.Module, samples: np.ndarray, weights: np.ndarray, fps: float, window: int,
                overlap: int | None = None, style: int | None = None, batch: int = DEFAULT_BATCH,
                phones: np.ndarray | None = None) -> np.ndarray:
    """``samples (N,)`` 16 kHz float32 and emotion ``weights (T, 8)`` -> model output ``(T, C)`` float32.
    ``phones (T, classes)``: the multi-hot phone track (`emoanim.models.phone_input`) for a model that takes it.

    ``overlap`` defaults to a quarter window rounded to FLINT's 8-frame latent grid. Frame ``t`` covers samples
    from ``t / fps`` seconds on, so each window gets exactly its own stretch of audio.
    """
    per_frame = SAMPLE_RATE / fps
    device = next(model.parameters()).device

    def predict(group: list[int], length: int) -> np.ndarray:
        span = int(round(length * per_frame))
        audio = np.zeros((len(group), span), np.float32)  # silence after a clip shorter than the window
        for row, start in enumerate(group):
            piece = samples[int(round(start * per_frame)):int(round(start * per_frame)) + span]
            audio[row, : len(piece)] = piece
        cond = np.stack([pad_frames(weights[s:s + length], length) for s in group]).astype(np.float32)
        style_ids = torch.full((len(group),), style, dtype=torch.long, device=device) if style is not None else None
        heard = None
        if phones is not None:  # frames after the clip hold no phones (zeros), as its audio holds silence there
            track = np.zeros((len(group), length, phones.shape[1]), np.float32)
            for row, start in enumerate(group):
                piece = phones[start:start + length]
                track[row, : len(piece)] = piece
            heard = torch.from_numpy(track).to(device)
        return model(torch.from_numpy(audio).to(device), torch.from_numpy(cond).to(device), style_ids,
                     heard).cpu().numpy()

    model.eval()
    with torch.no_grad():
        return blend_windows(len(weights), window, overlap, predict, batch)


def reconstruct_chunked(flint: nn.Module, motion: np.ndarray, window: int, overlap: int | None = None,
                        batch: int = DEFAULT_BATCH) -> np.ndarray:
    """A FLINT prior's reconstruction (latent means, no sampling) of ``motion (T, C)``, window by window as
    `run_chunked` runs the animators on it: the prior is trained on windows, and its sinusoidal positions and
    attention see nothing longer (a whole utterance in one pass scores it on lengths it never trained on)."""
    device = next(flint.parameters()).device

    def predict(group: list[int], length: int) -> np.ndarray:
        pieces = np.stack([pad_frames(motion[s:s + length], length) for s in group]).astype(np.float32)
        return flint(torch.from_numpy(pieces).to(device), sample=False).motion.cpu().numpy()

    flint.eval()
    with torch.no_grad():
        return blend_windows(len(motion), window, overlap, predict, batch)


def blend_windows(frames: int, window: int, overlap: int | None, predict, batch: int = DEFAULT_BATCH) -> np.ndarray:
    """``(frames, C)`` float32 from overlapping windows cross-faded linearly; ``predict(starts, window)`` gives the
    ``(len(starts), window, C)`` outputs of the windows starting at ``starts``, ``batch`` windows at a time.

    Every window is a whole training window: a clip shorter than one is padded (by ``predict``, as `pad_frames`
    and silence) and the output cut back, because training pads short utterances the same way and the models never
    saw a shorter sequence."""
    overlap = overlap if overlap is not None else max(DOWNSAMPLE, (window // 4) // DOWNSAMPLE * DOWNSAMPLE)
    overlap = min(overlap, window - 1)
    starts = chunk_starts(frames, window, overlap)
    length = min(window, frames)
    out = accumulated = None
    ramp = _ramp(length, overlap)
    for first in range(0, len(starts), batch):
        group = starts[first:first + batch]
        pred = predict(group, window)[:, :length]
        if out is None:
            out = np.zeros((frames, pred.shape[-1]), np.float64)
            accumulated = np.zeros((frames, 1), np.float64)
        for row, start in enumerate(group):
            fade = ramp.copy()
            if start == 0:
                fade[:overlap] = 1.0  # nothing before the first window to fade against
            if start + length >= frames:
                fade[length - overlap:] = 1.0  # nothing after the last window either
            out[start:start + length] += pred[row] * fade[:, None]
            accumulated[start:start + length] += fade[:, None]
    return (out / np.maximum(accumulated, 1e-9)).astype(np.float32)


def pad_frames(values: np.ndarray, frames: int) -> np.ndarray:
    """``values (T, C)`` with its last frame repeated up to ``frames`` rows (as training pads short utterances)."""
    if len(values) >= frames:
        return values[:frames]
    return np.concatenate([values, np.repeat(values[-1:], frames - len(values), axis=0)])


def _ramp(length: int, overlap: int) -> np.ndarray:
    """``(length,)`` cross-fade weights: rising over the first ``overlap`` frames, falling over the last."""
    fade = np.ones(length)
    if overlap > 0 and length > 2 * overlap:
        edge = (np.arange(overlap) + 0.5) / overlap
        fade[:overlap] = edge
        fade[length - overlap:] = edge[::-1]
    return fade
