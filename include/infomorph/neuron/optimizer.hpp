#pragma once
/// \file
/// Optimisers for parameters stored contiguously. Both *minimise*: pass -dG/dw to ascend a
/// goal. Semantics of torch.optim.Adam and torch.optim.SGD (weight decay coupled: added to the
/// gradient before the moments, not decoupled as AdamW).

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <stdexcept>
#include <vector>

#include <xsimd/xsimd.hpp>

#include "infomorph/error.hpp"
#include "infomorph/detail/parallel.hpp"
#include "infomorph/detail/simd.hpp"

namespace infomorph::optimizer {

/// Adam (torch.optim.Adam semantics, coupled L2 weight decay); minimises, so pass scale = -1 to ascend a goal.
struct adam {
    /// Learning rate.
    double lr = 1e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 0.0;

    /// The moments of one parameter block; sized on the first step.
    struct state {
        /// First moment per parameter.
        std::vector<double> m, v;
        /// The number of steps taken (for the bias corrections).
        long long step = 0;
    };
    /// \var adam::state::v
    /// Second moment per parameter.

    /// One step on n parameters w with gradient scale * g (of the loss to minimise; scale = -1
    /// ascends a goal without a negated copy of g). Element-wise, so cutting the parameters
    /// into fixed blocks over `threads` gives the same numbers for any thread count.
    template <class Real>
    void step(Real* w, const Real* g, std::size_t n, state& s, double scale = 1.0, std::size_t threads = 1) const {
        in_blocks(s, n, threads, [&](std::size_t i0, std::size_t c, double* m, double* v, const std::array<double, 2>& size) {
            update(w + i0, g + i0, m, v, c, scale, size[0], size[1]);
        });
    }

    /// The same step on the n parameters w[at[0]], ..., w[at[n - 1]] of a larger array (the live
    /// weights of sparse connections) with gradient scale * g[at[e]]: the numbers of step() on
    /// copies of them, copied in and out 256 at a time, in parallel as step().
    template <class Real>
    void step_at(Real* w, const Real* g, const std::size_t* at, std::size_t n, state& s, double scale = 1.0,
                 std::size_t threads = 1) const {
        in_blocks(s, n, threads, [&](std::size_t i0, std::size_t c, double* m, double* v, const std::array<double, 2>& size) {
            update_at(w, g, at + i0, m, v, c, scale, size[0], size[1]);
        });
    }

    /// step_at() with the gradient in the order of `at`: scale * g[e] for w[at[e]] (a layer's
    /// gradient of sparse connections in gradient_form::live). The same numbers as step_at().
    template <class Real>
    void step_live(Real* w, const Real* g, const std::size_t* at, std::size_t n, state& s, double scale = 1.0,
                   std::size_t threads = 1) const {
        in_blocks(s, n, threads, [&](std::size_t i0, std::size_t c, double* m, double* v, const std::array<double, 2>& size) {
            update_live(w, g + i0, at + i0, m, v, c, scale, size[0], size[1]);
        });
    }

private:
    static constexpr std::size_t block = 16384, chunk = 256;

    // Starts a step on n parameters, then fn(first, count, m + first, v + first, start_step's
    // sizes) for the blocks of `block` parameters, in parallel.
    template <class Fn>
    void in_blocks(state& s, std::size_t n, std::size_t threads, Fn&& fn) const {
        const std::array<double, 2> size = start_step(s, n);
        double* m = s.m.data();
        double* v = s.v.data();
        detail::parallel_blocks(threads, (n + block - 1) / block, [&](std::size_t b) {
            const std::size_t i0 = b * block;
            fn(i0, std::min(block, n - i0), m + i0, v + i0, size);
        });
    }

    // Sizes the moments on the first step and counts the step; returns lr / (1 - beta1^t) and
    // (1 - beta2^t)^(1/2).
    std::array<double, 2> start_step(state& s, std::size_t n) const {
        if (s.m.size() != n) {
            if (s.step != 0) throw error("adam state belongs to a different parameter size");
            s.m.assign(n, 0.0);
            s.v.assign(n, 0.0);
        }
        ++s.step;
        const double bias1 = 1.0 - std::pow(beta1, static_cast<double>(s.step));
        const double bias2 = 1.0 - std::pow(beta2, static_cast<double>(s.step));
        return {lr / bias1, std::sqrt(bias2)};
    }

