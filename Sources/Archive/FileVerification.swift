import Foundation
import SurveyIO

/// Checks a downloaded body before it may take its final name.
enum FileVerification {
    /// A spectrum must open with cfitsio and hold `COADD` and `SPECOBJ` with every column the
    /// pipeline reads (the same reader as `prepare-spectra` and `fit-labels`). The body is
    /// written to `temporaryPath` for cfitsio and left there when it passes.
    static func spectrum(_ data: Data, temporaryPath: String) -> Result<Int, BodyProblem> {
        do {
            try data.write(to: URL(fileURLWithPath: temporaryPath))
        } catch {
            return .failure(BodyProblem("cannot write \(temporaryPath): \(error.localizedDescription)", retryable: false))
        }
        do {
            _ = try SDSSSpectrum(contentsOf: temporaryPath)
            return .success(data.count)
        } catch let e as SurveyIOError {
            try? FileManager.default.removeItem(atPath: temporaryPath)
            return .failure(BodyProblem("not a usable spec FITS (\(e.reason))"))
        } catch {
            try? FileManager.default.removeItem(atPath: temporaryPath)
            return .failure(BodyProblem("not a usable spec FITS"))
        }
    }

    /// A cutout must decode completely (libjpeg-turbo, no warnings) at the requested size.
    static func image(_ data: Data, width: Int, height: Int, temporaryPath: String) -> Result<Int, BodyProblem> {
        do {
            let image = try JPEG.decode(data)
            guard image.width == width, image.height == height else {
                return .failure(BodyProblem("JPEG is \(image.width)×\(image.height), expected \(width)×\(height)", retryable: false))
            }
        } catch let e as SurveyIOError {
            return .failure(BodyProblem(e.reason))
        } catch {
            return .failure(BodyProblem("not a readable JPEG"))
        }
        do {
            try data.write(to: URL(fileURLWithPath: temporaryPath))
        } catch {
            return .failure(BodyProblem("cannot write \(temporaryPath): \(error.localizedDescription)", retryable: false))
        }
        return .success(data.count)
    }
}
