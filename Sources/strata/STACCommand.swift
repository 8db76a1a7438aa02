import ArgumentParser
import Foundation
import StrataData

/// `strata stac`: STAC catalogs.
struct STACCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stac", abstract: "Work with STAC catalogs.", subcommands: [Index.self])

    /// `strata stac index CATALOG --output index.gpkg`.
    struct Index: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a GeoPackage index of a STAC catalog's items for fast reopening.",
            discussion: "Walks a local catalog, collection or item file and writes one polygon per item (footprint "
                + "in EPSG:4326) with its id, times and item JSON. The index opens wherever a catalog does "
                + "(RasterDataset(stac:), STACCatalog.items).")

        @Argument(help: "A STAC catalog, collection or item JSON file.") var catalog: String
        @Option(help: "The GeoPackage to write (.gpkg; replaced atomically).") var output: String

        func run() throws {
            guard (output as NSString).pathExtension.lowercased() == "gpkg" else {
                throw ValidationError("--output must be a .gpkg file, got \(output)")
            }
            let items = try STACCatalog.items(at: catalog)
            try STACIndex.write(items, to: output)
            print("indexed \(items.count) items of \(catalog) into \(output)")
        }
    }
}
