"""Speech encoders: 16 kHz samples ``(B, N)`` -> features at the animation frame rate ``(B, T, dim)``.

- `LogMelEncoder` (``kind: logmel``): 80-band log-mel at 100 Hz, a small 1-D conv front end, resampled to the
  animation's frames, then a transformer. Trained with the animation model; the fast default.
- `HFSpeechEncoder` (``kind: wav2vec2`` or ``hubert``): a pretrained `transformers` model read from a LOCAL folder
  only, frozen or fine-tuned, its hidden layers mixed by learned softmax weights (as SUPERB does, Yang et al. 2021),
  projected to ``dim`` and resampled to the animation's frames.

Every encoder takes ``frames``: the number of animation frames the samples cover, so the caller decides the
frame grid (``frame_count(duration, fps)``) and encoders never round differently from the animator.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Mapping

import torch
from torch import nn

from emoanim.errors import InputError
from emoanim.models.layers import TransformerStack, resample_time

SAMPLE_RATE = 16000  # Hz; emoanim.audio always delivers 16 kHz mono
MEL_BANDS = 80
MEL_HOP = 160  # samples: 10 ms, so 100 mel frames per second
MEL_WINDOW = 400  # samples: 25 ms Hann window, the usual ASR framing
MEL_FMIN, MEL_FMAX = 0.0, 8000.0  # Hz, up to Nyquist at 16 kHz
LOG_FLOOR = 1e-6  # power floor before log10: -60 dB below full-scale power per band
LOG_OFFSET, LOG_SCALE = 4.0, 2.0  # fixed affine (not per-utterance) so a chunk's features don't depend on its
# neighbours: log10 mel power of speech at -20..-30 dBFS sits around -4 +- 2 with this filterbank
HF_KINDS = ("wav2vec2", "hubert")
SPEECH_KINDS = ("logmel",) + HF_KINDS


def mel_filterbank(bands: int = MEL_BANDS, n_fft: int = MEL_WINDOW, rate: int = SAMPLE_RATE,
                   fmin: float = MEL_FMIN, fmax: float = MEL_FMAX) -> torch.Tensor:
    """``(n_fft // 2 + 1, bands)`` triangular filters equally spaced on the HTK mel scale (O'Shaughnessy 1987:
    mel = 2595 log10(1 + f / 700)), each normalised to unit area so bands of different width weigh alike."""
    def to_mel(f: torch.Tensor) -> torch.Tensor:
        return 2595.0 * torch.log10(1.0 + f / 700.0)

    def to_hz(m: torch.Tensor) -> torch.Tensor:
        return 700.0 * (10.0 ** (m / 2595.0) - 1.0)

    edges = to_hz(torch.linspace(to_mel(torch.tensor(fmin)), to_mel(torch.tensor(fmax)), bands + 2))
    bins = torch.linspace(0.0, rate / 2, n_fft // 2 + 1)[:, None]
    lower, centre, upper = edges[:-2], edges[1:-1], edges[2:]
    rising = (bins - lower) / (centre - lower)
    falling = (upper - bins) / (upper - centre)
    filters = torch.clamp(torch.minimum(rising, falling), min=0.0)
    return filters / filters.sum(dim=0, keepdim=True).clamp(min=1e-12)


class LogMel(nn.Module):
    """``(B, N)`` samples -> ``(B, ceil(N / 160), 80)`` scaled log10 mel power (no learned weights)."""

    def __init__(self) -> None:
        super().__init__()
        self.register_buffer("window", torch.hann_window(MEL_WINDOW), persistent=False)
        self.register_buffer("filters", mel_filterbank(), persistent=False)

    def forward(self, samples: torch.Tensor) -> torch.Tensor:
        spectrum = torch.stft(samples, MEL_WINDOW, MEL_HOP, window=self.window, center=True, return_complex=True)
        power = spectrum.abs().pow(2).transpose(1, 2)  # (B, frames, bins)
        mel = torch.log10(torch.clamp(power @ self.filters, min=LOG_FLOOR))
        return (mel + LOG_OFFSET) / LOG_SCALE


class LogMelEncoder(nn.Module):
    """Log-mel -> two conv layers (kernel 5 at 100 Hz: +-20 ms context each) -> resample to ``frames`` ->
    transformer. ``(B, N)`` -> ``(B, frames, dim)``."""

    def __init__(self, dim: int = 128, layers: int = 2, heads: int = 4, dropout: float = 0.1) -> None:
        super().__init__()
        self.dim = dim
        self.mel = LogMel()
        self.conv = nn.Sequential(
            nn.Conv1d(MEL_BANDS, dim, 5, padding=2), nn.GELU(),
            nn.Conv1d(dim, dim, 5, padding=2), nn.GELU(),
        )
        self.transformer = TransformerStack(dim, layers, heads, dropout) if layers > 0 else nn.Identity()

    def forward(self, samples: torch.Tensor, frames: int) -> torch.Tensor:
        mel = self.mel(samples)  # (B, M, 80)
        x = self.conv(mel.transpose(1, 2)).transpose(1, 2)
        return self.transformer(resample_time(x, frames))


class HFSpeechEncoder(nn.Module):
    """A wav2vec2 / HuBERT model from a local folder (``config.json`` + weights, as ``save_pretrained`` writes).

    ``trainable=False`` freezes the pretrained model (and keeps it in eval mode, so its dropout and layer drop stay
    off); the learned layer weights and the projection always train. Input is normalised per utterance to zero mean
    and unit variance, as the wav2vec2 feature extractors do (``do_normalize=True``).
    """

    def __init__(self, path: str | Path, dim: int = 128, trainable: bool = False) -> None:
        super().__init__()
        folder = local_model_folder(path)
        os.environ["HF_HUB_OFFLINE"] = "1"  # belt and braces: transformers must never try the network
        from transformers import AutoModel

        try:
            self.backbone = AutoModel.from_pretrained(str(folder), local_files_only=True)
        except (OSError, ValueError) as err:
            first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
            raise InputError(f"cannot load a speech model from this folder: {first}", path=folder,
                             hint="it needs config.json and model weights written by save_pretrained") from err
        self.path = str(folder)
        self.trainable = trainable
        self.backbone.requires_grad_(trainable)
        hidden = self.backbone.config.hidden_size
        layers = self.backbone.config.num_hidden_layers + 1  # + the projected conv features (hidden_states[0])
        self.layer_logits = nn.Parameter(torch.zeros(layers))  # softmax(0) = plain average to start
        self.project = nn.Linear(hidden, dim)
        self.dim = dim

    def train(self, mode: bool = True) -> "HFSpeechEncoder":
        super().train(mode)
        if not self.trainable:
            self.backbone.eval()
        return self

    def forward(self, samples: torch.Tensor, frames: int) -> torch.Tensor:
        mean = samples.mean(dim=1, keepdim=True)
        std = samples.std(dim=1, keepdim=True).clamp(min=1e-5)
        with torch.set_grad_enabled(self.trainable and torch.is_grad_enabled()):
            hidden = self.backbone((samples - mean) / std, output_hidden_states=True).hidden_states
        stacked = torch.stack(hidden, dim=0)  # (L, B, T', hidden)
        mixed = (torch.softmax(self.layer_logits, 0)[:, None, None, None] * stacked).sum(dim=0)
        return resample_time(self.project(mixed), frames)


def local_model_folder(path: str | Path) -> Path:
    """The folder itself; a hub name or anything that is not an existing local folder fails at once."""
    folder = Path(path).expanduser()
    if not folder.is_dir():
        raise InputError("not a local model folder (models are never downloaded)", path=folder,
                         hint="download the model yourself, e.g. with save_pretrained, and name its folder")
    if not (folder / "config.json").is_file():
        raise InputError("no config.json in this model folder", path=folder,
                         hint="name the folder save_pretrained wrote")
    return folder


def build_speech_encoder(config: Mapping[str, Any]) -> nn.Module:
    """An encoder from its config: ``{kind: logmel, dim, layers, heads, dropout}`` or
    ``{kind: wav2vec2|hubert, path, dim, trainable}``."""
    kind = str(config.get("kind", "logmel"))
    if kind == "logmel":
        return LogMelEncoder(int(config.get("dim", 128)), int(config.get("layers", 2)), int(config.get("heads", 4)),
                             float(config.get("dropout", 0.1)))
    if kind in HF_KINDS:
        if not config.get("path"):
            raise InputError(f"the {kind} speech encoder needs a local folder", hint="set model.speech.path")
        return HFSpeechEncoder(config["path"], int(config.get("dim", 128)), bool(config.get("trainable", False)))
    raise InputError(f"unknown speech encoder {kind!r}", hint=f"use one of: {', '.join(SPEECH_KINDS)}")


def samples_per_frame(fps: float) -> float:
    return SAMPLE_RATE / fps


def frames_for_samples(samples: int, fps: float) -> int:
    """Animation frames covering ``samples`` at 16 kHz (``frame_count`` of their duration)."""
    return max(1, int(round(samples / SAMPLE_RATE * fps)))


__all__ = ["HFSpeechEncoder", "LogMel", "LogMelEncoder", "build_speech_encoder", "mel_filterbank",
           "local_model_folder", "SAMPLE_RATE", "SPEECH_KINDS"]
