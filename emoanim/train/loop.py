"""The training loop: config in, checkpoint out. Seeded and resumable.

Determinism: the batch at step ``s`` is drawn from ``numpy.random.default_rng([seed, s])`` and torch's generator is
reseeded with ``(seed, s)`` before each step, so a run resumed from its checkpoint (model + optimizer + step) takes
exactly the steps an uninterrupted run would have taken.

Outputs in ``train.out``: ``last.pt`` (checkpoint with config, card, optimizer, step), ``log.jsonl`` (one line per
logged step and per validation), ``MODEL_CARD.md`` at the end.

Config (``train`` section)::

    train: {seed: 0, steps: 2000, batch: 16, lr: 3.0e-4, weight_decay: 0.01, warmup: 100, clip: 1.0,
            log_every: 20, val_every: 500, save_every: 500, val_items: 16, out: runs/emoface, resume: true,
            losses: {reconstruction: 1.0, velocity: 0.5, kl: 1.0e-3, swap_content: 0.0, swap_emotion: 0.0}}
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from emoanim.errors import InputError
from emoanim.eval.lipsync import bilabial_closure_rate, open_vowel_rate
from emoanim.models import ModelCard, build_model, load_checkpoint, save_checkpoint, write_model_card
from emoanim.models.flint import DOWNSAMPLE, kl_divergence
from emoanim.models.inference import run_chunked
from emoanim.models.layers import parameter_count
from emoanim.train import losses
from emoanim.train.augment import Augmentation
from emoanim.train.dataset import Batch, Corpus, build_corpus, sample_batch

DEFAULT_LOSSES = {"reconstruction": 1.0, "velocity": 0.5, "kl": 1e-3, "swap_content": 0.0, "swap_emotion": 0.0}


@dataclass
class TrainResult:
    checkpoint: Path
    step: int
    losses: list[float] = field(default_factory=list)  # total training loss at each logged step (this run)
    metrics: dict[str, float] = field(default_factory=dict)  # the last validation
    seconds: float = 0.0
    steps_run: int = 0


def train(config: Mapping[str, Any], progress: bool = True, command: str = "") -> TrainResult:
    """Train what ``config`` describes (plain dict or omegaconf); returns where the checkpoint went."""
    cfg = _plain(config)
    model_cfg, train_cfg = cfg["model"], cfg.get("train", {})
    kind, fps = model_cfg.get("kind"), float(model_cfg.get("fps", 30))
    window = int(model_cfg.get("window_frames", 64))
    if window % DOWNSAMPLE:
        raise InputError(f"model.window_frames={window} is not a multiple of {DOWNSAMPLE} (one FLINT latent per "
                         f"{DOWNSAMPLE} frames)", hint="use e.g. 64 or 128")
    seed, steps = int(train_cfg.get("seed", 0)), int(train_cfg.get("steps", 1000))
    weights = {**DEFAULT_LOSSES, **train_cfg.get("losses", {})}
    out = Path(train_cfg.get("out", f"runs/{kind}"))
    last = out / "last.pt"
    say = tqdm.write if progress else (lambda _: None)

    corpus = build_corpus(cfg["data"], fps, say)
    channels = corpus.train[0].targets.shape[-1]
    flint_prior = None
    if kind == "emote":
        if not model_cfg.get("flint_checkpoint"):
            raise InputError("an emote model needs a trained FLINT prior", hint="set model.flint_checkpoint=PATH.pt")
        flint_prior = load_checkpoint(model_cfg["flint_checkpoint"], "flint")
        model_cfg["flint"] = {k: v for k, v in flint_prior.config["model"].items() if k not in ("kind",)}
    expected = model_cfg.get("flint", {}).get("channels", 52) if kind == "emote" else (
        model_cfg.get("channels", 52) if kind == "flint" else model_cfg.get("outputs", 52))
    if int(expected) != channels:
        raise InputError(f"the model outputs {expected} channels but data.target gives {channels}",
                         hint="match model.outputs (or flint channels) to data.target")

    torch.manual_seed(seed)
    model = build_model(model_cfg)
    if flint_prior is not None:
        model.flint.load_state_dict(flint_prior.model.state_dict())
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=float(train_cfg.get("lr", 3e-4)),
                                  weight_decay=float(train_cfg.get("weight_decay", 0.01)))
    step = 0
    if last.is_file() and train_cfg.get("resume", True):
        previous = load_checkpoint(last, kind)
        if previous.config["model"] != model_cfg:
            raise InputError("the checkpoint here was trained with another model config", path=last,
                             hint="set train.out to a new folder, or train.resume=false to start over")
        model.load_state_dict(previous.model.state_dict())
        if previous.optimizer:
            optimizer.load_state_dict(previous.optimizer)
        step = previous.step
        say(f"resuming from {last} at step {step}")

    augment = Augmentation.from_config(cfg["data"].get("augment"))
    base_lr = float(train_cfg.get("lr", 3e-4))
    warmup = int(train_cfg.get("warmup", 0))
    log_every, val_every = int(train_cfg.get("log_every", 20)), int(train_cfg.get("val_every", 0))
    save_every = int(train_cfg.get("save_every", 0))
    result = TrainResult(last, step)
    card = ModelCard(name=out.name, kind=kind, data=corpus.licences, command=command,
                     parameters=parameter_count(model))
    out.mkdir(parents=True, exist_ok=True)
    log = (out / "log.jsonl").open("a", encoding="utf-8")
    started = time.perf_counter()
    first_step = step
    bar = tqdm(total=steps, initial=step, disable=not progress, desc=f"train {kind}", unit="step")
    model.train()
    try:
        while step < steps:
            rng = np.random.default_rng([seed, step])
            torch.manual_seed(seed * 1_000_003 + step)
            batch = sample_batch(corpus.train, int(train_cfg.get("batch", 16)), window, rng,
                                 augment if kind != "flint" else None)
            for group in optimizer.param_groups:
                group["lr"] = base_lr * min(1.0, (step + 1) / warmup) if warmup else base_lr
            terms = step_losses(model, kind, batch, weights)
            total = sum(weights[name] * value for name, value in terms.items())
            optimizer.zero_grad(set_to_none=True)
            total.backward()
            nn.utils.clip_grad_norm_(trainable, float(train_cfg.get("clip", 1.0)))
            optimizer.step()
            step += 1
            bar.update(1)
            if step % log_every == 0 or step == steps:
                entry = {"step": step, "loss": total.item(), **{k: v.item() for k, v in terms.items()}}
                result.losses.append(entry["loss"])
                log.write(json.dumps(entry) + "\n")
                bar.set_postfix(loss=f"{entry['loss']:.4g}")
            if (val_every and step % val_every == 0) or step == steps:
                result.metrics = validate(model, kind, corpus, fps, window, int(train_cfg.get("val_items", 16)))
                log.write(json.dumps({"step": step, "validation": result.metrics}) + "\n")
                say(f"step {step}: " + ", ".join(f"{k} {v:.4g}" for k, v in result.metrics.items()))
                model.train()
            if (save_every and step % save_every == 0) or step == steps:
                card.metrics = dict(result.metrics)
                save_checkpoint(last, model, cfg, card, step, optimizer.state_dict())
            log.flush()
    finally:
        bar.close()
        log.close()
    result.step, result.steps_run = step, step - first_step
    result.seconds = time.perf_counter() - started
    card.metrics = dict(result.metrics)
    if not last.is_file():  # resumed at or past the last step: still leave a checkpoint and card
        save_checkpoint(last, model, cfg, card, step, optimizer.state_dict())
    write_model_card(out / "MODEL_CARD.md", card, cfg)
    return result


def step_losses(model: nn.Module, kind: str, batch: Batch, weights: Mapping[str, float]) -> dict[str, torch.Tensor]:
    """The loss terms for one batch (only those with a non-zero weight that apply to this model)."""
    if kind == "flint":
        out = model(batch.targets)
        return {"reconstruction": losses.reconstruction(out.motion, batch.targets),
                "velocity": losses.velocity(out.motion, batch.targets),
                "kl": kl_divergence(out.mean, out.log_var)}
    pred = model(batch.samples, batch.weights)
    terms = {"reconstruction": losses.reconstruction(pred, batch.targets),
             "velocity": losses.velocity(pred, batch.targets)}
    if (weights.get("swap_content") or weights.get("swap_emotion")) and pred.shape[-1] == 52:
        other = torch.roll(torch.arange(len(batch.weights)), 1)
        swapped = model(batch.samples, batch.weights[other])
        terms["swap_content"] = losses.swap_content(swapped, batch.targets)
        terms["swap_emotion"] = losses.swap_emotion(swapped, batch.targets[other])
    return terms


def validate(model: nn.Module, kind: str, corpus: Corpus, fps: float, window: int, items: int) -> dict[str, float]:
    """Held-out scores on up to ``items`` validation utterances (neutral and the last, strongest emotion variant):
    mse and velocity mse against the target; for ARKit outputs with exact phones, bilabial closure and open-vowel
    rates (`emoanim.eval.lipsync`), pooled over phones."""
    if not corpus.val:
        return {}
    model.eval()
    mse, vel, closed, bilabials, opened, vowels = [], [], 0.0, 0, 0.0, 0
    with torch.no_grad():
        for u in corpus.val[:items]:
            for variant in sorted({0, len(u.emotions) - 1}):
                target = u.targets[variant]
                if kind == "flint":
                    pred = model(torch.from_numpy(target[None])).motion[0].numpy()
                else:
                    pred = run_chunked(model, u.samples, u.weights[variant], fps, window)
                mse.append(float(np.mean((pred - target) ** 2)))
                vel.append(float(np.mean((np.diff(pred, axis=0) - np.diff(target, axis=0)) ** 2)))
                if kind != "flint" and u.phones and pred.shape[1] == 52:
                    rate, n = bilabial_closure_rate(np.clip(pred, 0, 1), fps, u.phones)
                    closed, bilabials = closed + rate * n, bilabials + n
                    rate, n = open_vowel_rate(np.clip(pred, 0, 1), fps, u.phones)
                    opened, vowels = opened + rate * n, vowels + n
    metrics = {"val_mse": float(np.mean(mse)), "val_velocity_mse": float(np.mean(vel))}
    if bilabials:
        metrics["val_bilabial_closure"] = closed / bilabials
    if vowels:
        metrics["val_open_vowels"] = opened / vowels
    return metrics


def _plain(config: Mapping[str, Any]) -> dict[str, Any]:
    try:
        from omegaconf import DictConfig, OmegaConf

        if isinstance(config, DictConfig):
            return OmegaConf.to_container(config, resolve=True)
    except ImportError:
        pass
    return json.loads(json.dumps(config))


__all__ = ["TrainResult", "train", "validate", "step_losses"]
