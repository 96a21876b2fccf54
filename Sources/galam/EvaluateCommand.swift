import ArgumentParser
import Reports

/// `galam evaluate`: metrics, figures and the HTML report of a trained model.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Metrics (MSE, MAE, bias, SD; per S/N bin; feature R²), figures and report.html of a trained model.",
        discussion: """
        Reads the model folder's predictions.csv (every model, every galaxy) and reports the \
        test split: metrics.json, metrics.md (laid out like the paper's Table 1, also against \
        the simulation truth when the dataset carries it), figures/*.svg and report.html.

        Examples:
          galam evaluate --model model/
        """)

    @Option(help: "Model folder from `galam train`.") var model: String

    func run() throws {
        let path = try ModelReport.write(modelDirectory: model)
        let e = try Evaluation(modelDirectory: model)
        let t = e.table()
        print(t.header.joined(separator: " | "))
        for r in t.rows { print(r.joined(separator: " | ")) }
        print("report: \(path)")
    }
}
