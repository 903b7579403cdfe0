"""EMOTE-style animator model (Daněček et al. 2023): speech features + emotion -> transformer -> FLINT latents ->
motion through the frozen FLINT decoder."""
from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from emoanim.models.emotion import EmotionEncoder
from emoanim.models.flint import DOWNSAMPLE, FlintVAE
from emoanim.models.layers import TransformerStack
from emoanim.models.phone_input import HearsSpeech, PhoneProjection


class EmoteModel(HearsSpeech, nn.Module):
    """``samples (B, N)``, ``weights (B, T, 8)`` [, ``style (B,)``, ``phones (B, T, PHONE_CHANNELS)``]
    -> motion ``(B, T, flint.channels)``.

    The FLINT prior is frozen: its weights never train here and it stays in eval mode (no latent sampling, no
    dropout). The animator predicts the latent *means* directly, one per 8 frames, via a strided convolution.
    """

    def __init__(self, speech: nn.Module, flint: FlintVAE, dim: int = 128, layers: int = 2, heads: int = 4,
                 dropout: float = 0.1, styles: int = 0, phone_input: bool = False,
                 forced_flag: bool = False) -> None:
        super().__init__()
        self.speech = speech
        self.emotion = EmotionEncoder(dim, styles)
        self.fuse = nn.Linear(speech.dim + dim, dim)
        self.phones = PhoneProjection(speech.dim, forced_flag) if phone_input else None
        self.transformer = TransformerStack(dim, layers, heads, dropout)
        self.to_latent = nn.Conv1d(dim, flint.latent, DOWNSAMPLE, stride=DOWNSAMPLE)
        self.flint = flint
        self.flint.requires_grad_(False)
        self.outputs = flint.channels

    def train(self, mode: bool = True) -> "EmoteModel":
        super().train(mode)
        self.flint.eval()
        return self

    def latents(self, samples: torch.Tensor, weights: torch.Tensor, style: torch.Tensor | None = None,
                phones: torch.Tensor | None = None) -> torch.Tensor:
        """``(B, ceil(T / 8), latent)`` predicted FLINT latents."""
        frames = weights.shape[1]
        x = torch.cat([self.hear(samples, frames, phones), self.emotion(weights, style)], dim=-1)
        x = self.transformer(self.fuse(x))
        extra = -frames % DOWNSAMPLE
        x = F.pad(x.transpose(1, 2), (0, extra), mode="replicate") if extra else x.transpose(1, 2)
        return self.to_latent(x).transpose(1, 2)

    def forward(self, samples: torch.Tensor, weights: torch.Tensor, style: torch.Tensor | None = None,
                phones: torch.Tensor | None = None) -> torch.Tensor:
        return self.flint.decode(self.latents(samples, weights, style, phones), weights.shape[1])
