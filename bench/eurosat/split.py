"""Writes the fixed stratified 150/50 split of the 200 EuroSAT-MS tiles in ../shared/data/eurosat-ms.

Rule (deterministic, no RNG): within each class, tiles sorted by their number; positions 3, 7, 11, 15, 19 (every
fourth) go to validation, the other 15 to training. Writes eurosat-train.txt / eurosat-val.txt (file names, the
format TorchGeo's EuroSAT reads) and stats.json: per-band mean/std of reflectance (DN / 10000) over the training
tiles, used by both sides of the comparison so preprocessing is identical.
Usage: split.py <eurosat-ms folder> <out folder>
"""
import csv, json, os, re, sys
import numpy as np

root, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
by_class = {}
with open(os.path.join(root, "labels.csv")) as f:
    for row in csv.DictReader(f):
        by_class.setdefault(row["class_name"], []).append(row["path"])
train, val = [], []
for cls in sorted(by_class):
    paths = sorted(by_class[cls], key=lambda p: int(re.search(r"_(\d+)\.tif$", p).group(1)))
    for i, p in enumerate(paths):
        (val if i % 4 == 3 else train).append(p)
for name, lst in (("train", train), ("val", val)):
    with open(os.path.join(out, f"eurosat-{name}.txt"), "w") as f:
        f.write("".join(os.path.basename(p) + "\n" for p in lst))

# Per-band statistics over the training tiles, read with GDAL's command-line-free path: numpy from the raw
# GeoTIFF via the peer's rasterio when available, else via gdal_translate to ENVI.
try:
    import rasterio
    arrays = [rasterio.open(os.path.join(root, p)).read().astype(np.float64) for p in train]
except ImportError:
    import subprocess, tempfile
    arrays = []
    with tempfile.TemporaryDirectory() as d:
        for p in train:
            dst = os.path.join(d, "x.raw")
            subprocess.run(["gdal_translate", "-q", "-of", "ENVI", "-ot", "UInt16", os.path.join(root, p), dst], check=True)
            arrays.append(np.fromfile(dst, dtype="<u2").reshape(13, 64, 64).astype(np.float64))
x = np.stack(arrays) / 10000.0
stats = {"mean": x.mean(axis=(0, 2, 3)).tolist(), "std": x.std(axis=(0, 2, 3)).tolist(),
         "train": len(train), "val": len(val)}
with open(os.path.join(out, "stats.json"), "w") as f:
    json.dump(stats, f, indent=1)
print(f"split: {len(train)} train / {len(val)} val -> {out}")
