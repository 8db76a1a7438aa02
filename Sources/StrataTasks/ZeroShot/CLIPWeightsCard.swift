import Foundation
import StrataModels
import StrataTensor

/// What a CLIP weights file's model card says about feeding it: the normalisation statistics, the input size and
/// the bands. The card is Strata's model-card JSON (`strata-model-card/1`) in `<weights stem>.card.json` beside the
/// file or under `strata.model_card` in a safetensors file's metadata; only `normalization` (`mean-std` with three
/// values, in 0–1 units), `input_size` and `bands` are read. OpenAI, OpenCLIP and SenCLIP checkpoints carry no card:
/// `fallback(weights:)` names the statistics their authors use.
public struct CLIPWeightsCard: Sendable, Equatable {
    public var statistics: CLIPPreprocessing.Statistics?
    public var inputSize: Int?
    public var bands: [String]?
    /// Where the card was found.
    public var source: String

    /// The card of the weights at `path`, nil when there is none.
    public static func read(weights path: String) throws -> CLIPWeightsCard? {
        let stem = (path as NSString).deletingPathExtension
        var json: String? = nil, source = ""
        if FileManager.default.fileExists(atPath: stem + ".card.json") {
            json = try String(contentsOfFile: stem + ".card.json", encoding: .utf8)
            source = stem + ".card.json"
        } else if path.lowercased().hasSuffix(".safetensors"),
                  let meta = try? SafeTensors.read(path).metadata["strata.model_card"] {
            json = meta
            source = "\(path) metadata"
        }
        guard let json else { return nil }
        guard let obj = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else {
            throw ZeroShotError("model card \(source): not a JSON object")
        }
        var card = CLIPWeightsCard(statistics: nil, inputSize: nil, bands: nil, source: source)
        if let n = obj["normalization"] as? [String: Any], n["kind"] as? String != "none" {
            guard n["kind"] as? String == "mean-std", let m = n["mean"] as? [Double], let s = n["std"] as? [Double],
                  m.count == 3, s.count == 3, s.allSatisfy({ $0 > 0 }) else {
                throw ZeroShotError("model card \(source): a CLIP model's normalization must be mean-std with three "
                    + "means and three positive stds (R, G, B, in 0–1 units), got \(n)")
            }
            card.statistics = .init(name: "model card", mean: m, std: s)
        }
        if let size = obj["input_size"] as? [Int] {
            guard size.count == 2, size[0] == size[1], size[0] > 0 else {
                throw ZeroShotError("model card \(source): input_size must be [n, n], got \(size)")
            }
            card.inputSize = size[0]
        }
        if let b = obj["bands"] as? [String], !b.isEmpty {
            guard b.count == 3 else { throw ZeroShotError("model card \(source): \(b.count) bands; CLIP takes R, G, B") }
            card.bands = b
        }
        return card
    }

    /// Statistics for weights without a card: SenCLIP's ("Bing") for files named `*senclip*`, CLIP's otherwise.
    public static func fallback(weights path: String) -> (CLIPPreprocessing.Statistics, String) {
        (path as NSString).lastPathComponent.lowercased().contains("senclip")
            ? (.bing, "SenCLIP weights by name") : (.clip, "CLIP weights")
    }
}
