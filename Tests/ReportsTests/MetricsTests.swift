import Reports
import XCTest

final class MetricsTests: XCTestCase {
    /// Δ = (0.1, −0.1, 0.3, 0.1): mean 0.1, MSE 0.03, MAE 0.15, SD √0.02 — by hand.
    func testMetricsByHand() {
        let m = RegressionMetrics(predicted: [9.1, 8.9, 10.3, 9.6], truth: [9.0, 9.0, 10.0, 9.5])
        XCTAssertEqual(m.count, 4)
        XCTAssertEqual(m.bias, 0.1, accuracy: 1e-12)
        XCTAssertEqual(m.mse, 0.03, accuracy: 1e-12)
        XCTAssertEqual(m.mae, 0.15, accuracy: 1e-12)
        XCTAssertEqual(m.sd, 0.02.squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(m.mse, m.sd * m.sd + m.bias * m.bias, accuracy: 1e-12, "MSE = SD² + bias²")
    }

    func testSNRBins() {
        XCTAssertEqual(SNRBin.paper.map(\.label), ["[5, 10)", "[10, 15)", "[15, 20)", "[20, 25)", "[25, 30)", "[30, ∞)"])
        XCTAssertTrue(SNRBin.paper[0].contains(5))
        XCTAssertFalse(SNRBin.paper[0].contains(10))
        XCTAssertTrue(SNRBin.paper[5].contains(300))
    }

    func testRSquared() {
        XCTAssertEqual(coefficientOfDetermination(predicted: [1, 2, 3], truth: [1, 2, 3]), 1)
        // Predicting the mean gives 0; a hand case: truth (1, 2, 3), prediction (1, 2, 4) → 1 − 1/2.
        XCTAssertEqual(coefficientOfDetermination(predicted: [2, 2, 2], truth: [1, 2, 3]), 0, accuracy: 1e-12)
        XCTAssertEqual(coefficientOfDetermination(predicted: [1, 2, 4], truth: [1, 2, 3]), 0.5, accuracy: 1e-12)
    }
}
