import StrataTensor

/// U-TAE-style segmentation of a series (Garnot & Landrieu 2021) on the smp UNet layout: a ResNet encoder shared by
/// all dates, L-TAE attention over time at the deepest level (one attention per pixel there), the same attention
/// (mean over heads, upsampled bilinearly) pooling the skip maps of each date, then the UNet decoder and head.
///
/// Parameters: `encoder.*` (torchvision ResNet names, so ImageNet/SSL ResNet weights load as in `UNet`),
/// `temporal.*` (`LTAEPool`, `D = Dout` = the deepest channels), `decoder.*`, `segmentation_head.0.*`.
/// Input: `TemporalModel`'s convention; output `[B, classes, H, W]` (H, W multiples of 32).
public final class TemporalUNet: Module, TemporalModel {
    public let encoder: ResNet
    public let temporal: LTAEPool
    public let decoder: UNetDecoder
    public let segmentationHead: Sequential
    public let numClasses: Int, dates: Int, channelsPerDate: Int

    public init(encoder depth: ResNet.Depth, channelsPerDate: Int, dates: Int, numClasses: Int, heads: Int = 4,
                keyDim: Int = 8, decoderChannels: [Int] = UNet.defaultDecoderChannels) throws {
        guard dates >= 1, channelsPerDate >= 1, numClasses >= 1 else {
            throw ModelError("TemporalUNet: dates, bands per date and classes must be ≥ 1")
        }
        encoder = try ResNet(depth, inChannels: channelsPerDate, numClasses: nil)
        let deepest = encoder.featureChannels.last!
        temporal = try LTAEPool(dim: deepest, outDim: deepest, heads: heads, keyDim: keyDim)
        decoder = try UNetDecoder(encoderChannels: encoder.featureChannels, decoderChannels: decoderChannels)
        let head = try Conv2d(decoderChannels.last!, numClasses, kernelSize: 3, padding: 1)
        segmentationHead = Sequential(head)
        self.numClasses = numClasses; self.dates = dates; self.channelsPerDate = channelsPerDate
        super.init()
        registerModule("encoder", encoder)
        registerModule("temporal", temporal)
        registerModule("decoder", decoder)
        registerModule("segmentation_head", segmentationHead)
        try decoder.initializeAsSMP(head: head)
    }

    public func forward(series x: Tensor, padding: Tensor?) throws -> Tensor {
        let (b, t, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3], x.shape[4])
        let feats = try encoder.features(try x.reshape([b * t, c, h, w]))
        let deep = feats.last!
        let (cd, hd, wd) = (deep.shape[1], deep.shape[2], deep.shape[3])
        // Per deepest pixel: [B·hd·wd, T, C].
        let seq = try deep.view([b, t, cd, hd, wd]).permute([0, 3, 4, 1, 2]).reshape([b * hd * wd, t, cd])
        let pad = try padding.map { p in
            try p.view([b, 1, 1, t]).expand([b, hd, wd, t]).reshape([b * hd * wd, t])
        }
        let (pooled, attn) = try temporal.pool(seq, padding: pad)
        let top = try pooled.view([b, hd, wd, cd]).permute([0, 3, 1, 2])
        // Attention averaged over heads, [B, T, hd, wd], to pool the skip maps.
        let a = try attn.mean(dim: 1).view([b, hd, wd, t]).permute([0, 3, 1, 2])
        var pooledFeatures: [Tensor] = []
        for f in feats.dropLast() {
            let (cf, hf, wf) = (f.shape[1], f.shape[2], f.shape[3])
            let up = try a.interpolate(size: [hf, wf], mode: .bilinear, alignCorners: false)
            let weighted = try f.view([b, t, cf, hf, wf]) * up.unsqueeze(2)
            pooledFeatures.append(try weighted.sum(dim: 1))
        }
        pooledFeatures.append(top)
        return try segmentationHead(decoder(pooledFeatures, inputSize: [h, w]))
    }

    public override func forward(_ x: Tensor) throws -> Tensor { try temporalForward(x) }
    public override var extraDescription: String {
        "encoder=\(encoder.depth), dates=\(dates), bands/date=\(channelsPerDate), classes=\(numClasses)"
    }
}

/// Classification of a series: a ResNet encoder shared by all dates (global average pooled per date), L-TAE pooling
/// over time, a linear classifier. Parameters `encoder.*` (torchvision names, no `fc`), `temporal.*`, `fc.*`.
public final class TemporalResNet: Module, TemporalModel {
    public let encoder: ResNet
    public let temporal: LTAEPool
    public let fc: Linear
    public let numClasses: Int, dates: Int, channelsPerDate: Int

    public init(encoder depth: ResNet.Depth, channelsPerDate: Int, dates: Int, numClasses: Int, heads: Int = 4,
                keyDim: Int = 8, pooledDim: Int = 128) throws {
        guard dates >= 1, channelsPerDate >= 1, numClasses >= 1 else {
            throw ModelError("TemporalResNet: dates, bands per date and classes must be ≥ 1")
        }
        encoder = try ResNet(depth, inChannels: channelsPerDate, numClasses: nil)
        temporal = try LTAEPool(dim: encoder.featureDimension, outDim: pooledDim, heads: heads, keyDim: keyDim)
        fc = try Linear(pooledDim, numClasses)
        self.numClasses = numClasses; self.dates = dates; self.channelsPerDate = channelsPerDate
        super.init()
        registerModule("encoder", encoder)
        registerModule("temporal", temporal)
        registerModule("fc", fc)
    }

    public func forward(series x: Tensor, padding: Tensor?) throws -> Tensor {
        let (b, t, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3], x.shape[4])
        let perDate = try encoder(try x.reshape([b * t, c, h, w])).view([b, t, encoder.featureDimension])
        return try fc(try temporal.pool(perDate, padding: padding).0)
    }

    public override func forward(_ x: Tensor) throws -> Tensor { try temporalForward(x) }
    public override var extraDescription: String {
        "encoder=\(encoder.depth), dates=\(dates), bands/date=\(channelsPerDate), classes=\(numClasses)"
    }
}
