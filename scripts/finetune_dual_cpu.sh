#!/usr/bin/env bash
# The CPU round after scripts/finetune_landmark_gpu.sh, as run for the shipped flint.pt, emote.pt and emoface.pt
# (2 cores, about 55 minutes). Every stage keeps a release every 200 steps; the candidates are scored on Asterisk
# test prompts 0-79 against the phonetic animator without a transcript (benchmarks/select_checkpoint.py
# --baseline phonetic), and the one with the fewest errors among those at least as good as it on every count wins.
#   bash scripts/finetune_dual_cpu.sh GPU_OUT [SELECTION_PROMPTS]
# GPU_OUT holds emote_lm_b.pt and emoface_lm_a.pt from the GPU round; SELECTION_PROMPTS comes from
# `python benchmarks/select_checkpoint.py save corpora/select80.npz --prompts 80 --start 0` (needs pocketsphinx).
#  1. emoface and emote side by side (one thread each, 1500 s) with emoanim.train.losses.dual_sealing (a closure
#     counts only when shut on the ARKit curves and on the default head at the same frame) and parting at 2.0:
#     emoface's pick ships.
#  2. The FLINT prior (2 threads, 480 s) with the parting and dual-sealing hinges: it reconstructed every closure
#     but shut the lips through 2.6% of the other phones (val_false_closure; 52 of 2644 on the teacher's motion
#     for prompts 0-79), which emote inherits. Its last step ships.
#  3. emote from stage 1's pick on the new prior, two settings side by side (one thread each, 1200 s): its pick
#     ships.
set -euo pipefail
gpu=$1; prompts=${2:-corpora/select80.npz}
hinges="train.losses.closure=1.0 train.losses.closure_margin=0.02 train.losses.opening=0.3"
tune() {
    model=$1; init=$2; out=$3; shift 3
    OMP_NUM_THREADS=1 python3 -m emoanim train --quiet "configs/$model.yaml" data.facegood.root=../shared/data/facegood \
        train.critics.lipreader=checkpoints/lipreader.pt train.critics.expression=checkpoints/expression.pt \
        train.steps=100000 train.batch=32 train.warmup=50 train.schedule=cosine train.val_every=100000 \
        train.save_every=400 train.keep_every=200 $hinges train.losses.sealing=0.5 \
        train.losses.swap_content=0 train.losses.swap_emotion=0 train.losses.dual_sealing=1.0 \
        "train.init=$init" "train.out=$out" "$@"
}
source "$(dirname "$0")/common.sh"
# pick MODEL DEST RUN...: score every kept step (and the end) of the runs, copy the winner to DEST
pick() {
    model=$1; dest=$2; shift 2
    candidates=()
    for run in "$@"; do release "$run/last.pt" "$run/final.pt"; candidates+=("$run"/step_*.pt "$run/final.pt"); done
    python3 benchmarks/select_checkpoint.py score "$prompts" "$model" "${candidates[@]}" --jobs 2 \
        --baseline phonetic --json "$dest.scores.json"
    best=$(python3 -c "import json, sys; print(next((r['checkpoint'] for r in json.load(open(sys.argv[1]))
                                                    if r.get('meets_baseline')), ''))" "$dest.scores.json")
    if [ -z "$best" ]; then echo "$model: no candidate matches the baseline on every count" >&2; return 1; fi
    cp "$best" "$dest" && echo "$model: $best -> $dest"
}
prior="model.flint_checkpoint=checkpoints/flint.pt train.losses.latent_anchor=0.001"

tune emoface "$gpu/emoface_lm_a.pt" runs/emoface_dual train.losses.parting=2.0 train.lr=3.0e-5 \
    train.max_seconds=1500 &
tune emote "$gpu/emote_lm_b.pt" runs/emote_dual $prior train.losses.parting=2.0 train.lr=3.0e-5 \
    train.max_seconds=1500 &
wait
pick emoface checkpoints/emoface.pt runs/emoface_dual
pick emote runs/emote_dual/picked.pt runs/emote_dual

OMP_NUM_THREADS=2 python3 -m emoanim train --quiet configs/flint.yaml data.facegood.root=../shared/data/facegood \
    train.init=checkpoints/flint.pt train.out=runs/flint_part train.steps=100000 train.batch=32 train.lr=1.0e-4 \
    train.warmup=50 train.schedule=cosine train.max_seconds=480 train.val_every=100000 train.save_every=400 \
    train.keep_every=200 $hinges train.losses.parting=2.0 train.losses.dual_sealing=1.0
release runs/flint_part/last.pt checkpoints/flint.pt

prior="model.flint_checkpoint=checkpoints/flint.pt train.losses.latent_anchor=0.001"
tune emote runs/emote_dual/picked.pt runs/emote_fl_a $prior train.losses.parting=2.0 train.lr=3.0e-5 \
    train.max_seconds=1200 &
tune emote runs/emote_dual/picked.pt runs/emote_fl_b $prior train.losses.parting=1.0 train.lr=5.0e-5 \
    train.max_seconds=1200 &
wait
pick emote checkpoints/emote.pt runs/emote_fl_a runs/emote_fl_b
