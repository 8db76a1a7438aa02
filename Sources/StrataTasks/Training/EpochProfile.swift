import Foundation
import StrataData

/// Where an epoch's time goes, printed to standard error once per epoch when `STRATA_PROFILE=1` (see
/// `LoaderProfile`): training and validation wall time split into compute (inside the trainer's step or evaluation
/// of a batch) and waiting for the next batch, the CPU seconds the loader workers spent on each, and the process's
/// CPU seconds over the epoch. Metrics, logs and checkpoints are unchanged.
final class EpochProfile {
    /// A source whose batches are timed: `waiting` is the time spent before each batch was handed over (worker
    /// start-up and stalls), `compute` the time inside the consumer's body.
    final class TimedSource: BatchSource {
        let base: BatchSource
        var waiting = 0.0, compute = 0.0
        init(_ base: BatchSource) { self.base = base }
        var batchCount: Int { base.batchCount }
        var sampleCount: Int { base.sampleCount }
        func forEachBatch(epoch: Int, _ body: (TrainingBatch) throws -> Void) throws {
            waiting = 0
            compute = 0
            var mark = DispatchTime.now().uptimeNanoseconds
            try base.forEachBatch(epoch: epoch) { b in
                let t = DispatchTime.now().uptimeNanoseconds
                waiting += Double(t - mark) * 1e-9
                try body(b)
                mark = DispatchTime.now().uptimeNanoseconds
                compute += Double(mark - t) * 1e-9
            }
        }
    }

    let train: TimedSource
    let validation: TimedSource?
    private var cpu0 = 0.0, wall0 = 0.0
    private var trainLoaderCPU = 0.0, trainBatches = 0

    init(train: BatchSource, validation: BatchSource?) {
        self.train = TimedSource(train)
        self.validation = validation.map(TimedSource.init)
    }

    func start() {
        _ = LoaderProfile.take()
        cpu0 = LoaderProfile.processCPUSeconds()
        wall0 = Double(DispatchTime.now().uptimeNanoseconds) * 1e-9
    }

    func trainDone() {
        (trainLoaderCPU, trainBatches) = LoaderProfile.take()
    }

    func finish(epoch: Int) {
        let (valCPU, valBatches) = LoaderProfile.take()
        let wall = Double(DispatchTime.now().uptimeNanoseconds) * 1e-9 - wall0
        let cpu = LoaderProfile.processCPUSeconds() - cpu0
        var line = String(format: "[profile] epoch %ld: %.3f s wall, %.3f s process CPU; train compute %.3f s, "
                            + "waiting %.3f s, loader workers %.3f s CPU (%ld batches)", epoch, wall, cpu,
                          train.compute, train.waiting, trainLoaderCPU, trainBatches)
        if let v = validation {
            line += String(format: "; val compute %.3f s, waiting %.3f s, loader workers %.3f s CPU (%ld batches)",
                           v.compute, v.waiting, valCPU, valBatches)
        }
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
