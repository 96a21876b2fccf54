import COpenBLAS
import Foundation

extension GalaxyFitter {
    func clamp(_ theta: [Double]) -> [Double] {
        theta.enumerated().map { p, v in let (lo, hi) = bounds(p); return min(max(v, lo), hi) }
    }

    func polynomial(_ theta: [Double]) -> [Double] {
        var pv = [Double](repeating: 1, count: n)
        if let mp = mpoly {
            for m in 1...mp.degree {
                let c = theta[polyOffset + m - 1]
                if c == 0 { continue }
                mp.values[m].withUnsafeBufferPointer { l in for i in 0..<n { pv[i] += c * l[i] } }
            }
        }
        return pv
    }

    func losvd(_ theta: [Double]) -> GaussHermiteLOSVD {
        GaussHermiteLOSVD(centre: theta[0] - frac, sigma: theta[1],
                          h3: kinCount == 4 ? theta[2] : 0, h4: kinCount == 4 ? theta[3] : 0)
    }

    /// The gas component's Gaussian LOSVD.
    func gasLOSVD(_ theta: [Double]) -> GaussHermiteLOSVD {
        GaussHermiteLOSVD(centre: theta[kinCount] - frac, sigma: theta[kinCount + 1])
    }

    /// ∂(model/noise)/∂θ over `index` with the weights held (ng × parameterCount, column-major).
    func jacobian(_ theta: [Double], state: FitState, index: [Int]) -> [Double] {
        let ng = index.count, np = parameterCount
        var jac = [Double](repeating: 0, count: ng * np)
        kinematicColumns(&jac, templates: 0..<stellarCount, losvd: losvd(theta), moments: kinCount, firstColumn: 0, state: state, index: index)
        if gasKinCount > 0 {
            kinematicColumns(&jac, templates: stellarCount..<k, losvd: gasLOSVD(theta), moments: 2, firstColumn: kinCount, state: state, index: index)
        }
        let noise = spectrum.noise
        if let mp = mpoly {
            let stellarOverNoise = index.map { state.stellar[$0] / noise[$0] }
            jac.withUnsafeMutableBufferPointer { jp in index.withUnsafeBufferPointer { ix in stellarOverNoise.withUnsafeBufferPointer { sp in
                for m in 1...mp.degree {
                    let col = jp.baseAddress! + (polyOffset + m - 1) &* ng
                    mp.values[m].withUnsafeBufferPointer { lp in
                        for r in 0..<ng { col[r] = lp[ix[r]] * sp[r] }
                    }
                }
            } } }
        }
        projectOutLinearSpan(&jac, state: state, rows: ng)
        return jac
    }

    /// Columns firstColumn… of the Jacobian: P·∂(Σ_k w_k T_k ⊛ L)/∂(LOSVD parameters)/noise over
    /// `templates`, from Ŝ = Σ w_k T̂_k and the analytic derivatives of L̂.
    func kinematicColumns(_ jac: inout [Double], templates: Range<Int>, losvd l: GaussHermiteLOSVD, moments: Int,
                          firstColumn: Int, state: FitState, index: [Int]) {
        let ng = index.count
        let noise = spectrum.noise
        var sre = [Double](repeating: 0, count: nf), sim = sre
        for kk in templates where state.x[kk] > 0 {
            let w = state.x[kk]
            for f in 0..<nf { sre[f] += w * tre[kk * nf + f]; sim[f] += w * tim[kk * nf + f] }
        }
        var dre = [Double](repeating: 0, count: moments * nf), dim = dre
        l.derivatives(fft, moments: moments, re: &dre, im: &dim)
        for q in 0..<moments {
            let p = firstColumn + q
            for f in 0..<nf {
                let a = sre[f], b = sim[f], c = dre[q * nf + f], d = dim[q * nf + f]
                pre[f] = a * c - b * d
                pim[f] = a * d + b * c
            }
            fft.inverse(re: pre, im: pim, into: &buffer)
            let off = self.off
            jac.withUnsafeMutableBufferPointer { jp in buffer.withUnsafeBufferPointer { bp in index.withUnsafeBufferPointer { ix in
                state.poly.withUnsafeBufferPointer { pp in noise.withUnsafeBufferPointer { np in
                    let col = jp.baseAddress! + p &* ng
                    for r in 0..<ng { let i = ix[r]; col[r] = pp[i] * bp[off &+ i] / np[i] }
                } }
            } } }
        }
    }

