#!/usr/bin/env bash
# examples/train_mnist.cpp does what `infomorph train` does with its defaults: for one epoch,
# the same model file and the same log (the timings are in timing.jsonl), byte for byte.
set -u
example="$1"
bin="$2"
mnist="$3"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
export OPENBLAS_NUM_THREADS=1
"$example" "$mnist" 1 "$tmp/example" >"$tmp/example.out" 2>&1 || { cat "$tmp/example.out"; exit 1; }
"$bin" train --epochs 1 --data-dir "$mnist" --out "$tmp/cli" --no-progress >"$tmp/cli.out" 2>&1 || { cat "$tmp/cli.out"; exit 1; }
cmp "$tmp/example/model.bin" "$tmp/cli/model.bin" || { echo "FAIL: model files differ"; exit 1; }
cmp "$tmp/example/log.jsonl" "$tmp/cli/log.jsonl" || { echo "FAIL: logs differ"; exit 1; }
echo "example and infomorph train agree"
