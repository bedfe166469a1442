#!/usr/bin/env bash
# The runs behind docs/results.md: the paper's MNIST configurations (and Fashion-MNIST), 100
# epochs each, one after another. Long: about an hour on 2 cores; not part of CI.
# Usage: scripts/reproduce.sh [INFOMORPH_BINARY] [OUTPUT_ROOT] [SEED]
set -euo pipefail
bin="${1:-build/tools/infomorph/infomorph}"
root="${2:-runs}"
seed="${3:-1}"
threads="${THREADS:-1}"
export OPENBLAS_NUM_THREADS=1
run() {  # name, then train flags
  local name="$1"; shift
  "$bin" train --epochs 100 --seed "$seed" --threads "$threads" --no-progress --out "$root/$name-seed$seed" "$@" \
    > "$root/$name-seed$seed.txt" 2>&1
  tail -n 1 "$root/$name-seed$seed/log.jsonl" | head -c 200; echo
}
mkdir -p "$root"
run trivariate-opt    --kind context_lateral --goal opt_1_100_tpe
run trivariate-naive  --kind context_lateral --goal naive
run backprop          --kind backprop
run readout           --kind readout
run bivariate-context --kind context --goal naive --hidden-binning fixed
run bivariate-context-adaptive --kind context --goal naive
run fashion-trivariate-opt --kind context_lateral --goal opt_1_100_tpe --dataset fashion-mnist
run trivariate-opt-2000 --kind context_lateral --goal opt_1_100_tpe --hidden 2000 --partners 100
