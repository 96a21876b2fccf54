import Foundation
import GalAM
import SurveyIO
import TestSupport
import XCTest

/// The `galam` executable run as a user runs it.
final class GalamCLITests: XCTestCase {
    /// The executable built beside the test bundle.
    var galam: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("galam").path
    }

    func testHelpListsSubcommandsWithExamples() throws {
        let r = try Fixtures.run(galam, ["--help"])
        XCTAssertEqual(r.status, 0)
        for sub in ["fetch-sdss", "prepare-spectra", "prepare-images", "fit-labels", "merge", "bench", "templates", "demo", "version", "simulate", "montage", "plot-spectra"] {
            XCTAssertTrue(r.out.contains(sub), sub)
        }
        for sub in [["fetch-sdss"], ["bench", "fetch"], ["prepare-spectra"], ["prepare-images"], ["prepare"], ["train"], ["evaluate"], ["predict"], ["bench", "images"], ["bench", "fit"], ["fit-labels"], ["templates", "fetch"], ["templates", "info"], ["demo"],
                    ["version"], ["simulate"], ["montage"], ["plot-spectra"], ["merge"], ["bench", "nn"]] {
            let h = try Fixtures.run(galam, sub + ["--help"])
            XCTAssertEqual(h.status, 0, sub.joined(separator: " "))
            XCTAssertTrue(h.out.contains("galam " + sub.joined(separator: " ")), "example in help of \(sub)")
        }
    }

    /// `fetch-sdss --help` shows the paper's query and a worked example; wrong options fail
    /// with a message naming them, before any request.
    func testFetchSDSSHelpAndOptionErrors() throws {
        let h = try Fixtures.run(galam, ["fetch-sdss", "--help"])
        for part in ["s.class = 'GALAXY'", "s.z BETWEEN 0.002 AND 0.3", "s.zWarning = 0", "s.snMedian_r >= 5", "s.run2d = '26'",
                     "galam fetch-sdss --out sdss --n 1000", "--shard", "--scale-by"] {
            XCTAssertTrue(h.out.contains(part), part)
        }
        let dir = Fixtures.scratchDirectory()
        for (args, word) in [(["--spectra", "some"], "--spectra"), (["--shard", "2/2"], "--shard"), (["--scale-by", "r50"], "--scale-by"),
                             (["--skyserver-url", "ftp://x"], "--skyserver-url"), (["--n", "0"], "--n"), (["--sql", dir + "/none.sql"], "--sql")] {
            let r = try Fixtures.run(galam, ["fetch-sdss", "--out", dir + "/o"] + args)
            XCTAssertNotEqual(r.status, 0, args.joined(separator: " "))
            XCTAssertTrue(r.err.contains(word) || r.err.contains("none.sql"), r.err)
        }
    }

    func testPrepareSpectraOnFixtures() throws {
        let out = Fixtures.scratchDirectory() + "/prepared"
        let r = try Fixtures.run(galam, ["prepare-spectra", "--catalog", Fixtures.catalogPath,
                                         "--spectra", Fixtures.spectraDirectory, "--out", out, "--quiet"])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.contains("4 of 4 spectra accepted"), r.out)
        let shape = try Fixtures.python("import numpy; print(numpy.load('\(out)/spectra.npy').shape)")
        XCTAssertEqual(shape.trimmingCharacters(in: .whitespacesAndNewlines), "(4, 4171)")
        for f in ["catalog.csv", "manifest.json"] { XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/" + f)) }
    }

    /// The command line's defaults are the library's: the stages `prepare` records without
    /// options are exactly `SpectraStage()` and `ImageStage()` (the paper's and authors' settings).
    func testCommandLineDefaultsAreTheLibrarysDefaults() throws {
        let dir = Fixtures.scratchDirectory()
        let specs = try Fixtures.catalogRows().map { $0["spec_file"]! }
        try (["spec_file,log_age_yr,metallicity_mh"] + specs.map { "\($0),9.5,0.0" }).joined(separator: "\n")
            .write(toFile: dir + "/labels.csv", atomically: true, encoding: .utf8)
        let r = try Fixtures.run(galam, ["prepare", "--catalog", Fixtures.catalogPath, "--spectra", Fixtures.spectraDirectory,
                                         "--images", Fixtures.imagesDirectory, "--labels", dir + "/labels.csv", "--out", dir + "/data", "--quiet"])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertEqual(try PreprocessingContract.of(datasetDirectory: dir + "/data"), PreprocessingContract())
    }

    func testPrepareImagesOnFixtures() throws {
        let out = Fixtures.scratchDirectory() + "/prepared"
        let r = try Fixtures.run(galam, ["prepare-images", "--catalog", Fixtures.catalogPath,
                                         "--images", Fixtures.imagesDirectory, "--out", out, "--quiet", "--bands", "ri"])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.contains("4 of 4 images accepted"), r.out)
        let shape = try Fixtures.python("import numpy; print(numpy.load('\(out)/images.npy').shape)")
        XCTAssertEqual(shape.trimmingCharacters(in: .whitespacesAndNewlines), "(4, 128, 128, 2)")
        let bad = try Fixtures.run(galam, ["prepare-images", "--images", Fixtures.imagesDirectory, "--out", out, "--bands", "z"])
        XCTAssertNotEqual(bad.status, 0)

        // The stricter blend check re-masks the fixtures and records its settings.
        let strict = Fixtures.scratchDirectory() + "/strict"
        let s = try Fixtures.run(galam, ["prepare-images", "--images", Fixtures.imagesDirectory, "--out", strict, "--quiet",
                                         "--premasked", "remask", "--blend-region", "footprint", "--detect-on", "grey+bands",
                                         "--min-prominence", "2"])
        XCTAssertEqual(s.status, 0, s.err)
        let manifest = try String(contentsOfFile: strict + "/manifest.json", encoding: .utf8)
        XCTAssertTrue(manifest.contains("\"blendRegion\" : \"footprint\""), manifest)
        XCTAssertTrue(manifest.contains("\"minProminenceSigma\" : 2"), manifest)
        for wrong in [["--blend-region", "sideways"], ["--blend-region", "footprint", "--detection-noise", "masked"], ["--min-prominence", "-1"]] {
            let w = try Fixtures.run(galam, ["prepare-images", "--images", Fixtures.imagesDirectory, "--out", strict + "2"] + wrong)
            XCTAssertNotEqual(w.status, 0, wrong.joined(separator: " "))
            XCTAssertTrue(w.err.contains("blend-region") || w.err.contains("min-prominence"), w.err)
        }
    }

    /// `galam prepare` takes the same blend-check options and records them in its manifest.
    func testPrepareRecordsItsBlendCheck() throws {
        let dir = Fixtures.scratchDirectory()
        let specs = try Fixtures.catalogRows().map { $0["spec_file"]! }
        try (["spec_file,log_age_yr,metallicity_mh"] + specs.map { "\($0),9.5,0.0" }).joined(separator: "\n")
            .write(toFile: dir + "/labels.csv", atomically: true, encoding: .utf8)
        let r = try Fixtures.run(galam, ["prepare", "--catalog", Fixtures.catalogPath, "--spectra", Fixtures.spectraDirectory,
                                         "--images", Fixtures.imagesDirectory, "--labels", dir + "/labels.csv", "--out", dir + "/data",
                                         "--quiet", "--blend-region", "footprint", "--detect-on", "grey+bands", "--npixels", "5",
                                         "--min-prominence", "2"])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.contains("4 of 4 galaxies kept"), r.out)
        // The whole image-stage configuration, typed (read back by Python's json).
        let recorded = try Fixtures.python("""
            import json; m = json.load(open('\(dir)/data/manifest.json')); p = m['preprocessing']; i = p['images']
            print(p['version'], i['blendRegion'], i['detectionImages'], i['detector']['minPixels'], i['detector']['minProminenceSigma'], i['size'], p['spectra']['cuts']['minSNR'])
            """)
        XCTAssertEqual(recorded.trimmingCharacters(in: .whitespacesAndNewlines), "1 footprint grey+bands 5 2 128 5")
        let bad = try Fixtures.run(galam, ["prepare", "--catalog", Fixtures.catalogPath, "--spectra", Fixtures.spectraDirectory,
                                           "--images", Fixtures.imagesDirectory, "--labels", dir + "/labels.csv", "--out", dir + "/bad",
                                           "--min-prominence", "-1"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.err.contains("min-prominence"), bad.err)
    }

    func testExitStatus() throws {
        let dir = Fixtures.scratchDirectory()
        try "spec_file\nspec-missing.fits\n".write(toFile: dir + "/cat.csv", atomically: true, encoding: .utf8)
        let none = try Fixtures.run(galam, ["prepare-spectra", "--catalog", dir + "/cat.csv", "--spectra", dir, "--out", dir + "/o"])
        XCTAssertNotEqual(none.status, 0, "nothing could be processed")
        XCTAssertTrue(none.err.contains("spec-missing.fits: file not found"), none.err)
        let badArgs = try Fixtures.run(galam, ["prepare-spectra", "--spectra", dir])
        XCTAssertNotEqual(badArgs.status, 0, "missing --out")
        // One bad file among good ones: exit 0, the bad one named on stderr.
        try "spec_file\nspec-missing.fits\nspec-0389-51795-0269.fits\n".write(toFile: dir + "/cat2.csv", atomically: true, encoding: .utf8)
        let some = try Fixtures.run(galam, ["prepare-spectra", "--catalog", dir + "/cat2.csv", "--spectra", Fixtures.spectraDirectory,
                                            "--out", dir + "/o2", "--quiet"])
        XCTAssertEqual(some.status, 0, some.err)
        XCTAssertTrue(some.err.contains("spec-missing.fits: file not found"), some.err)
    }

    /// Seed runs kept as their test split's predictions alone (scripts/preset-comparison.sh's
    /// results/) are summarised and compared without reports of their own.
    func testEvaluateSummarisesSeedRunsKeptAsPredictionsAlone() throws {
        let dir = Fixtures.scratchDirectory()
        let header = "index,spec_file,split,snr_r,log_age,mh,truth_log_age,truth_mh,image_only_log_age,image_only_mh,"
            + "multimodal_learned_log_age,multimodal_learned_mh\n"
        for (config, offset) in [("a", 0.0), ("b", 0.05)] {
            for seed in 1...2 {
                try FileManager.default.createDirectory(atPath: "\(dir)/\(config)/seed-\(seed)", withIntermediateDirectories: true)
                var csv = header
                for k in 0..<4 {
                    let error = Double(k % 2 == 0 ? 1 : -1) * (0.1 + offset) + 0.01 * Double(seed)
                    csv += "\(k),spec-\(k).fits,test,20,9.5,0.0,9.5,0.0,\(9.5 + error),\(error),\(9.5 + 2 * error),\(2 * error)\n"
                }
                try csv.write(toFile: "\(dir)/\(config)/seed-\(seed)/predictions.csv", atomically: true, encoding: .utf8)
                // a's runs timed (30 + 20 + 70 s), b's from before epochs were timed.
                let epochs = config == "a" ? [#"{"train": 1, "validation": 1, "seconds": 30}, {"train": 1, "validation": 1, "seconds": 20}"#,
                                              #"{"train": 1, "validation": 1, "seconds": 70}"#]
                    : [#"{"train": 1, "validation": 1}"#, #"{"train": 1, "validation": 1}"#]
                let stages = zip(["M1", "M3"], epochs).map { #"{"stage": "\#($0)", "learningRate": 0.0001, "epochs": [\#($1)]"#
                    + (config == "a" ? #", "seconds": \#($0 == "M1" ? 50 : 70)}"# : "}") }
                try ("[" + stages.joined(separator: ", ") + "]").write(toFile: "\(dir)/\(config)/seed-\(seed)/training.json", atomically: true, encoding: .utf8)
            }
        }
        let r = try Fixtures.run(galam, ["evaluate", "--model", dir + "/b", "--baseline", dir + "/a", "--baseline-label", "a", "--label", "b"])
        XCTAssertEqual(r.status, 0, r.err)
        let md = try String(contentsOfFile: dir + "/b/seeds.md", encoding: .utf8)
        XCTAssertTrue(md.contains("b (2 seeds) against a (2 seeds)"), md)
        XCTAssertTrue(md.contains("image-only (M3)"), md)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/b/seed-1/report.html"))

        // The folder of both configurations: one table, a row each, against a's multi-modal model.
        let all = try Fixtures.run(galam, ["evaluate", "--model", dir, "--baseline", dir + "/a"])
        XCTAssertEqual(all.status, 0, all.err)
        let table = try String(contentsOfFile: dir + "/configurations.md", encoding: .utf8)
        XCTAssertTrue(table.contains("SD against the truth (dex, test split of 4 galaxies"), table)
        XCTAssertTrue(table.contains("SD against the labels"), table)
        for config in ["a", "b"] {
            XCTAssertEqual(table.split(separator: "\n").filter { $0.hasPrefix("| \(config) | 2 | ") }.count, 2, table)
        }
        XCTAssertTrue(table.contains("## b\n\nb (2 seeds) against a (2 seeds)"), table)
        XCTAssertTrue(table.contains("| a | 2 of 2 | 120 ± 0 | — |"), table)
        XCTAssertTrue(table.contains("| b | 0 of 2 | — | — |"), table)
        let wrong = try Fixtures.run(galam, ["evaluate", "--model", dir, "--baseline", dir + "/c"])
        XCTAssertNotEqual(wrong.status, 0)
        XCTAssertTrue(wrong.err.contains("not one of the configurations") && wrong.err.contains("a, b"), wrong.err)
        let none = try Fixtures.run(galam, ["evaluate", "--model", dir])
        XCTAssertNotEqual(none.status, 0)
        XCTAssertTrue(none.err.contains("--baseline"), none.err)
    }
}
