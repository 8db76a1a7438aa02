import ArgumentParser
import StrataTensor

@main
struct Strata: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "strata",
        abstract: "Deep learning on Earth-observation imagery.",
        version: StrataVersion.string,
        subcommands: [Info.self, DatasetsCommand.self, Train.self, Evaluate.self, PredictCommand.self,
                      PseudoLabelsCommand.self, LCZStandInCommand.self, ZeroShotCommand.self, STACCommand.self])
}
