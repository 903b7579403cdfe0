#!/usr/bin/env bash
# The dual-sealing stage after scripts/finetune_landmark_gpu.sh, as run for the shipped emote.pt and emoface.pt
# (2 cores, the two side by side on one thread each, 1500 s): both GPU picks fine-tuned with
# emoanim.train.losses.dual_sealing (a closure counts only when shut on the ARKit curves and on the default head at
# the same frame) and the parting hinge at 2.0, keeping a release every 200 steps; then every kept step is scored
# on Asterisk test prompts 0-79 against the phonetic animator without a transcript, and the best candidate that
# is at least as good as it on every count ships.
#   bash scripts/finetune_dual_cpu.sh GPU_OUT [SELECTION_PROMPTS]
# GPU_OUT holds emote_lm_b.pt and emoface_lm_a.pt from the GPU round; SELECTION_PROMPTS from
# `python benchmarks/select_checkpoint.py save corpora/select80.npz --prompts 80 --start 0` (needs pocketsphinx).
set -euo pipefail
gpu=$1; prompts=${2:-corpora/select80.npz}
tune() {
    model=$1; init=$2; out=$3; shift 3
    OMP_NUM_THREADS=1 python3 -m emoanim train --quiet "configs/$model.yaml" data.facegood.root=../shared/data/facegood \
        train.critics.lipreader=checkpoints/lipreader.pt train.critics.expression=checkpoints/expression.pt \
        train.steps=100000 train.batch=32 train.warmup=50 train.schedule=cosine train.val_every=100000 \
        train.save_every=400 train.keep_every=200 train.losses.closure=1.0 train.losses.closure_margin=0.02 \
        train.losses.sealing=0.5 train.losses.opening=0.3 train.losses.swap_content=0 train.losses.swap_emotion=0 \
        train.losses.dual_sealing=1.0 train.losses.parting=2.0 train.lr=3.0e-5 train.max_seconds=1500 \
        "train.init=$init" "train.out=$out" "$@"
}
tune emoface "$gpu/emoface_lm_a.pt" runs/emoface_dual &
tune emote "$gpu/emote_lm_b.pt" runs/emote_dual model.flint_checkpoint=checkpoints/flint.pt \
    train.losses.latent_anchor=0.001 &
wait
release() { python3 -c "import sys; from emoanim.models.checkpoint import release_checkpoint as r; r(*sys.argv[1:])" "$@"; }
for model in emoface emote; do
    release "runs/${model}_dual/last.pt" "runs/${model}_dual/final.pt"
    python3 benchmarks/select_checkpoint.py score "$prompts" "$model" runs/${model}_dual/step_*.pt \
        "runs/${model}_dual/final.pt" --jobs 2 --baseline phonetic --json "runs/${model}_dual/scores.json"
    best=$(python3 -c "import json, sys; print(next((r['checkpoint'] for r in json.load(open(sys.argv[1]))
                                                       if r.get('meets_baseline')), ''))" "runs/${model}_dual/scores.json")
    if [ -n "$best" ]; then cp "$best" "checkpoints/$model.pt" && echo "$model: shipped $best"
    else echo "$model: no candidate matches the baseline on every count; checkpoints/$model.pt left as it was" >&2; fi
done
