#!/usr/bin/env bash
# The CPU fine-tuning that followed scripts/train_gpu.sh for the shipped checkpoints (2 cores, about 65 minutes):
# metric hinges (closure with a margin, parting, jaw opening) on top of the GPU run's losses.
#   bash scripts/finetune_cpu.sh GPU_OUT   # GPU_OUT: scripts/train_gpu.sh's output folder (flint.pt, emote.pt, ...)
# Writes runs/{emoface_ft,emoface_ft3,flint_ft,emote_ft2}/ and releases the results into checkpoints/.
set -euo pipefail
gpu=$1
data="data.facegood.root=../shared/data/facegood"
critics="train.critics.lipreader=$gpu/lipreader.pt train.critics.expression=$gpu/expression.pt"
common="train.steps=100000 train.batch=32 train.warmup=50 train.schedule=cosine train.val_every=400 train.save_every=400"
hinges="train.losses.closure=1.0 train.losses.closure_margin=0.02 train.losses.opening=0.3"
tune() { OMP_NUM_THREADS=${THREADS:-1} python3 -m emoanim train --quiet "$@"; }
# emoface: its last transformer layer and output head only, in two rounds (the second adds a light parting hinge).
# Chosen by the fewest lip-sync errors (missed closures + unopened vowels + false closures) on the 40 validation
# prompts: round 1 alone 29 errors (2.1% false closures), round 2 at parting 0.25 10 errors, at parting 1.0 (tried,
# not shipped) 13 errors with 90.9% of closures.
last_layers="train.trainable=[transformer.layers.layers.2,transformer.norm,head]"
(tune configs/emoface.yaml $data $critics $common $hinges train.init=$gpu/emoface.pt train.out=runs/emoface_ft \
    train.lr=1.0e-4 train.max_seconds=2400 train.losses.swap_content=0 train.losses.swap_emotion=0 "$last_layers" &&
 tune configs/emoface.yaml $data $critics $common $hinges train.init=runs/emoface_ft/last.pt \
    train.out=runs/emoface_ft3 train.lr=5.0e-5 train.max_seconds=600 train.losses.swap_content=0 \
    train.losses.swap_emotion=0 train.losses.parting=0.25 "$last_layers") &
# FLINT: the whole prior, with the closure and opening hinges (its reconstructions had rounded closures away);
# then emote, all of it but the (frozen) prior, on the new prior
(tune configs/flint.yaml $data $common $hinges train.init=$gpu/flint.pt train.out=runs/flint_ft train.lr=2.0e-4 \
    train.max_seconds=1380 &&
 THREADS=2 tune configs/emote.yaml $data $critics $common $hinges model.flint_checkpoint=runs/flint_ft/last.pt \
    train.init=$gpu/emote.pt train.out=runs/emote_ft2 train.lr=2.0e-4 train.max_seconds=1500 \
    train.losses.swap_content=0 train.losses.swap_emotion=0) &
wait
source "$(dirname "$0")/common.sh"
release runs/emoface_ft3/last.pt checkpoints/emoface.pt
release runs/flint_ft/last.pt checkpoints/flint.pt
release runs/emote_ft2/last.pt checkpoints/emote.pt