    // update() on copies of the listed parameters, a chunk at a time: the same code on the
    // same chunks as step() on copies of them, so the same bits (a compiler may contract the
    // arithmetic differently in vectorised and scalar loops).
    template <class Real>
    void update_at(Real* w, const Real* g, const std::size_t* at, double* m, double* v, std::size_t n, double scale,
                   double step_size, double root_bias2) const noexcept {
        alignas(64) std::array<Real, chunk> wc, gc;
        for (std::size_t i0 = 0; i0 < n; i0 += chunk) {
            const std::size_t c = std::min(chunk, n - i0);
            const std::size_t* ac = at + i0;
            for (std::size_t i = 0; i < c; ++i) {
                wc[i] = w[ac[i]];
                gc[i] = g[ac[i]];
            }
            update(wc.data(), gc.data(), m + i0, v + i0, c, scale, step_size, root_bias2);
            for (std::size_t i = 0; i < c; ++i) w[ac[i]] = wc[i];
        }
    }

    // update_at() with the gradient already in the order of `at`.
    template <class Real>
    void update_live(Real* w, const Real* g, const std::size_t* at, double* m, double* v, std::size_t n, double scale,
                     double step_size, double root_bias2) const noexcept {
        alignas(64) std::array<Real, chunk> wc;
        for (std::size_t i0 = 0; i0 < n; i0 += chunk) {
            const std::size_t c = std::min(chunk, n - i0);
            const std::size_t* ac = at + i0;
            for (std::size_t i = 0; i < c; ++i) wc[i] = w[ac[i]];
            update(wc.data(), g + i0, m + i0, v + i0, c, scale, step_size, root_bias2);
            for (std::size_t i = 0; i < c; ++i) w[ac[i]] = wc[i];
        }
    }

    // In chunks, three loops: the moments, their square roots, the weights. std::sqrt may set
    // errno, which keeps a compiler from vectorising a loop that calls it; xsimd's sqrt is the
    // same correctly rounded square root on whole registers. The other two loops are the
    // original expressions, so every value keeps its bits (the compiler contracts them the same).
    // One body for step() and step_at(): inlined into each, the compiler may contract and
    // vectorise the expressions differently, and the two would differ in the last bits.
    template <class Real>
    INFOMORPH_NOINLINE void update(Real* w, const Real* g, double* m, double* v, std::size_t n, double scale, double step_size,
                double root_bias2) const noexcept {
        using batch = xsimd::batch<double>;
        alignas(64) std::array<double, chunk> root;
        for (std::size_t i0 = 0; i0 < n; i0 += chunk) {
            const std::size_t c = std::min(chunk, n - i0);
            Real* __restrict wc = w + i0;
            const Real* __restrict gc = g + i0;
            double* __restrict mc = m + i0;
            double* __restrict vc = v + i0;
            for (std::size_t i = 0; i < c; ++i) {
                const double grad = scale * static_cast<double>(gc[i]) + weight_decay * static_cast<double>(wc[i]);
                mc[i] = beta1 * mc[i] + (1.0 - beta1) * grad;
                vc[i] = beta2 * vc[i] + (1.0 - beta2) * grad * grad;
            }
            std::size_t i = 0;
            for (; i + batch::size <= c; i += batch::size) xsimd::sqrt(batch::load_unaligned(vc + i)).store_aligned(root.data() + i);
            for (; i < c; ++i) root[i] = std::sqrt(vc[i]);
            for (std::size_t j = 0; j < c; ++j) {
                const double denom = root[j] / root_bias2 + eps;
                wc[j] = static_cast<Real>(static_cast<double>(wc[j]) - step_size * mc[j] / denom);
            }
        }
    }
};
/// \var adam::beta1
/// Decay rate of the first moment.
/// \var adam::beta2
/// Decay rate of the second moment.
/// \var adam::eps
/// Added to the denominator sqrt(v) / (1 - beta2^t)^(1/2).
/// \var adam::weight_decay
/// L2 weight decay, added to the gradient before the moments (coupled).

/// Plain gradient descent (torch.optim.SGD without momentum, coupled L2 weight decay).
struct sgd {
    /// Learning rate.
    double lr = 1e-2, weight_decay = 0.0;
    /// SGD keeps no state.
    struct state {};

    /// The same call as adam::step (see optimizer_policy in neuron/concepts.hpp): a step on
    /// scale * g, element-wise over fixed blocks, so the numbers do not depend on `threads`.
    template <class Real>
    void step(Real* w, const Real* g, std::size_t n, state&, double scale = 1.0, std::size_t threads = 1) const {
        constexpr std::size_t block = 16384;
        detail::parallel_blocks(threads, (n + block - 1) / block, [&](std::size_t b) {
            const std::size_t end = std::min(n, (b + 1) * block);
            for (std::size_t i = b * block; i < end; ++i)
                w[i] = static_cast<Real>(static_cast<double>(w[i]) -
                                         lr * (scale * static_cast<double>(g[i]) + weight_decay * static_cast<double>(w[i])));
        });
    }
};
/// \var sgd::weight_decay
/// L2 weight decay, added to the gradient.

}  // namespace infomorph::optimizer
