// swift-tools-version:6.0
// GalAM: stellar age and metallicity of galaxies from SDSS images and spectra.
// Modules follow the data's journey (see README, "Layout"): C libraries and Randomness →
// SurveyIO → Archive / Spectra / Imaging / StellarPops → MockSurvey; NeuralNet → GalAM →
// Reports → Workflows (and the SDSS stand-in) → galam. A module imports only modules to its left.
import Foundation
import PackageDescription

// Open MPI (Debian: libopenmpi-dev) is optional: when its pkg-config file is found, NeuralNet's
// process group can all-reduce over MPI (`mpirun -np R galam train`); without it the package
// builds and tests as a single-process tool. GALAM_NO_MPI=1 builds without MPI even when installed.
let mpiAvailable: Bool = {
    let env = ProcessInfo.processInfo.environment
    if env["GALAM_NO_MPI"] == "1" { return false }
    let dirs = (env["PKG_CONFIG_PATH"] ?? "").split(separator: ":").map(String.init)
        + ["/usr/lib/x86_64-linux-gnu/pkgconfig", "/usr/lib/aarch64-linux-gnu/pkgconfig", "/usr/lib/pkgconfig",
           "/usr/lib64/pkgconfig", "/usr/local/lib/pkgconfig", "/usr/share/pkgconfig"]
    return dirs.contains { FileManager.default.fileExists(atPath: $0 + "/ompi.pc") }
}()
let mpiTargets: [Target] = mpiAvailable
    ? [.systemLibrary(name: "CMPI", pkgConfig: "ompi", providers: [.apt(["libopenmpi-dev", "openmpi-bin"])])] : []
let mpiDependency: [Target.Dependency] = mpiAvailable ? ["CMPI"] : []
let mpiSettings: [SwiftSetting] = mpiAvailable ? [.define("GALAM_MPI")] : []

