import StrataGeo

/// Default class colours: conventional ones for common land-cover names (water blue, forest green, …), a fixed
/// qualitative palette for the rest.
public enum ClassPalette {
    static let qualitative: [RGBA] = [
        RGBA(31, 119, 180), RGBA(255, 127, 14), RGBA(44, 160, 44), RGBA(214, 39, 40), RGBA(148, 103, 189),
        RGBA(140, 86, 75), RGBA(227, 119, 194), RGBA(127, 127, 127), RGBA(188, 189, 34), RGBA(23, 190, 207),
        RGBA(174, 199, 232), RGBA(255, 187, 120), RGBA(152, 223, 138), RGBA(255, 152, 150), RGBA(197, 176, 213),
        RGBA(196, 156, 148), RGBA(247, 182, 210), RGBA(199, 199, 199), RGBA(219, 219, 141), RGBA(158, 218, 229),
    ]

    static let byName: [(keys: [String], color: RGBA)] = [
        (["water", "river", "lake", "sea", "ocean"], RGBA(30, 100, 200)),
        (["wetland", "marsh", "mangrove"], RGBA(60, 160, 160)),
        (["forest", "tree", "wood"], RGBA(20, 110, 40)),
        (["shrub", "bush"], RGBA(140, 150, 60)),
        (["grass", "pasture", "meadow", "herbaceous"], RGBA(140, 210, 90)),
        (["crop", "agri", "farm", "cultivat", "annual", "permanent"], RGBA(240, 200, 60)),
        (["building", "built", "developed", "urban", "city", "settlement", "residential", "industrial", "impervious"], RGBA(200, 40, 40)),
        (["road", "highway", "paved"], RGBA(90, 90, 90)),
        (["bare", "soil", "sand", "rock", "barren"], RGBA(190, 160, 120)),
        (["snow", "ice", "glacier"], RGBA(235, 245, 255)),
        (["cloud"], RGBA(210, 210, 210)),
        (["shadow"], RGBA(50, 50, 70)),
        (["background", "no change", "no-change", "unchanged", "other"], RGBA(40, 40, 40)),
        (["change"], RGBA(230, 30, 30)),
    ]

    /// One colour per class name.
    public static func colors(for names: [String]) -> [RGBA] {
        var used = Set<Int>()
        var out: [RGBA] = []
        var next = 0
        for name in names {
            let n = name.lowercased()
            if let hit = byName.firstIndex(where: { $0.keys.contains { n.contains($0) } }), !used.contains(hit) {
                used.insert(hit)
                out.append(byName[hit].color)
            } else {
                out.append(qualitative[next % qualitative.count])
                next += 1
            }
        }
        return out
    }

    /// `#rrggbb`.
    public static func hex(_ c: RGBA) -> String {
        "#" + [c.r, c.g, c.b].map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }
}
