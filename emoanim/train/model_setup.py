"""What a training run starts from, besides its data: initial weights (``train.init``, ``train.transplant``), the
parts that stay frozen (``train.trainable``), and the frozen critics its perceptual losses consult
(``train.critics``)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import torch
from torch import nn

from emoanim.errors import InputError
from emoanim.models import load_checkpoint


@dataclass
class Critics:
    """Frozen judges of motion for the animation models' perceptual losses (None: that loss is off)."""

    lipreader: nn.Module | None = None
    expression: nn.Module | None = None


def load_critics(paths: Mapping[str, str], weights: Mapping[str, float], device: torch.device) -> Critics:
    """The frozen critics whose losses are switched on; a weight without its checkpoint is a config error."""
    wanted = {"lipreader": "lip_reading", "expression": "emotion_consistency"}
    found = {}
    for kind, loss in wanted.items():
        if not weights.get(loss):
            continue
        if not paths.get(kind):
            raise InputError(f"train.losses.{loss} is on but no {kind} critic is named",
                             hint=f"train one (emoanim train configs/{kind}.yaml) and set train.critics.{kind}=PATH")
        critic = load_checkpoint(paths[kind], kind).model.to(device)
        critic.requires_grad_(False)
        found[kind] = critic.eval()
    return Critics(found.get("lipreader"), found.get("expression"))


def start_from(model: nn.Module, model_cfg: Mapping[str, Any], path: str, kind: str) -> None:
    """``train.init``: begin from a trained checkpoint's weights (fine-tuning), with a fresh optimizer at step 0."""
    source = load_checkpoint(path, kind)
    if _shape_config(source.config["model"]) != _shape_config(model_cfg):
        raise InputError("train.init names a checkpoint of another model config", path=path,
                         hint="fine-tune with the config that checkpoint was trained with")
    # a model that adds the phone input (or its forced flag) may start from one without it: the phone projection
    # starts at zero (emoanim.models.phone_input), so the fine-tune begins from exactly the source's behaviour
    missing, unexpected = model.load_state_dict(source.model.state_dict(), strict=False)
    added = [k for k in missing if not k.startswith("phones.")]
    if added or unexpected:
        raise InputError(f"train.init: the checkpoint's weights do not fit this model (missing {added[:3]}, "
                         f"unexpected {unexpected[:3]})", path=path,
                         hint="fine-tune with the config that checkpoint was trained with")


def transplant(model: nn.Module, spec: Mapping[str, Any]) -> None:
    """``train.transplant``: copy the weights of ``spec["modules"]`` (e.g. ``[speech, emotion, fuse, transformer]``)
    from the checkpoint ``spec["from"]``, which may be of another kind: emote and emoface share their front layers
    (speech encoder, emotion embedding, fusion, transformer), so one can start from the other's. Every named module
    must exist in both with the same shapes."""
    source = load_checkpoint(str(spec["from"])).model.state_dict()
    target = model.state_dict()
    modules = list(spec.get("modules") or [])
    if not modules:
        raise InputError("train.transplant names no modules", hint="e.g. modules: [speech, emotion, fuse, transformer]")
    copied = {}
    for module in modules:
        keys = [k for k in target if k.startswith(module + ".")]
        if not keys:
            raise InputError(f"train.transplant: this model has no module {module!r}",
                             hint="use module names such as speech, emotion, fuse, transformer")
        for key in keys:
            if key not in source or source[key].shape != target[key].shape:
                raise InputError(f"train.transplant: {key} is missing or shaped differently in the source",
                                 path=str(spec["from"]), hint="transplant between models of the same front config")
            copied[key] = source[key]
    model.load_state_dict({**target, **copied})


def _shape_config(model_cfg: Mapping[str, Any]) -> dict:
    """A model config less what no weight depends on: where the prior came from (``flint_checkpoint``) and the
    dropout rates (fine-tuning may regularise harder than the run it starts from); and ``phone_input`` and
    ``forced_flag``, whose weights a fine-tune may add (`start_from`)."""
    return {k: _shape_config(v) if isinstance(v, Mapping) else v for k, v in model_cfg.items()
            if k not in ("flint_checkpoint", "dropout", "phone_input", "forced_flag")}


def freeze_except(model: nn.Module, prefixes: list[str]) -> list[nn.Module]:
    """``train.trainable``: only parameters under these module names train (e.g. ``[head]``: last-layer
    fine-tuning); [] trains everything that is not frozen by design. Returns the modules left with nothing to train,
    which `train_mode` keeps in eval mode so their dropout does not perturb the features the trained part sees."""
    if not prefixes:
        return []
    names = [name for name, _ in model.named_parameters()]
    unknown = [p for p in prefixes if not any(n == p or n.startswith(p + ".") for n in names)]
    if unknown:
        raise InputError(f"train.trainable names no module of this model: {', '.join(unknown)}",
                         hint="use module names such as head, transformer, to_latent")
    for name, parameter in model.named_parameters():
        parameter.requires_grad_(any(name == p or name.startswith(p + ".") for p in prefixes))
    return [module for module in model.modules()
            if not any(p.requires_grad for p in module.parameters()) and any(True for _ in module.parameters())]


def train_mode(model: nn.Module, frozen: list[nn.Module]) -> None:
    model.train()
    for module in frozen:
        module.eval()


__all__ = ["Critics", "freeze_except", "load_critics", "start_from", "train_mode", "transplant"]
