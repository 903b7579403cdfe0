"""The training loop: config in, checkpoint out. Seeded and resumable.

Determinism: the batch at step ``s`` is drawn from ``numpy.random.default_rng([seed, s])`` and torch's generator is
reseeded with ``(seed, s)`` before each step, so a run resumed from its checkpoint (model + optimizer + step) takes
exactly the steps an uninterrupted run would have taken.

Outputs in ``train.out``: ``last.pt`` (checkpoint with config, card, optimizer, step), ``log.jsonl`` (one line per
logged step and per validation), ``MODEL_CARD.md`` at the end, and with ``keep_every: N`` a ``step_<N>.pt`` every N
steps (weights, config and card, no optimizer: a release), so a checkpoint chosen mid-run can be reproduced.

Config (``train`` section)::

    train: {seed: 0, steps: 2000, batch: 16, lr: 3.0e-4, weight_decay: 0.01, warmup: 100, clip: 1.0,
            log_every: 20, val_every: 500, save_every: 500, keep_every: 0, val_items: 16, out: runs/emoface,
            resume: true, device: auto, workers: 0, max_seconds: null, schedule: constant, init: null, trainable: [],
            critics: {lipreader: runs/lipreader/last.pt, expression: runs/expression/last.pt},
            losses: {reconstruction: 1.0, velocity: 0.5, kl: 1.0e-3, swap_content: 0.0, swap_emotion: 0.0,
                     closure: 0.0, closure_margin: 0.0, sealing: 0.0, landmark_sealing: 0.0, dual_sealing: 0.0,
                     opening: 0.0, parting: 0.0, latent_anchor: 0.0, lip_reading: 0.0, emotion_consistency: 0.0}}

``device``: auto (a CUDA GPU when there is one), cpu or cuda. ``workers``: processes drawing batches ahead (0: in
the training process). ``schedule``: constant or cosine (`learning_rate`). ``init``: a checkpoint to start from
(fine-tuning); ``transplant: {from: PATH, modules: [speech, ...]}``: then these modules from another checkpoint
(`transplant`); ``trainable``: train only these modules (`freeze_except`). ``max_seconds``: stop early, with a
checkpoint, after this much training time (the card records the step reached). The critics (frozen,
`emoanim.models.critics`) are loaded only when their loss weight is not zero. ``losses.closure_margin`` is a setting,
not a weight: how far below the closed threshold the closure and sealing hinges aim. ``losses.latent_anchor``
(emote only): mean squared distance of the predicted FLINT latents to the frozen prior's encoding of the target.
Without it the animator is free to drive the decoder with latents far outside what the prior was trained on
(measured: mean |error| 6.4 against latent means of about 0.2), where the decoder extrapolates and a small change
in unseen speech can open a closure; the anchor keeps the latents where the prior decodes reliably.
"""
from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F
from tqdm import tqdm

from emoanim.errors import InputError
from emoanim.eval.lipsync import bilabial_closure_rate, false_closure_rate, open_vowel_rate
from emoanim.models import ModelCard, build_model, load_checkpoint, save_checkpoint, write_model_card
from emoanim.models.flint import DOWNSAMPLE, kl_divergence
from emoanim.models.inference import reconstruct_chunked, run_chunked
from emoanim.models.layers import parameter_count
from emoanim.train import labels, losses
from emoanim.train.augment import Augmentation
from emoanim.train.dataset import Batch, Corpus, StepBatches, build_corpus, sample_batch
from emoanim.train.model_setup import Critics, freeze_except, load_critics, start_from, train_mode, transplant

DEFAULT_LOSSES = {"reconstruction": 1.0, "velocity": 0.5, "kl": 1e-3, "swap_content": 0.0, "swap_emotion": 0.0,
                  "closure": 0.0, "sealing": 0.0, "landmark_sealing": 0.0, "dual_sealing": 0.0,
                  "opening": 0.0, "parting": 0.0, "latent_anchor": 0.0, "lip_reading": 0.0, "emotion_consistency": 0.0}
