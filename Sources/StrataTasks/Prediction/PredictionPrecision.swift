import StrataTensor

extension PredictionModel {
    /// The same model with its forward run under autocast for `precision` on the model's device (`--precision`):
    /// bf16 or fp16 for convolutions and matmuls, float32 for the numerically sensitive ops; fp32 returns the model
    /// unchanged. Autocast is thread-local and the forward runs on the predicting thread, so it applies to exactly
    /// these calls. The scores come back in the autocast dtype; `Predictor` converts them to float32.
    public func autocast(_ precision: TrainerOptions.Precision) -> PredictionModel {
        guard let dtype = precision.autocastDType else { return self }
        var m = self
        let inner = forward, device = self.device
        m.forward = { x in try Torch.autocast(device, dtype: dtype) { try inner(x) } }
        return m
    }
}
