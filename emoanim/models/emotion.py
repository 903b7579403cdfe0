"""Emotion encoder: per-frame emotion class weights (+ an optional style/speaker id) -> a conditioning sequence.

The input is exactly what `EmotionTrack.at(times)` gives, ``(T, 8)`` weights in `EMOTIONS` order (label ×
intensity, the rest on neutral), so timelines with cross-fades condition every frame as they change.
"""
from __future__ import annotations

import torch
from torch import nn

from emoanim.emotion.classes import EMOTIONS

EMOTION_CLASSES = len(EMOTIONS)


class EmotionEncoder(nn.Module):
    """``(B, T, 8)`` weights [+ ``(B,)`` style ids] -> ``(B, T, dim)``.

    A linear map of the weights is the natural encoding of "label × intensity": intensity 0.5 of a class sits half
    way between neutral's code and that class's code, and cross-fades interpolate codes the same way. The style
    embedding (EMOTE's speaking-style code; ``styles=0`` for none) is added to every frame.
    """

    def __init__(self, dim: int, styles: int = 0) -> None:
        super().__init__()
        self.dim = dim
        self.project = nn.Sequential(nn.Linear(EMOTION_CLASSES, dim), nn.GELU(), nn.Linear(dim, dim))
        self.style = nn.Embedding(styles, dim) if styles > 0 else None

    def forward(self, weights: torch.Tensor, style: torch.Tensor | None = None) -> torch.Tensor:
        if weights.shape[-1] != EMOTION_CLASSES:
            raise ValueError(f"emotion weights need {EMOTION_CLASSES} columns, got {weights.shape[-1]}")
        code = self.project(weights)
        if style is not None:
            if self.style is None:
                raise ValueError("this model has no style embedding (model.emotion.styles is 0)")
            code = code + self.style(style)[:, None, :]
        return code
