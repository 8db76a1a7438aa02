"""The TorchGeo + Lightning side of bench/change: FC-Siam-diff (torchgeo.models.FCSiamDiff, ResNet-18 encoder, from
scratch) trained with torchgeo.trainers.ChangeDetectionTask(model='fcsiamdiff', loss='bce') on OSCD split by city
(train: aguasclaras, bercy, bordeaux, nantes, rennes; test: paris, hongkong), as Strata's
configs/oscd-fcsiam-diff.yaml does.

Data as Strata's OSCD loader: the 13 per-band GeoTIFFs of each date read with rasterio onto date 1's 10 m pixel
grid (nearest; the per-band files are not in TorchGeo's `imgs_*_rect` layout, so TorchGeo's OSCD class cannot
read them), labels cm.tif == 2. Standardised per band with the training cities' mean/std (both dates), as Strata
computes them. Training: `--chips` random `--chip`² crops per epoch (city i mod 5), the same window on both dates
and the mask, then per-sample hflip / vflip (p 0.5) and rot90 (k uniform), batch `--batch-size`, AdamW(lr)
(ChangeDetectionTask's optimiser; its ReduceLROnPlateau has patience 10, so it does not act in a short run).
Validation: the two test cities whole, zero-padded to multiples of 32 (padding excluded from the metrics below).
Prints one JSON line: final-model F1/IoU/precision/recall of the change class over every test pixel, and the
seconds of each epoch (train + validation).
"""
import argparse, json, os, time

import numpy as np
import torch

p = argparse.ArgumentParser()
p.add_argument("--data", required=True)
p.add_argument("--epochs", type=int, default=5)
p.add_argument("--chips", type=int, default=512)
p.add_argument("--chip", type=int, default=64)
p.add_argument("--batch-size", type=int, default=16)
p.add_argument("--lr", type=float, default=1e-3)
p.add_argument("--threads", type=int, default=2)
p.add_argument("--workers", type=int, default=0)
p.add_argument("--seed", type=int, default=0)
p.add_argument("--pos-weight", type=float, default=None, help="BCE weight of the change class (Strata: "
               "trainer.class_weights: [w])")
a = p.parse_args()
torch.set_num_threads(a.threads)

import lightning.pytorch as pl
import rasterio
from rasterio.enums import Resampling
from torch.utils.data import DataLoader, Dataset
from torchgeo.trainers import ChangeDetectionTask

BANDS = ["B01", "B02", "B03", "B04", "B05", "B06", "B07", "B08", "B8A", "B09", "B10", "B11", "B12"]
TRAIN = ["aguasclaras", "bercy", "bordeaux", "nantes", "rennes"]
TEST = ["paris", "hongkong"]


def band_files(city, date):
    d = os.path.join(a.data, "images", city, f"imgs_{date}")
    files = os.listdir(d)
    return [os.path.join(d, next(f for f in files if f.upper().endswith(f"_{b}.TIF"))) for b in BANDS]


def load(city):
    files1, files2 = band_files(city, 1), band_files(city, 2)
    with rasterio.open(files1[1]) as ref:
        h, w = ref.height, ref.width

    def read(files):
        out = []
        for f in files:
            with rasterio.open(f) as src:
                out.append(src.read(1, out_shape=(h, w), resampling=Resampling.nearest).astype(np.float32))
        return np.stack(out)

    with rasterio.open(os.path.join(a.data, "train_labels", city, "cm", f"{city}-cm.tif")) as src:
        cm = (src.read(1) == 2).astype(np.float32)
    return read(files1), read(files2), cm


train = [load(c) for c in TRAIN]
test = [load(c) for c in TEST]
pix = np.concatenate([np.concatenate([x1.reshape(13, -1), x2.reshape(13, -1)], 1) for x1, x2, _ in train], 1)
mean, std = pix.mean(1).reshape(13, 1, 1), np.maximum(pix.std(1), 1e-6).reshape(13, 1, 1)
train = [((x1 - mean) / std, (x2 - mean) / std, cm) for x1, x2, cm in train]
test = [((x1 - mean) / std, (x2 - mean) / std, cm) for x1, x2, cm in test]


