"""models stage: torch modules only (see ARCHITECTURE.md) — speech encoders, emotion encoder, the FLINT motion
prior, the EMOTE- and EmoFace-style animation models, checkpoints with model cards, chunked inference."""
from emoanim.models.checkpoint import Checkpoint, ModelCard, load_checkpoint, save_checkpoint, write_model_card
from emoanim.models.factory import MODEL_KINDS, build_model

__all__ = ["Checkpoint", "MODEL_KINDS", "ModelCard", "build_model", "load_checkpoint", "save_checkpoint",
           "write_model_card"]
