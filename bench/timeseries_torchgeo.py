"""TorchGeo's side of bench/timeseries: series chips the way TorchGeo users build them today — one RasterDataset
over the dated files (filename_regex + date_format), queried once per date for each chip (a time slice holding
that date only) and stacked by hand into [T, 13, 256, 256]; batches through a DataLoader (workers 0, 1, 2).

    timeseries_torchgeo.py --folder DIR --plan PLAN --dates 2,4,8 --workers 0,1,2 --batch B --reps R

Prints "torchgeo <T> <W> <chips> <seconds> <checksum>" per T and W (best of R epochs; checksum = sum of all values,
float64), all from one process (Python and TorchGeo imported once).
"""
import argparse
import time

import torch
from torch.utils.data import DataLoader, Dataset
from torchgeo.datasets import RasterDataset


class Dated(RasterDataset):
    filename_glob = "ts_*.tif"
    filename_regex = r"^ts_(?P<date>\d{8})\.tif$"
    date_format = "%Y%m%d"
    is_image = True


class SeriesChips(Dataset):
    def __init__(self, folder, plan, dates):
        self.folder, self.plan, self.t = folder, plan, dates
        self.ds = None

    def __len__(self):
        return len(self.plan)

    def __getitem__(self, i):
        if self.ds is None:  # opened in the worker, not shared across forks
            self.ds = Dated(paths=self.folder)
            self.dates = sorted(set((iv.left, iv.right) for iv in self.ds.index.index))[: self.t]
            b = self.ds.bounds
            self.x0, self.y1, self.res = b[0].start, b[1].stop, self.ds.res[0]
        x, y = self.plan[i]
        xmin, ymax = self.x0 + x * self.res, self.y1 - y * self.res
        xs, ys = slice(xmin, xmin + 256 * self.res), slice(ymax - 256 * self.res, ymax)
        layers = [self.ds[xs, ys, slice(t0, t1)]["image"] for t0, t1 in self.dates]
        return torch.stack(layers)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--folder", required=True)
    p.add_argument("--plan", required=True)
    p.add_argument("--dates", default="2")
    p.add_argument("--workers", default="0")
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--reps", type=int, default=3)
    a = p.parse_args()
    torch.set_num_threads(1)
    plan = [tuple(int(v) for v in line.split()) for line in open(a.plan) if line.strip()]
    for t in (int(v) for v in a.dates.split(",")):
        for w in (int(v) for v in a.workers.split(",")):
            print(run(a, plan, t, w), flush=True)


def run(a, plan, t, w):
    best, checksum, n = float("inf"), 0.0, 0
    for _ in range(a.reps):
        ds = SeriesChips(a.folder, plan, t)
        t0 = time.perf_counter()
        dl = DataLoader(ds, batch_size=a.batch, num_workers=w, persistent_workers=False)
        s, n = 0.0, 0
        for b in dl:
            assert tuple(b.shape[1:]) == (t, 13, 256, 256), b.shape
            s += b.sum(dim=-1).sum(dtype=torch.float64).item()  # exact, without a float64 copy (as Strata's)
            n += b.shape[0]
        dt = time.perf_counter() - t0
        best, checksum = min(best, dt), s
    return f"torchgeo {t} {w} {n} {best:.6f} {checksum:.1f}"

if __name__ == "__main__":
    main()
