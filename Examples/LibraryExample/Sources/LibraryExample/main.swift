import StrataGeo
import StrataData
import StrataModels
import StrataTasks

let images = try RasterDataset(paths: ["scenes/"], bands: ["B02", "B03", "B04", "B08"])
let labels = try VectorDataset(paths: ["labels.gpkg"], burn: .classMap(attribute: "class", ["water": 0, "urban": 1]))
let data = try IntersectionDataset(images, labels)          // aligned on the fly, CRS and bounds kept
let sampler = try RandomGeoSampler(data, size: .pixels(256), length: 1000, seed: 0)
let loader = try GeoDataLoader(dataset: data, sampler: sampler, batchSize: 16, workers: 2)
let model = try ModelRegistry.make(name: "unet-resnet18", inChannels: 4, numClasses: 2)
