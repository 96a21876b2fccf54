import COpenBLAS
import Foundation

/// The model at one set of nonlinear parameters, with its NNLS solution.
struct FitState {
    var chi2: Double
    /// Template weights, then additive-polynomial coefficients (every template, zeros included).
    var x: [Double]
    /// P·S + additive polynomial, every fitted pixel.
    var model: [Double]
    /// S = Σ w_k (T_k ⊛ L), every fitted pixel (gas templates included: P multiplies them too).
    var stellar: [Double]
    /// The multiplicative polynomial P.
    var poly: [Double]
    /// Indices into `x` of the design matrix's columns: the templates the NNLS was solved over,
    /// then the additive-polynomial terms.
    var used: [Int]
    /// The noise-weighted design matrix over the good pixels (ng × used.count) and its Gram matrix.
    var design: [Double]
    var gram: [Double]
}

extension GalaxyFitter {
    /// Sets the LOSVD transform L̂ for `theta`; every convolved column becomes stale.
    func setLOSVD(_ theta: [Double]) {
        lre.withUnsafeMutableBufferPointer { lr in lim.withUnsafeMutableBufferPointer { li in
            losvd(theta).transform(fft, re: lr.baseAddress!, im: li.baseAddress!)
        } }
        if gasKinCount > 0 {
            gre.withUnsafeMutableBufferPointer { gr in gim.withUnsafeMutableBufferPointer { gi in
                gasLOSVD(theta).transform(fft, re: gr.baseAddress!, im: gi.baseAddress!)
            } }
        }
        columnFresh.withUnsafeMutableBufferPointer { $0.update(repeating: false) }
    }

    /// columns[kk] = (T_kk ⊛ L)(fitted pixels) for the templates of `set` not yet convolved
    /// with the current L̂ (the gas LOSVD for gas templates), by a product of transforms and
    /// one inverse FFT each.
    func convolve(_ set: [Int]) {
        let nf = self.nf, n = self.n, off = self.off, stellarCount = self.stellarCount
        lre.withUnsafeBufferPointer { slr in lim.withUnsafeBufferPointer { sli in
        gre.withUnsafeBufferPointer { glr in gim.withUnsafeBufferPointer { gli in
            pre.withUnsafeMutableBufferPointer { pr in pim.withUnsafeMutableBufferPointer { pi in
                tre.withUnsafeBufferPointer { tr in tim.withUnsafeBufferPointer { ti in
                    buffer.withUnsafeMutableBufferPointer { buf in columns.withUnsafeMutableBufferPointer { col in
                        for kk in set where !columnFresh[kk] {
                            let a = tr.baseAddress! + kk &* nf, b = ti.baseAddress! + kk &* nf
                            let (lr, li) = kk < stellarCount ? (slr, sli) : (glr, gli)
                            for f in 0..<nf {
                                pr[f] = a[f] * lr[f] - b[f] * li[f]
                                pi[f] = a[f] * li[f] + b[f] * lr[f]
                            }
                            fft.inverse(re: pr.baseAddress!, im: pi.baseAddress!, into: buf.baseAddress!)
                            (col.baseAddress! + kk &* n).update(from: buf.baseAddress! + off, count: n)
                            columnFresh[kk] = true
                        }
                    } }
                } }
            } }
        } }
        } }
    }

