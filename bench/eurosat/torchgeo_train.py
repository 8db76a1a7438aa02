"""The TorchGeo + Lightning side of the EuroSAT comparison: ResNet-18 (13 bands, from scratch) through
torchgeo's EuroSAT dataset and ClassificationTask, on the fixed split written by split.py.

Preprocessing as Strata's config: reflectance = DN / 10000, standardised per band with the training statistics.
Optimiser and schedule are TorchGeo's defaults for ClassificationTask: AdamW(lr) + ReduceLROnPlateau(val_loss).
Prints one JSON line with the final OA/kappa and seconds per epoch (train + validation).
Usage: torchgeo_train.py --data <eurosat-ms> --split <dir from split.py> --seed S --epochs E --batch-size B
       --lr LR --threads T --workers W
"""
import argparse, json, os, tempfile, time

import numpy as np
import torch

p = argparse.ArgumentParser()
p.add_argument("--data", required=True)
p.add_argument("--split", required=True)
p.add_argument("--seed", type=int, default=0)
p.add_argument("--epochs", type=int, default=20)
p.add_argument("--batch-size", type=int, default=32)
p.add_argument("--lr", type=float, default=1e-3)
p.add_argument("--patience", type=int, default=10)
p.add_argument("--threads", type=int, default=2)
p.add_argument("--workers", type=int, default=0)
a = p.parse_args()
torch.set_num_threads(a.threads)

import lightning.pytorch as pl
from torch.utils.data import DataLoader
from torchgeo.datasets import EuroSAT
from torchgeo.trainers import ClassificationTask

# TorchGeo's EuroSAT wants the official folder layout + split files: build it from symlinks.
root = tempfile.mkdtemp(prefix="eurosat-tg-")
base = os.path.join(root, "ds/images/remote_sensing/otherDatasets/sentinel_2/tif")
os.makedirs(os.path.dirname(base))
os.symlink(os.path.abspath(os.path.join(a.data, "eurosat")), base)
for s in ("train", "val"):
    os.symlink(os.path.abspath(os.path.join(a.split, f"eurosat-{s}.txt")), os.path.join(root, f"eurosat-{s}.txt"))
os.symlink(os.path.join(root, "eurosat-val.txt"), os.path.join(root, "eurosat-test.txt"))

stats = json.load(open(os.path.join(a.split, "stats.json")))
mean = torch.tensor(stats["mean"], dtype=torch.float32).view(13, 1, 1)
std = torch.tensor(stats["std"], dtype=torch.float32).view(13, 1, 1)

def norm(sample):
    sample["image"] = (sample["image"].float() / 10000.0 - mean) / std
    return sample

train_ds = EuroSAT(root, split="train", bands=EuroSAT.all_band_names, transforms=norm)
val_ds = EuroSAT(root, split="val", bands=EuroSAT.all_band_names, transforms=norm)
assert len(train_ds) == stats["train"] and len(val_ds) == stats["val"], (len(train_ds), len(val_ds))

pl.seed_everything(a.seed, workers=True)
kw = dict(batch_size=a.batch_size, num_workers=a.workers, persistent_workers=a.workers > 0)
train_dl = DataLoader(train_ds, shuffle=True, **kw)
val_dl = DataLoader(val_ds, shuffle=False, **kw)

task = ClassificationTask(model="resnet18", weights=None, in_channels=13, num_classes=10, loss="ce", lr=a.lr,
                          patience=a.patience)

class EpochTimer(pl.Callback):
    def __init__(self): self.times, self.t0 = [], None
    def on_train_epoch_start(self, trainer, module): self.t0 = time.perf_counter()
    def on_validation_epoch_end(self, trainer, module):
        if self.t0 is not None and not trainer.sanity_checking:
            self.times.append(time.perf_counter() - self.t0)

timer = EpochTimer()
trainer = pl.Trainer(max_epochs=a.epochs, accelerator="cpu", devices=1, logger=False, enable_checkpointing=False,
                     enable_progress_bar=False, enable_model_summary=False, num_sanity_val_steps=0,
                     callbacks=[timer], deterministic=False)
trainer.fit(task, train_dl, val_dl)

# Final metrics on the validation split, computed the same way as Strata (sklearn-equivalent formulas).
task.eval()
preds, targets = [], []
with torch.inference_mode():
    for b in DataLoader(val_ds, batch_size=a.batch_size):
        preds.append(task(b["image"]).argmax(1)); targets.append(b["label"])
pred, tgt = torch.cat(preds).numpy(), torch.cat(targets).numpy()
cm = np.zeros((10, 10), dtype=np.int64)
np.add.at(cm, (tgt, pred), 1)
n = cm.sum(); po = np.trace(cm) / n; pe = (cm.sum(0) * cm.sum(1)).sum() / n**2
print(json.dumps({"side": "torchgeo", "seed": a.seed, "oa": float(po), "kappa": float((po - pe) / (1 - pe)),
                  "epoch_seconds": timer.times, "workers": a.workers}))
