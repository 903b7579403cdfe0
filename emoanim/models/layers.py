"""Building blocks the speech encoders and the animation models share: positions, a transformer stack, and
resampling a feature sequence in time."""
from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

POSITION_PERIOD = 10000.0  # the base of the sinusoidal positions (Vaswani et al. 2017, sec. 3.5)


def sinusoidal_positions(frames: int, dim: int, device: torch.device | None = None) -> torch.Tensor:
    """``(frames, dim)`` fixed sinusoidal position codes.

    Fixed rather than learned: the models are trained on windows of one length and run on chunks of that length
    (see `inference.run_chunked`), and fixed codes also let a shorter chunk (a clip's tail) be in range.
    """
    position = torch.arange(frames, device=device, dtype=torch.float32)[:, None]
    rate = torch.exp(torch.arange(0, dim, 2, device=device, dtype=torch.float32) * (-math.log(POSITION_PERIOD) / dim))
    codes = torch.zeros(frames, dim, device=device)
    codes[:, 0::2] = torch.sin(position * rate)
    codes[:, 1::2] = torch.cos(position * rate[: dim // 2])
    return codes


def resample_time(x: torch.Tensor, frames: int) -> torch.Tensor:
    """``(B, T, C)`` -> ``(B, frames, C)`` by linear interpolation over the sequence's time span."""
    if x.shape[1] == frames:
        return x
    return F.interpolate(x.transpose(1, 2), size=frames, mode="linear", align_corners=False).transpose(1, 2)


class TransformerStack(nn.Module):
    """Pre-norm transformer encoder layers over ``(B, T, dim)`` with sinusoidal positions added at the input."""

    def __init__(self, dim: int, layers: int, heads: int, dropout: float = 0.1, ff_mult: int = 4) -> None:
        super().__init__()
        layer = nn.TransformerEncoderLayer(
            dim, heads, dim_feedforward=ff_mult * dim, dropout=dropout, batch_first=True, norm_first=True,
        )
        # enable_nested_tensor only matters for padding masks, which we never pass; off to silence its warning
        self.layers = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, T, dim)`` -> ``(B, T, dim)``."""
        x = x + sinusoidal_positions(x.shape[1], x.shape[2], x.device)
        return self.norm(self.layers(x))


def parameter_count(module: nn.Module, trainable_only: bool = False) -> int:
    return sum(p.numel() for p in module.parameters() if p.requires_grad or not trainable_only)
