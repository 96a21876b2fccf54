import Foundation
@testable import Reports
import XCTest

/// The OOD AUROC and the width–error correlation against hand calculations.
final class CoverageTests: XCTestCase {
    func testAUROCMatchesPairCounting() {
        // Pairs (positive > negative, ties ½): 2.5 beats 1, 2 → 2; 3 beats 1, 2, ties 3 → 2.5; 4 beats all → 3.
        XCTAssertEqual(auroc(negatives: [1, 2, 3], positives: [2.5, 3, 4]), 7.5 / 9, accuracy: 1e-12)
        XCTAssertEqual(auroc(negatives: [1, 2], positives: [5, 6]), 1)
        XCTAssertEqual(auroc(negatives: [5, 6], positives: [1, 2]), 0)
        XCTAssertEqual(auroc(negatives: [1, 1], positives: [1]), 0.5)
    }

    func testPearsonMatchesHandCalculation() {
        // x = 1, 2, 3; y = 2, 4, 5: Σdxdy = 3, Σdx² = 2, Σdy² = 14/3 → r = 3 / √(28/3).
        XCTAssertEqual(pearson([1, 2, 3], [2, 4, 5]), 3 / (28.0 / 3).squareRoot(), accuracy: 1e-12)
        XCTAssertTrue(pearson([1, 1, 1], [1, 2, 3]).isNaN)
    }
}
