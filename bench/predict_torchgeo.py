"""The TorchGeo side of bench/predict: the usual whole-scene inference loop a TorchGeo user writes — a
RasterDataset over the scene, GridGeoSampler (chip, stride), DataLoader with stack_samples, the model under
inference_mode, each chip's logits stitched into a scene-sized accumulator with the same raised-cosine blend weights
as Strata's (ramps over the overlap), argmax, and a Cloud-Optimized GeoTIFF with a colour table written by rasterio.

Timed from building the dataset to the COG on disk (imports and model construction excluded, as on the Strata
side). Prints one JSON line: seconds, MP/s (scene pixels), chips.
Usage: predict_torchgeo.py --scene S --weights W.safetensors --model tiny|unet --out map.tif [--chip 256
       --stride 192 --batch-size 8 --threads 2 --workers 1]
"""
import argparse, json, math, os, tempfile, time, warnings

warnings.filterwarnings("ignore")
import numpy as np
import torch

p = argparse.ArgumentParser()
p.add_argument("--scene", required=True)
p.add_argument("--weights", required=True)
p.add_argument("--model", choices=["tiny", "unet"], required=True)
p.add_argument("--out", required=True)
p.add_argument("--chip", type=int, default=256)
p.add_argument("--stride", type=int, default=192)
p.add_argument("--batch-size", type=int, default=8)
p.add_argument("--threads", type=int, default=2)
p.add_argument("--workers", type=int, default=1)
a = p.parse_args()
torch.set_num_threads(a.threads)

import rasterio
import rasterio.shutil
from safetensors.torch import load_file
from torch.utils.data import DataLoader
from torchgeo.datasets import RasterDataset, stack_samples
from torchgeo.samplers import GridGeoSampler

import predict_models as pm

model = pm.tiny() if a.model == "tiny" else pm.unet()
model.load_state_dict(load_file(a.weights))
model.eval()
K = pm.classes


def ramp(n, v):
    if v <= 0: return np.ones(n)
    j = np.arange(n, dtype=np.float64)
    r = np.where(j >= v, 1.0, np.sin(np.pi / 2 * j / max(v - 1, 1)) ** 2)
    return r


class Scene(RasterDataset):
    filename_glob = os.path.basename(a.scene)
    is_image = True


t0 = time.perf_counter()
ds = Scene(paths=[a.scene])
sampler = GridGeoSampler(ds, size=a.chip, stride=a.stride)
dl = DataLoader(ds, sampler=sampler, batch_size=a.batch_size, collate_fn=stack_samples, num_workers=a.workers)
with rasterio.open(a.scene) as src:
    H, W, profile = src.height, src.width, src.profile
xb, yb = ds.bounds[0], ds.bounds[1]
rx, ry = ds.res
overlap = a.chip - a.stride
w1 = (ramp(a.chip, overlap) * ramp(a.chip, overlap)[::-1]).astype(np.float32)
win = np.outer(w1, w1)
acc = np.zeros((K, H, W), np.float32)
wsum = np.zeros((H, W), np.float32)
chips = 0
for batch in dl:
    x = batch["image"].float() * 1e-4
    with torch.inference_mode():
        y = model(x).numpy()
    for i, (xs, ys, _) in enumerate(batch["bounds"]):
        c0 = int(round((xs.start - xb.start) / rx))
        r0 = int(round((yb.stop - ys.stop) / ry))
        r1, c1 = min(H, r0 + a.chip), min(W, c0 + a.chip)
        rs, cs = max(0, r0), max(0, c0)
        if r1 <= rs or c1 <= cs: continue
        sub = (slice(rs - r0, r1 - r0), slice(cs - c0, c1 - c0))
        acc[:, rs:r1, cs:c1] += y[i][:, sub[0], sub[1]] * win[sub]
        wsum[rs:r1, cs:c1] += win[sub]
        chips += 1
classes = acc.argmax(axis=0).astype(np.uint8)
classes[wsum == 0] = 255
profile.update(driver="GTiff", count=1, dtype="uint8", nodata=255, tiled=True, blockxsize=256, blockysize=256,
               compress="deflate", interleave="band")
tmp = os.path.join(os.path.dirname(os.path.abspath(a.out)), f".tg-{os.getpid()}.tif")
with rasterio.open(tmp, "w", **profile) as dst:
    dst.write(classes, 1)
    dst.write_colormap(1, {k: (37 * k % 256, 91 * k % 256, 157 * k % 256, 255) for k in range(K)})
rasterio.shutil.copy(tmp, a.out, driver="COG", compress="DEFLATE")
os.remove(tmp)
seconds = time.perf_counter() - t0
print(json.dumps({"seconds": seconds, "mp_per_s": H * W / 1e6 / seconds, "chips": chips}))
