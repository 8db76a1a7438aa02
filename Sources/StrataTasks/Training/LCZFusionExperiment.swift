import Foundation
import StrataData
import StrataModels
import StrataTensor

/// The hooks of `task: lcz-fusion`: DF4LCZ's two-stream local-climate-zone classification (methods.md §1) on
/// LCZC-GES2-layout data — Sentinel-2 chips through the ResNet11-3D stream and the paired segment graphs through
/// the GCSConv stream of `model: df4lcz-fusion`, fused as `α · P_S2 + (1 − α) · P_graph`.
///
/// The data hook is the chip classification's (the dataset's samples carry their graphs, which `DataLoader`
/// batches beside the chips); this task adds to the model card what rebuilds the pair (`model.fusion.alpha`,
/// `model.fusion.training`) and the LCZ metric set (OA_built over LCZ 1–10 and OA_natural over A–G beside OA,
/// kappa and weighted F1; per-class precision in the report and summary.json), which `strata evaluate` reads back
/// from the checkpoint. Training, resume and reports are the shared `Experiment` scaffold's.
public struct LCZFusionExperiment: ExperimentTask {
    public init() {}

    public func prepareData(_ c: TrainConfig) throws -> ExperimentData {
        var d = try ClassificationExperiment().prepareData(c)
        guard d.classNames.count == 17 else {
            throw ConfigError("task lcz-fusion: \(c.data.dataset) has \(d.classNames.count) classes; the LCZ metrics "
                + "need the 17 local climate zones")
        }
        d.extra[DF4LCZFusion.alphaKey] = String(c.fusion.alpha)
        d.extra[DF4LCZFusion.trainingKey] = c.fusion.training
        d.extra[ModelCard.metricsKey] = "lcz"
        d.imageInputs = false  // the chips become 1-channel volumes for the 3-D stream
        return d
    }

    public func reportTitle(_ c: TrainConfig) -> String {
        "\(c.data.dataset) · DF4LCZ fusion (\(c.fusion.training), α = \(c.fusion.alpha))"
    }
}