# the hinges that take ``losses.closure_margin``: they aim that far below the closed line
MARGIN_HINGES = {"closure": losses.closure, "sealing": losses.sealing, "landmark_sealing": losses.landmark_sealing,
                 "dual_sealing": losses.dual_sealing}
CRITIC_KINDS = ("lipreader", "expression")
CRITIC_NOISE = 0.02  # std of noise added to the critics' training motion, so they also read smoother, noisier
# predictions rather than only the teacher's exact shapes


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

    device = _device(str(train_cfg.get("device", "auto")))
    corpus = build_corpus(cfg["data"], fps, say)
    channels = corpus.train[0].targets.shape[-1]
    flint_prior = None
    if kind == "emote":
        if not model_cfg.get("flint_checkpoint"):
            raise InputError("an emote model needs a trained FLINT prior", hint="set model.flint_checkpoint=PATH.pt")
        flint_prior = load_checkpoint(model_cfg["flint_checkpoint"], "flint")
        model_cfg["flint"] = {k: v for k, v in flint_prior.config["model"].items() if k not in ("kind",)}
    expected = model_cfg.get("flint", {}).get("channels", 52) if kind == "emote" else (
        model_cfg.get("channels", 52) if kind in ("flint",) + CRITIC_KINDS else model_cfg.get("outputs", 52))
    if int(expected) != channels:
        raise InputError(f"the model outputs {expected} channels but data.target gives {channels}",
                         hint="match model.outputs (or flint channels) to data.target")

    if model_cfg.get("phone_input") and corpus.phones is None:
        raise InputError("model.phone_input needs phones to train on",
                         hint="set data.phone_input, e.g. data.phone_input.heard=0.5 data.phone_input.dropout=0.2")
    torch.manual_seed(seed)
    model = build_model(model_cfg)
    resuming = last.is_file() and train_cfg.get("resume", True)  # then last.pt's weights replace all of these
    if train_cfg.get("init") and not resuming:
        start_from(model, model_cfg, train_cfg["init"], kind)
    if train_cfg.get("transplant") and not resuming:
        transplant(model, dict(train_cfg["transplant"]))
    if flint_prior is not None:  # the prior comes from model.flint_checkpoint, also when fine-tuning
        model.flint.load_state_dict(flint_prior.model.state_dict())
    frozen = freeze_except(model, list(train_cfg.get("trainable") or []))
    model.to(device)
    critics = load_critics(train_cfg.get("critics") or {}, weights, device)
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=float(train_cfg.get("lr", 3e-4)),
                                  weight_decay=float(train_cfg.get("weight_decay", 0.01)))
    step = 0
    if resuming:
        previous = load_checkpoint(last, kind)
        if previous.config["model"] != model_cfg:
            raise InputError("the checkpoint here was trained with another model config", path=last,
                             hint="set train.out to a new folder, or train.resume=false to start over")
        model.load_state_dict(previous.model.state_dict())
        model.to(device)
        if previous.optimizer:
            optimizer.load_state_dict(previous.optimizer)
        step = previous.step
        say(f"resuming from {last} at step {step}")

    augment = Augmentation.from_config(cfg["data"].get("augment"))
    base_lr = float(train_cfg.get("lr", 3e-4))
    warmup = int(train_cfg.get("warmup", 0))
    log_every, val_every = int(train_cfg.get("log_every", 20)), int(train_cfg.get("val_every", 0))
    save_every = int(train_cfg.get("save_every", 0))
    keep_every = int(train_cfg.get("keep_every", 0))
    result = TrainResult(last, step)
    card = ModelCard(name=out.name, kind=kind, data=corpus.licences, command=command,
                     parameters=parameter_count(model), notes=[])
    out.mkdir(parents=True, exist_ok=True)
    log = (out / "log.jsonl").open("a", encoding="utf-8")
    max_seconds = train_cfg.get("max_seconds")
    schedule = str(train_cfg.get("schedule", "constant"))
    started = time.perf_counter()
    first_step = step
    bar = tqdm(total=steps, initial=step, disable=not progress, desc=f"train {kind}", unit="step")
    batches = iter(StepBatches(corpus.train, int(train_cfg.get("batch", 16)), window, seed,
                               augment if kind not in ("flint",) + CRITIC_KINDS else None,
                               corpus.phones if model_cfg.get("phone_input") else None)
                   .loader(step, steps, int(train_cfg.get("workers", 0))))
    train_mode(model, frozen)
    try:
        while step < steps:
            torch.manual_seed(seed * 1_000_003 + step)
            batch = next(batches).to(device)
            time_done = (time.perf_counter() - started) / float(max_seconds) if max_seconds else 0.0
            for group in optimizer.param_groups:
                group["lr"] = learning_rate(base_lr, step, steps, warmup, schedule, time_done)
            terms = step_losses(model, kind, batch, weights, critics)
            total = sum(weights[name] * value for name, value in terms.items())
            optimizer.zero_grad(set_to_none=True)
            total.backward()
            nn.utils.clip_grad_norm_(trainable, float(train_cfg.get("clip", 1.0)))
            optimizer.step()
            step += 1
            bar.update(1)
            out_of_time = max_seconds is not None and time.perf_counter() - started >= float(max_seconds)
            if out_of_time:
                say(f"stopping at step {step}: train.max_seconds={max_seconds} reached")
                steps = step  # the last-step validation and save below run now
            if step % log_every == 0 or step == steps:
                entry = {"step": step, "loss": total.item(), **{k: v.item() for k, v in terms.items()}}
                result.losses.append(entry["loss"])
                log.write(json.dumps(entry) + "\n")
                bar.set_postfix(loss=f"{entry['loss']:.4g}")
            if (val_every and step % val_every == 0) or step == steps:
                result.metrics = validate(model, kind, corpus, fps, window, int(train_cfg.get("val_items", 16)),
                                          seed)
                log.write(json.dumps({"step": step, "validation": result.metrics}) + "\n")
                say(f"step {step}: " + ", ".join(f"{k} {v:.4g}" for k, v in result.metrics.items()))
                train_mode(model, frozen)
            save_now = (save_every and step % save_every == 0) or step == steps
            keep_now = keep_every and step % keep_every == 0
            if save_now or keep_now:
                card.metrics = dict(result.metrics)
                card.notes = [_progress_note(device, step, step - first_step, time.perf_counter() - started)]
            if save_now:
                save_checkpoint(last, model, cfg, card, step, optimizer.state_dict())
            if keep_now:
                save_checkpoint(out / f"step_{step:06d}.pt", model, cfg, card, step, None)
            log.flush()
    finally:
        bar.close()
        log.close()
    result.step, result.steps_run = step, step - first_step
    result.seconds = time.perf_counter() - started
    card.metrics = dict(result.metrics)
    card.notes = [_progress_note(device, step, result.steps_run, result.seconds)]
    if not last.is_file():  # resumed at or past the last step: still leave a checkpoint and card
        save_checkpoint(last, model, cfg, card, step, optimizer.state_dict())
    write_model_card(out / "MODEL_CARD.md", card, cfg)
    return result


