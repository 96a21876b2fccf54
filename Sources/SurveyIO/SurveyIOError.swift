import Foundation

/// An input or output problem tied to one file. The message names the file and says what is
/// wrong with it, so a user can find the galaxy and fix (or drop) it.
public struct SurveyIOError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file the problem belongs to.
    public let path: String
    /// What is wrong, in words a user understands.
    public let reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "\(path): \(reason)" }
}

/// The package version, written into every manifest for provenance.
public enum GalAMVersion {
    public static let string = "0.1.0"
}
