import Foundation

/// Flat ΛCDM distances (H0 = 70 km/s/Mpc, Ωm = 0.3 by default), by Simpson integration of
/// 1/E(z). Accurate to better than 1e-6 relative for z ≤ 1, plenty for a mock survey.
public struct FlatLambdaCDM: Sendable {
    public var h0KmsPerMpc: Double
    public var omegaMatter: Double
    static let cKms = 299_792.458

    public init(h0KmsPerMpc: Double = 70, omegaMatter: Double = 0.3) {
        self.h0KmsPerMpc = h0KmsPerMpc
        self.omegaMatter = omegaMatter
    }

    /// Line-of-sight comoving distance in Mpc.
    public func comovingDistanceMpc(z: Double) -> Double {
        let n = 200  // even
        let h = z / Double(n)
        var sum = 0.0
        for i in 0...n {
            let zi = Double(i) * h
            let w = (i == 0 || i == n) ? 1.0 : (i % 2 == 1 ? 4.0 : 2.0)
            sum += w / (omegaMatter * pow(1 + zi, 3) + (1 - omegaMatter)).squareRoot()
        }
        return Self.cKms / h0KmsPerMpc * sum * h / 3
    }

    public func luminosityDistanceMpc(z: Double) -> Double { (1 + z) * comovingDistanceMpc(z: z) }
    public func angularDiameterDistanceMpc(z: Double) -> Double { comovingDistanceMpc(z: z) / (1 + z) }

    /// Angular size in arcsec of a physical length in kpc at redshift z.
    public func arcsec(kpc: Double, z: Double) -> Double {
        kpc / (angularDiameterDistanceMpc(z: z) * 1000) * 206_264.806
    }
}

/// Calzetti et al. (2000) starburst attenuation curve k(λ), λ in Å, R_V = 4.05.
public enum CalzettiDust {
    public static let rv = 4.05

    /// k(λ) = A(λ)/E(B−V)_stellar. Extrapolated linearly (in 1/λ) outside 1200–22000 Å.
    public static func k(wavelengthAngstrom: Double) -> Double {
        let x = 1e4 / wavelengthAngstrom  // 1/µm
        let um = wavelengthAngstrom / 1e4
        if um >= 0.63 {
            return 2.659 * (-1.857 + 1.040 * x) + rv
        }
        return 2.659 * (-2.156 + 1.509 * x - 0.198 * x * x + 0.011 * x * x * x) + rv
    }

    /// Multiplicative transmission 10^(−0.4 k(λ) E(B−V)).
    public static func transmission(wavelengthAngstrom: Double, ebv: Double) -> Double {
        pow(10, -0.4 * max(0, k(wavelengthAngstrom: wavelengthAngstrom)) * ebv)
    }
}
