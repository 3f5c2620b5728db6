#!/usr/bin/env bash
# One command for whoever has a CUDA GPU: the CUDA tests and the GPU benchmarks,
# every number in one folder with one summary table.
#
#   bash benchmarks/gpu_check.sh [OUT_DIR]            # on a CUDA machine (< 8 min)
#   bash benchmarks/gpu_check.sh --dry-run [OUT_DIR]  # anywhere: tiny CPU settings
#
# It installs nothing: run it where sklimb and its dependencies import
# (`pip install -e ".[test]"` with your CUDA build of PyTorch). OUT_DIR
# (default benchmarks/results/gpu-check) receives:
#   environment.json  GPU model, driver, CUDA, torch and package versions
#   tests.xml         JUnit report of tests/test_cuda.py and tests/test_training.py
#   fit.json          bench_fit.py: sklimb (captured, eager, bf16) vs skorch vs plain
#   sweep.json        bench_sweep.py, when present: batched vs sequential fits
#   loss.json         bench_loss.py: one training step with each cost loss vs CE
#   group_step.json   bench_group_step.py: one batched step of 30 paper CNNs, vmap
#                     vs streams, float32 vs bfloat16, cudnn.benchmark off vs on
#   paper_sweep/      sklimb-replicate: one repetition of the paper's MNIST grid
#                     for one loss (30 CNN fits, 60k images, 10 epochs, batched
#                     with the faster group step of bench_group_step), timed and
#                     scaled to the paper's 3,000 fits in the summary
#   gpu_check.log     everything the steps printed, with their exit codes
#   summary.md        one table of every timing, ratio and target
# MNIST (for the paper's CNN on 60k images) is read from SKLIMB_DATA_DIR or
# ../shared/data; without it that case is skipped and the summary says so.
set -uo pipefail
cd "$(dirname "$0")/.."
if [[ -z "${PYTHON:-}" && -x .venv/bin/python ]]; then PYTHON=.venv/bin/python; fi
PY=${PYTHON:-python3}
DRY=0
if [[ "${1:-}" == "--dry-run" ]]; then DRY=1; shift; fi
OUT=${1:-benchmarks/results/gpu-check}
mkdir -p "$OUT"
LOG="$OUT/gpu_check.log"
: >"$LOG"
export PYTHONUNBUFFERED=1

step() {  # step NAME TIMEOUT_S COMMAND...
    local name=$1 limit=$2
    shift 2
    local start=$SECONDS
    echo "=== $name: $*" | tee -a "$LOG"
    timeout "$limit" "$@" 2>&1 | tee -a "$LOG"
    local rc=${PIPESTATUS[0]}
    echo "=== $name: exit $rc after $((SECONDS - start)) s" | tee -a "$LOG"
    echo "$name $rc $((SECONDS - start))" >>"$OUT/.steps"
}
: >"$OUT/.steps"

if ((DRY)); then
    DEVICE=cpu
    FIT_ARGS=(--case digits-mlp --epochs 2 --repeats 1)
    SWEEP_ARGS=(--quick --dry-run)
    LOSS_ARGS=(--case digits-mlp --steps 5 --repeats 1)
    GROUP_ARGS=(--dry-run)
    PAPER_ARGS=(--datasets digits --alphas 0 0.9 --mask-sizes 10 --epochs 2)
else
    DEVICE=cuda
    FIT_ARGS=(--case all)
    SWEEP_ARGS=(--quick)
    LOSS_ARGS=(--case all)
    GROUP_ARGS=(--steps 30 --repeats 2)
    PAPER_ARGS=(--datasets mnist)
fi

step environment 60 "$PY" benchmarks/gpu_summary.py environment "$OUT/environment.json"
step tests 180 "$PY" -m pytest -q -p no:cacheprovider tests/test_cuda.py \
    tests/test_training.py --junitxml="$OUT/tests.xml"
step bench_fit 300 "$PY" benchmarks/bench_fit.py --device "$DEVICE" "${FIT_ARGS[@]}" \
    --json "$OUT/fit.json"
if [[ -f benchmarks/bench_sweep.py ]] && { ((!DRY)) ||
    "$PY" benchmarks/bench_sweep.py --help 2>/dev/null | grep -q -- --dry-run; }; then
    step bench_sweep 150 "$PY" benchmarks/bench_sweep.py --device "$DEVICE" \
        "${SWEEP_ARGS[@]}" --out "$OUT/sweep.json"
fi
step bench_loss 90 "$PY" benchmarks/bench_loss.py --device "$DEVICE" "${LOSS_ARGS[@]}" \
    --json "$OUT/loss.json"
step bench_group_step 150 "$PY" benchmarks/bench_group_step.py --device "$DEVICE" \
    "${GROUP_ARGS[@]}" --json "$OUT/group_step.json"
# The paper sweep runs with the group step that bench_group_step found faster
# (float32, cuDNN's default setting); vmap when that step failed.
"$PY" benchmarks/bench_group_step.py --fastest "$OUT/group_step.json" >"$OUT/.group_step" \
    2>>"$LOG" || echo vmap >"$OUT/.group_step"
GROUP_STEP=$(cat "$OUT/.group_step")
echo "=== paper_sweep uses GROUP_STEP=$GROUP_STEP" | tee -a "$LOG"
rm -rf "$OUT/paper_sweep"
step paper_sweep 180 "$PY" -c "import sys, sklimb._batched as b; b.GROUP_STEP = sys.argv.pop(1); \
from sklimb.experiments.cli import main; sys.exit(main())" "$GROUP_STEP" \
    "${PAPER_ARGS[@]}" \
    --losses bilinear --reps 1 --device "$DEVICE" --no-plots --no-progress \
    --out "$OUT/paper_sweep"
"$PY" benchmarks/gpu_summary.py summary "$OUT" | tee -a "$LOG"
