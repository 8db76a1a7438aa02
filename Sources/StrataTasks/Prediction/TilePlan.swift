import StrataGeo

/// One chip of a segmentation plan.
struct Tile: Sendable {
    /// Top-left pixel on the output grid.
    var x: Int, y: Int
    /// Column block, tile row and tile column (indices into the plan's `xs`/`ys`).
    var block: Int, row: Int, col: Int
    /// The last tile of its row within its block (the row's strip can be flushed after it), and of its block.
    var endsRow: Bool, endsBlock: Bool
}

/// A vertical slice of the scene processed top to bottom with its own strip accumulator.
struct ColumnBlock: Sendable {
    /// Output columns this block writes.
    var outX: Range<Int>
    /// Tile columns (indices into `xs`) whose chips touch `outX`.
    var tileCols: Range<Int>
    /// The accumulator's first column and width (the union of those chips).
    var accX: Int, accWidth: Int
}

/// The chips of a segmentation run, in processing order: column blocks left to right, each processed in tile rows
/// top to bottom, left to right within a row.
struct SegmentationPlan: Sendable {
    let width: Int, height: Int
    let chipH: Int, chipW: Int
    let xs: [Int], ys: [Int]
    let blocks: [ColumnBlock]
    let tiles: [Tile]
    /// Rows held by the accumulator (a chip's height, or the scene's when shorter).
    var accRows: Int { min(chipH, height) }
    /// The widest accumulator over all blocks.
    var maxAccWidth: Int { blocks.map(\.accWidth).max() ?? 0 }

    /// - Parameter maxBlockWidth: widest output range of one column block; blocks start at multiples of 256 so
    ///   the writer's tiles are not split between blocks.
    init(width: Int, height: Int, chipH: Int, chipW: Int, overlap: Int, maxBlockWidth: Int) throws {
        guard chipH >= 1, chipW >= 1 else { throw PredictionError("chip size must be positive, got \(chipH)×\(chipW)") }
        guard overlap >= 0, overlap < min(chipH, chipW) else {
            throw PredictionError("overlap \(overlap) must be ≥ 0 and smaller than the chip (\(chipH)×\(chipW)); a common choice is a quarter of the chip")
        }
        self.width = width; self.height = height; self.chipH = chipH; self.chipW = chipW
        let xs = TileAxis.positions(length: width, chip: chipW, stride: chipW - overlap)
        let ys = TileAxis.positions(length: height, chip: chipH, stride: chipH - overlap)
        self.xs = xs; self.ys = ys
        // Column blocks: output ranges of at most maxBlockWidth (rounded down to a multiple of 256, at least one chip).
        let step = max(256, (max(maxBlockWidth, chipW) / 256) * 256)
        var blocks: [ColumnBlock] = []
        var x0 = 0
        while x0 < width {
            var x1 = min(width, x0 + step)
            if width - x1 < step / 4 { x1 = width }  // no sliver block at the right edge
            let cols = xs.indices.filter { xs[$0] < x1 && xs[$0] + chipW > x0 }
            let first = cols.first!, last = cols.last!
            let accX = xs[first]
            blocks.append(ColumnBlock(outX: x0..<x1, tileCols: first..<(last + 1), accX: accX,
                                      accWidth: min(width, xs[last] + chipW) - accX))
            x0 = x1
        }
        self.blocks = blocks
        var tiles: [Tile] = []
        for (b, block) in blocks.enumerated() {
            for (r, y) in ys.enumerated() {
                for c in block.tileCols {
                    tiles.append(Tile(x: xs[c], y: y, block: b, row: r, col: c, endsRow: c == block.tileCols.upperBound - 1,
                                      endsBlock: c == block.tileCols.upperBound - 1 && r == ys.count - 1))
                }
            }
        }
        self.tiles = tiles
    }

    /// The pixel window of a tile on the output grid (may extend past the scene when it is smaller than a chip).
    func window(_ t: Tile) -> PixelWindow { PixelWindow(x: t.x, y: t.y, width: chipW, height: chipH) }
}

/// The windows of a scene-classification run: the input is cut into stride × stride cells, each cell becomes one
/// output pixel, and the model sees a window of the model's size centred on the cell.
struct ScenePlan: Sendable {
    let width: Int, height: Int
    let windowH: Int, windowW: Int
    let strideY: Int, strideX: Int
    /// Output cells across and down: ceil(scene / stride).
    let cols: Int, rows: Int

    init(width: Int, height: Int, window: [Int], stride: [Int]) throws {
        guard window.count == 2, window.allSatisfy({ $0 >= 1 }) else { throw PredictionError("window must be [h, w] with positive values, got \(window)") }
        guard stride.count == 2, stride.allSatisfy({ $0 >= 1 }) else { throw PredictionError("stride must be [y, x] with positive values, got \(stride)") }
        self.width = width; self.height = height
        windowH = window[0]; windowW = window[1]; strideY = stride[0]; strideX = stride[1]
        cols = (width + strideX - 1) / strideX
        rows = (height + strideY - 1) / strideY
    }

    var count: Int { rows * cols }

    /// The input window of cell `i` (row-major): centred on the cell, possibly reaching outside the scene.
    func window(cell i: Int) -> PixelWindow {
        let r = i / cols, c = i % cols
        let dx = Self.floorHalf(strideX - windowW), dy = Self.floorHalf(strideY - windowH)
        return PixelWindow(x: c * strideX + dx, y: r * strideY + dy, width: windowW, height: windowH)
    }

    static func floorHalf(_ v: Int) -> Int { v >= 0 ? v / 2 : -((-v + 1) / 2) }

    /// The output grid: the scene's origin, pixels of stride × the scene's pixel size.
    func outputGrid(scene g: GeoGrid) -> GeoGrid {
        var c = g.transform.coefficients
        c[1] *= Double(strideX); c[4] *= Double(strideX)
        c[2] *= Double(strideY); c[5] *= Double(strideY)
        return GeoGrid(crs: g.crs, transform: GeoTransform(c), width: cols, height: rows)
    }
}
