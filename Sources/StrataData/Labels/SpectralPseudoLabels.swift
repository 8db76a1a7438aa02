import StrataTensor

/// Land-cover **pseudo-labels** from spectral-index thresholds: water, vegetation, bare soil and built-up per pixel,
/// unlabelled where no rule or more than one rule holds, where the pixel looks like cloud, or where it is nodata.
///
/// These are not ground truth. They exist because no labelled semantic-change dataset can be had offline: a model
/// trained on them learns to agree with this rule, and its scores measure that agreement (name them so).
///
/// Inputs are top-of-atmosphere or surface reflectance in 0…1 (Sentinel-2 DN / 10 000). With `G`, `R`, `NIR`,
/// `SWIR1` and `B` the green, red, near-infrared, first short-wave infrared and blue reflectances:
///
/// | class | rule (defaults) |
/// |---|---|
/// | water | MNDWI = (G − SWIR1)/(G + SWIR1) > 0.2 and NDVI < 0 and NIR < 0.1 (Xu's MNDWI: McFeeters' NDWI mistakes hazy city for water) |
/// | vegetation | NDVI = (NIR − R)/(NIR + R) > 0.4 |
/// | bare | BSI = ((SWIR1 + R) − (NIR + B))/((SWIR1 + R) + (NIR + B)) > 0 and NDVI < 0.3 and NDBI ≤ 0.25 and MNDWI < 0 |
/// | built-up | NDBI = (SWIR1 − NIR)/(SWIR1 + NIR) > −0.1 and NDVI < 0.35 and BSI ≤ 0 and MNDWI < 0.1 |
/// | unlabelled | none or several of the above; B > 0.25 (a bright-blue cloud/haze screen); any band ≤ 0 (nodata) |
///
/// The thresholds are a rule of thumb, set on the OSCD Sentinel-2 L1C scenes (the labelled fractions per city are
/// in the tests); `Thresholds` changes them. Known confusions: deep building shadows in low-sun scenes (Paris in
/// November) pass the water rule; bare soil and built-up are split by the sign of BSI, so mixtures fall either way.
public struct SpectralPseudoLabels: Sendable {
    /// The classes, in output index order.
    public enum LandClass: Int, CaseIterable, Sendable {
        case water = 0, vegetation, bare, builtUp

        public var name: String {
            switch self {
            case .water: "water"
            case .vegetation: "vegetation"
            case .bare: "bare"
            case .builtUp: "built-up"
            }
        }
    }

    /// The value of unlabelled pixels in `classify`'s output.
    public static let unlabelled: Int64 = 255

    public struct Thresholds: Sendable, Equatable {
        public var mndwiWater = 0.2, ndviWaterMax = 0.0, nirWaterMax = 0.1
        public var ndviVegetation = 0.4
        public var bsiBare = 0.0, ndviBareMax = 0.3, ndbiBareMax = 0.25, mndwiBareMax = 0.0
        public var ndbiBuilt = -0.1, ndviBuiltMax = 0.35, mndwiBuiltMax = 0.1
        public var cloudBlue = 0.25
        public init() {}
    }

    /// Channel index of each band the rule reads in the image given to `classify`.
    public struct Bands: Sendable, Equatable {
        public var blue: Int, green: Int, red: Int, nir: Int, swir1: Int
        public init(blue: Int, green: Int, red: Int, nir: Int, swir1: Int) {
            self.blue = blue; self.green = green; self.red = red; self.nir = nir; self.swir1 = swir1
        }

        /// Finds the bands by name (`B02`/`blue`, `B03`, `B04`, `B08`, `B11`; see `BandRole.defaultNames`).
        public init(names: [String]) throws {
            func find(_ role: BandRole) throws -> Int {
                let wanted = Set(role.defaultNames.map { $0.lowercased() })
                guard let i = names.firstIndex(where: { wanted.contains($0.lowercased()) }) else {
                    throw DatasetError(.invalidArgument, "pseudo-labels need a \(role.rawValue) band (one of \(role.defaultNames)); the image has \(names)")
                }
                return i
            }
            self.init(blue: try find(.blue), green: try find(.green), red: try find(.red), nir: try find(.nir),
                      swir1: try find(.swir1))
        }

