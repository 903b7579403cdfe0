"""Build a model from the ``model`` section of a config (a plain dict, as `OmegaConf.to_container` gives).

    model:
      kind: emoface            # flint | emote | emoface
      fps: 30                  # animation frames per second the model works at
      window_frames: 64        # training window; inference runs in chunks of this length
      outputs: 52              # emoface: 52 ARKit or 174 MetaHuman board controls; flint/emote: `flint.channels`
      dim: 128, layers: 2, heads: 4, dropout: 0.1, styles: 0
      speech: {kind: logmel, dim: 128, layers: 2, heads: 4}        # or {kind: wav2vec2, path: DIR, trainable: false}
      flint: {channels: 52, dim: 128, latent: 64, layers: 2, heads: 4}   # emote: its (frozen) prior's shape

The critics (``kind: lipreader`` / ``expression``, see `critics`) take ``classes``, ``dim`` and ``dropout``.
"""
from __future__ import annotations

from typing import Any, Mapping

from torch import nn

from emoanim.errors import InputError
from emoanim.models.critics import ExpressionClassifier, LipReader
from emoanim.models.emoface import EmoFaceModel
from emoanim.models.emote import EmoteModel
from emoanim.models.flint import FlintVAE
from emoanim.models.speech_encoders import build_speech_encoder

MODEL_KINDS = ("flint", "emote", "emoface", "lipreader", "expression")


def build_flint(config: Mapping[str, Any]) -> FlintVAE:
    return FlintVAE(int(config.get("channels", 52)), int(config.get("dim", 128)), int(config.get("latent", 64)),
                    int(config.get("layers", 2)), int(config.get("heads", 4)), float(config.get("dropout", 0.1)))


def build_model(config: Mapping[str, Any]) -> nn.Module:
    """A freshly initialised module of ``config["kind"]`` (weights come from a checkpoint or from training)."""
    kind = config.get("kind")
    if kind == "flint":
        return build_flint(config)
    if kind == "lipreader":
        return LipReader(int(config.get("classes", 15)), int(config.get("dim", 96)), float(config.get("dropout", 0.1)))
    if kind == "expression":
        return ExpressionClassifier(int(config.get("classes", 8)), int(config.get("dim", 96)),
                                    float(config.get("dropout", 0.1)))
    if kind not in MODEL_KINDS:
        raise InputError(f"unknown model kind {kind!r}", hint=f"set model.kind to one of: {', '.join(MODEL_KINDS)}")
    common = dict(dim=int(config.get("dim", 128)), layers=int(config.get("layers", 2)),
                  heads=int(config.get("heads", 4)), dropout=float(config.get("dropout", 0.1)),
                  styles=int(config.get("styles", 0)), phone_input=bool(config.get("phone_input", False)),
                  forced_flag=bool(config.get("forced_flag", False)))
    speech = build_speech_encoder(config.get("speech", {}))
    if kind == "emote":
        return EmoteModel(speech, build_flint(config.get("flint", {})), **common)
    return EmoFaceModel(speech, int(config.get("outputs", 52)), **common)
