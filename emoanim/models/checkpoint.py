"""Checkpoints: one file holding a model's weights, the config that builds it, its model card and (while training)
the optimizer state and step; and the ``MODEL_CARD.md`` that ships beside it.

File layout (``torch.save`` of a dict, read back with ``weights_only=True`` so loading runs no pickled code)::

    {"format": "emoanim-checkpoint", "version": 1, "kind": "emote",
     "config": {...full training config...}, "card": {...}, "state_dict": {...},
     "step": 1200, "optimizer": {...} | None}

A frozen pretrained speech model (wav2vec2/HuBERT, ``trainable: false``) is not stored: the config names its local
folder and loading reads it from there, which keeps checkpoints small (the issue's limit is 25 MB).
"""
from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import torch
from torch import nn

from emoanim.errors import InputError
from emoanim.models.factory import MODEL_KINDS, build_model

FORMAT = "emoanim-checkpoint"
VERSION = 1
FROZEN_BACKBONE = "speech.backbone."  # state-dict prefix of a frozen pretrained speech model


@dataclass
class ModelCard:
    """What a checkpoint is, where its data came from, how good it is, and how to make it again."""

    name: str
    kind: str
    data: list[dict[str, str]] = field(default_factory=list)  # [{"source", "licence", "notes"}]
    metrics: dict[str, float] = field(default_factory=dict)
    command: str = ""  # the command that reproduces it
    parameters: int = 0
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "data": [dict(d) for d in self.data],
                "metrics": {k: float(v) for k, v in self.metrics.items()}, "command": self.command,
                "parameters": int(self.parameters), "notes": list(self.notes)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "ModelCard":
        return cls(name=str(data.get("name", "")), kind=str(data.get("kind", "")),
                   data=[dict(d) for d in data.get("data", [])], metrics=dict(data.get("metrics", {})),
                   command=str(data.get("command", "")), parameters=int(data.get("parameters", 0)),
                   notes=list(data.get("notes", [])))


@dataclass
class Checkpoint:
    model: nn.Module  # rebuilt from `config["model"]`, weights loaded, in eval mode
    config: dict[str, Any]
    card: ModelCard
    step: int
    optimizer: dict[str, Any] | None
    path: Path

    @property
    def kind(self) -> str:
        return self.config["model"]["kind"]


