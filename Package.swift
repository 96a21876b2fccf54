// swift-tools-version:6.0
// GalAM: stellar age and metallicity of galaxies from SDSS images and spectra.
// Modules follow the data's journey (see README, "Layout"): C libraries → SurveyIO →
// Spectra / StellarPops → galam. A module imports only modules to its left.
import PackageDescription

let package = Package(
    name: "GalAM",
    products: [
        .executable(name: "galam", targets: ["galam"]),
        .library(name: "SurveyIO", targets: ["SurveyIO"]),
        .library(name: "Spectra", targets: ["Spectra"]),
        .library(name: "StellarPops", targets: ["StellarPops"]),
        .library(name: "Imaging", targets: ["Imaging"]),
        .library(name: "NeuralNet", targets: ["NeuralNet"]),
        .library(name: "FuzzTargets", targets: ["FuzzTargets"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/yaslab/CSV.swift", from: "2.5.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
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

        .target(name: "SurveyIO",
                dependencies: ["CFITSIO", "CTurboJPEG",
                               .product(name: "CSV", package: "CSV.swift"),
                               .product(name: "Crypto", package: "swift-crypto")]),
        .target(name: "Spectra", dependencies: ["SurveyIO"]),
        .target(name: "StellarPops", dependencies: ["SurveyIO", "COpenBLAS"]),
        .target(name: "Imaging", dependencies: ["SurveyIO", "COpenBLAS"]),
        .target(name: "MockSurvey", dependencies: ["SurveyIO", "StellarPops"]),
        // The network engine knows nothing of galaxies: oneDNN and OpenBLAS only.
        .target(name: "NeuralNet", dependencies: ["CDNNL", "COpenBLAS"]),
        // The paper's networks, datasets and splits, staged training, prediction.
        .target(name: "GalAM", dependencies: ["SurveyIO", "Spectra", "Imaging", "NeuralNet"]),
        // What each libFuzzer target (Fuzz/, a package of its own) runs on one input; the
        // regression tests run the same code on every saved crasher.
        .target(name: "FuzzTargets", dependencies: ["SurveyIO", "Spectra", "StellarPops", "Imaging", "NeuralNet"]),
        .target(name: "Reports", dependencies: ["SurveyIO", "StellarPops", "MockSurvey", "NeuralNet", "GalAM"]),
        .executableTarget(name: "galam",
                          dependencies: ["SurveyIO", "Spectra", "StellarPops", "Imaging", "MockSurvey", "NeuralNet", "GalAM", "Reports", "CDNNL", "COpenBLAS",
                                         .product(name: "ArgumentParser", package: "swift-argument-parser")]),

        // Test helpers shared by the test targets: fixture paths and an independent FITS parser.
        .target(name: "TestSupport", dependencies: ["SurveyIO"], path: "Tests/Support"),
        .testTarget(name: "SurveyIOTests", dependencies: ["SurveyIO", "TestSupport"]),
        .testTarget(name: "SpectraTests", dependencies: ["Spectra", "SurveyIO", "TestSupport"]),
        .testTarget(name: "StellarPopsTests", dependencies: ["StellarPops", "SurveyIO", "TestSupport"]),
        .testTarget(name: "MockSurveyTests", dependencies: ["MockSurvey", "StellarPops", "SurveyIO", "Spectra", "TestSupport"]),
        .testTarget(name: "NeuralNetTests", dependencies: ["NeuralNet"]),
        .testTarget(name: "GalAMTests", dependencies: ["GalAM", "MockSurvey", "NeuralNet", "SurveyIO", "TestSupport"]),
        .testTarget(name: "ReportsTests", dependencies: ["Reports", "GalAM", "MockSurvey", "SurveyIO", "TestSupport"]),
        .testTarget(name: "ImagingTests", dependencies: ["Imaging", "MockSurvey", "SurveyIO", "TestSupport"]),
        .testTarget(name: "GalamCLITests", dependencies: ["SurveyIO", "TestSupport"]),
        .testTarget(name: "FuzzRegressionTests", dependencies: ["FuzzTargets", "TestSupport"]),
    ],
    swiftLanguageModes: [.v5]
)