class Chips(Dataset):
    def __len__(self):
        return a.chips

    def __getitem__(self, i):
        # torch's generator is reseeded per epoch (and per worker) by the DataLoader: new crops every epoch.
        rng = np.random.default_rng(int(torch.randint(2**62, ())))
        x1, x2, cm = train[i % len(train)]
        h, w = cm.shape
        y0, x0 = rng.integers(0, h - a.chip + 1), rng.integers(0, w - a.chip + 1)
        s = np.s_[..., y0:y0 + a.chip, x0:x0 + a.chip]
        img = np.stack([x1[s], x2[s]])            # [2, 13, chip, chip]
        mask = cm[s][None]                          # [1, chip, chip]
        if rng.random() < 0.5: img, mask = img[..., ::-1], mask[..., ::-1]
        if rng.random() < 0.5: img, mask = img[..., ::-1, :], mask[..., ::-1, :]
        k = int(rng.integers(4))
        img, mask = np.rot90(img, k, axes=(-2, -1)), np.rot90(mask, k, axes=(-2, -1))
        return {"image": torch.from_numpy(img.copy()), "mask": torch.from_numpy(mask.copy())}


def padded(x, m=32):
    h, w = x.shape[-2:]
    return np.pad(x, [(0, 0)] * (x.ndim - 2) + [(0, (-h) % m), (0, (-w) % m)])


class Whole(Dataset):
    def __len__(self):
        return len(test)

    def __getitem__(self, i):
        x1, x2, cm = test[i]
        return {"image": torch.from_numpy(np.stack([padded(x1), padded(x2)])),
                "mask": torch.from_numpy(padded(cm[None]))}


chips = Chips()


class EpochTimer(pl.Callback):
    def __init__(self): self.times, self.t0 = [], None
    def on_train_epoch_start(self, trainer, module):
        self.t0 = time.perf_counter()
    def on_validation_epoch_end(self, trainer, module):
        if self.t0 is not None and not trainer.sanity_checking:
            self.times.append(time.perf_counter() - self.t0)


pl.seed_everything(a.seed, workers=True)
kw = dict(num_workers=a.workers, persistent_workers=a.workers > 0)
train_dl = DataLoader(chips, batch_size=a.batch_size, shuffle=True, drop_last=True, **kw)
val_dl = DataLoader(Whole(), batch_size=1, shuffle=False, **kw)
task = ChangeDetectionTask(model="fcsiamdiff", backbone="resnet18", weights=None, in_channels=13, task="binary",
                           loss="bce", lr=a.lr,
                           pos_weight=None if a.pos_weight is None else torch.tensor([a.pos_weight]))
timer = EpochTimer()
trainer = pl.Trainer(max_epochs=a.epochs, accelerator="cpu", devices=1, logger=False, enable_checkpointing=False,
                     enable_progress_bar=False, enable_model_summary=False, num_sanity_val_steps=0,
                     callbacks=[timer])
trainer.fit(task, train_dl, val_dl)

task.eval()
tp = fp = fn = tn = 0
with torch.inference_mode():
    for x1, x2, cm in test:
        img = torch.from_numpy(np.stack([padded(x1), padded(x2)]))[None]
        pred = (task(img)[0, 0] > 0).numpy()[: cm.shape[0], : cm.shape[1]]
        t = cm > 0.5
        tp += int((pred & t).sum()); fp += int((pred & ~t).sum()); fn += int((~pred & t).sum())
        tn += int((~pred & ~t).sum())
prec = tp / max(1, tp + fp); rec = tp / max(1, tp + fn)
f1 = 0.0 if prec + rec == 0 else 2 * prec * rec / (prec + rec)
print(json.dumps({"side": "torchgeo", "f1": f1, "iou": tp / max(1, tp + fp + fn), "precision": prec,
                  "recall": rec, "epoch_seconds": timer.times, "workers": a.workers}))
