/// BigEarthNet's class nomenclatures: the 43 CORINE Land Cover level-3 classes found in the patches' JSON labels,
/// and the 19-class nomenclature of Sumbul et al. (IGARSS 2019 / TNNLS 2020) with the official 43 → 19 mapping
/// (`label_indices.json` of the BigEarthNet-S2 19-classes models; 11 of the 43 classes have no 19-class
/// counterpart and are dropped).
public enum BigEarthNetLabels {
    public static let names43 = [
        "Continuous urban fabric",
        "Discontinuous urban fabric",
        "Industrial or commercial units",
        "Road and rail networks and associated land",
        "Port areas",
        "Airports",
        "Mineral extraction sites",
        "Dump sites",
        "Construction sites",
        "Green urban areas",
        "Sport and leisure facilities",
        "Non-irrigated arable land",
        "Permanently irrigated land",
        "Rice fields",
        "Vineyards",
        "Fruit trees and berry plantations",
        "Olive groves",
        "Pastures",
        "Annual crops associated with permanent crops",
        "Complex cultivation patterns",
        "Land principally occupied by agriculture, with significant areas of natural vegetation",
        "Agro-forestry areas",
        "Broad-leaved forest",
        "Coniferous forest",
        "Mixed forest",
        "Natural grassland",
        "Moors and heathland",
        "Sclerophyllous vegetation",
        "Transitional woodland/shrub",
        "Beaches, dunes, sands",
        "Bare rock",
        "Sparsely vegetated areas",
        "Burnt areas",
        "Inland marshes",
        "Peatbogs",
        "Salt marshes",
        "Salines",
        "Intertidal flats",
        "Water courses",
        "Water bodies",
        "Coastal lagoons",
        "Estuaries",
        "Sea and ocean",
    ]

    public static let names19 = [
        "Urban fabric",
        "Industrial or commercial units",
        "Arable land",
        "Permanent crops",
        "Pastures",
        "Complex cultivation patterns",
        "Land principally occupied by agriculture, with significant areas of natural vegetation",
        "Agro-forestry areas",
        "Broad-leaved forest",
        "Coniferous forest",
        "Mixed forest",
        "Natural grassland and sparsely vegetated areas",
        "Moors, heathland and sclerophyllous vegetation",
        "Transitional woodland, shrub",
        "Beaches, dunes, sands",
        "Inland wetlands",
        "Coastal wetlands",
        "Inland waters",
        "Marine waters",
    ]

    /// 43-class index → 19-class index (absent: the class has no 19-class counterpart).
    public static let map43to19: [Int: Int] = [
        0: 0, 1: 0,                       // urban fabric
        2: 1,                             // industrial or commercial units
        11: 2, 12: 2, 13: 2,              // arable land
        14: 3, 15: 3, 16: 3, 18: 3,       // permanent crops
        17: 4,                            // pastures
        19: 5,                            // complex cultivation patterns
        20: 6,                            // agriculture with natural vegetation
        21: 7,                            // agro-forestry
        22: 8, 23: 9, 24: 10,             // broad-leaved, coniferous, mixed forest
        25: 11, 31: 11,                   // natural grassland and sparsely vegetated areas
        26: 12, 27: 12,                   // moors, heathland and sclerophyllous vegetation
        28: 13,                           // transitional woodland, shrub
        29: 14,                           // beaches, dunes, sands
        33: 15, 34: 15,                   // inland wetlands
        35: 16, 36: 16,                   // coastal wetlands
        38: 17, 39: 17,                   // inland waters
        40: 18, 41: 18, 42: 18,           // marine waters
    ]

    static let index43: [String: Int] = Dictionary(uniqueKeysWithValues: names43.enumerated().map { ($1, $0) })

    /// The 43-class index of a CORINE name as written in the JSON label files (nil when it is not one).
    public static func index43(of name: String) -> Int? { index43[name] }

    /// Converts 43-class indices to 19-class indices (sorted, distinct; unmapped classes dropped).
    public static func to19(_ classes43: [Int]) -> [Int] {
        Array(Set(classes43.compactMap { map43to19[$0] })).sorted()
    }
}
