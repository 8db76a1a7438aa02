import CGDAL
import StrataTensor

/// How pixel values come out of a read.
public enum PixelType: Hashable, Sendable {
    /// The band's own values in the smallest tensor dtype that holds them all: Byte → uint8, Int16 → int16,
    /// UInt16 → int32, Int32 → int32, UInt32/Int64/UInt64 → int64, Float32 → float32, Float64 → float64 (bands of
    /// different types use their common type). Scale/offset are not applied.
    case native
    /// Float32 with each band's scale and offset applied (value × scale + offset).
    case float32
    /// GDAL's conversion to a given dtype (clamped and rounded for integer types); scale/offset not applied.
    case dtype(DType)
}

/// Resampling kernels (GDAL's names). `nearest` and `mode` keep class labels intact; use them for masks.
public enum Resampling: String, Hashable, Sendable, CaseIterable {
    case nearest, bilinear, cubic, cubicSpline = "cubicspline", lanczos, average, mode, min, max, median = "med", q1, q3, sum, rms

    var warp: GDALResampleAlg {
        switch self {
        case .nearest: GRA_NearestNeighbour
        case .bilinear: GRA_Bilinear
        case .cubic: GRA_Cubic
        case .cubicSpline: GRA_CubicSpline
        case .lanczos: GRA_Lanczos
        case .average: GRA_Average
        case .mode: GRA_Mode
        case .min: GRA_Min
        case .max: GRA_Max
        case .median: GRA_Med
        case .q1: GRA_Q1
        case .q3: GRA_Q3
        case .sum: GRA_Sum
        case .rms: GRA_RMS
        }
    }

    /// The RasterIO kernel (nil for kernels RasterIO does not offer).
    var rasterIO: GDALRIOResampleAlg? {
        switch self {
        case .nearest: GRIORA_NearestNeighbour
        case .bilinear: GRIORA_Bilinear
        case .cubic: GRIORA_Cubic
        case .cubicSpline: GRIORA_CubicSpline
        case .lanczos: GRIORA_Lanczos
        case .average: GRIORA_Average
        case .mode: GRIORA_Mode
        case .rms: GRIORA_RMS
        default: nil
        }
    }
}

/// One RGBA entry of a colour table.
public struct RGBA: Hashable, Sendable {
    public var r: UInt8, g: UInt8, b: UInt8, a: UInt8
    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8, _ a: UInt8 = 255) { self.r = r; self.g = g; self.b = b; self.a = a }
}

/// Metadata of one band.
public struct BandInfo: Hashable, Sendable {
    /// 1-based band number (GDAL's numbering).
    public var index: Int
    /// GDAL's data type name ("Byte", "UInt16", "Float32", …).
    public var gdalType: String
    /// The tensor dtype `PixelType.native` reads this band as.
    public var dtype: DType
    /// The nodata value, if the band has one.
    public var nodata: Double?
    /// Value scale and offset (physical = raw × scale + offset); 1 and 0 when the file has none.
    public var scale: Double, offset: Double
    /// The band's description (often the band name, e.g. "B04").
    public var description: String
    /// Colour interpretation ("Red", "Gray", "Palette", …).
    public var colorInterpretation: String
    /// The colour table of a paletted band.
    public var colorTable: [RGBA]?
    /// Class names indexed by pixel value (empty when the band has none): GDAL's category names, else the
    /// `ClassMetadata` items in the file.
    public var categoryNames: [String]
    /// Number of overview levels.
    public var overviewCount: Int
    /// Natural block (tile or strip) size.
    public var blockWidth: Int, blockHeight: Int
    /// Unit of the values ("m", "metre", …), empty when unknown.
    public var unit: String
}

// MARK: GDAL data types ↔ tensor dtypes

enum GDALTypes {
    /// The tensor dtype a GDAL type reads into natively; nil for complex types.
    static func native(_ t: GDALDataType) -> DType? {
        switch t {
        case GDT_Byte: .uint8
        case GDT_Int16: .int16
        case GDT_UInt16, GDT_Int32: .int32
        case GDT_UInt32, GDT_Int64, GDT_UInt64: .int64
        case GDT_Float32: .float32
        case GDT_Float64: .float64
        default: nil
        }
    }

    /// The GDAL buffer type for a tensor dtype (nil for dtypes GDAL 3.6 cannot hold: int8, float16, bfloat16, bool).
    static func gdal(_ d: DType) -> GDALDataType? {
        switch d {
        case .uint8: GDT_Byte
        case .int16: GDT_Int16
        case .int32: GDT_Int32
        case .int64: GDT_Int64
        case .float32: GDT_Float32
        case .float64: GDT_Float64
        default: nil
        }
    }

    static func name(_ t: GDALDataType) -> String { String(cString: GDALGetDataTypeName(t)) }
}