    /// Convolves at `theta` and solves the weights by NNLS over the pixels `index`.
    ///
    /// Convolving every template costs one inverse FFT each, yet only a handful end up with a
    /// positive weight. So the NNLS is first solved over `candidates` (the templates active at
    /// the previous solution); the Karush–Kuhn–Tucker condition of the full problem is then
    /// checked for all the others at once: their gradients ⟨A_k, b − Ax⟩ are correlations of
    /// the weighted residual with T_k ⊛ L, which by Parseval cost one forward FFT of the
    /// residual and a matrix–vector product with the template transforms. Templates with a
    /// positive gradient join the set and the NNLS is solved again. The result is the NNLS
    /// solution over all templates (the problem is convex), at a fraction of the FFTs.
    /// With regularisation, which couples neighbouring weights, all templates are always used.
    func evaluate(_ theta: [Double], flux: [Double], index: [Int], candidates: [Int]? = nil) throws -> FitState {
        setLOSVD(theta)
        let pv = polynomial(theta)
        let ng = index.count
        let na = apoly.map { $0.degree + 1 } ?? 0
        let noise = spectrum.noise
        let pw = index.map { pv[$0] / noise[$0] }
        let b = index.map { flux[$0] / noise[$0] }
        var set = regularisationGram == nil ? (candidates ?? Array(0..<k)).sorted() : Array(0..<k)
        if set.isEmpty { set = Array(0..<k) }
        while true {
            convolve(set)
            let ks = set.count, kc = ks + na
            var a = [Double](repeating: 0, count: ng * kc)
            a.withUnsafeMutableBufferPointer { ap in columns.withUnsafeBufferPointer { cp in index.withUnsafeBufferPointer { ix in
                for (c, kk) in set.enumerated() {
                    let dst = ap.baseAddress! + c &* ng, src = cp.baseAddress! + kk &* n
                    for r in 0..<ng { dst[r] = pw[r] * src[ix[r]] }
                }
                if let ab = apoly {
                    for j in 0..<na {
                        let dst = ap.baseAddress! + (ks + j) &* ng
                        for r in 0..<ng { dst[r] = ab.values[j][ix[r]] / noise[ix[r]] }
                    }
                }
            } } }
            var g = [Double](repeating: 0, count: kc * kc), h = [Double](repeating: 0, count: kc)
            NNLS.gram(a: a, rows: ng, columns: kc, b: b, g: &g, h: &h)
            if let reg = regularisationGram {   // set is every template, the stellar ones first
                let st = stellarCount
                for j in 0..<st { for i in 0..<st { g[j * kc + i] += reg[j * st + i] } }
            }
            let sol = NNLS.solve(gram: g, atb: h, count: kc, free: Set(ks..<kc))
            var x = [Double](repeating: 0, count: k + na)
            for (c, kk) in set.enumerated() { x[kk] = sol.x[c] }
            for j in 0..<na { x[k + j] = sol.x[ks + j] }
            var stellar = [Double](repeating: 0, count: n)
            for kk in set where x[kk] != 0 {
                columns.withUnsafeBufferPointer { cp in cblas_daxpy(Int32(n), x[kk], cp.baseAddress! + kk * n, 1, &stellar, 1) }
            }
            var model = (0..<n).map { pv[$0] * stellar[$0] }
            if let ab = apoly { for j in 0..<na where x[k + j] != 0 { for i in 0..<n { model[i] += x[k + j] * ab.values[j][i] } } }
            var chi2 = 0.0
            for i in index { let r = (model[i] - flux[i]) / noise[i]; chi2 += r * r }
            guard chi2.isFinite else { throw FitFailure("the model is not finite") }
            let state = FitState(chi2: chi2, x: x, model: model, stellar: stellar, poly: pv,
                                 used: set + (0..<na).map { k + $0 }, design: a, gram: g)
            if ks == k { return state }
            let gradient = residualGradient(model: model, flux: flux, poly: pv, index: index)
            let tol = 1e-10 * max(h.map(abs).max() ?? 0, 1e-300)
            let inSet = Set(set)
            let joining = (0..<k).filter { !inSet.contains($0) && gradient[$0] > tol }
            if joining.isEmpty { return state }
            set = (set + joining).sorted()
        }
    }

    /// ⟨A_k, b − Ax⟩ for every template k: Σ_i (T_k ⊛ L)(i)·u_i with u_i = P_i (flux_i −
    /// model_i)/noise_i² over the good pixels. By Parseval, Σ_j c_j u_j = (1/N) Σ_f Ĉ_f Û_f*,
    /// summed over the half spectrum with weight 2 except at f = 0 and N/2; with Ĉ = T̂_k L̂ this
    /// is Re(T̂_k Q), Q = L̂ Û*·weight/N, i.e. two products with the template transforms.
    func residualGradient(model: [Double], flux: [Double], poly pv: [Double], index: [Int]) -> [Double] {
        let noise = spectrum.noise, nf = self.nf, nfft = fft.n
        let off = self.off
        buffer.withUnsafeMutableBufferPointer { bp in pre.withUnsafeMutableBufferPointer { pr in pim.withUnsafeMutableBufferPointer { pi in
            bp.update(repeating: 0)
            for i in index { bp[off &+ i] = pv[i] * (flux[i] - model[i]) / (noise[i] * noise[i]) }
            fft.forward(bp.baseAddress!, count: nfft, re: pr.baseAddress!, im: pi.baseAddress!)
        } } }
        var gradient = [Double](repeating: 0, count: k)
        // Stellar templates with the stellar L̂, gas templates with the gas one.
        for (range, lre, lim) in [(0..<stellarCount, lre, lim), (stellarCount..<k, gre, gim)] where !range.isEmpty {
            var qre = [Double](repeating: 0, count: nf), qim = qre
            let scale = 2 / Double(nfft)
            for f in 0..<nf {
                let w = f == 0 || f == nf - 1 ? scale / 2 : scale
                let lr = lre[f], li = lim[f], ur = pre[f], ui = pim[f]
                qre[f] = w * (lr * ur + li * ui)
                qim[f] = w * (li * ur - lr * ui)
            }
            let first = range.lowerBound * nf, count = Int32(range.count)
            gradient.withUnsafeMutableBufferPointer { gp in tre.withUnsafeBufferPointer { tr in tim.withUnsafeBufferPointer { ti in
                let g = gp.baseAddress! + range.lowerBound
                cblas_dgemv(CblasColMajor, CblasTrans, Int32(nf), count, 1, tr.baseAddress! + first, Int32(nf), qre, 1, 0, g, 1)
                cblas_dgemv(CblasColMajor, CblasTrans, Int32(nf), count, -1, ti.baseAddress! + first, Int32(nf), qim, 1, 1, g, 1)
            } } }
        }
        return gradient
    }
}
