#!/usr/bin/env bash
# The sealing round after scripts/finetune_cpu.sh (2 cores, about 25 minutes): emote and emoface fine-tuned from
# the checkpoints that script shipped, with the per-closure sealing hinge (emoanim.train.losses.sealing) added to
# the closure/opening/parting hinges. emote trains all but its frozen FLINT prior; emoface its last layer and head.
#   bash scripts/finetune_sealing_cpu.sh [SECONDS]   # writes runs/emote_seal/ and runs/emoface_seal/
set -euo pipefail
seconds=${1:-1500}
data="data.facegood.root=../shared/data/facegood"
critics="train.critics.lipreader=checkpoints/lipreader.pt train.critics.expression=checkpoints/expression.pt"
common="train.steps=100000 train.batch=32 train.warmup=50 train.schedule=cosine train.val_every=400 train.save_every=400"
hinges="train.losses.closure=1.0 train.losses.closure_margin=0.02 train.losses.sealing=0.5 train.losses.opening=0.3"
no_swap="train.losses.swap_content=0 train.losses.swap_emotion=0"
tune() { OMP_NUM_THREADS=1 python3 -m emoanim train --quiet "$@"; }
tune configs/emote.yaml $data $critics $common $hinges $no_swap model.flint_checkpoint=checkpoints/flint.pt \
    train.init=checkpoints/emote.pt train.out=runs/emote_seal train.lr=1.0e-4 train.max_seconds=$seconds &
tune configs/emoface.yaml $data $critics $common $hinges $no_swap train.losses.parting=0.25 \
    train.init=checkpoints/emoface.pt train.out=runs/emoface_seal train.lr=5.0e-5 train.max_seconds=$seconds \
    "train.trainable=[transformer.layers.layers.2,transformer.norm,head]" &
wait