let package = Package(
    name: "GalAM",
    products: [
        .executable(name: "galam", targets: ["galam"]),
        .library(name: "SurveyIO", targets: ["SurveyIO"]),
        .library(name: "Archive", targets: ["Archive"]),
        .library(name: "Spectra", targets: ["Spectra"]),
        .library(name: "StellarPops", targets: ["StellarPops"]),
        .library(name: "Imaging", targets: ["Imaging"]),
        .library(name: "NeuralNet", targets: ["NeuralNet"]),
        .library(name: "Randomness", targets: ["Randomness"]),
        .library(name: "FuzzTargets", targets: ["FuzzTargets"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/yaslab/CSV.swift", from: "2.5.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        // C libraries: module map + a small shim header each (Debian 12 -dev packages).
        .systemLibrary(name: "CFITSIO", pkgConfig: "cfitsio",
                       providers: [.apt(["libcfitsio-dev"])]),
        .systemLibrary(name: "CTurboJPEG", pkgConfig: "libturbojpeg",
                       providers: [.apt(["libturbojpeg0-dev"])]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]),
        .systemLibrary(name: "CDNNL", providers: [.apt(["libdnnl-dev"])]),
    ] + mpiTargets + [

        // The one seeded random generator (SplitMix64), dependency-free so NeuralNet can share it.
        .target(name: "Randomness"),
        .target(name: "SurveyIO",
                dependencies: ["Randomness", "CFITSIO", "CTurboJPEG",
                               .product(name: "CSV", package: "CSV.swift"),
                               .product(name: "Crypto", package: "swift-crypto")]),
        // SDSS services over HTTP (SQL selection, SAS spectra, cutouts) → galam fetch-sdss.
        .target(name: "Archive",
                dependencies: ["SurveyIO",
                               .product(name: "AsyncHTTPClient", package: "async-http-client"),
                               .product(name: "NIOCore", package: "swift-nio"),
                               .product(name: "NIOHTTP1", package: "swift-nio")]),
        // A local HTTP stand-in for the SDSS services, with fault injection: the Archive tests
        // and `galam bench fetch` start it; no production code path uses it.
        .target(name: "SDSSStandIn",
                dependencies: ["SurveyIO", "Archive", "Randomness",
                               .product(name: "NIOCore", package: "swift-nio"),
                               .product(name: "NIOPosix", package: "swift-nio"),
                               .product(name: "NIOHTTP1", package: "swift-nio")]),
        .target(name: "Spectra", dependencies: ["SurveyIO"]),
        .target(name: "StellarPops", dependencies: ["SurveyIO", "Randomness", "COpenBLAS"]),
        .target(name: "Imaging", dependencies: ["SurveyIO", "COpenBLAS"]),
        .target(name: "MockSurvey", dependencies: ["SurveyIO", "StellarPops", "Randomness"]),
        // The network engine knows nothing of galaxies: oneDNN, OpenBLAS, the random generator
        // and (when installed) Open MPI for its process group.
        .target(name: "NeuralNet", dependencies: ["CDNNL", "COpenBLAS", "Randomness"] + mpiDependency, swiftSettings: mpiSettings),
        // The paper's networks, datasets and splits, staged training, calibration (intervals, OOD; LAPACK), prediction.
        .target(name: "GalAM", dependencies: ["SurveyIO", "Spectra", "Imaging", "MockSurvey", "NeuralNet", "Randomness", "COpenBLAS"]),
        // What each libFuzzer target (Fuzz/, a package of its own) runs on one input; the
        // regression tests run the same code on every saved crasher.
        .target(name: "FuzzTargets", dependencies: ["SurveyIO", "Spectra", "StellarPops", "Imaging", "NeuralNet"]),
        .target(name: "Reports", dependencies: ["SurveyIO", "StellarPops", "MockSurvey", "NeuralNet", "GalAM"]),
        // What is not the product: the demo, the blend studies and their synthetic scenes, the benchmarks.
        .target(name: "Workflows", dependencies: ["SurveyIO", "Spectra", "Imaging", "StellarPops", "MockSurvey", "NeuralNet",
                                                  "GalAM", "Reports", "Randomness", "COpenBLAS"]),
        .executableTarget(name: "galam",
                          dependencies: ["SurveyIO", "Archive", "SDSSStandIn", "Spectra", "StellarPops", "Imaging", "MockSurvey", "NeuralNet",
                                         "GalAM", "Reports", "Workflows", "CDNNL", "COpenBLAS",
                                         .product(name: "ArgumentParser", package: "swift-argument-parser")]),

        // Test helpers shared by the test targets: fixture paths and an independent FITS parser.
        .target(name: "TestSupport", dependencies: ["SurveyIO"], path: "Tests/Support"),
        .testTarget(name: "SurveyIOTests", dependencies: ["SurveyIO", "TestSupport"]),
        .testTarget(name: "ArchiveTests", dependencies: ["Archive", "SDSSStandIn", "MockSurvey", "Randomness", "SurveyIO", "TestSupport"]),
        .testTarget(name: "SpectraTests", dependencies: ["Spectra", "SurveyIO", "TestSupport"]),
        .testTarget(name: "StellarPopsTests", dependencies: ["StellarPops", "SurveyIO", "TestSupport"]),
        .testTarget(name: "MockSurveyTests", dependencies: ["MockSurvey", "StellarPops", "SurveyIO", "Spectra", "TestSupport"]),
        .testTarget(name: "RandomnessTests", dependencies: ["Randomness", "StellarPops", "MockSurvey"]),
        .testTarget(name: "NeuralNetTests", dependencies: ["NeuralNet", "Randomness"]),
        .testTarget(name: "GalAMTests", dependencies: ["GalAM", "MockSurvey", "NeuralNet", "Randomness", "SurveyIO", "TestSupport"]),
        .testTarget(name: "ReportsTests", dependencies: ["Reports", "GalAM", "MockSurvey", "SurveyIO", "TestSupport"]),
        .testTarget(name: "ImagingTests", dependencies: ["Imaging", "MockSurvey", "Randomness", "SurveyIO", "TestSupport"]),
        .testTarget(name: "WorkflowsTests", dependencies: ["Workflows", "Imaging", "MockSurvey", "Randomness", "SurveyIO", "TestSupport"]),
        .testTarget(name: "GalamCLITests", dependencies: ["GalAM", "NeuralNet", "SurveyIO", "TestSupport"]),
        .testTarget(name: "FuzzRegressionTests", dependencies: ["FuzzTargets", "TestSupport"]),
    ],
    swiftLanguageModes: [.v5]
)
