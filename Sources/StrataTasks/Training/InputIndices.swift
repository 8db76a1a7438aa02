import StrataData
import StrataModels
import StrataTensor

/// `data.indices`: spectral indices (NDVI, NDWI, …; see `SpectralIndex`) computed from the raw bands and appended
/// as extra input channels — the same code in training, evaluation and prediction. A model card records them: its
/// `bands` end with the index names, `extra["indices"]` lists them and `extra["indices_scale"]` holds the factor
/// from stored values to reflectance, so consumers read only the source bands (`sourceBands`) from files.
///
/// Bands are found by their Sentinel-2 names (`B04`, `B08`, …) or role names (`red`, `nir`, …), or as
/// `data.index_bands` maps them (`{nir: B5, red: B4}` for Landsat 8; recorded as `extra["index_bands"]`).
public struct InputIndices: Sendable {
    public static let key = "indices", scaleKey = "indices_scale", rolesKey = "index_bands"

    public let transform: AppendSpectralIndices
    /// The bands read from the data, in channel order (the card's bands without the index names).
    public let sourceBands: [String]

    /// The indices named in a config (case-insensitive); throws naming an unknown one and listing the known.
    public static func parse(_ names: [String]) throws -> [SpectralIndex] {
        try names.map { n in
            guard let i = SpectralIndex(rawValue: n.lowercased()) else {
                throw ConfigError("data.indices: '\(n)' is not a known index; known: \(SpectralIndex.allCases.map(\.name).joined(separator: ", "))")
            }
            return i
        }
    }

    /// `data.index_bands`: role names (`blue`, `green`, `red`, `rededge1`, `nir`, `swir1`, `swir2`, any case) to
    /// band names; throws naming an unknown role.
    public static func parseRoles(_ map: [String: String]) throws -> [BandRole: String] {
        var out: [BandRole: String] = [:]
        for (k, v) in map {
            guard let role = BandRole.allCases.first(where: { $0.rawValue.lowercased() == k.lowercased() }) else {
                throw ConfigError("data.index_bands: '\(k)' is not a band role; roles: \(BandRole.allCases.map { $0.rawValue.lowercased() }.joined(separator: ", "))")
            }
            out[role] = v
        }
        return out
    }

    /// Indices over `sourceBands`, with `scale` converting stored values to reflectance and `roles` naming the
    /// bands of roles whose default names the data does not use.
    public init(_ indices: [SpectralIndex], sourceBands: [String], scale: Double,
                roles: [BandRole: String] = [:]) throws {
        transform = try AppendSpectralIndices(indices, bands: roles, scale: scale)
        self.sourceBands = sourceBands
        // Fails now, naming the missing band, rather than at the first batch.
        _ = try append(try Tensor.ones([1, sourceBands.count, 1, 1]))
    }

    /// The indices a card records, or nil when it has none.
    public init?(card: ModelCard) throws {
        guard let list = card.extra[Self.key], !list.isEmpty else { return nil }
        let indices = try Self.parse(list.split(separator: ",").map(String.init))
        guard card.bands.count > indices.count, Array(card.bands.suffix(indices.count)) == indices.map(\.name) else {
            throw ModelError("model card: extra.indices lists \(list) but the bands \(card.bands) do not end with them")
        }
        var roles: [String: String] = [:]
        for pair in (card.extra[Self.rolesKey] ?? "").split(separator: ",") {
            let kv = pair.split(separator: "=", maxSplits: 1).map(String.init)
            if kv.count == 2 { roles[kv[0]] = kv[1] }
        }
        try self.init(indices, sourceBands: Array(card.bands.dropLast(indices.count)),
                      scale: Double(card.extra[Self.scaleKey] ?? "1") ?? 1, roles: try Self.parseRoles(roles))
    }

    /// The card entries that record these indices.
    public var cardExtra: [String: String] {
        var e = [Self.key: transform.indices.map(\.name).joined(separator: ","), Self.scaleKey: "\(transform.scale)"]
        if !transform.bands.isEmpty {
            e[Self.rolesKey] = transform.bands.map { "\($0.key.rawValue)=\($0.value)" }.sorted().joined(separator: ",")
        }
        return e
    }

    /// The band names after appending: source bands, then index names.
    public var bands: [String] { sourceBands + transform.indices.map(\.name) }

    /// `[B, C, H, W]` raw source bands → `[B, C + k, H, W]` float32 with the indices appended.
    public func append(_ image: Tensor) throws -> Tensor {
        let x = image.dtype == .float32 ? image : try image.to(.float32)
        return try transform.apply(try TransformBatch(image: x, bandNames: sourceBands)).image
    }
}

extension ModelCard {
    /// The bands a model reads from files: its bands without the spectral indices it computes (`InputIndices`).
    public var sourceBands: [String] {
        let k = extra[InputIndices.key].map { $0.split(separator: ",").count } ?? 0
        return Array(bands.dropLast(k))
    }
}
