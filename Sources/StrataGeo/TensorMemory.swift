import CGDAL
import Foundation
import StrataTensor

/// Raw-memory helpers: GDAL reads and writes straight into tensor storage, so chips never pass through Swift arrays.
enum TensorMemory {
    /// A new contiguous CPU tensor of `shape` and its data pointer.
    static func allocate(_ shape: [Int], _ dtype: DType) throws -> (Tensor, UnsafeMutableRawPointer) {
        let t = try Tensor.empty(shape, .init(dtype: dtype))
        guard let p = t.dataPointer else { throw GeoError("cannot allocate a \(shape) \(dtype) tensor on the CPU") }
        return (t, p)
    }

    /// Sets `count` elements at `p` to `value` converted to `dtype` (rounded and clamped for integer types; NaN → 0).
    static func fill(_ p: UnsafeMutableRawPointer, count: Int, dtype: DType, value: Double) {
        func put<T>(_ v: T) { p.bindMemory(to: T.self, capacity: count).update(repeating: v, count: count) }
        let i = value.isNaN ? 0 : value.rounded()
        switch dtype {
        case .uint8, .bool: put(UInt8(clamping: Int64(clamp(i, 0, 255))))
        case .int8: put(Int8(clamping: Int64(clamp(i, -128, 127))))
        case .int16: put(Int16(clamping: Int64(clamp(i, -32768, 32767))))
        case .int32: put(Int32(clamping: Int64(clamp(i, -2147483648, 2147483647))))
        case .int64: put(Int64(clamp(i, -9.2e18, 9.2e18)))
        case .float32: put(Float(value))
        case .float64: put(value)
        case .float16, .bfloat16:
            // Not produced by the readers (GDAL 3.6 has no 16-bit float type); zero is the only safe bit pattern.
            memset(p, 0, count * 2)
        }
    }

    private static func clamp(_ v: Double, _ lo: Double, _ hi: Double) -> Double { Swift.min(hi, Swift.max(lo, v)) }

    /// `v × scale + offset` over a rectangle of a float32 plane of row length `rowLength`.
    static func scale(_ p: UnsafeMutableRawPointer, rowLength: Int, rect: PixelWindow, scale: Double, offset: Double) {
        let f = p.assumingMemoryBound(to: Float.self)
        let s = Float(scale), o = Float(offset)
        for y in rect.y..<rect.maxY {
            let row = f + y * rowLength
            for x in rect.x..<rect.maxX { row[x] = row[x] * s + o }
        }
    }

    /// "0x…" text for a pointer, as GDAL's MEM driver expects in DATAPOINTER.
    static func pointerText(_ p: UnsafeRawPointer) -> String { "0x" + String(UInt(bitPattern: p), radix: 16) }
}

/// A GDAL MEM dataset whose bands are planes of a caller-owned buffer (a tensor's storage): GDAL warps, rasterises
/// and copies straight into or out of it. The buffer must outlive the dataset.
final class MemDataset {
    let handle: GDALDatasetH

    /// `bands` planes of width × height elements of `type`, laid out [C, H, W] contiguously from `base`.
    init(base: UnsafeMutableRawPointer, width: Int, height: Int, bands: Int, type: GDALDataType,
         grid: GeoGrid?, nodata: [Double?] = []) throws {
        GDAL.initialize()
        guard let drv = GDALGetDriverByName("MEM") else { throw GeoError("GDAL's MEM driver is missing", hint: "reinstall GDAL") }
        handle = try GDAL.call("cannot create an in-memory dataset \(width)×\(height)") {
            GDALCreate(drv, "", Int32(width), Int32(height), 0, type, nil)
        }
        let elem = Int(GDALGetDataTypeSizeBytes(type))
        for c in 0..<bands {
            let ptr = base + c * width * height * elem
            let opts = ["DATAPOINTER=\(TensorMemory.pointerText(ptr))", "PIXELOFFSET=\(elem)", "LINEOFFSET=\(width * elem)"]
            try GDAL.withOptions(opts) { o in
                try GDAL.check("cannot attach band \(c + 1) to an in-memory dataset") { GDALAddBand(handle, type, o) }
            }
            if c < nodata.count, let nd = nodata[c] { GDALSetRasterNoDataValue(GDALGetRasterBand(handle, Int32(c + 1)), nd) }
        }
        if let grid {
            var gt = grid.transform.coefficients
            GDALSetGeoTransform(handle, &gt)
            GDALSetProjection(handle, grid.crs.wkt)
        }
    }

    deinit { GDALClose(handle) }
}
