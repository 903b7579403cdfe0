"""Critics: small frozen networks that judge motion, used only as training losses for the animation models.

- `LipReader`: mouth and jaw channels ``(B, T, 52)`` -> per-frame viseme logits ``(B, T, 15)``. It stands in for
  EMOTE's lip-reading loss (Daněček et al. 2023, sec. 3.4, which reads rendered mouth crops with an image lip reader;
  rendering needs pytorch3d, which does not install here). Reading the mouth channels directly asks the same
  question: can the speech content be told from the lip shapes alone?
- `ExpressionClassifier`: all 52 channels over a window -> emotion class logits ``(B, 8)``. It stands in for EMOTE's
  emotion-consistency loss (an expression classifier on rendered images): the animation must *look* like the
  emotion it was asked for.

Both are trained first (``emoanim train configs/lipreader.yaml`` / ``configs/expression.yaml``) on the teacher
motion, then frozen; `emoanim.train.loop` compares their verdict on the prediction with their verdict (lip reader)
or the label (expression) of the target.
"""
from __future__ import annotations

import torch
from torch import nn

from emoanim.motion.channels import ARKIT_NAMES

# Channels a viewer reads speech from: jaw, lips, cheeks puffing, tongue. Brows and eyes carry emotion, not content.
MOUTH_CHANNELS = [i for i, name in enumerate(ARKIT_NAMES) if name.startswith(("jaw", "mouth", "cheekPuff",
                                                                                   "tongue"))]


class LipReader(nn.Module):
    """``(B, T, 52)`` -> ``(B, T, classes)`` logits, from dilated convolutions over the mouth channels.

    Receptive field +-14 frames (kernel 5 at dilations 1, 2, 4): about half a second at 30 fps, the span of
    coarticulation, so the reader may use neighbouring shapes the way a human lip reader does.
    """

    def __init__(self, classes: int = 15, dim: int = 96, dropout: float = 0.1) -> None:
        super().__init__()
        self.classes = classes
        self.register_buffer("channels", torch.tensor(MOUTH_CHANNELS), persistent=False)
        layers: list[nn.Module] = []
        width = len(MOUTH_CHANNELS)
        for dilation in (1, 2, 4):
            layers += [nn.Conv1d(width, dim, 5, padding=2 * dilation, dilation=dilation), nn.GELU(),
                       nn.Dropout(dropout)]
            width = dim
        self.body = nn.Sequential(*layers)
        self.head = nn.Conv1d(dim, classes, 1)

    def forward(self, motion: torch.Tensor) -> torch.Tensor:
        x = motion[..., self.channels].transpose(1, 2)
        return self.head(self.body(x)).transpose(1, 2)


class ExpressionClassifier(nn.Module):
    """``(B, T, 52)`` -> ``(B, classes)`` logits: convolutions over time, then the mean over the window."""

    def __init__(self, classes: int = 8, dim: int = 96, dropout: float = 0.1) -> None:
        super().__init__()
        self.classes = classes
        self.body = nn.Sequential(
            nn.Conv1d(len(ARKIT_NAMES), dim, 5, padding=2), nn.GELU(), nn.Dropout(dropout),
            nn.Conv1d(dim, dim, 5, padding=4, dilation=2), nn.GELU(), nn.Dropout(dropout),
        )
        self.head = nn.Linear(dim, classes)

    def forward(self, motion: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(motion.transpose(1, 2)).mean(dim=2))


__all__ = ["ExpressionClassifier", "LipReader", "MOUTH_CHANNELS"]
