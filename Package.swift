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
        .library(name: "NeuralNet", targets: ["NeuralNet"]),
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
        // The network engine knows nothing of galaxies: oneDNN and OpenBLAS only.
        .target(name: "NeuralNet", dependencies: ["CDNNL", "COpenBLAS"]),
        // The paper's four networks (M1–M4) built from NeuralNet's layers.
        .target(name: "GalAM", dependencies: ["NeuralNet"]),
        .executableTarget(name: "galam",
                          dependencies: ["SurveyIO", "Spectra", "StellarPops", "NeuralNet", "GalAM", "CDNNL", "COpenBLAS",
                                         .product(name: "ArgumentParser", package: "swift-argument-parser")]),

        .testTarget(name: "SurveyIOTests", dependencies: ["SurveyIO"]),
        .testTarget(name: "SpectraTests", dependencies: ["Spectra", "SurveyIO"]),
        .testTarget(name: "StellarPopsTests", dependencies: ["StellarPops", "SurveyIO"]),
        .testTarget(name: "NeuralNetTests", dependencies: ["NeuralNet"]),
        .testTarget(name: "GalamCLITests", dependencies: ["SurveyIO"]),
    ],
    swiftLanguageModes: [.v5]
)