def step_losses(model: nn.Module, kind: str, batch: Batch, weights: Mapping[str, float],
                critics: Critics | None = None) -> dict[str, torch.Tensor]:
    """The loss terms for one batch (only those with a non-zero weight that apply to this model)."""
    if kind == "lipreader":
        noisy = batch.targets + CRITIC_NOISE * torch.randn_like(batch.targets)
        return {"reconstruction": F.cross_entropy(model(noisy).flatten(0, 1), batch.visemes.flatten(),
                                                  ignore_index=labels.UNKNOWN)}
    if kind == "expression":
        noisy = batch.targets + CRITIC_NOISE * torch.randn_like(batch.targets)
        return {"reconstruction": losses.soft_cross_entropy(model(noisy), batch.emotion)}
    if kind == "flint":
        out = model(batch.targets)
        terms = {"reconstruction": losses.reconstruction(out.motion, batch.targets),
                 "velocity": losses.velocity(out.motion, batch.targets),
                 "kl": kl_divergence(out.mean, out.log_var)}
        # mean squared error lets the VAE round brief closures off (2-3 frames of /p b m/); the hinges keep them
        return {**terms, **metric_hinges(out.motion, batch.targets, weights)}
    if kind == "emote" and weights.get("latent_anchor"):
        latents = model.latents(batch.samples, batch.weights, phones=batch.phones)
        pred = model.flint.decode(latents, batch.weights.shape[1])
        with torch.no_grad():
            encoded, _ = model.flint.encode(batch.targets)
        anchor = {"latent_anchor": losses.reconstruction(latents, encoded)}
    else:
        pred, anchor = model(batch.samples, batch.weights, phones=batch.phones), {}
    terms = {"reconstruction": losses.reconstruction(pred, batch.targets),
             "velocity": losses.velocity(pred, batch.targets), **anchor}
    if (weights.get("swap_content") or weights.get("swap_emotion")) and pred.shape[-1] == 52:
        other = torch.roll(torch.arange(len(batch.weights)), 1)
        swapped = model(batch.samples, batch.weights[other], phones=batch.phones)
        terms["swap_content"] = losses.swap_content(swapped, batch.targets)
        terms["swap_emotion"] = losses.swap_emotion(swapped, batch.targets[other])
    terms.update(metric_hinges(pred, batch.targets, weights))
    if pred.shape[-1] == 52:
        if weights.get("lip_reading") and critics is not None and critics.lipreader is not None:
            terms["lip_reading"] = losses.critic_agreement(critics.lipreader(pred), critics.lipreader(batch.targets))
        if weights.get("emotion_consistency") and critics is not None and critics.expression is not None:
            terms["emotion_consistency"] = losses.soft_cross_entropy(critics.expression(pred), batch.emotion)
    return terms