        /// The 13 Sentinel-2 L1C bands in their usual order B01…B08, B8A, B09…B12.
        public static let sentinel2L1C = Bands(blue: 1, green: 2, red: 3, nir: 7, swir1: 11)
    }

    public var bands: Bands
    public var thresholds: Thresholds

    public init(bands: Bands, thresholds: Thresholds = .init()) {
        self.bands = bands
        self.thresholds = thresholds
    }

    /// Classes `[H, W]` (int64: `LandClass` raw values, `unlabelled` elsewhere) for reflectance `[C, H, W]`.
    public func classify(_ reflectance: Tensor) throws -> Tensor {
        guard reflectance.rank == 3 else {
            throw DatasetError(.invalidArgument, "pseudo-labels: expected reflectance [C, H, W], got \(reflectance.shape)")
        }
        let c = reflectance.shape[0]
        let b = bands
        guard [b.blue, b.green, b.red, b.nir, b.swir1].allSatisfy({ $0 >= 0 && $0 < c }) else {
            throw DatasetError(.invalidArgument, "pseudo-labels: band indices \(b) outside the image's \(c) channels")
        }
        let x = try reflectance.to(.float32)
        func band(_ i: Int) throws -> Tensor { try x.select(dim: 0, index: i) }
        let blue = try band(b.blue), green = try band(b.green), red = try band(b.red)
        let nir = try band(b.nir), swir = try band(b.swir1)
        func nd(_ p: Tensor, _ q: Tensor) throws -> Tensor {
            let sum = try p + q
            return try Tensor.where(sum .> 0, try (p - q) / sum, 0)
        }
        let ndvi = try nd(nir, red), mndwi = try nd(green, swir), ndbi = try nd(swir, nir)
        let bsi = try nd(swir + red, nir + blue)
        let t = thresholds
        let water = try (mndwi .> t.mndwiWater) .& (ndvi .< t.ndviWaterMax) .& (nir .< t.nirWaterMax)
        let vegetation = try ndvi .> t.ndviVegetation
        let bare = try (bsi .> t.bsiBare) .& (ndvi .< t.ndviBareMax) .& (ndbi .<= t.ndbiBareMax)
            .& (mndwi .< t.mndwiBareMax)
        let built = try (ndbi .> t.ndbiBuilt) .& (ndvi .< t.ndviBuiltMax) .& (bsi .<= t.bsiBare)
            .& (mndwi .< t.mndwiBuiltMax)
        let rules = [water, vegetation, bare, built]
        var count = try rules[0].to(.int64)
        var label = try Tensor.where(rules[0], 0, Double(Self.unlabelled)).to(.int64)
        for (k, r) in rules.enumerated().dropFirst() {
            count = try count + r.to(.int64)
            label = try Tensor.where(r, Double(k), label).to(.int64)
        }
        let valid = try x.amin(dims: [0]) .> 0
        let clear = try blue .<= t.cloudBlue
        let keep = try (count .== 1) .& valid .& clear
        return try Tensor.where(keep, label, Double(Self.unlabelled)).to(.int64)
    }

    /// The change map of two class maps: 1 where both are labelled and differ, 0 where both are labelled and equal,
    /// `unlabelled` where either is unlabelled (int64 `[H, W]`).
    public static func change(_ before: Tensor, _ after: Tensor) throws -> Tensor {
        guard before.shape == after.shape else {
            throw DatasetError(.inconsistent, "pseudo-labels: class maps of different shapes \(before.shape) and \(after.shape)")
        }
        let labelled = try (before .!= Double(unlabelled)) .& (after .!= Double(unlabelled))
        let changed = try (before .!= after).to(.int64)
        return try Tensor.where(labelled, changed, Double(unlabelled)).to(.int64)
    }
}
