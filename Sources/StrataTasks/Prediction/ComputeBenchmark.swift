import Foundation
import StrataTensor

extension Predictor {
    /// The model's pure compute for a scene: the same number of chips (or windows) in the same batches as
    /// `predict` would run, as random in-memory batches — no reading, blending or writing. Seconds of forward time
    /// (batches are built before the clock starts). The yardstick for the pipeline's overhead.
    public func measureCompute(inputs: [PredictionInput]) throws -> (seconds: Double, chips: Int, batches: Int) {
        let s = try prepare(.rasters(inputs))
        let n = s.count, B = options.batchSize, C = s.sources.count
        let sizes = stride(from: 0, to: n, by: B).map { min(B, n - $0) }
        let batches = try sizes.map { try Tensor.randn([$0, C, s.chipH, s.chipW]) }
        let start = Date()
        for x in batches {
            let y = try Torch.inferenceMode { try model.forward(model.device == .cpu ? x : try x.to(model.device)) }
            _ = try y.to(.cpu, dtype: .float32).contiguous()
        }
        return (Date().timeIntervalSince(start), n, batches.count)
    }
}