    /// Replaces each Jacobian column j by (I − A_P A_P⁺) j, A_P the columns of the design
    /// matrix whose coefficients are free or positive: the variable-projection Jacobian of
    /// Kaufman (1975). Without it the weights cannot follow a change of the polynomial and
    /// the iteration crawls (linear convergence along template-colour directions).
    func projectOutLinearSpan(_ jac: inout [Double], state: FitState, rows ng: Int) {
        let kc = state.used.count, np = parameterCount
        // Positions in the design matrix of the free and positive coefficients.
        let active = (0..<kc).filter { state.used[$0] >= k || state.x[state.used[$0]] > 0 }
        let p = active.count
        guard p > 0 else { return }
        var ap = [Double](repeating: 0, count: ng * p)
        for (c, j) in active.enumerated() { for r in 0..<ng { ap[c * ng + r] = state.design[j * ng + r] } }
        var gpp = [Double](repeating: 0, count: p * p)
        for (c, j) in active.enumerated() { for (r, i) in active.enumerated() { gpp[c * p + r] = state.gram[j * kc + i] } }
        // coef = G_PP⁻¹ A_Pᵀ J
        var coef = [Double](repeating: 0, count: p * np)
        cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, Int32(p), Int32(np), Int32(ng), 1, ap, Int32(ng), jac, Int32(ng), 0, &coef, Int32(p))
        let info = LAPACKE_dposv(LAPACK_COL_MAJOR, Int8(UInt8(ascii: "U")), Int32(p), Int32(np), &gpp, Int32(p), &coef, Int32(p))
        guard info == 0 else { return }
        cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, Int32(ng), Int32(np), Int32(p), -1, ap, Int32(ng), coef, Int32(p), 1, &jac, Int32(ng))
    }

    /// Levenberg–Marquardt over the nonlinear parameters; `start` becomes the solution.
    /// `candidates`: templates to try first in the NNLS (nil = all; see `evaluate`).
    func levenbergMarquardt(flux: [Double], good: [Bool], start theta: inout [Double], candidates: [Int]? = nil) throws -> (FitState, Int, Bool) {
        let index = good.indices.filter { good[$0] }
        let np = parameterCount
        guard index.count > np + k + 10 else { throw FitFailure("only \(index.count) good pixels for \(np + k) parameters") }
        theta = clamp(theta)
        var state = try evaluate(theta, flux: flux, index: index, candidates: candidates)
        var lambda = 1e-3
        var iterations = 0, converged = false
        let ng = index.count
        while iterations < options.maxIterations {
            iterations += 1
            let jac = jacobian(theta, state: state, index: index)
            let res = index.map { (state.model[$0] - flux[$0]) / spectrum.noise[$0] }
            var jtj = [Double](repeating: 0, count: np * np), jtr = [Double](repeating: 0, count: np)
            cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, Int32(np), Int32(ng), 1, jac, Int32(ng), 0, &jtj, Int32(np))
            cblas_dgemv(CblasColMajor, CblasTrans, Int32(ng), Int32(np), 1, jac, Int32(ng), res, 1, 0, &jtr, 1)
            var accepted = false
            while lambda < 1e10 {
                var m = jtj, rhs = jtr.map { -$0 }
                for p in 0..<np { m[p * np + p] += lambda * max(jtj[p * np + p], 1e-12) }
                let info = LAPACKE_dposv(LAPACK_COL_MAJOR, Int8(UInt8(ascii: "U")), Int32(np), 1, &m, Int32(np), &rhs, Int32(np))
                if info != 0 || !rhs.allSatisfy(\.isFinite) { lambda *= 10; continue }
                let trial = clamp(zip(theta, rhs).map(+))
                let s = try evaluate(trial, flux: flux, index: index, candidates: activeTemplates(state))
                if s.chi2 < state.chi2 {
                    let gain = state.chi2 - s.chi2
                    theta = trial
                    state = s
                    lambda = max(lambda / 10, 1e-7)
                    accepted = true
                    if gain < 1e-4 + 1e-8 * s.chi2 { converged = true }
                    break
                }
                lambda *= 10
            }
            // No downhill step at any damping: the minimum is reached to rounding.
            if !accepted { converged = true }
            if converged { break }
        }
        if !state.x.prefix(stellarCount).contains(where: { $0 > 0 }) { throw FitFailure("all stellar template weights are zero") }
        return (state, iterations, converged)
    }

    /// Templates with a positive weight.
    func activeTemplates(_ state: FitState) -> [Int] { (0..<k).filter { state.x[$0] > 0 } }

    /// The mask after one clipping round: pixels of `initial` whose residual lies within
    /// clipSigma robust standard deviations (1.4826 × MAD over the `current` pixels).
    func clipMask(flux: [Double], model: [Double], initial: [Bool], current: [Bool]) -> [Bool] {
        let r = (0..<n).map { (flux[$0] - model[$0]) / spectrum.noise[$0] }
        let cur = (0..<n).filter { current[$0] }.map { r[$0] }.sorted()
        guard !cur.isEmpty else { return current }
        let med = cur[cur.count / 2]
        let dev = cur.map { abs($0 - med) }.sorted()
        let sigma = 1.4826 * dev[dev.count / 2]
        return (0..<n).map { initial[$0] && abs(r[$0] - med) <= options.clipSigma * sigma }
    }

    func result(state: FitState, theta: [Double], good: [Bool], iterations: Int, converged: Bool) -> FitResult {
        let w = Array(state.x.prefix(stellarCount))
        let sum = w.reduce(0, +)
        let logAge = w.indices.reduce(0.0) { $0 + w[$1] * templates.logAgeYr($1) } / sum
        let met = w.indices.reduce(0.0) { $0 + w[$1] * templates.metallicities[$1] } / sum
        // Gas weights are line fluxes in (fitted flux units) × pixels; × P at the line, the
        // median the spectrum was divided by, and the pixel width in Å in the observed frame.
        let gasFluxes = gasLines.enumerated().map { g, line -> Double in
            let vac = AirVacuum.vacuum(fromAir: line.strongestAirAngstrom)
            let p = min(max(Int(((log(vac) - spectrum.lnLambdaStart) / spectrum.lnStep).rounded()), 0), n - 1)
            let observed = vac * (1 + spectrum.redshift) * (1 + theta[kinCount] * vs / PreparedTemplates.cKms)
            return state.x[stellarCount + g] * state.poly[p] * spectrum.fluxScale * observed * spectrum.lnStep
        }
        let ng = good.filter { $0 }.count
        let linear = state.x.prefix(k).filter { $0 > 0 }.count + (apoly.map { $0.degree + 1 } ?? 0)
        let dof = max(1, ng - parameterCount - linear)
        return FitResult(velocityKms: theta[0] * vs, sigmaKms: theta[1] * vs,
                         gasVelocityKms: gasKinCount > 0 ? theta[kinCount] * vs : .nan,
                         gasSigmaKms: gasKinCount > 0 ? theta[kinCount + 1] * vs : .nan,
                         h3: kinCount == 4 ? theta[2] : 0, h4: kinCount == 4 ? theta[3] : 0,
                         weights: w, gasLines: gasLines, gasFluxes: gasFluxes, logAgeYr: logAge, metallicity: met,
                         chi2: state.chi2, chi2PerDof: state.chi2 / Double(dof), goodPixels: ng,
                         iterations: iterations, converged: converged, model: state.model, good: good, parameters: theta)
    }
}