def save_checkpoint(path: str | Path, model: nn.Module, config: Mapping[str, Any], card: ModelCard,
                    step: int = 0, optimizer: Mapping[str, Any] | None = None) -> Path:
    """Write atomically (temp file + rename, so a crash never leaves half a checkpoint); returns the path."""
    path = Path(path)
    kind = config["model"]["kind"]
    state = {k: v for k, v in model.state_dict().items() if not _frozen_backbone(config, k)}
    payload = {"format": FORMAT, "version": VERSION, "kind": kind, "config": _plain(config),
               "card": card.to_dict(), "state_dict": state, "step": int(step),
               "optimizer": dict(optimizer) if optimizer is not None else None}
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as f:
            torch.save(payload, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return path


def load_checkpoint(path: str | Path, kind: str | tuple[str, ...] | None = None,
                    speech_path: str | Path | None = None) -> Checkpoint:
    """Rebuild the module from the stored config and load its weights. ``kind`` (one or several of `MODEL_KINDS`)
    rejects a checkpoint of another kind. ``speech_path`` replaces the wav2vec2/HuBERT folder the config names (the
    trainer's path) with the user's copy. Every failure is one InputError line naming the file."""
    path = Path(path)
    if not path.is_file():
        raise InputError("no such checkpoint", path=path, hint="train one with `emoanim train configs/<name>.yaml`")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # torch raises many types for a damaged zip/pickle; all mean the same to the user
        raise InputError(f"not a readable checkpoint ({type(err).__name__})", path=path,
                         hint="the file is damaged or not a torch checkpoint; train or copy it again") from err
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise InputError("not an emoanim checkpoint", path=path, hint="use a file written by `emoanim train`")
    if payload.get("version") != VERSION:
        raise InputError(f"checkpoint version {payload.get('version')!r} is not supported (expected {VERSION})",
                         path=path, hint="retrain it with this version of emoanim")
    stored = payload.get("kind")
    wanted = (kind,) if isinstance(kind, str) else kind
    if wanted is not None and stored not in wanted:
        raise InputError(f"this checkpoint holds a {stored} model, expected {' or '.join(wanted)}", path=path,
                         hint="pick the checkpoint trained for this model")
    if stored not in MODEL_KINDS:
        raise InputError(f"unknown model kind {stored!r} in checkpoint", path=path)
    config = payload["config"]
    _locate_speech_model(config, path, speech_path)
    model = build_model(config["model"])
    missing, unexpected = model.load_state_dict(payload["state_dict"], strict=False)
    missing = [k for k in missing if not _frozen_backbone(config, k)]
    if missing or unexpected:
        names = (missing or unexpected)[:3]
        raise InputError(f"checkpoint weights do not fit its config ({'missing' if missing else 'unexpected'} "
                         f"{', '.join(names)})", path=path, hint="the file was edited or written by other code")
    model.eval()
    return Checkpoint(model, config, ModelCard.from_dict(payload.get("card", {})), int(payload.get("step", 0)),
                      payload.get("optimizer"), path)


def release_checkpoint(source: str | Path, dest: str | Path) -> Path:
    """A training checkpoint without its optimizer state (which doubles or triples the file and is only needed to
    resume): what ships in ``checkpoints/``. The model card and config travel unchanged."""
    loaded = load_checkpoint(source)
    return save_checkpoint(dest, loaded.model, loaded.config, loaded.card, loaded.step, None)


def write_model_card(path: str | Path, card: ModelCard, config: Mapping[str, Any]) -> Path:
    """``MODEL_CARD.md``: data and licences, metrics, the reproducing command and the full config (YAML)."""
    from omegaconf import OmegaConf

    lines = [f"# {card.name}", "", f"Model kind: `{card.kind}`; {card.parameters:,} parameters.", "",
             "## Data and licences", ""]
    lines += [f"- {d.get('source', '?')} ({d.get('licence', 'licence unknown')})"
              + (f": {d['notes']}" if d.get("notes") else "") for d in card.data] or ["- (none recorded)"]
    lines += ["", "## Metrics", "", "| metric | value |", "|---|---|"]
    lines += [f"| {k} | {v:.4g} |" for k, v in sorted(card.metrics.items())] or ["| (none) | |"]
    lines += ["", "## Reproduce", "", "```", card.command or "(not recorded)", "```"]
    if card.notes:
        lines += ["", "## Notes", ""] + [f"- {n}" for n in card.notes]
    lines += ["", "## Config", "", "```yaml", OmegaConf.to_yaml(OmegaConf.create(_plain(config))).rstrip(), "```", ""]
    path = Path(path)
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _locate_speech_model(config: dict[str, Any], path: Path, speech_path: str | Path | None) -> None:
    """Point ``config["model"]["speech"]["path"]`` at ``speech_path``; fail early, naming the folder, when a
    pretrained speech model's folder is missing (its weights are not in the checkpoint)."""
    speech = config["model"].get("speech") or {}
    kind = speech.get("kind", "logmel")
    if speech_path is not None:
        if kind == "logmel":
            raise InputError("this checkpoint uses the built-in log-mel speech encoder, not a pretrained one",
                             path=path, hint="leave out --speech-encoder")
        speech["path"] = str(Path(speech_path).expanduser())
    elif kind != "logmel" and speech.get("path") and not Path(speech["path"]).is_dir():
        raise InputError(f"the {kind} speech model this checkpoint was trained with is not here", path=speech["path"],
                         hint=f"name your copy of that folder with --speech-encoder DIR; the checkpoint is {path}")


def _frozen_backbone(config: Mapping[str, Any], key: str) -> bool:
    speech = config["model"].get("speech", {}) or {}
    return key.startswith(FROZEN_BACKBONE) and speech.get("kind", "logmel") != "logmel" \
        and not speech.get("trainable", False)


def _plain(value: Any) -> Any:
    """Config -> plain dicts/lists/str/numbers (what ``weights_only`` loading accepts)."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"config value {value!r} ({type(value).__name__}) is not plain data")
