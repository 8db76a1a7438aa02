import Foundation
import StrataTensor

/// Builds a run's report.html from its metric log and a final evaluation.
public enum RunReport {
    public static func write(title: String, kind: TaskKind, log: MetricLog, evaluation ev: EvaluationResult,
                             classNames: [String], config: TrainConfig?, result: FitResult?, to url: URL) throws {
        var r = HTMLReport(title: title)
        r.summary = [("task", kind.rawValue), ("validation loss", String(format: "%.4f", ev.loss))]
            + ev.metrics.keys.sorted().map { ($0, String(format: "%.4f", ev.metrics[$0]!)) }
        if let result {
            r.summary += [("epochs run", String(result.epochsRun)), ("best epoch", result.bestEpoch.map(String.init) ?? "–"),
                          ("stopped early", result.stoppedEarly ? "yes" : "no")]
        }
        r.charts.append(("Loss per epoch", SVGChart.line([.init("train", log.series("train_loss")), .init("val", log.series("val_loss"))],
                                                          title: "Loss", yLabel: "loss")))
        let metricKeys = (log.rows.last ?? [:]).keys.filter { $0.hasPrefix("val_") && $0 != "val_loss" }.sorted()
        if !metricKeys.isEmpty {
            r.charts.append(("Validation metrics per epoch",
                             SVGChart.line(metricKeys.map { .init(String($0.dropFirst(4)), log.series($0)) }, title: "Validation metrics")))
        }
        r.charts.append(("Learning rate", SVGChart.line([.init("lr", log.series("lr"))], title: "Learning rate")))
        if let cm = ev.accumulator.confusion {
            r.charts.append(("Confusion matrix of the best model on the validation split (rows: true class)",
                             SVGChart.confusionMatrix(cm.rows, classNames: classNames)))
        }
        let table = ev.accumulator.perClass(names: classNames)
        r.tables.append(("Per class (validation)", table.columns, table.rows))
        if let c = config {
            r.config = [("dataset", c.data.dataset), ("root", c.data.root), ("bands", (c.data.bands ?? ["all"]).joined(separator: ", ")),
                        ("model", c.model), ("epochs", String(c.trainer.epochs)), ("batch size", String(c.data.batchSize)),
                        ("optimizer", "\(c.trainer.optimizer.name) lr=\(c.trainer.optimizer.lr) wd=\(c.trainer.optimizer.weightDecay)"),
                        ("scheduler", c.trainer.scheduler.name), ("seed", String(c.trainer.seed)),
                        ("augment", c.data.augment.joined(separator: ", ")), ("normalize", c.data.normalize), ("output", c.output)]
            if !c.data.indices.isEmpty { r.config.append(("indices", c.data.indices.joined(separator: ", "))) }
            if c.experiment == "lcz-fusion" {
                r.config.append(("fusion", "\(c.fusion.training) training, alpha \(c.fusion.alpha)"))
            }
        }
        try r.write(to: url)
    }
}