def metric_hinges(pred: torch.Tensor, target: torch.Tensor, weights: Mapping[str, float]) -> dict[str, torch.Tensor]:
    """The lip-sync hinges (`losses.closure`, `sealing`, `landmark_sealing`, `dual_sealing`, `opening`,
    `parting`) switched on in ``weights``, for ARKit motion."""
    if pred.shape[-1] != 52:
        return {}
    terms = {}
    margin = float(weights.get("closure_margin", 0.0))
    for name, hinge in MARGIN_HINGES.items():
        if weights.get(name):
            terms[name] = hinge(pred, target, margin)
    if weights.get("opening"):
        terms["opening"] = losses.opening(pred, target)
    if weights.get("parting"):
        terms["parting"] = losses.parting(pred, target)
    return terms


def learning_rate(base: float, step: int, steps: int, warmup: int, schedule: str, time_done: float) -> float:
    """Linear warm-up, then constant or a cosine decay to 5% of ``base`` over the run. With a time budget the run's
    progress is the larger of the steps done and the time used (``time_done``, 0..1), so the decay ends when the
    budget does (that run then no longer resumes step for step: its schedule depended on the clock)."""
    if warmup and step < warmup:
        return base * (step + 1) / warmup
    if schedule == "constant":
        return base
    if schedule != "cosine":
        raise InputError(f"unknown train.schedule {schedule!r}", hint="use constant or cosine")
    done = min(1.0, max(step / max(steps, 1), time_done))
    return base * (0.05 + 0.95 * 0.5 * (1.0 + math.cos(math.pi * done)))


def _progress_note(device: torch.device, step: int, steps_run: int, seconds: float) -> str:
    return f"trained to step {step} on {device.type}; this run: {steps_run} steps in {seconds:.0f} s"


def _device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise InputError("train.device asks for a CUDA GPU but torch sees none", hint="set train.device=cpu")
    if not name.startswith(("cpu", "cuda")):
        raise InputError(f"unknown train.device {name!r}", hint="use auto, cpu or cuda")
    return torch.device(name)


