import StrataTensor

/// The spectral bands the indices are written in.
public enum BandRole: String, Sendable, CaseIterable, Hashable {
    case blue, green, red, redEdge1, nir, swir1, swir2

    /// Names that identify the role in a batch's band names (case-insensitive): the role's own name and the
    /// Sentinel-2 band names. Other sensors (e.g. Landsat, whose `B5` is NIR) name their bands explicitly with
    /// `AppendSpectralIndices(…, bands: [.nir: "SR_B5", …])`.
    public var defaultNames: [String] {
        switch self {
        case .blue: ["blue", "B02", "B2"]
        case .green: ["green", "B03", "B3"]
        case .red: ["red", "B04", "B4"]
        case .redEdge1: ["rededge1", "rededge", "B05", "B5"]
        case .nir: ["nir", "B08", "B8"]
        case .swir1: ["swir1", "swir16", "B11"]
        case .swir2: ["swir2", "swir22", "B12"]
        }
    }
}

/// Spectral indices (reflectances ρ; normalised differences ND(a, b) = (a − b) / (a + b)):
///
/// | index | formula | reference |
/// |---|---|---|
/// | NDVI | ND(NIR, Red) | Rouse et al. 1974 |
/// | NDWI | ND(Green, NIR) | McFeeters 1996 |
/// | MNDWI | ND(Green, SWIR1) | Xu 2006 |
/// | NDBI | ND(SWIR1, NIR) | Zha et al. 2003 |
/// | NDMI | ND(NIR, SWIR1) | Gao 1996 (NDWI of Gao) |
/// | NBR | ND(NIR, SWIR2) | Key & Benson 2006 |
/// | NBR2 | ND(SWIR1, SWIR2) | USGS Landsat NBR2 |
/// | SAVI | (1 + L)(NIR − Red) / (NIR + Red + L), L = 0.5 | Huete 1988 |
/// | EVI | 2.5 (NIR − Red) / (NIR + 6 Red − 7.5 Blue + 1) | Huete et al. 2002 |
/// | GNDVI | ND(NIR, Green) | Gitelson et al. 1996 |
/// | NDRE | ND(NIR, RedEdge1) (Sentinel-2 B08, B05) | Barnes et al. 2000 |
/// | BSI | ((SWIR1 + Red) − (NIR + Blue)) / ((SWIR1 + Red) + (NIR + Blue)) | Rikimaru et al. 2002 |
/// | NDSI | ND(Green, SWIR1) (snow) | Hall et al. 1995 |
/// | NDTI | ND(Red, Green) (water turbidity) | Lacaux et al. 2007 |
///
/// Where a denominator is 0 (e.g. nodata pixels) the index is 0.
public enum SpectralIndex: String, Sendable, CaseIterable {
    case ndvi, ndwi, mndwi, ndbi, ndmi, nbr, nbr2, savi, evi, gndvi, ndre, bsi, ndsi, ndti

    /// The channel name appended to the batch (`NDVI`, …).
    public var name: String { rawValue.uppercased() }

    public var requiredBands: [BandRole] {
        switch self {
        // normalised differences list (a, b) of ND(a, b)
        case .ndvi, .savi: [.nir, .red]
        case .ndwi: [.green, .nir]
        case .gndvi: [.nir, .green]
        case .mndwi, .ndsi: [.green, .swir1]
        case .ndbi: [.swir1, .nir]
        case .ndmi: [.nir, .swir1]
        case .nbr: [.nir, .swir2]
        case .nbr2: [.swir1, .swir2]
        case .evi: [.nir, .red, .blue]
        case .ndre: [.nir, .redEdge1]
        case .bsi: [.blue, .red, .nir, .swir1]
        case .ndti: [.red, .green]
        }
    }
}

/// Appends spectral indices as new channels, finding the bands by the batch's band names.
///
/// `scale` converts the stored values to reflectance before computing (e.g. `1e-4` for Sentinel-2 L1C/L2A
/// digital numbers); it matters for SAVI and EVI, whose constants assume reflectance in [0, 1]. Apply indices
/// before normalisation. A missing band throws an error naming the index, the band it needs and the bands present.
public struct AppendSpectralIndices: BatchTransform {
    public let indices: [SpectralIndex]
    public let bands: [BandRole: String]
    public let scale: Double
    public let saviL: Double

    public init(_ indices: [SpectralIndex], bands: [BandRole: String] = [:], scale: Double = 1, saviL: Double = 0.5) throws {
        guard !indices.isEmpty else { throw TransformError("AppendSpectralIndices: no indices given; choose from \(SpectralIndex.allCases.map(\.name))") }
        guard scale > 0 else { throw TransformError("AppendSpectralIndices: scale must be > 0, got \(scale)") }
        self.indices = indices
        self.bands = bands
        self.scale = scale
        self.saviL = saviL
    }

    /// The channel of `role` in `names`.
    func channel(_ role: BandRole, in names: [String], for index: SpectralIndex) throws -> Int {
        let lower = names.map { $0.lowercased() }
        let wanted = bands[role].map { [$0] } ?? role.defaultNames
        for w in wanted { if let i = lower.firstIndex(of: w.lowercased()) { return i } }
        if names.isEmpty {
            throw TransformError("\(index.name) needs band names to find \(role.rawValue); the batch has none (set bandNames)")
        }
        let how = bands[role] != nil ? "named '\(bands[role]!)'" : "named one of \(role.defaultNames)"
        throw TransformError("\(index.name) needs the \(role.rawValue) band (\(how)); the batch has bands \(names). Add that band, or map it with bands: [.\(role.rawValue): \"<band name>\"]")
    }

    public func apply(_ batch: TransformBatch, rng: inout TransformRNG) throws -> TransformBatch {
        let x = try floatImage(batch.image)
        var cache: [BandRole: Tensor] = [:]
        func band(_ r: BandRole, _ idx: SpectralIndex) throws -> Tensor {
            if let t = cache[r] { return t }
            let t = try x.narrow(dim: 1, start: try channel(r, in: batch.bandNames, for: idx), length: 1) * scale
            cache[r] = t
            return t
        }
        func ratio(_ num: Tensor, _ den: Tensor) throws -> Tensor {
            let zero = try den.eq(0)
            return try Tensor.where(zero, 0, try num / Tensor.where(zero, 1, den))
        }
        func nd(_ a: Tensor, _ b: Tensor) throws -> Tensor { try ratio(a - b, a + b) }
        var out = [x]
        for idx in indices {
            let r = idx.requiredBands
            let v: Tensor
            switch idx {
            case .savi:
                let nir = try band(.nir, idx), red = try band(.red, idx)
                v = try ratio((nir - red) * (1 + saviL), nir + red + saviL)
            case .evi:
                let nir = try band(.nir, idx), red = try band(.red, idx), blue = try band(.blue, idx)
                v = try ratio((nir - red) * 2.5, nir + red * 6 - blue * 7.5 + 1)
            case .bsi:
                let a = try band(.swir1, idx) + band(.red, idx), b = try band(.nir, idx) + band(.blue, idx)
                v = try nd(a, b)
            default:
                v = try nd(try band(r[0], idx), try band(r[1], idx))
            }
            out.append(v)
        }
        var b = batch
        b.image = try Tensor.cat(out, dim: 1)
        b.bandNames = batch.bandNames + indices.map(\.name)
        return b
    }
}
