#!/usr/bin/env bash
# The shipped checkpoints' training run on one GPU machine with a fixed time budget (how checkpoints/ was made;
# `make train` is the same sequence on whatever machine it runs on, by steps instead of seconds).
#   bash scripts/train_gpu.sh PACKED_CORPUS OUT_DIR [BUDGET_SCALE]
# PACKED_CORPUS: `python -m emoanim.train.portable pack corpora/main PACKED_CORPUS` made on a machine with the
# corpus tools; the GPU machine needs torch, numpy, scipy, soundfile and omegaconf, nothing else.
set -uo pipefail  # not -e: one model failing must not lose the others' checkpoints
packed=$1; out=$2; scale=${3:-1}
secs() { python3 -c "print(int($1 * $scale))"; }
mkdir -p "$out"
cache=${CACHE:-corpora/unpacked}
python3 -m emoanim.train.portable unpack "$packed" "$cache" --workers "${WORKERS:-16}"
common="data.cache=$cache train.device=${DEVICE:-cuda} train.schedule=cosine"
# FACEGOOD's takes come out of the unpacked cache (recipes don't depend on the folder), so its root is only named
fg="data.facegood.root=../shared/data/facegood"
run() { PYTHONUNBUFFERED=1 python3 -m emoanim train --quiet "$@" 2>&1 | sed "s/^/[$(basename "$1" .yaml)] /"; }
# phase 1: the critics and the motion prior, side by side
run configs/lipreader.yaml $common $fg train.workers=3 train.steps=100000 train.batch=128 train.max_seconds=$(secs 50) &
run configs/expression.yaml $common $fg train.workers=3 train.steps=100000 train.batch=128 train.max_seconds=$(secs 50) &
run configs/flint.yaml $common $fg train.workers=4 train.steps=100000 train.batch=128 train.max_seconds=$(secs 90) &
wait
# phase 2: the two animators, side by side
run configs/emote.yaml $common $fg train.workers=7 train.steps=100000 train.batch=64 train.lr=5.0e-4 \
    train.max_seconds=$(secs 330) &
run configs/emoface.yaml $common $fg train.workers=7 train.steps=100000 train.batch=64 train.lr=5.0e-4 \
    train.max_seconds=$(secs 330) &
wait
# phase 3: both resumed from their checkpoints at a lower peak rate, another cosine over the rest of the budget (the
# shipped emote and emoface went through this second run: it lifted emote's validation closure from 79% to 84%)
for m in emote emoface; do
  run configs/$m.yaml $common $fg train.workers=7 train.steps=100000 train.batch=64 train.lr=2.0e-4 \
      train.max_seconds=$(secs 215) &
done
wait
# what ships: checkpoints without optimizer state, cards and logs in one archive
for m in lipreader expression flint emote emoface; do
  if [ -f runs/$m/last.pt ]; then
    python3 -c "import sys; from emoanim.models.checkpoint import release_checkpoint as r; r(sys.argv[1], sys.argv[2])" \
        runs/$m/last.pt "$out/$m.pt"
  else
    echo "no checkpoint for $m" >&2
  fi
done
tar czf "$out/cards.tar.gz" runs/*/MODEL_CARD.md runs/*/log.jsonl
