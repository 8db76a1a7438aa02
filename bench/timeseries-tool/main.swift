// strata-bench-timeseries: Strata's side of bench/timeseries.
//
//   strata-bench-timeseries --plan PLAN --dates 2,4,8 --workers 0,1,2 --batch B --reps R FILE…
//
// FILEs are the dated rasters (names `*_YYYYMMDD.tif`); PLAN holds one chip per line, "x y" pixel offsets of a
// 256 × 256 window on the files' common grid. The chips are read as series [T, 13, 256, 256] of the first T dates
// (SeriesDataset over a RasterDataset with dates from the file names) through GeoDataLoader with W workers, batches
// of B (one loader for the R epochs). Prints "strata <T> <W> <chips> <seconds> <checksum>" per T and W (best of R
// epochs); the checksum (sum of all values) lets bench/timeseries check that Strata, TorchGeo and the floor read the
// same pixels.
import Foundation
import StrataData
import StrataGeo
import StrataTensor

struct Chips: GeoSampler {
    let boxes: [BoundingBox]
    func chips(epoch: Int) -> [BoundingBox] { boxes }
}

var args = Array(CommandLine.arguments.dropFirst())
var plan = "", dateList = [2], workerList = [1], batch = 8, reps = 3, files: [String] = []
while !args.isEmpty {
    let k = args.removeFirst()
    switch k {
    case "--plan": plan = args.removeFirst()
    case "--dates": dateList = args.removeFirst().split(separator: ",").map { Int($0)! }
    case "--workers": workerList = args.removeFirst().split(separator: ",").map { Int($0)! }
    case "--batch": batch = Int(args.removeFirst())!
    case "--reps": reps = Int(args.removeFirst())!
    default: files.append(k)
    }
}
Runtime.configure(threads: 1)
let base = try RasterDataset(paths: files, filenameRegex: #"_(?<date>\d{8})\.tif$"#)
let grid = try Raster(path: files.sorted()[0]).grid
let boxes = try String(contentsOfFile: plan, encoding: .utf8).split(separator: "\n").map { line -> BoundingBox in
    let v = line.split(separator: " ").map { Int($0)! }
    return grid.subgrid(PixelWindow(x: v[0], y: v[1], width: 256, height: 256)).bounds
}
for dates in dateList {
    let series = try SeriesDataset(base, maxDates: dates)
    for workers in workerList {
        var best = Double.infinity, checksum = 0.0, n = 0
        // One loader for the R epochs, as training keeps one: its batch memory is recycled across epochs.
        let loader = try GeoDataLoader(dataset: series, sampler: Chips(boxes: boxes), batchSize: batch,
                                       workers: workers)
        for _ in 0..<reps {
            let t0 = Date()
            let stream = loader.epoch(0)
            var sum = 0.0, count = 0
            while let b = try stream.next() {
                let x = try b.seriesImage()
                precondition(x.shape[1] == dates && x.shape[2] == 13 && x.shape[3] == 256, "shape \(x.shape)")
                // Rows first: 256 values ≤ 65535 sum exactly in float32 (< 2^24), so the checksum is exact without
                // a float64 copy of the whole batch (sum(dtype:) converts first; the floor sums in place).
                sum += try x.sum(dim: 4).sum(dtype: .float64).item()
                count += x.shape[0]
            }
            let dt = Date().timeIntervalSince(t0)
            if dt < best { best = dt }
            checksum = sum
            n = count
        }
        print("strata \(dates) \(workers) \(n) \(String(format: "%.6f", best)) \(String(format: "%.1f", checksum))")
    }
}
