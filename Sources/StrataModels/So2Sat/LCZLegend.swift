/// The 17 local climate zones of Stewart & Oke (2012) with the standard WUDAPT colours (the LCZ Generator's and
/// the WUDAPT portal's map legend), in the class order of So2Sat LCZ42 and DF4LCZ: LCZ 1–10 (built types, class
/// indices 0–9), then LCZ A–G (land-cover types, 10–16).
///
/// StrataModels holds no raster types, so colours are plain RGB triples and `#rrggbb` strings; a class map writer
/// turns them into a GDAL colour table, and ``cardExtra`` carries them in a model card:
///
/// ```swift
/// let card = try ModelCard(architecture: "so2sat-resnet20", task: .classification, bands: bands,
///                          classNames: LCZLegend.classNames, extra: LCZLegend.cardExtra)
/// ```
public enum LCZLegend {
    /// One zone: its code (`"1"`…`"10"`, `"A"`…`"G"`), name and colour.
    public struct Zone: Sendable, Equatable {
        public let code: String
        public let name: String
        public let red: UInt8, green: UInt8, blue: UInt8

        /// `#rrggbb`, lower case.
        public var hex: String {
            "#" + [red, green, blue].map { v in
                let s = String(v, radix: 16)
                return s.count == 1 ? "0" + s : s
            }.joined()
        }
        /// `"LCZ 1 Compact high-rise"`, `"LCZ G Water"`.
        public var label: String { "LCZ \(code) \(name)" }
    }

    /// The zones in class-index order.
    public static let zones: [Zone] = [
        Zone(code: "1", name: "Compact high-rise", red: 140, green: 0, blue: 0),
        Zone(code: "2", name: "Compact mid-rise", red: 209, green: 0, blue: 0),
        Zone(code: "3", name: "Compact low-rise", red: 255, green: 0, blue: 0),
        Zone(code: "4", name: "Open high-rise", red: 191, green: 77, blue: 0),
        Zone(code: "5", name: "Open mid-rise", red: 255, green: 102, blue: 0),
        Zone(code: "6", name: "Open low-rise", red: 255, green: 153, blue: 85),
        Zone(code: "7", name: "Lightweight low-rise", red: 250, green: 238, blue: 5),
        Zone(code: "8", name: "Large low-rise", red: 188, green: 188, blue: 188),
        Zone(code: "9", name: "Sparsely built", red: 255, green: 204, blue: 170),
        Zone(code: "10", name: "Heavy industry", red: 85, green: 85, blue: 85),
        Zone(code: "A", name: "Dense trees", red: 0, green: 106, blue: 0),
        Zone(code: "B", name: "Scattered trees", red: 0, green: 170, blue: 0),
        Zone(code: "C", name: "Bush, scrub", red: 100, green: 133, blue: 37),
        Zone(code: "D", name: "Low plants", red: 185, green: 219, blue: 121),
        Zone(code: "E", name: "Bare rock or paved", red: 0, green: 0, blue: 0),
        Zone(code: "F", name: "Bare soil or sand", red: 251, green: 247, blue: 174),
        Zone(code: "G", name: "Water", red: 106, green: 106, blue: 255),
    ]

    /// Class names in index order (the So2Sat LCZ42 dataset's names).
    public static var classNames: [String] { zones.map(\.name) }
    /// `#rrggbb` colours in index order.
    public static var hexColors: [String] { zones.map(\.hex) }
    /// Model-card `extra` entries: `class_colors` (comma-separated `#rrggbb`) and `class_codes` (`1,…,10,A,…,G`).
    public static var cardExtra: [String: String] {
        ["class_colors": hexColors.joined(separator: ","), "class_codes": zones.map(\.code).joined(separator: ",")]
    }
}
