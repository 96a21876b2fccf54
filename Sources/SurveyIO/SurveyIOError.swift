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

/// A setting of a stage that cannot work (an image size below what a network needs, an empty
/// redshift range). Thrown by the stages' `validate()`, so a library caller gets the same
/// message the command line prints; `setting` names the command-line option.
public struct InvalidSetting: Error, CustomStringConvertible, Equatable, Sendable {
    /// The option, as the command line spells it (`--image-size`).
    public let setting: String
    public let reason: String

    public init(_ setting: String, _ reason: String) {
        self.setting = setting
        self.reason = reason
    }

    public var description: String { "\(setting): \(reason)" }
}
