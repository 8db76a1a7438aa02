extension So2SatResNetV2 {
    /// The registry name of the depth-20 model (`ModelRegistry`, model cards, `strata predict --model`).
    public static let architecture = "so2sat-resnet20"

    /// Sentinel-2 bands of So2Sat LCZ42's `sen2` array, in channel order.
    public static let sentinel2Bands = ["B2", "B3", "B4", "B5", "B6", "B7", "B8", "B8A", "B11", "B12"]

    /// The model card of the So2Sat LCZ42 demo's Sentinel-2 ResNet20 (`S2_RESNET20_…h5`), which the Keras file
    /// itself lacks: the 10 Sentinel-2 bands above read as digital numbers (reflectance × 10000), scaled by 1/10000
    /// with the demo's float16 rounding (`input_rounding: float16`, see `ModelCard.inputRounding`), 32 × 32 windows
    /// (320 m at 10 m), and the 17 local climate zones with their WUDAPT colours (`LCZLegend.cardExtra`), named
    /// `LCZ 1 Compact high-rise` … `LCZ G Water`.
    public static func sentinel2Card() throws -> ModelCard {
        var extra = LCZLegend.cardExtra
        extra[ModelCard.inputRoundingKey] = ModelCard.InputRounding.float16.rawValue
        extra["source"] = "So2Sat LCZ42 classification demo (zhu-xlab/So2Sat-LCZ-Classification-Demo), Keras weights"
        return try ModelCard(architecture: architecture, task: .classification, bands: sentinel2Bands,
                             normalization: .scale(1e-4), inputSize: [32, 32],
                             classNames: LCZLegend.zones.map(\.label), extra: extra)
    }
}
