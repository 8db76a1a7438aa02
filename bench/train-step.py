"""PyTorch side of bench/train-step: times SGD training steps of the same CNN as bench/train-step-swift.

  --steps N --warmup W --batch B --channels C --size S --width W --threads T --channels-last 0|1
  --check-pth PATH   instead: load a state dict written by Strata (torch.load, weights_only=True), strict, into
                     the CNN and print the sum of its floating-point entries (compared with Strata's by the script)
Prints `name: value` lines (median-ms).
"""
import argparse
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class SmallCNN(nn.Module):
    def __init__(self, cin, width, classes):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(cin, width, 3, stride=1, padding=1, bias=False), nn.BatchNorm2d(width), nn.ReLU(),
            nn.Conv2d(width, 2 * width, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(2 * width), nn.ReLU(),
            nn.Conv2d(2 * width, 4 * width, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(4 * width), nn.ReLU())
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(4 * width, classes)

    def forward(self, x):
        return self.fc(torch.flatten(self.pool(self.features(x)), 1))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--steps", type=int, default=30)
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--channels", type=int, default=13)
    p.add_argument("--size", type=int, default=64)
    p.add_argument("--width", type=int, default=32)
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--channels-last", type=int, default=0)
    p.add_argument("--check-pth")
    a = p.parse_args()
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    model = SmallCNN(a.channels, a.width, 10)
    if a.check_pth:
        sd = torch.load(a.check_pth, weights_only=True)
        model.load_state_dict(sd, strict=True)
        total = sum(v.double().sum().item() for v in sd.values() if v.is_floating_point())
        print(f"pth-keys: {len(sd)}")
        print(f"param-sum: {total:.10e}")
        return
    torch.manual_seed(0)
    x = torch.randn(a.batch, a.channels, a.size, a.size)
    y = torch.randint(0, 10, (a.batch,))
    if a.channels_last:
        model = model.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    times = []
    for i in range(a.warmup + a.steps):
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        t1 = time.perf_counter()
        if i >= a.warmup:
            times.append((t1 - t0) * 1e3)
    print(f"threads: {torch.get_num_threads()}")
    print(f"channels-last: {bool(a.channels_last)}")
    print(f"loss: {loss.item()}")
    print("step-ms: " + " ".join(f"{t:.2f}" for t in times))
    print(f"median-ms: {statistics.median(times):.3f}")


if __name__ == "__main__":
    main()
