import StrataGeo

/// Settings of a whole-scene prediction.
public struct PredictionOptions: Sendable {
    /// Segmentation: chip size `[h, w]` fed to the model (default: the model's input size, else 256 × 256).
    public var chip: [Int]?
    /// Segmentation: pixels neighbouring chips share (stride = chip − overlap), per axis; nil = a quarter of the
    /// smaller chip side.
    public var overlap: Int?
    /// Scene classification: window `[h, w]` (default: the model's input size) and stride `[y, x]` in pixels
    /// (default: the window). Each stride × stride cell of the input becomes one output pixel.
    public var window: [Int]?
    public var stride: [Int]?
    /// Chips per forward call.
    public var batchSize: Int
    public var blend: BlendWindow
    /// Blend softmax probabilities instead of logits (logits are the default: cheaper, and argmax-equivalent where
    /// one tile covers a pixel).
    public var blendProbabilities: Bool
    /// The value of output pixels without data (input nodata, outside all inputs). Class indices must stay below it.
    public var nodata: UInt8
    /// Output grid (default: the first input's own grid). Other inputs are resampled onto it on the fly.
    public var grid: GeoGrid?
    /// The kernel used to bring inputs that are not on the output grid onto it.
    public var resampling: Resampling
    /// Reader threads feeding the model (they share every batch's chips, so the first batch arrives sooner).
    public var readers: Int
    /// Batches that may wait between readers and the model, and between the model and the writer.
    public var queueDepth: Int
    /// Memory allowed for the strip accumulator (blended scores of one strip of chips); scenes wider than fit are
    /// processed in column blocks (chips along block edges are computed for both blocks).
    public var stripBudgetBytes: Int
    /// GDAL block-cache limit while predicting (nil: leave GDAL's setting).
    public var gdalCacheBytes: Int?
    /// Print progress (MP done, MP/s, ETA) to stderr.
    public var showProgress: Bool

    public init(chip: [Int]? = nil, overlap: Int? = nil, window: [Int]? = nil, stride: [Int]? = nil, batchSize: Int = 8,
                blend: BlendWindow = .cosine, blendProbabilities: Bool = false, nodata: UInt8 = 255, grid: GeoGrid? = nil,
                resampling: Resampling = .bilinear, readers: Int = 2, queueDepth: Int = 2,
                stripBudgetBytes: Int = 48 << 20, gdalCacheBytes: Int? = 64 << 20, showProgress: Bool = false) {
        self.chip = chip; self.overlap = overlap; self.window = window; self.stride = stride
        self.batchSize = batchSize; self.blend = blend; self.blendProbabilities = blendProbabilities
        self.nodata = nodata; self.grid = grid; self.resampling = resampling; self.readers = readers
        self.queueDepth = queueDepth; self.stripBudgetBytes = stripBudgetBytes; self.gdalCacheBytes = gdalCacheBytes
        self.showProgress = showProgress
    }
}

/// Where the outputs go. Every file is written under a temporary name and renamed into place when the whole run has
/// succeeded, the class map last.
public struct PredictionOutputs: Sendable {
    /// The class map (COG, uint8, colour table + class names).
    public var map: String
    /// Per-class probabilities, uint8 scaled 0–255, one band per class (COG).
    public var probabilities: String?
    /// A PNG quick-look of the map with a legend.
    public var quicklook: String?
    /// Summary: area per class (JSON and Markdown).
    public var summaryJSON: String?
    public var summaryMarkdown: String?
    /// Longest side of the quick-look's map part in pixels.
    public var quicklookSize: Int
    /// Semantic-change models: the from/to maps and the transition table (`ChangeMapOutputs`); `map` is then the
    /// change map. Nil for a semantic-change model: they go beside `map` (`ChangeMapOutputs.beside`).
    public var change: ChangeMapOutputs? = nil

    public init(map: String, probabilities: String? = nil, quicklook: String? = nil, summaryJSON: String? = nil,
                summaryMarkdown: String? = nil, quicklookSize: Int = 1024) {
        self.map = map; self.probabilities = probabilities; self.quicklook = quicklook
        self.summaryJSON = summaryJSON; self.summaryMarkdown = summaryMarkdown; self.quicklookSize = quicklookSize
    }

    /// The usual sibling names of `map` (`scene.tif` → `scene_probabilities.tif`, `scene.png`, `scene.json`,
    /// `scene.md`) for the outputs asked for.
    public static func beside(_ map: String, probabilities: Bool = false, quicklook: Bool = false, summary: Bool = false) -> PredictionOutputs {
        let stem = map.hasSuffix(".tif") || map.hasSuffix(".TIF") ? String(map.dropLast(4))
            : map.hasSuffix(".tiff") ? String(map.dropLast(5)) : map
        return PredictionOutputs(map: map, probabilities: probabilities ? stem + "_probabilities.tif" : nil,
                                 quicklook: quicklook ? stem + ".png" : nil, summaryJSON: summary ? stem + ".json" : nil,
                                 summaryMarkdown: summary ? stem + ".md" : nil)
    }
}
