import StrataTensor

extension ModelCard {
    /// The number of logits a change model of this card outputs per pixel: 1 for a binary change map (class names
    /// `[no change, change]`, BCE with logits, sigmoid), K for K ≥ 3 change classes (cross-entropy, softmax).
    public func changeOutputs() throws -> Int {
        guard numClasses >= 2 else {
            throw ModelError("change model card: \(numClasses) class name(s) \(classNames); a change map needs at "
                + "least two (e.g. [no change, change])")
        }
        return numClasses == 2 ? 1 : numClasses
    }
}

extension FCSiam {
    /// Builds the registry's `fc-*` models from a change card: its bands are one date's, its class names the change
    /// map's (`changeOutputs`), `extra["encoder"]` the ResNet (`resnet18`, `resnet34` (default), `resnet50`).
    public convenience init(_ fusion: Fusion, card: ModelCard) throws {
        let name = card.extra["encoder"] ?? "resnet34"
        guard let depth = ResNet.Depth.allCases.first(where: { "resnet\($0.rawValue)" == name.lowercased() }) else {
            throw ModelError("\(fusion.rawValue): encoder '\(name)' is not one of resnet18, resnet34, resnet50")
        }
        try self.init(fusion, encoder: depth, channelsPerDate: card.inChannels, numClasses: card.changeOutputs())
    }
}