def validate(model: nn.Module, kind: str, corpus: Corpus, fps: float, window: int, items: int,
             seed: int = 0) -> dict[str, float]:
    """Held-out scores on up to ``items`` validation utterances, drawn from every source in turn (neutral and the
    last, strongest emotion variant):
    mse and velocity mse against the target; for ARKit outputs with exact phones, bilabial closure, open-vowel and
    false-closure rates (`emoanim.eval.lipsync`), pooled over phones. The false closures matter for FLINT: a prior
    that reconstructs every closure can still shut the lips through the phones around it, and emote inherits that.
    Animators and FLINT run window by window, as at inference (FLINT: its reconstruction of the target). Critics:
    accuracy on validation windows."""
    if not corpus.val:
        return {}
    model.eval()
    if kind in CRITIC_KINDS:
        return _critic_accuracy(model, kind, corpus, window, items, seed)
    mse, vel, closed, bilabials, opened, vowels, falsely, others = [], [], 0.0, 0, 0.0, 0, 0.0, 0
    with torch.no_grad():
        for u in spread_over_sources(corpus.val, items):
            for variant in sorted({0, len(u.emotions) - 1}):
                target = u.targets[variant]
                if kind == "flint":
                    pred = reconstruct_chunked(model, target, window)
                else:
                    # as at run time without a transcript: the recognised phones, for a model that reads phones
                    heard = u.phone_tracks["heard"] if u.phone_tracks and corpus.phones else None
                    pred = run_chunked(model, u.samples, u.weights[variant], fps, window, phones=heard)
                mse.append(float(np.mean((pred - target) ** 2)))
                vel.append(float(np.mean((np.diff(pred, axis=0) - np.diff(target, axis=0)) ** 2)))
                if u.phones and pred.shape[1] == 52:
                    shapes = np.clip(pred, 0, 1)
                    rate, n = bilabial_closure_rate(shapes, fps, u.phones)
                    closed, bilabials = closed + rate * n, bilabials + n
                    rate, n = open_vowel_rate(shapes, fps, u.phones)
                    opened, vowels = opened + rate * n, vowels + n
                    rate, n = false_closure_rate(shapes, fps, u.phones)
                    falsely, others = falsely + rate * n, others + n
    metrics = {"val_mse": float(np.mean(mse)), "val_velocity_mse": float(np.mean(vel))}
    if bilabials:
        metrics["val_bilabial_closure"] = closed / bilabials
    if vowels:
        metrics["val_open_vowels"] = opened / vowels
    if others:
        metrics["val_false_closure"] = falsely / others
    return metrics


def spread_over_sources(utterances: list, items: int) -> list:
    """Up to ``items`` utterances taken from each source in turn (synthetic, asterisk, facegood, ...), in corpus
    order within a source, so validation scores real speech too and not only the source that happens to come first."""
    by_source: dict[str, list] = {}
    for u in utterances:
        by_source.setdefault(u.source, []).append(u)
    queues = list(by_source.values())
    chosen = []
    for rank in range(max((len(q) for q in queues), default=0)):
        chosen.extend(q[rank] for q in queues if rank < len(q))
    return chosen[:items]


def _critic_accuracy(model: nn.Module, kind: str, corpus: Corpus, window: int, items: int,
                     seed: int) -> dict[str, float]:
    """Lip reader: share of labelled validation frames read as the right viseme; expression classifier: share of
    validation windows whose strongest class is the labelled one (windows with an emotion at full intensity)."""
    device = next(model.parameters()).device
    batch = sample_batch(corpus.val, max(8, 4 * items), window, np.random.default_rng([seed, 1 << 20])).to(device)
    with torch.no_grad():
        if kind == "lipreader":
            known = batch.visemes != labels.UNKNOWN
            right = (model(batch.targets).argmax(-1) == batch.visemes) & known
            return {"val_viseme_accuracy": float(right.sum() / known.sum().clamp(min=1))}
        strong = batch.emotion.max(-1).values > 0.9
        right = (model(batch.targets).argmax(-1) == batch.emotion.argmax(-1)) & strong
        return {"val_emotion_accuracy": float(right.sum() / strong.sum().clamp(min=1))}


def _plain(config: Mapping[str, Any]) -> dict[str, Any]:
    try:
        from omegaconf import DictConfig, OmegaConf

        if isinstance(config, DictConfig):
            return OmegaConf.to_container(config, resolve=True)
    except ImportError:
        pass
    return json.loads(json.dumps(config))


__all__ = ["TrainResult", "learning_rate", "train", "validate", "step_losses"]
