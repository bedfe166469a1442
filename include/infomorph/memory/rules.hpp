#pragma once
/// \file
/// The classical learning rules the infomorphic memory is compared with (paper_hopfield/src/
/// hopfield.py, mpf.py, tolmachev.py at commit ecc3d7e). Each takes the patterns [P x N]
/// (+1/-1) and returns the weights (and biases) of a sign-update Hopfield network
/// (update_rule::sign_keep).

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

#include <xtensor/xtensor.hpp>

#include "infomorph/error.hpp"
#include "infomorph/detail/blas.hpp"
#include "infomorph/memory/patterns.hpp"

namespace infomorph::memory {

/// The weights and biases a classical rule learns, for recall with update_rule::sign_keep.
struct hopfield_weights {
    matrix weights;            ///< [N x N], zero diagonal
    std::vector<float> bias;   ///< empty or N
};

/// Hebb: W = sum_mu xi^mu xi^mu^T with zero diagonal. Unscaled, as the authors' hebb(): the
/// textbook 1/N does not change sign dynamics, and integer sums keep the fields' ties (h = 0,
/// which keep the state) exact in float.
inline hopfield_weights hebb(const matrix& patterns) {
    const std::size_t p = patterns.shape()[0], n = patterns.shape()[1];
    hopfield_weights w{matrix::from_shape({n, n}), {}};
    detail::gemm<float>(true, false, n, n, p, 1.0f, patterns.data(), n, patterns.data(), n, 0.0f, w.weights.data(), n);
    for (std::size_t i = 0; i < n; ++i) w.weights(i, i) = 0.0f;
    return w;
}

// Minimum probability flow (Hillar, Sohl-Dickstein & Koepsell 2012) for bipolar states with
// symmetric W (zero diagonal) and bias b, fields h_i = sum_j W_ij s_j + b_i:
//   K(W, b) = (1/P) sum_mu sum_i exp(-xi_i^mu h_i^mu),
// the flow out of every pattern into its one-bit flips (E(s) - E(s^i) = -2 s_i h_i, halved).
// The authors' mpf.py minimises the same flow written for 0/1 states (J = 2W, a shifted
// bias); the minimisers correspond, the descent paths differ by that change of variables.
// Exponents are clipped to [-40, 40] as there.
/// Settings of mpf(): the step size and number of epochs of full-batch gradient descent on K.
struct mpf_options {
    /// The step size.
    double lr = 0.01;
    /// The number of full-batch descent steps.
    std::size_t epochs = 5000;
};

namespace mpf_detail {
inline double clip(double f) { return std::clamp(f, -40.0, 40.0); }
}  // namespace mpf_detail

/// The MPF flow K(W, b) = (1/P) sum_mu sum_i exp(-xi_i^mu h_i^mu) and, where dw and db are given, its gradient
/// (dW[i][j], i != j, = dK/dW_ij for the symmetric pair moved together).
inline double mpf_objective(const matrix& patterns, const matrix& w, const std::vector<double>& b, matrix* dw = nullptr,
                            std::vector<double>* db = nullptr) {
    const std::size_t p = patterns.shape()[0], n = patterns.shape()[1];
    matrix field = matrix::from_shape({p, n});
    detail::gemm<float>(false, true, p, n, n, 1.0f, patterns.data(), n, w.data(), n, 0.0f, field.data(), n);
    matrix a = matrix::from_shape({p, n});  // a = exp(-xi h) * xi
    double k_sum = 0;
    for (std::size_t m = 0; m < p; ++m)
        for (std::size_t i = 0; i < n; ++i) {
            const double e = std::exp(mpf_detail::clip(-patterns(m, i) * (static_cast<double>(field(m, i)) + b[i])));
            k_sum += e;
            a(m, i) = static_cast<float>(e * patterns(m, i));
        }
    const double scale = 1.0 / static_cast<double>(p);
    if (dw) {
        // dK/dW_ij = -(1/P) sum_mu (a_mu_i xi_mu_j + a_mu_j xi_mu_i)
        matrix g = matrix::from_shape({n, n});
        detail::gemm<float>(true, false, n, n, p, 1.0f, a.data(), n, patterns.data(), n, 0.0f, g.data(), n);
        *dw = matrix::from_shape({n, n});
        for (std::size_t i = 0; i < n; ++i)
            for (std::size_t j = 0; j < n; ++j)
                (*dw)(i, j) = i == j ? 0.0f : static_cast<float>(-scale * (static_cast<double>(g(i, j)) + g(j, i)));
    }
    if (db) {
        db->assign(n, 0.0);
        for (std::size_t m = 0; m < p; ++m)
            for (std::size_t i = 0; i < n; ++i) (*db)[i] -= scale * a(m, i);
    }
    return k_sum * scale;
}

/// Minimum probability flow (Hillar, Sohl-Dickstein & Koepsell 2012): descends mpf_objective K; throws infomorph::error unless o.lr > 0.
/// Full-batch gradient descent from W = 0, b = 0 (the authors' binary_mpf starts there too).
inline hopfield_weights mpf(const matrix& patterns, const mpf_options& o = {}) {
    if (!(o.lr > 0)) throw error("the MPF learning rate must be positive");
    const std::size_t n = patterns.shape()[1];
    matrix w = xt::zeros<float>({n, n}), dw;
    std::vector<double> b(n, 0.0), db;
    for (std::size_t e = 0; e < o.epochs; ++e) {
        mpf_objective(patterns, w, b, &dw, &db);
        for (std::size_t i = 0; i < w.size(); ++i) w.data()[i] = static_cast<float>(w.data()[i] - o.lr * dw.data()[i]);
        for (std::size_t i = 0; i < n; ++i) b[i] -= o.lr * db[i];
    }
    hopfield_weights out{w, std::vector<float>(n)};
    for (std::size_t i = 0; i < n; ++i) out.bias[i] = static_cast<float>(b[i]);
    return out;
}

// Descent-L2 (Tolmachev & Manton 2020; the authors' tolmachev.descent_l2, non-incremental, with
// bias): for every neuron i independently, with u = (w_i, b_i), w_ii = 0 and h = w_i . xi + b_i,
//   minimise  1/2 sum_mu (lambda h^mu - xi_i^mu)^2 + alpha/2 |u|^2.
// A ridge regression: its unique minimiser solves (lambda^2 Z^T Z + alpha I) u = lambda Z^T y
// with Z = [xi_{j != i}, 1]; solved exactly here (Cholesky, double) where the authors run
// L-BFGS-B from zero with bounds |u| <= 100 (never active at these settings: |u| stays << 100).
/// Settings of descent_l2(): the objective's field scale lambda and L2 weight alpha.
struct descent_l2_options {
    /// The field scale lambda of the objective.
    double lambda = 0.5, alpha = 0.001;
};
/// \var descent_l2_options::alpha
/// The L2 weight alpha of the objective; must be positive.

/// Descent-L2 (Tolmachev & Manton 2020): each neuron's ridge-regression weights and bias, solved exactly; throws infomorph::error unless alpha > 0.
inline hopfield_weights descent_l2(const matrix& patterns, const descent_l2_options& o = {}) {
    if (!(o.alpha > 0)) throw error("Descent-L2 needs alpha > 0");
    const std::size_t p = patterns.shape()[0], n = patterns.shape()[1], d = n + 1;
    // Gram matrix of [xi, 1] and the right-hand sides, once for all neurons.
    std::vector<double> gram(d * d, 0.0);
    for (std::size_t m = 0; m < p; ++m)
        for (std::size_t a = 0; a < d; ++a) {
            const double xa = a < n ? patterns(m, a) : 1.0;
            for (std::size_t c = 0; c < d; ++c) gram[a * d + c] += xa * (c < n ? patterns(m, c) : 1.0);
        }
    hopfield_weights out{xt::zeros<float>({n, n}), std::vector<float>(n)};
    std::vector<double> l(n * n), rhs(n);
    std::vector<std::size_t> idx(n);
    for (std::size_t i = 0; i < n; ++i) {
        // The unknowns: w_ij for j != i, then b_i.
        for (std::size_t j = 0, k = 0; j < d; ++j)
            if (j != i) idx[k++] = j;
        for (std::size_t a = 0; a < n; ++a) {
            double r = 0;
            // Z^T y: sum_mu z_a xi_i; the Gram matrix already holds it (column i).
            r = gram[idx[a] * d + i];
            rhs[a] = o.lambda * r;
            for (std::size_t c = 0; c <= a; ++c)
                l[a * n + c] = o.lambda * o.lambda * gram[idx[a] * d + idx[c]] + (a == c ? o.alpha : 0.0);
        }
        // Cholesky L L^T of the positive definite system, in place (lower triangle).
        for (std::size_t a = 0; a < n; ++a) {
            for (std::size_t c = 0; c <= a; ++c) {
                double s = l[a * n + c];
                for (std::size_t k = 0; k < c; ++k) s -= l[a * n + k] * l[c * n + k];
                l[a * n + c] = a == c ? std::sqrt(s) : s / l[c * n + c];
            }
        }
        for (std::size_t a = 0; a < n; ++a) {  // L z = rhs
            double s = rhs[a];
            for (std::size_t k = 0; k < a; ++k) s -= l[a * n + k] * rhs[k];
            rhs[a] = s / l[a * n + a];
        }
        for (std::size_t a = n; a-- > 0;) {  // L^T u = z
            double s = rhs[a];
            for (std::size_t k = a + 1; k < n; ++k) s -= l[k * n + a] * rhs[k];
            rhs[a] = s / l[a * n + a];
        }
        for (std::size_t a = 0; a < n; ++a) {
            if (idx[a] == n) out.bias[i] = static_cast<float>(rhs[a]);
            else out.weights(i, idx[a]) = static_cast<float>(rhs[a]);
        }
    }
    return out;
}

/// The objective Descent-L2 minimises for neuron i (for tests against finite differences).
inline double descent_l2_objective(const matrix& patterns, std::size_t i, const std::vector<double>& w, double b,
                                   const descent_l2_options& o = {}) {
    const std::size_t p = patterns.shape()[0], n = patterns.shape()[1];
    double sum = 0, norm = b * b;
    for (std::size_t j = 0; j < n; ++j) norm += w[j] * w[j];
    for (std::size_t m = 0; m < p; ++m) {
        double h = b;
        for (std::size_t j = 0; j < n; ++j) h += w[j] * patterns(m, j);
        const double r = o.lambda * h - patterns(m, i);
        sum += r * r;
    }
    return 0.5 * sum + 0.5 * o.alpha * norm;
}

}  // namespace infomorph::memory
