# Shared by the fine-tuning round scripts (source it; it runs nothing).

# release SRC DST: a training checkpoint without its optimizer state, as checkpoints/ holds them
release() { python3 -c "import sys; from emoanim.models.checkpoint import release_checkpoint as r; r(*sys.argv[1:])" "$@"; }

# tune_speakers MODEL INIT OUT [key=value ...]: one fine-tuning run as the other-speakers rounds ran them (one torch
# thread, batch 32, cosine schedule, a release kept every 200 steps, the lip-sync hinges with dual sealing, VTLP and
# gain drift); the trailing overrides win
tune_speakers() {
    local model=$1 init=$2 out=$3
    shift 3
    OMP_NUM_THREADS=1 python3 -m emoanim train --quiet "configs/$model.yaml" data.facegood.root=../shared/data/facegood \
        train.critics.lipreader=checkpoints/lipreader.pt train.critics.expression=checkpoints/expression.pt \
        train.steps=100000 train.batch=32 train.warmup=50 train.schedule=cosine train.val_every=100000 \
        train.save_every=400 train.keep_every=200 train.losses.closure=1.0 train.losses.closure_margin=0.02 \
        train.losses.opening=0.3 train.losses.sealing=0.5 train.losses.swap_content=0 train.losses.swap_emotion=0 \
        train.losses.dual_sealing=1.0 data.augment.vtlp=0.5 data.augment.gain_drift_db=8 \
        "train.init=$init" "train.out=$out" "$@"
}
