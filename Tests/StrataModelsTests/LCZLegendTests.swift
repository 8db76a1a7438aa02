import Foundation
import StrataTensor
import Testing
@testable import StrataModels

@Suite struct LCZLegendTests {
    /// Entries checked against the published WUDAPT legend (LCZ 1 #8c0000, 7 #faee05, 10 #555555, A #006a00,
    /// E #000000, G #6a6aff) and the So2Sat LCZ42 class order.
    @Test func standardColoursAndOrder() throws {
        let z = LCZLegend.zones
        #expect(z.count == 17)
        #expect(z.map(\.code) == (1...10).map(String.init) + ["A", "B", "C", "D", "E", "F", "G"])
        let hex = LCZLegend.hexColors
        #expect(hex[0] == "#8c0000" && hex[6] == "#faee05" && hex[9] == "#555555")
        #expect(hex[10] == "#006a00" && hex[14] == "#000000" && hex[16] == "#6a6aff")
        #expect(Set(hex).count == 17)
        #expect(LCZLegend.classNames.first == "Compact high-rise" && LCZLegend.classNames.last == "Water")
        #expect(z[12].label == "LCZ C Bush, scrub")
        // Built types (numeric codes) are classes 0–9, land-cover types (letters) 10–16, as LCZMetrics splits them.
        #expect(z.prefix(10).allSatisfy { Int($0.code) != nil } && z.suffix(7).allSatisfy { Int($0.code) == nil })
    }

    /// The helper's entries survive a model card's JSON round trip.
    @Test func cardExtraRoundTrips() throws {
        let card = try ModelCard(architecture: "so2sat-resnet20", task: .classification,
                                 bands: ["B2", "B3", "B4", "B5", "B6", "B7", "B8", "B8A", "B11", "B12"],
                                 classNames: LCZLegend.classNames, extra: LCZLegend.cardExtra)
        let back = try JSONDecoder().decode(ModelCard.self, from: JSONEncoder().encode(card))
        #expect(back.classNames == LCZLegend.classNames)
        #expect(back.extra["class_colors"]?.split(separator: ",").map(String.init) == LCZLegend.hexColors)
        #expect(back.extra["class_codes"]?.hasSuffix("10,A,B,C,D,E,F,G") == true)
    }
}
