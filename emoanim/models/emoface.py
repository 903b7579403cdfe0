"""EmoFace-style regressor (Liu et al. 2024, "EmoFace: Audio-driven emotional 3D face animation"): speech encoder +
emotion embedding -> transformer -> rig controls directly (52 ARKit by default, 174 MetaHuman board controls when the
config says so). EmoFace's post-processing (Savitzky–Golay, blinks, gaze) is `emoanim.motion.post`, not here."""
from __future__ import annotations

import torch
from torch import nn

from emoanim.models.emotion import EmotionEncoder
from emoanim.models.layers import TransformerStack
from emoanim.models.phone_input import HearsSpeech, PhoneProjection


class EmoFaceModel(HearsSpeech, nn.Module):
    """``samples (B, N)``, ``weights (B, T, 8)`` [, ``style (B,)``, ``phones (B, T, PHONE_CHANNELS)``]
    -> controls ``(B, T, outputs)``."""

    def __init__(self, speech: nn.Module, outputs: int = 52, dim: int = 128, layers: int = 2, heads: int = 4,
                 dropout: float = 0.1, styles: int = 0, phone_input: bool = False,
                 forced_flag: bool = False) -> None:
        super().__init__()
        self.speech = speech
        self.emotion = EmotionEncoder(dim, styles)
        self.fuse = nn.Linear(speech.dim + dim, dim)
        self.phones = PhoneProjection(speech.dim, forced_flag) if phone_input else None
        self.transformer = TransformerStack(dim, layers, heads, dropout)
        self.head = nn.Linear(dim, outputs)
        self.outputs = outputs

    def forward(self, samples: torch.Tensor, weights: torch.Tensor, style: torch.Tensor | None = None,
                phones: torch.Tensor | None = None) -> torch.Tensor:
        frames = weights.shape[1]
        x = torch.cat([self.hear(samples, frames, phones), self.emotion(weights, style)], dim=-1)
        return self.head(self.transformer(self.fuse(x)))
