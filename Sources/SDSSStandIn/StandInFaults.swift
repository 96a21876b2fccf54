import Foundation

/// A way for the stand-in to misbehave on one request.
public enum StandInFault: Sendable, Equatable {
    /// This status (429, 500, 503, …), with a `Retry-After` header when given.
    case status(Int, retryAfter: String? = nil)
    /// An HTML error page with status 200, as SkyServer sends.
    case htmlPage
    /// The right answer, `seconds` late (longer than the client's timeout).
    case slow(Double)
    /// Announces the whole body, sends half, closes the connection.
    case dropMidBody
    /// A well-formed 200 answer whose body is cut to this fraction (a truncated file).
    case truncate(Double)
    /// 404.
    case notFound
}

/// What the stand-in served: for rate measurements and for checking the URLs clients built.
public struct StandInRequest: Sendable {
    /// Seconds since the server started.
    public var time: Double
    public var uri: String
    public var status: Int
}
