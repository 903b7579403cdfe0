#!/usr/bin/env bash
# The landmark-sealing round on one GPU machine: variants of emote and emoface fine-tuned side by side from the
# shipped checkpoints with emoanim.train.losses.landmark_sealing (the default head's own inner lip gap, what the
# landmarks-rig metric judges), each keeping a release every KEEP steps; then every kept checkpoint is scored on the
# selection prompts (benchmarks/select_checkpoint.py) and the best of each variant is copied to OUT_DIR.
#   python -m emoanim.train.portable pack corpora/main corpora/main.pack               # here, once
#   python benchmarks/select_checkpoint.py save corpora/select80.npz --prompts 80 --start 0
#   bash scripts/finetune_landmark_gpu.sh corpora/main.pack corpora/select80.npz OUT_DIR [SECONDS] [KEEP]
# The GPU machine needs torch, numpy, scipy, soundfile, omegaconf and tqdm, nothing else.
set -uo pipefail  # not -e: one variant failing must not lose the others
packed=$1; prompts=$2; out=$3; secs=${4:-330}; keep=${5:-400}
mkdir -p "$out"
cache=${CACHE:-corpora/unpacked}
python3 -m emoanim.train.portable unpack "$packed" "$cache" --workers "${WORKERS:-16}"
common="data.cache=$cache data.facegood.root=../shared/data/facegood train.device=${DEVICE:-cuda} train.schedule=cosine
 train.steps=100000 train.batch=64 train.warmup=50 train.val_every=100000 train.save_every=1000 train.keep_every=$keep
 train.workers=3 train.max_seconds=$secs
 train.critics.lipreader=checkpoints/lipreader.pt train.critics.expression=checkpoints/expression.pt
 train.losses.closure=1.0 train.losses.sealing=0.5 train.losses.opening=0.3
 train.losses.swap_content=0 train.losses.swap_emotion=0"
emote="configs/emote.yaml model.flint_checkpoint=checkpoints/flint.pt train.init=checkpoints/emote.pt
 train.losses.latent_anchor=0.001"
emoface="configs/emoface.yaml train.init=checkpoints/emoface.pt"
run() { name=$1; shift; PYTHONUNBUFFERED=1 python3 -m emoanim train --quiet "$@" train.out=runs/$name 2>&1 \
        | sed "s/^/[$name] /"; }
# shellcheck disable=SC2086  # the option lists split on purpose
{
run emote_lm_a $emote $common train.lr=3.0e-5 train.losses.landmark_sealing=1.0 train.losses.closure_margin=0.02 \
    train.losses.parting=2.0 &
run emote_lm_b $emote $common train.lr=3.0e-5 train.losses.landmark_sealing=0.5 train.losses.closure_margin=0.02 \
    train.losses.parting=2.0 &
run emote_lm_c $emote $common train.lr=3.0e-5 train.losses.landmark_sealing=1.0 train.losses.closure_margin=0.04 \
    train.losses.parting=3.0 &
run emoface_lm_a $emoface $common train.lr=3.0e-5 train.losses.landmark_sealing=0.5 train.losses.closure_margin=0.02 \
    train.losses.parting=2.0 &
wait
}
source "$(dirname "$0")/common.sh"
score() { python3 benchmarks/select_checkpoint.py score "$prompts" "$@"; }
scores=runs/landmark_scores; mkdir -p "$scores"
for variant in runs/emote_lm_a runs/emote_lm_b runs/emote_lm_c runs/emoface_lm_a; do
  name=$(basename "$variant"); animator=${name%%_lm_*}
  release "$variant/last.pt" "$variant/final.pt"  # the last step too, kept or not
  score "$animator" "$variant"/step_*.pt "$variant/final.pt" --jobs "${JOBS:-14}" --json "$scores/$name.json" | tee "$scores/$name.txt"
  best=$(python3 -c "import json, sys; print(json.load(open(sys.argv[1]))[0]['checkpoint'])" "$scores/$name.json")
  cp "$best" "$out/$name.pt" && echo "$name: kept $best"
done
# one archive beside the checkpoints (a GPU machine returns few files): logs, cards and every candidate's score
tar czf "$out/logs.tar.gz" runs/*_lm_*/log.jsonl runs/*_lm_*/MODEL_CARD.md "$scores"
