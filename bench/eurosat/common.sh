# Shared set-up of bench/eurosat-accuracy and bench/train-eurosat (sourced, not run): builds the release `strata`,
# creates the TorchGeo peer venv, writes the fixed stratified 150/50 split + training statistics (split.py) and a
# Strata config with the same schedule and preprocessing as bench/eurosat/torchgeo_train.py:
#   ResNet-18, 13 bands, from scratch, residual blocks zero-initialised as timm's (TorchGeo's model source); AdamW lr 1e-3, weight decay 0.01; ReduceLROnPlateau(val_loss, patience 10,
#   factor 0.1); batch 32; no augmentation; reflectance = DN / 10000 standardised with the training split's
#   per-band mean/std (stats.json), identical numbers on both sides.
# Sets: BIN (strata), PY (peer python), DATA, SPLIT, CFG, TMP (removed on exit).
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
scripts/setup >&2   # libtorch for swift build (.deps/libtorch, or LIBTORCH=…) via strata-libtorch.pc
DATA=${DATA:-../shared/data/eurosat-ms}
[ -f "$DATA/labels.csv" ] || { echo "EuroSAT-MS tiles not found at $DATA (set DATA=...; see ../shared/data/SOURCES.md)" >&2; exit 2; }
# STRATA_BIN=path skips the build (e.g. while another SwiftPM build holds .build).
if [ -n "${STRATA_BIN:-}" ]; then
  BIN=$STRATA_BIN
else
  echo "[eurosat] building strata (release)" >&2
  swift build -c release --product strata >&2
  BIN="$(swift build -c release --show-bin-path)/strata"
fi
PY=$(bench/lib/peer-venv torchgeo)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
SPLIT=$TMP/split
"$PY" bench/eurosat/split.py "$DATA" "$SPLIT" >&2
CFG=$TMP/eurosat-bench.yaml
"$PY" - "$SPLIT/stats.json" "$DATA" "$SPLIT" > "$CFG" <<'PYEOF'
import json, os, sys
s = json.load(open(sys.argv[1]))
f = lambda v: "[" + ", ".join(f"{x:.9g}" for x in v) + "]"
print(f"""task: classification
data:
  dataset: eurosat
  root: {os.path.abspath(os.path.join(sys.argv[2], "eurosat"))}
  split_dir: {os.path.abspath(sys.argv[3])}
  batch_size: 32
  workers: 2
  normalize: {{method: meanstd, scale: 10000, mean: {f(s["mean"])}, std: {f(s["std"])}}}
  augment: []
model:
  name: resnet18
  zero_init_residual: true   # TorchGeo's ClassificationTask builds timm's resnet18, whose blocks start as identities
trainer:
  epochs: 15
  seed: 0
  threads: 2
  monitor: val_loss
  optimizer: {{name: adamw, lr: 1.0e-3, weight_decay: 1.0e-2}}
  scheduler: {{name: plateau, patience: 10, factor: 0.1}}
output: runs/eurosat-bench""")
PYEOF
