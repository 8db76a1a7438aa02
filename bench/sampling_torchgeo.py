"""TorchGeo's side of bench/sampling: the same files, chip size and chip counts, through TorchGeo's own
RasterDataset + samplers + DataLoader (stack_samples), with DataLoader workers 0, 1 and 2.

Writes "<config> <workers> <chips> <seconds> <cpu-seconds>" per run (configs named like Strata's, without the
thread suffix; CPU time includes the worker processes). With --serve it reads "<config> <workers>" lines on
stdin and answers each with its result line, so bench/sampling can interleave it with Strata and the floor.
"""
import resource
import argparse
import math
import os
import sys
import time

import torch
from pyproj import CRS
from torch.utils.data import DataLoader
from torchgeo.datasets import RasterDataset, stack_samples
from torchgeo.samplers import GridGeoSampler, RandomGeoSampler


class OSCDStacks(RasterDataset):
    filename_glob = "*_t1_13band_10m.tif"
    is_image = True


class Mosaic(RasterDataset):
    filename_glob = "mosaic_4096_13band_utm.tif"
    is_image = True


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--oscd", required=True, help="folder of the OSCD 13-band stacks")
    p.add_argument("--mosaic", required=True, help="folder holding mosaic_4096_13band_utm.tif")
    p.add_argument("--mosaic-res-deg", required=True, help="x,y resolution of the mosaic in EPSG:4326 (degrees)")
    p.add_argument("--chips", type=int, default=512)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--workers", default="0,1,2")
    p.add_argument("--out", default=None)
    p.add_argument("--serve", action="store_true")
    p.add_argument("--only", default=None)
    a = p.parse_args()
    torch.set_num_threads(1)
    def dataset(data: str, warped: bool) -> RasterDataset:
        cls, path = (OSCDStacks, a.oscd) if data == "oscd" else (Mosaic, a.mosaic)
        if not warped:
            return cls(paths=path)
        if data == "oscd":
            return cls(paths=path, crs=CRS.from_epsg(3857), res=10.0)
        rx, ry = (float(v) for v in a.mosaic_res_deg.split(","))
        return cls(paths=path, crs=CRS.from_epsg(4326), res=(rx, ry))

    def run(name: str, w: int) -> str:
        sampler_name, data, mode = name.split("-")
        # A fresh dataset per run: TorchGeo caches open files, and handles opened before the DataLoader forks its
        # workers would be shared by them (corrupt concurrent reads).
        ds = dataset(data, mode == "warped")
        if sampler_name == "random":
            sampler = RandomGeoSampler(ds, size=256, length=a.chips)
            epochs = 1
        else:
            sampler = GridGeoSampler(ds, size=256)
            epochs = max(1, math.ceil(a.chips / len(sampler)))
        cpu = lambda: sum(r.ru_utime + r.ru_stime for r in (resource.getrusage(resource.RUSAGE_SELF),
                                                              resource.getrusage(resource.RUSAGE_CHILDREN)))
        c0 = cpu()
        t0 = time.perf_counter()
        dl = DataLoader(ds, sampler=sampler, batch_size=a.batch, num_workers=w, collate_fn=stack_samples,
                        persistent_workers=w > 0)
        n = 0
        for _ in range(epochs):
            for b in dl:
                n += b["image"].shape[0]
        dt = time.perf_counter() - t0
        assert tuple(b["image"].shape[1:]) == (13, 256, 256), b["image"].shape
        del dl  # joins the workers, so their CPU time is counted
        return f"{name} {w} {n} {dt:.6f} {cpu() - c0:.6f}"

    if a.serve:
        for line in sys.stdin:
            if not line.strip():
                continue
            name, w = line.split()
            print(run(name, int(w)), flush=True)
        return
    out = open(a.out, "w")
    for data in ["oscd", "mosaic"]:
        for mode in ["native", "warped"]:
            for sampler_name in ["random", "grid"]:
                name = f"{sampler_name}-{data}-{mode}"
                if a.only and not any(a.only in f"{name}-t{t}" for t in (1, 2)):
                    continue
                for w in [int(x) for x in a.workers.split(",")]:
                    r = run(name, w)
                    print(r, flush=True)
                    out.write(r + "\n")
                    out.flush()
    out.close()


if __name__ == "__main__":
    sys.exit(main())
