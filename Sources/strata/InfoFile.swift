import StrataGeo

/// `strata info <file>`: a short gdalinfo/ogrinfo-style summary of a raster or vector file.
enum InfoFile {
    static func run(_ path: String) throws {
        print(try GeoInfo.summary(path: path))
    }
}
