#!/usr/bin/env bash
# The phone-input round (2 cores, about 75 minutes). On a voice they never heard (Flite awb) the shipped learned
# animators closed 171 and 180 of 270 bilabials where the phonetic animator, reading pocketsphinx's phones, closed 261;
# more training voices closed most of that gap but cost closures on the Asterisk voice (scripts/finetune_flite_cpu.sh).
# pocketsphinx's acoustic model has heard many speakers, so here the models read its phones beside the audio
# (model.phone_input, emoanim.models.phone_input): forced-aligned to a transcript when there is one, recognised when
# not. Each training window shows no phones (20%), the recognised ones (half the rest) or the exact ones
# (emoanim.train.heard_phones); the targets stay the phonetic animator's on the exact phones. Both models start from
# the shipped checkpoints (the phone projection starts at zero), one thread each, with the Flite speakers kal16, rms
# and slt, without the French and Italian voices (their phones are approximate).
# The choice, fixed before training: without a transcript, a candidate must match the phonetic animator (words
# recogniser) on every count on the Asterisk test prompts 0-79 AND, separately, on the same transcripts in awb's voice
# (two --gate parts); among those, the fewest errors on both together. Candidates: the incumbent, every 400th step
# and the last. The prompts 80-280 (both voices), RAVDESS and GRID only report (benchmarks/animator_table.py).
#   bash scripts/finetune_phones_cpu.sh      (needs `make setup` (flite), `make asterisk-prompts`)
set -euo pipefail
source "$(dirname "$0")/common.sh"
phones="model.phone_input=true data.phone_input.heard=0.5 data.phone_input.dropout=0.2 data.phone_input.jobs=2"
# MODEL INIT OUT [overrides]: the overrides given come last, so they win over these
tune() { tune_speakers "$1" "$2" "$3" data.flite.count=846 $phones "${@:4}"; }
# kept RUN...: each run's releases at every 400th step, then its last state released as final.pt
kept() {
    local run saved step
    for run in "$@"; do
        release "$run/last.pt" "$run/final.pt" >&2  # stdout is the candidate list
        for saved in "$run"/step_*.pt; do
            step=${saved##*_}; step=$((10#${step%.pt}))
            if (( step % 400 == 0 )); then echo "$saved"; fi
        done
        echo "$run/final.pt"
    done
}
# gated MODEL SCORES CANDIDATE...: score without a transcript on both voices, each gated against the phonetic animator
gated() {
    local model=$1 scores=$2
    shift 2
    python3 benchmarks/select_checkpoint.py score corpora/select80_2voices.npz "$model" "$@" --jobs 2 \
        --baseline phonetic --gate corpora/select80.npz --gate corpora/select80_awb.npz --json "$scores"
}
# ship MODEL WINNER WHY_NONE: the winner (a path, or empty: say why) replaces checkpoints/MODEL.pt
ship() {
    if [ -z "$2" ]; then echo "$1: $3" >&2; return 0; fi
    cp "$2" "checkpoints/$1.pt" && echo "$1: $2 -> checkpoints/$1.pt"
}
# choose MODEL NAME CANDIDATE...: the rule above
choose() {
    local model=$1 scores="runs/phones/$2.scores.json"
    shift 2
    gated "$model" "$scores" "$@"
    ship "$model" "$(python3 -c "import json, sys; print(next((r['checkpoint'] for r in json.load(open(sys.argv[1]))
                                                          if r.get('meets_baseline')), ''))" "$scores")" \
        "no candidate matches the baseline on both voices"
}
# choose_by_transcript MODEL NAME INCUMBENT CANDIDATE...: stage 4's rule (qualify as `choose` does, win with the
# transcript)
choose_by_transcript() {
    local model=$1 name=$2 incumbent=$3
    shift 3
    gated "$model" "runs/phones/$name.scores.json" "$incumbent" "$@"
    python3 benchmarks/select_checkpoint.py score corpora/select80_2voices.npz "$model" "$incumbent" "$@" --jobs 2 \
        --baseline phonetic --transcript --json "runs/phones/$name.transcript.json"
    ship "$model" "$(python3 benchmarks/select_checkpoint.py pick "runs/phones/$name.scores.json" \
        "runs/phones/$name.transcript.json" "$incumbent")" "no qualified candidate beats the incumbent with the transcript"
}
mkdir -p runs/phones
cp checkpoints/emote.pt runs/phones/emote_start.pt
cp checkpoints/emoface.pt runs/phones/emoface_start.pt
[ -f corpora/select80.npz ] || python3 benchmarks/select_checkpoint.py save corpora/select80.npz --prompts 80
[ -f corpora/select80_awb.npz ] || python3 benchmarks/select_checkpoint.py save corpora/select80_awb.npz --flite awb
[ -f corpora/select80_2voices.npz ] || python3 benchmarks/select_checkpoint.py merge corpora/select80_2voices.npz \
    corpora/select80.npz corpora/select80_awb.npz
emote="model.flint_checkpoint=checkpoints/flint.pt train.losses.latent_anchor=0.001 train.losses.parting=1.0"
# the corpus and its recognised phones are built once here, not by two runs racing into the same cache folder
tune emote runs/phones/emote_start.pt runs/phones/corpus $emote train.steps=0
tune emote runs/phones/emote_start.pt runs/emote_phones $emote train.lr=1e-4 train.max_seconds=3600 &
tune emoface runs/phones/emoface_start.pt runs/emoface_phones train.losses.parting=2.0 train.lr=1e-4 \
    train.max_seconds=3600 &
wait
for model in emote emoface; do
    mapfile -t candidates < <(kept "runs/${model}_phones")
    choose "$model" "$model" "runs/phones/${model}_start.pt" "${candidates[@]}"
done
# 2. emoface (run after the choice above kept no emoface candidate): every candidate outdid the phonetic animator on
# the Asterisk gate (e.g. step 4800: closed 165 / 159, false 9 / 24) but on awb either closed fewer of its 203
# bilabials than its 184 (165-182) or closed falsely more often than its 20 (the four at 185-196: 29-86 times).
# From step 4800, 1200 s more, two ways side by side: trusting the recognised phones more (heard 0.8 of the windows
# with phones), or a closure hinge twice as strong. The same choice, among these two runs' candidates and the incumbent.
tune emoface runs/emoface_phones/step_004800.pt runs/emoface_phones2a train.losses.parting=2.0 train.lr=3e-5 \
    train.max_seconds=1200 data.phone_input.heard=0.8 &
tune emoface runs/emoface_phones/step_004800.pt runs/emoface_phones2b train.losses.parting=2.0 train.lr=3e-5 \
    train.max_seconds=1200 train.losses.closure=2.0 &
wait
mapfile -t candidates < <(kept runs/emoface_phones2a runs/emoface_phones2b)
choose emoface emoface2 runs/phones/emoface_start.pt "${candidates[@]}"
# 3. emoface again (stage 2 kept none either: 175-182 closed on awb). pocketsphinx hears the espeak-ng synthetic
# voices badly: of the frames it recognised as /p b m/ there, 61% were bilabials (89-91% on the Asterisk and Flite
# voices), so the "heard" windows taught the model to doubt a recognised bilabial. Here the synthetic utterances never
# show recognised phones (data.phone_input.exact_only), 2400 s two ways side by side: from step 4800 at a lower lr,
# and from the incumbent as the first stage ran. The same choice, among these runs' candidates and the incumbent.
tune emoface runs/emoface_phones/step_004800.pt runs/emoface_phones3a train.losses.parting=2.0 train.lr=5e-5 \
    train.max_seconds=2400 'data.phone_input.exact_only=[synthetic]' &
tune emoface runs/phones/emoface_start.pt runs/emoface_phones3b train.losses.parting=2.0 train.lr=1e-4 \
    train.max_seconds=2400 'data.phone_input.exact_only=[synthetic]' &
wait
mapfile -t candidates < <(kept runs/emoface_phones3a runs/emoface_phones3b)
choose emoface emoface3 runs/phones/emoface_start.pt "${candidates[@]}"
# 4. emote with a transcript (run beside stage 3): emote closed 265 / 270 held-out bilabials with forced phones where
# the phonetic animator closes all; it could not tell forced phones from recognised ones, which are wrong in places.
# From the shipped emote (step 3600 above), the FORCED flag (model.forced_flag) and exact_only as in stage 3.
# The choice, fixed before training: among candidates that still meet the first stage's rule (no transcript, both
# voices), the fewest errors with the transcript on both voices; it replaces the incumbent only with fewer such
# errors than the incumbent's.
cp checkpoints/emote.pt runs/phones/emote_forced_start.pt
tune emote runs/phones/emote_forced_start.pt runs/emote_forced $emote train.lr=1e-4 train.max_seconds=3000 \
    model.forced_flag=true 'data.phone_input.exact_only=[synthetic]'
mapfile -t candidates < <(kept runs/emote_forced)
choose_by_transcript emote emote_forced runs/phones/emote_forced_start.pt "${candidates[@]}"
# 5. emoface (stage 3 kept none: awb closed 176-183 of 203 against 184). Of stage 3's best (step 2000 of the first
# run: 182 closed), the misses on awb bilabials that pocketsphinx recognised were near misses: lip aperture 0.054-0.060
# where 0.05 counts as closed (the phonetic animator closes exactly the 184 recognised ones). So from that step, the
# closure hinges aim further below the line (closure_margin 0.04 instead of 0.02), 1200 s at lr 3e-5 (run beside
# stage 4's scoring). The same choice, among this run's candidates and the incumbent.
tune emoface runs/emoface_phones3a/step_002000.pt runs/emoface_phones5 train.losses.parting=2.0 train.lr=3e-5 \
    train.max_seconds=1200 'data.phone_input.exact_only=[synthetic]' train.losses.closure_margin=0.04
mapfile -t candidates < <(kept runs/emoface_phones5)
choose emoface emoface5 runs/phones/emoface_start.pt "${candidates[@]}"
# 6. The lip seal (emoanim.motion.lip_seal): every learned animator now shuts the lips on each /p b m/ of the phones
# it is given, as the phonetic animator does, so the near misses above close. No training: the 3 best emoface
# candidates of each stage above (fewest errors without the seal) and the incumbent, scored again with the seal; the
# same choice, written before this scoring. (The seal then eased in over 2 frames and none qualified, on false
# closures; the ramp was tried at 2, 1 and 0 frames on one of these candidates, stage 3's step 1600, on the same
# prompts: 53, 42 and 40 false closures, the same 348 closed. It ships with none, and the choice was run again.)
mapfile -t candidates < <(python3 -c "
import json, sys
for name in sys.argv[1:]:
    rows = [r for r in json.load(open(f'runs/phones/{name}.scores.json')) if r['checkpoint'].endswith('.pt')]
    rows.sort(key=lambda r: (r['errors'], r['errors'] - r['arkit_errors']))
    print('\n'.join(r['checkpoint'] for r in rows[:3]))" emoface emoface2 emoface3 emoface5)
choose emoface emoface6 runs/phones/emoface_start.pt "${candidates[@]}"
# 7. emoface with equalisation (data.augment.eq, emoanim.train.augment.equalize): on GRID's 6 real recordings the
# learned animators followed the phonetic animator's lip gap less closely than on the training voices (r 0.81-0.93
# against 0.85-0.99) and opened less through speech (median gap 0.017-0.053 against 0.007-0.065), whatever the
# input level. From the shipped emoface, 1800 s at lr 3e-5 with half the windows equalised. The same choice, scored
# with the seal, the incumbent among the candidates (GRID only reports).
cp checkpoints/emoface.pt runs/phones/emoface_eq_start.pt
tune emoface runs/phones/emoface_eq_start.pt runs/emoface_eq train.losses.parting=2.0 train.lr=3e-5 \
    train.max_seconds=1800 'data.phone_input.exact_only=[synthetic]' data.augment.eq=0.5
mapfile -t candidates < <(kept runs/emoface_eq)
choose emoface emoface7 runs/phones/emoface_eq_start.pt "${candidates[@]}"
# (Stage 7 kept none: its candidates closed falsely 21-27 times on awb's selection prompts against 20, and GRID's
# mean r stayed 0.544-0.546 against the incumbent's 0.544.)
# 8. Why GRID trails (benchmarks/teacher_departure.py): the learned animators follow the phonetic animator (GRID lip-gap
# r 0.91 emote, 0.86 emoface) and their departures from it lower GRID's r (teacher 0.63, models 0.57 / 0.54) but raise
# the held-out FACEGOOD take's jaw r (0.58 -> 0.65 / 0.70). Two ablations from the shipped checkpoints, 1500 s each
# at lr 5e-5 (data.phone_input.jobs=1, run side by side): without the FACEGOOD takes (both models), and emoface
# without the opening and parting hinges. Reported, not chosen from: GRID r 0.580 (emote, from 0.571), 0.548
# (emoface, from 0.544) and 0.526; FACEGOOD jaw r unchanged (0.65, 0.70, 0.69); emote's candidates without FACEGOOD
# all fell short of the phonetic animator on awb's selection prompts, on false closures (21-22 against 20), as the
# shipped emote does (22).
tune emote checkpoints/emote.pt runs/emote_nofg $emote train.losses.parting=2.0 train.lr=5e-5 train.max_seconds=1500 \
    data.facegood.root=null model.forced_flag=true 'data.phone_input.exact_only=[synthetic]' data.phone_input.jobs=1 &
tune emoface checkpoints/emoface.pt runs/emoface_nofg train.losses.parting=2.0 train.lr=5e-5 train.max_seconds=1500 \
    data.facegood.root=null 'data.phone_input.exact_only=[synthetic]' data.phone_input.jobs=1 &
wait
tune emoface checkpoints/emoface.pt runs/emoface_nohinge train.lr=5e-5 train.max_seconds=1500 \
    train.losses.opening=0 train.losses.parting=0 'data.phone_input.exact_only=[synthetic]'
gated emote runs/scores/emote_nofg.json runs/emote_nofg/step_*.pt runs/emote_nofg/last.pt checkpoints/emote.pt
python3 benchmarks/teacher_departure.py --animators emote=runs/emote_nofg/last.pt,emoface=runs/emoface_nofg/last.pt
python3 benchmarks/teacher_departure.py --animators emoface=runs/emoface_nohinge/last.pt
