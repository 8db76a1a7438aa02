import Foundation
import StrataGeo

/// The file outputs of a prediction as a `ClassMapSink`: the class map COG (colour table, class names, nodata),
/// optionally a probability COG (one uint8 band per class, probability × 255 rounded; 0 in every band where the
/// map is nodata), a quick-look PNG and per-class areas for the summary. Everything is staged under temporary
/// names; `finish` builds the final files, still under temporary names, and `commit` publishes them (map last).
///
/// The class map carries its legend inside the GeoTIFF (colour table, and class names as `CLASS_<i>` band
/// metadata: see `ClassMetadata`), so a copy of the .tif alone keeps it; the .aux.xml sidecar repeats the names
/// as GDAL category names for QGIS's attribute table.
public final class ClassMapFiles: ClassMapSink, @unchecked Sendable {
    public let grid: GeoGrid
    public let classNames: [String]
    public let colors: [RGBA]
    public let nodata: UInt8
    public let outputs: PredictionOutputs
    private let mapWriter: RasterStreamWriter
    private let probWriter: RasterStreamWriter?
    private var quicklook: QuickLook?
    private let area: PixelArea
    private(set) var pixels: [Int]
    private(set) var squareMetres: [Double]
    private var probBytes: [UInt8] = []
    private var pending: [PendingFile] = []

    public init(grid: GeoGrid, classNames: [String], colors: [RGBA], nodata: UInt8, outputs: PredictionOutputs) throws {
        guard classNames.count <= Int(nodata) else {
            throw PredictionError("\(classNames.count) classes but the nodata value is \(nodata): class indices must stay below it (pass a larger nodata value)")
        }
        self.grid = grid
        self.classNames = classNames
        self.colors = colors
        self.nodata = nodata
        self.outputs = outputs
        for p in [outputs.map, outputs.probabilities, outputs.quicklook, outputs.summaryJSON, outputs.summaryMarkdown].compactMap({ $0 }) {
            PendingFile.removeStale(for: p)
        }
        // Class colours, then opaque black up to the nodata index, which is transparent.
        var table = Array(colors.prefix(classNames.count))
        while table.count < Int(nodata) { table.append(RGBA(0, 0, 0)) }
        table.append(RGBA(0, 0, 0, 0))
        mapWriter = try RasterStreamWriter(
            path: outputs.map, grid: grid, bands: 1, dtype: .uint8,
            options: WriteOptions(format: .cog, compression: .deflate, nodata: Double(nodata), colorTable: table,
                                  bandDescriptions: ["class"], categoryNames: classNames, overviews: .auto,
                                  overviewResampling: .nearest))
        if let p = outputs.probabilities {
            probWriter = try RasterStreamWriter(
                path: p, grid: grid, bands: classNames.count, dtype: .uint8,
                options: WriteOptions(format: .cog, compression: .deflate, bandDescriptions: classNames.map { "p(\($0)) × 255" },
                                      overviews: .auto, overviewResampling: .average))
        } else {
            probWriter = nil
        }
        quicklook = outputs.quicklook == nil ? nil
            : QuickLook(gridWidth: grid.width, gridHeight: grid.height, maxSize: outputs.quicklookSize, nodata: nodata)
        area = try PixelArea(grid: grid)
        pixels = [Int](repeating: 0, count: classNames.count + 1)
        squareMetres = [Double](repeating: 0, count: classNames.count + 1)
    }

    public var wantsProbabilities: Bool { probWriter != nil }

    public func write(window: PixelWindow, classes: UnsafePointer<UInt8>, probabilities: UnsafePointer<Float>?) throws {
        try mapWriter.write(classes, window: window)
        if let probWriter, let probabilities {
            let n = window.width * window.height * classNames.count
            if probBytes.count < n { probBytes = [UInt8](repeating: 0, count: n) }
            try probBytes.withUnsafeMutableBufferPointer { b in
                for i in 0..<n { b[i] = UInt8(max(0, min(255, (probabilities[i] * 255).rounded()))) }
                try probWriter.write(b.baseAddress!, window: window)
            }
        }
        quicklook?.take(window: window, classes: classes)
        let K = classNames.count
        var row = [Int](repeating: 0, count: K + 1)
        for r in 0..<window.height {
            for i in 0..<(K + 1) { row[i] = 0 }
            let p = classes + r * window.width
            for j in 0..<window.width { let k = Int(p[j]); row[k < K ? k : K] += 1 }
            let a = area.squareMetres(row: window.y + r)
            for k in 0...K where row[k] > 0 { pixels[k] += row[k]; squareMetres[k] += Double(row[k]) * a }
        }
    }

    /// Builds the final files under temporary names and returns the summary (areas, grid) for `info`.
    public func finish(model: String, kind: String, inputs: [String], settings: [String: String], seconds: Double,
                       megapixels: Double) throws -> PredictionSummary {
        let K = classNames.count
        let valid = pixels.prefix(K).reduce(0, +)
        let summary = PredictionSummary(
            model: model, kind: kind, inputs: inputs,
            outputs: [outputs.map, outputs.probabilities, outputs.quicklook, outputs.summaryJSON, outputs.summaryMarkdown].compactMap { $0 },
            grid: .init(crs: grid.crs.name, epsg: grid.crs.epsg, width: grid.width, height: grid.height,
                        geotransform: grid.transform.coefficients),
            classes: (0..<K).map { k in
                .init(index: k, name: classNames[k], color: ClassPalette.hex(colors[k]), pixels: pixels[k],
                      hectares: squareMetres[k] / 10_000, percent: valid > 0 ? 100 * Double(pixels[k]) / Double(valid) : 0)
            },
            nodataPixels: pixels[K], nodataValue: Int(nodata), totalHectares: squareMetres.prefix(K).reduce(0, +) / 10_000,
            areaMethod: area.method.rawValue, areaExplanation: area.explanation, settings: settings, seconds: seconds,
            megapixelsPerSecond: seconds > 0 ? megapixels / seconds : 0)
        do {
            if let probWriter { pending.append(try probWriter.finish()) }
            if let q = quicklook, let path = outputs.quicklook {
                let img = q.render(colors: colors, names: classNames, title: URL(fileURLWithPath: outputs.map).lastPathComponent)
                pending.append(try ImageWriter.pngPending(planes: img.planes, width: img.width, height: img.height, bands: 3, to: path))
            }
            if let path = outputs.summaryJSON { pending.append(try Self.stage(try summary.json(), to: path)) }
            if let path = outputs.summaryMarkdown { pending.append(try Self.stage(Data(summary.markdown().utf8), to: path)) }
            pending.append(try mapWriter.finish())
        } catch {
            abort()
            throw error
        }
        return summary
    }

    /// Moves every finished file into place, the class map last (its presence marks a complete run).
    public func commit() throws {
        for p in pending { try p.commit() }
        pending.removeAll()
    }

    /// Deletes everything staged; nothing reaches the target paths.
    public func abort() {
        mapWriter.abort()
        probWriter?.abort()
        for p in pending { p.discard() }
        pending.removeAll()
    }

    static func stage(_ data: Data, to path: String) throws -> PendingFile {
        let p = PendingFile(temporary: PendingFile.temporaryPath(for: path), target: path)
        do { try data.write(to: URL(fileURLWithPath: p.temporary)) } catch {
            throw PredictionError("cannot write \(path): \(error.localizedDescription)")
        }
        return p
    }
}
