"""FLINT-style motion prior (EMOTE, Daněček et al. 2023, sec. 3.2): a transformer VAE over windows of motion with
one latent vector per 8 frames (temporal downsampling ×8).

Trained first on motion alone (reconstruction + velocity + KL), then frozen: the EMOTE decoder predicts its latents
and this decoder turns them into motion, so the animator's output stays on the manifold of plausible motion.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F

from emoanim.models.layers import TransformerStack

DOWNSAMPLE = 8  # frames per latent (FLINT's temporal compression)


@dataclass
class FlintOutput:
    motion: torch.Tensor  # (B, T, C) reconstruction
    mean: torch.Tensor  # (B, ceil(T / 8), latent)
    log_var: torch.Tensor  # (B, ceil(T / 8), latent)


def pad_to_multiple(x: torch.Tensor, multiple: int = DOWNSAMPLE) -> torch.Tensor:
    """``(B, T, C)`` padded at the end by repeating the last frame to a multiple of ``multiple`` frames."""
    extra = -x.shape[1] % multiple
    return F.pad(x.transpose(1, 2), (0, extra), mode="replicate").transpose(1, 2) if extra else x


class FlintVAE(nn.Module):
    """Motion ``(B, T, channels)`` <-> latents ``(B, ceil(T / 8), latent)``."""

    def __init__(self, channels: int = 52, dim: int = 128, latent: int = 64, layers: int = 2, heads: int = 4,
                 dropout: float = 0.1) -> None:
        super().__init__()
        self.channels, self.latent = channels, latent
        self.encode_in = nn.Linear(channels, dim)
        self.encoder = TransformerStack(dim, layers, heads, dropout)
        self.to_latent = nn.Conv1d(dim, 2 * latent, DOWNSAMPLE, stride=DOWNSAMPLE)
        self.from_latent = nn.ConvTranspose1d(latent, dim, DOWNSAMPLE, stride=DOWNSAMPLE)
        self.decoder = TransformerStack(dim, layers, heads, dropout)
        self.decode_out = nn.Linear(dim, channels)

    def encode(self, motion: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(B, T, C)`` -> mean and log-variance, each ``(B, ceil(T / 8), latent)``."""
        x = self.encoder(self.encode_in(pad_to_multiple(motion)))
        stats = self.to_latent(x.transpose(1, 2)).transpose(1, 2)
        mean, log_var = stats.chunk(2, dim=-1)
        return mean, log_var.clamp(-10.0, 10.0)

    def decode(self, latents: torch.Tensor, frames: int | None = None) -> torch.Tensor:
        """``(B, L, latent)`` -> ``(B, frames, C)`` (``frames`` defaults to ``8 L``; at most ``8 L``)."""
        x = self.from_latent(latents.transpose(1, 2)).transpose(1, 2)
        motion = self.decode_out(self.decoder(x))
        return motion if frames is None else motion[:, :frames]

    def forward(self, motion: torch.Tensor, sample: bool = True) -> FlintOutput:
        mean, log_var = self.encode(motion)
        z = mean + torch.randn_like(mean) * torch.exp(0.5 * log_var) if sample and self.training else mean
        return FlintOutput(self.decode(z, motion.shape[1]), mean, log_var)


def kl_divergence(mean: torch.Tensor, log_var: torch.Tensor) -> torch.Tensor:
    """KL(N(mean, exp(log_var)) || N(0, 1)), summed over latent dims, averaged over latents and batch."""
    return 0.5 * (mean.pow(2) + log_var.exp() - 1.0 - log_var).sum(dim=-1).mean()
