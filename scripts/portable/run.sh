#!/usr/bin/env bash
# run.sh — the portable GPU benchmark on this machine: Strata (bin/strata-gpu-bench) next to PyTorch
# (pytorch_bench.py, same models, batches, precision, memory format, data seed and tiling) on the same device.
# Builds lib/libctorch.so first with build-shim.sh when it is missing (REBUILD_SHIM=1: always), against the PyTorch of
# $PYTHON (default python3; TORCH_DIR= another libtorch).
#
# Environment:
#   DEVICE=cuda|cuda:N|cpu (default: cuda when $PYTHON's torch sees a GPU, else cpu)   AMP=none|bf16|fp16 (none)
#   CHANNELS_LAST=1  SEED=0  THREADS= (intra-op threads, both sides; default libtorch's)
#   WHAT="train predict"             which benchmarks
#   TRAIN_ARGS="--batch 32 …"        extra options for both sides of `train`   (see pytorch_bench.py --help)
#   PREDICT_ARGS="--scene 8192 …"    extra options for both sides of `predict`
# Output: `name: value` lines: strata-/pytorch-train-steps-per-s, ratio-train-steps (Strata ÷ PyTorch, > 1: Strata
# faster), strata-/pytorch-predict-mp-per-s, ratio-predict-mp, map-agreement (share of pixels where PyTorch, given
# the Swift model's weights, predicts the same class as Strata), plus both libtorch versions.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
PYTHON=${PYTHON:-python3}
export PYTHON
if [ "${REBUILD_SHIM:-0}" = 1 ] || [ ! -f "$HERE/lib/libctorch.so" ]; then "$HERE/build-shim.sh"; fi
BIN=$HERE/bin/strata-gpu-bench
if [ -z "${DEVICE:-}" ]; then
  DEVICE=$("$PYTHON" -c 'import torch; print("cuda" if torch.cuda.is_available() else "cpu")')
fi
common=(--device "$DEVICE" --amp "${AMP:-none}" --channels-last "${CHANNELS_LAST:-1}" --seed "${SEED:-0}")
[ -n "${THREADS:-}" ] && common+=(--threads "$THREADS")
read -r -a train_args <<< "${TRAIN_ARGS:-}"
read -r -a predict_args <<< "${PREDICT_ARGS:-}"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

field() { sed -n "s/^$1: //p" "$2" | head -1; }
ratio() { "$PYTHON" -c "import sys; print(f'{float(sys.argv[1]) / float(sys.argv[2]):.3f}')" "$1" "$2"; }

echo "strata-libtorch: $("$BIN" info | sed -n 's/^libtorch: //p')"
echo "pytorch: $("$PYTHON" -c 'import torch; print(torch.__version__)')"
echo "device: $DEVICE"
for what in ${WHAT:-train predict}; do
  case $what in
    train)
      echo "[run.sh] train: strata" >&2
      "$BIN" train "${common[@]}" "${train_args[@]}" > "$TMP/strata-train" || { cat "$TMP/strata-train"; exit 1; }
      echo "[run.sh] train: pytorch" >&2
      "$PYTHON" "$HERE/pytorch_bench.py" train "${common[@]}" "${train_args[@]}" > "$TMP/pytorch-train"
      s=$(field train-steps-per-s "$TMP/strata-train"); p=$(field train-steps-per-s "$TMP/pytorch-train")
      for k in model batch size amp optimizer; do echo "train-$k: $(field $k "$TMP/strata-train")"; done
      echo "strata-train-steps-per-s: $s"
      echo "pytorch-train-steps-per-s: $p"
      echo "strata-train-images-per-s: $(field train-images-per-s "$TMP/strata-train")"
      echo "pytorch-train-images-per-s: $(field train-images-per-s "$TMP/pytorch-train")"
      echo "strata-train-loss-last: $(field loss-last "$TMP/strata-train")"
      echo "pytorch-train-loss-last: $(field loss-last "$TMP/pytorch-train")"
      echo "ratio-train-steps: $(ratio "$s" "$p")"
      ;;
    predict)
      echo "[run.sh] predict: strata" >&2
      "$BIN" predict "${common[@]}" "${predict_args[@]}" --save-weights "$TMP/unet.pth" --save-map "$TMP/map.pth" \
        > "$TMP/strata-predict" || { cat "$TMP/strata-predict"; exit 1; }
      echo "[run.sh] predict: pytorch" >&2
      "$PYTHON" "$HERE/pytorch_bench.py" predict "${common[@]}" "${predict_args[@]}" --load-weights "$TMP/unet.pth" \
        --compare-map "$TMP/map.pth" > "$TMP/pytorch-predict"
      s=$(field predict-mp-per-s "$TMP/strata-predict"); p=$(field predict-mp-per-s "$TMP/pytorch-predict")
      for k in model scene chip overlap batch chips amp; do echo "predict-$k: $(field $k "$TMP/strata-predict")"; done
      echo "strata-predict-mp-per-s: $s"
      echo "pytorch-predict-mp-per-s: $p"
      echo "ratio-predict-mp: $(ratio "$s" "$p")"
      echo "map-agreement: $(field map-agreement "$TMP/pytorch-predict")"
      ;;
    *) echo "run.sh: WHAT may name train and predict, got '$what'" >&2; exit 2 ;;
  esac
done
