"""The PyTorch side of bench/ddp: ResNet-18 (torchvision, 13-band first convolution) trained with
DistributedDataParallel over Gloo on the EuroSAT-MS training tiles of split.py, started by torchrun (or alone).

As Strata's `--compute-only`: the tiles are read once (rasterio), normalised with stats.json (reflectance = DN /
10000, per-band mean/std) and kept in memory; each epoch is DistributedSampler(shuffle, seed 0, epoch) batches of
--batch-size per process, AdamW(1e-3, wd 1e-2), channels-last like Strata's default. Rank 0 prints one JSON line:
global training samples per second of every epoch (train steps only, no validation).
Usage: torchrun --standalone --nproc_per_node N ddp_torch.py --data <eurosat-ms> --split <dir> --epochs E
"""
import argparse, json, os, time

import numpy as np
import rasterio
import torch
import torch.distributed as dist
import torchvision

p = argparse.ArgumentParser()
p.add_argument("--data", required=True)
p.add_argument("--split", required=True)
p.add_argument("--epochs", type=int, default=3)
p.add_argument("--batch-size", type=int, default=32)
p.add_argument("--threads", type=int, default=1)
a = p.parse_args()
torch.set_num_threads(a.threads)
world = int(os.environ.get("WORLD_SIZE", "1"))
rank = int(os.environ.get("RANK", "0"))
if world > 1:
    dist.init_process_group("gloo")

stats = json.load(open(os.path.join(a.split, "stats.json")))
mean = torch.tensor(stats["mean"]).view(1, 13, 1, 1)
std = torch.tensor(stats["std"]).view(1, 13, 1, 1)
names = [l.strip() for l in open(os.path.join(a.split, "eurosat-train.txt")) if l.strip()]
classes = sorted({n.split("_")[0] for n in names})
files = {}
for r, _, fs in os.walk(os.path.join(a.data, "eurosat")):
    for f in fs:
        files[f] = os.path.join(r, f)
x = torch.stack([torch.from_numpy(rasterio.open(files[n]).read().astype(np.float32)) for n in names])
x = ((x / 10000.0 - mean) / std).contiguous(memory_format=torch.channels_last)
y = torch.tensor([classes.index(n.split("_")[0]) for n in names])

torch.manual_seed(0)
model = torchvision.models.resnet18(num_classes=len(classes))
model.conv1 = torch.nn.Conv2d(13, 64, 7, 2, 3, bias=False)
model = model.to(memory_format=torch.channels_last)
if world > 1:
    model = torch.nn.parallel.DistributedDataParallel(model)
opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-2)
sampler = torch.utils.data.DistributedSampler(range(len(names)), num_replicas=world, rank=rank, shuffle=True, seed=0)
rates = []
model.train()
for epoch in range(a.epochs):
    sampler.set_epoch(epoch)
    idx = list(sampler)
    t0 = time.perf_counter()
    for i in range(0, len(idx), a.batch_size):
        b = torch.tensor(idx[i:i + a.batch_size])
        loss = torch.nn.functional.cross_entropy(model(x[b]), y[b])
        opt.zero_grad()
        loss.backward()
        opt.step()
    if world > 1:
        dist.barrier()
    rates.append(len(idx) * world / (time.perf_counter() - t0))
if rank == 0:
    print(json.dumps({"world": world, "samples_per_s": rates}))
if world > 1:
    dist.destroy_process_group()
