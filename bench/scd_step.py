"""PyTorch side of bench/scd-step: times ClearSCD training steps, the model as scripts/fixtures/clearscd.py builds
it (smp EfficientNetEncoder + FPNDecoder + SegmentationHead, CVAPS and projection heads, SACL and BSCC computed the
way the authors' code does: per class, InfoNCE as cross-entropy over explicit [positives, all negatives] logits),
warmup off, Adam lr 2.5e-4 / weight decay 5e-4, one fixed random batch.

  --steps N --warmup W --batch B --size S --threads T --channels-last 0|1
Prints `name: value` lines (median-ms).
"""
import argparse
import os
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "scripts", "fixtures"))
import clearscd as ref  # noqa: E402


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--batch", type=int, default=2)
    p.add_argument("--size", type=int, default=256)
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--channels-last", type=int, default=0)
    a = p.parse_args()
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = ref.ClearSCDRef()          # dropout 0.2, drop-connect 0.2, as released
    model.train()
    x = torch.randn(a.batch, 6, a.size, a.size)
    la = torch.randint(0, 10, (a.batch, a.size, a.size))
    lb = torch.randint(0, 10, (a.batch, a.size, a.size))
    cm = torch.randint(0, 2, (a.batch, a.size, a.size))
    cm.view(a.batch, -1)[:, ::16] = 255
    if a.channels_last:
        model = model.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
    opt = torch.optim.Adam(model.parameters(), lr=2.5e-4, weight_decay=5e-4)
    times, last = [], 0.0
    for i in range(a.warmup + a.steps):
        t0 = time.perf_counter()
        opt.zero_grad()
        out = model(x)
        terms = ref.losses(model, out, la, lb, cm)
        terms["total"].backward()
        opt.step()
        t1 = time.perf_counter()
        if i >= a.warmup:
            times.append((t1 - t0) * 1e3)
        last = float(terms["total"].detach())
    print(f"threads: {torch.get_num_threads()}")
    print(f"loss: {last}")
    print("step-ms: " + " ".join(f"{t:.2f}" for t in times))
    print(f"median-ms: {statistics.median(times):.3f}")


if __name__ == "__main__":
    main()
