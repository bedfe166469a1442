#pragma once
// Value and exact gradient of an infomorphic neuron's goal on one batch.
//
// The batch estimate is p(b, y) = (1/B) sum_k 1[b_k = b] theta_k(y), theta_k(+1) = theta_k,
// theta_k(-1) = 1 - theta_k, with b_k the tuple of bins of sample k's N class inputs. Bins are
// constants; theta carries the gradient. docs/goal.md derives what is computed here:
//
//   dG/dtheta_k = (1/B) sum_S Q_S[cell of b_k in S] + K,
//
// one table Q_S per source set S (filled from the same union probabilities as the value) and
// one constant K. The source marginals do not depend on theta, so only target-including
// quantities enter. Cost O(B 2^N |lattice|), memory O(B), no dense grid.
//
// Probabilities that are exactly zero (all samples of a union fire, or none does) contribute
// neither value nor gradient: 0 log 0 = 0 for the value, and their infinite log-derivative is
// dropped, as the authors' code drops such cells. Nothing else is regularised, so wherever all
// probabilities are positive the value is the exact I^sx goal and the gradient its exact
// derivative; no NaN or infinity can arise from theta in [0, 1].

#include <algorithm>
#include <array>
#include <cfloat>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "../detail/fast_log.hpp"
#include "../detail/grouping.hpp"
#include "../goal.hpp"
#include "../lattice.hpp"
#include "../pid/isx.hpp"

namespace infomorph {

template <std::size_t N>
struct goal_value {
    using lattice = redundancy_lattice<N>;
    double value = 0;                                // G
    std::array<double, lattice::size> atoms{};       // averaged atoms pi (total), canonical order
    std::array<double, lattice::size> redundancies{};  // averaged I^sx
    double mi = 0, h_target = 0, h_res = 0;
};

// One neuron at a time, reusing its buffers across calls.
template <std::size_t N>
class batch_goal_solver {
public:
    using lattice = redundancy_lattice<N>;
    static constexpr std::size_t size = lattice::size;

    // bins: source i of sample k at bins[k * bin_stride + i]; theta[k * theta_stride];
    // gradient (may be null) receives dG/dtheta_k at gradient[k * gradient_stride].
    template <class Real>
    goal_value<N> compute(const goal<N>& g, const std::uint32_t* bins, std::size_t bin_stride, const Real* theta,
                          std::size_t theta_stride, std::size_t batch, Real* gradient, std::size_t gradient_stride) {
        if (batch == 0) throw std::invalid_argument("infomorph: the batch is empty");
        batch_ = batch;
        load(bins, bin_stride, theta, theta_stride);
        build_groups();
        goal_value<N> out;
        evaluate(g, out);
        if (gradient != nullptr) {
            for (std::size_t k = 0; k < batch_; ++k) {
                double d = constant_;
                for (std::uint32_t s = 1; s <= lattice::full_set; ++s) d += q_[s][groups_[s].id[k]];
                gradient[k * gradient_stride] = static_cast<Real>(d * inv_batch_);
            }
        }
        return out;
    }

private:
    template <class Real>
    void load(const std::uint32_t* bins, std::size_t bin_stride, const Real* theta, std::size_t theta_stride) {
        for (std::size_t i = 0; i < N; ++i) {
            columns_[i].resize(batch_);
            for (std::size_t k = 0; k < batch_; ++k) columns_[i][k] = bins[k * bin_stride + i];
        }
        fire_.resize(batch_);
        rest_.resize(batch_);
        inv_batch_ = 1.0 / static_cast<double>(batch_);
        log2_batch_ = std::log2(static_cast<double>(batch_));
        for (std::size_t k = 0; k < batch_; ++k) {
            const double t = static_cast<double>(theta[k * theta_stride]);
            if (!(t >= 0.0 && t <= 1.0))
                throw std::invalid_argument("infomorph: sample " + std::to_string(k) + ": firing probability " +
                                            std::to_string(t) + " is not in [0, 1]");
            fire_[k] = t;
            rest_[k] = 1.0 - t;
        }
    }

    // Source sets only: the target is soft. Masses are kept unnormalised (counts and sums of
    // theta), the 1/B factors are applied where they do not cancel.
    void build_groups() {
        for (std::size_t v = 0; v < N; ++v) {
            std::uint32_t largest = 0;
            for (auto x : columns_[v]) largest = std::max(largest, x);
            builder_.combine(nullptr, 1, columns_[v].data(), std::size_t{largest} + 1, fire_.data(), batch_,
                             groups_[1u << v], false, rest_.data());
        }
        for (std::uint32_t m = 1; m <= lattice::full_set; ++m) {
            if ((m & (m - 1)) == 0) continue;
            const std::uint32_t high = 1u << (31 - std::countl_zero(m));
            const auto& rest = groups_[m & ~high];
            const auto& last = groups_[high];
            // Two or more sources: operands are gathered at the cells' rows (first).
            builder_.combine(rest.id.data(), rest.count(), last.id.data(), last.count(), fire_.data(), batch_,
                             groups_[m], true, rest_.data());
        }
    }

    static double log2_or_zero(double p) noexcept { return p > 0 ? std::log2(p) : 0.0; }

    void evaluate(const goal<N>& g, goal_value<N>& out) {
        const auto weight = g.redundancy_weights();
        double fire_total = 0, rest_total = 0;
        for (std::size_t k = 0; k < batch_; ++k) {
            fire_total += fire_[k];
            rest_total += rest_[k];
        }
        const double p_fire = fire_total * inv_batch_, p_rest = rest_total * inv_batch_;
        // sum_t p(t) log2 p(t) = -H(T)
        const double neg_h = (p_fire > 0 ? p_fire * std::log2(p_fire) : 0.0) + (p_rest > 0 ? p_rest * std::log2(p_rest) : 0.0);
        out.h_target = -neg_h;

        std::array<double, size> sums{};  // sum over cells of the log terms, in count units
        for (std::uint32_t s = 1; s <= lattice::full_set; ++s) q_[s].assign(groups_[s].count(), 0.0);
        for (std::uint32_t s = 1; s <= lattice::full_set; ++s) evaluate_support(s, weight, sums);

        // Masses are counts, logs are of probabilities: I = sums / B - sum_t p(t) log2 p(t).
        double weight_sum = g.gamma_res;
        for (std::size_t b = 0; b < size; ++b) {
            out.redundancies[b] = sums[b] * inv_batch_ - neg_h;
            weight_sum += weight[b];
        }
        for (std::size_t a = 0; a < size; ++a) {
            double s = 0;
            for (std::size_t b = 0; b < size; ++b) s += lattice::moebius[a][b] * out.redundancies[b];
            out.atoms[a] = s;
        }
        out.mi = out.redundancies[lattice::top];
        out.h_res = out.h_target - out.mi;
        out.value = g(out.atoms, out.h_res);
        // K = -(log2 p(+) - log2 p(-)) (sum_b weight_b + gamma_res), in units of 1/B; terms of
        // zero probability dropped.
        constant_ = -(log2_or_zero(p_fire) - log2_or_zero(p_rest)) * weight_sum;
    }

    // For every antichain with support S: the value's log terms, and the gradient tables.
    //   value:    sum over S-cells of  m+ log2 P+  +  m- log2 P-  -  m log2 P
    //   gradient: Q_S[cell]  += w (log2 P+ - log2 P-)
    //             Q_U[U-cell of the cell] += w c_U (m+/P+ - m-/P-) / ln 2   for each term U
    // Masses and union probabilities are in counts (the ratios are scale-free); logs of
    // probabilities are log2(count) - log2(B). Chunks of cells stay in L1, as in isx_solver.
    void evaluate_support(std::uint32_t s, const std::array<double, size>& weight, std::array<double, size>& sums) {
        const auto& chains = detail::antichains_by_support<N>::table[s];
        if (chains.count == 0) return;
        const auto& group = groups_[s];
        const std::size_t n = group.count();
        double* q = q_[s].data();
        constexpr double inv_ln2 = 1.4426950408889634;
        std::array<const double*, lattice::n_source_sets + 1> mf{}, mr{};
        std::array<double*, lattice::n_source_sets + 1> spread{};
        for (std::size_t c0 = 0; c0 < n; c0 += chunk) {
            const std::size_t len = std::min(chunk, n - c0);
            const std::uint32_t* first = group.first.data() + c0;
            for (std::uint32_t u = s; u != 0; u = (u - 1) & s) {
                if (u == s) {
                    mf[u] = groups_[s].mass.data() + c0;
                    mr[u] = groups_[s].mass2.data() + c0;
                    continue;
                }
                double* of = buffer(u, 1);
                double* orr = buffer(u, 2);
                double* sp = buffer(u, 3);
                const auto* id = groups_[u].id.data();
                const double* gf = groups_[u].mass.data();
                const double* gr = groups_[u].mass2.data();
                for (std::size_t i = 0; i < len; ++i) {
                    const auto cell = id[first[i]];
                    of[i] = gf[cell];
                    orr[i] = gr[cell];
                    sp[i] = 0.0;
                }
                mf[u] = of;
                mr[u] = orr;
                spread[u] = sp;
            }
            const double* mfs = mf[s];
            const double* mrs = mr[s];
            double* qs = q + c0;
            for (std::size_t k = 0; k < chains.count; ++k) {
                const std::size_t a = chains.index[k];
                const double w = weight[a];
                const auto& terms = detail::union_terms<N>::table[a];
                double* pf = work(1);
                double* pr = work(2);
                union_counts(terms, mf, mr, pf, pr, len);
                double* ratio = work(3);
                double* term = work(4);
                const double lb = log2_batch_;
                // One fused, vectorisable pass per antichain. Masses never exceed their union
                // (a cell lies in its own union), so where a union is empty its mass is zero:
                // clamping keeps logs and ratios finite and those terms vanish from the value;
                // the gradient's log terms are dropped there. P = P+ + P- (the union is linear
                // in the masses, and m = m+ + m- per cell).
                for (std::size_t i = 0; i < len; ++i) {
                    const double cf = std::max(pf[i], DBL_MIN), cr = std::max(pr[i], DBL_MIN);
                    const double lp = detail::log2_normal(std::max(pf[i] + pr[i], DBL_MIN));
                    const double lf = detail::log2_normal(cf), lr = detail::log2_normal(cr);
                    ratio[i] = w * inv_ln2 * (mfs[i] / cf - mrs[i] / cr);
                    term[i] = mfs[i] * (lf - lp) + mrs[i] * (lr - lp);
                    const double f = pf[i] > 0 ? lf - lb : 0.0;
                    const double r = pr[i] > 0 ? lr - lb : 0.0;
                    qs[i] += w * (f - r);
                }
                sums[a] += dot_ones(term, len);
                for (std::size_t t = 0; t < terms.count; ++t) {
                    const double c = terms.terms[t].coefficient;
                    const auto u = terms.terms[t].set;
                    double* dst = u == s ? qs : spread[u];
                    for (std::size_t i = 0; i < len; ++i) dst[i] += c * ratio[i];
                }
            }
            // Move the contributions of each proper subset U from S-cells to U-cells.
            for (std::uint32_t u = (s - 1) & s; u != 0; u = (u - 1) & s) {
                const auto* id = groups_[u].id.data();
                double* qu = q_[u].data();
                const double* sp = spread[u];
                for (std::size_t i = 0; i < len; ++i) qu[id[first[i]]] += sp[i];
            }
        }
    }

    // Sum with four independent partial sums (reproducible, and not latency-bound).
    static double dot_ones(const double* x, std::size_t len) noexcept {
        std::array<double, 4> acc{};
        std::size_t i = 0;
        for (; i + 4 <= len; i += 4)
            for (std::size_t j = 0; j < 4; ++j) acc[j] += x[i + j];
        for (; i < len; ++i) acc[i % 4] += x[i];
        return (acc[0] + acc[2]) + (acc[1] + acc[3]);
    }

    // Both unions at once: one pass per term over two streams.
    template <class Terms>
    static void union_counts(const Terms& terms, const std::array<const double*, lattice::n_source_sets + 1>& xf,
                             const std::array<const double*, lattice::n_source_sets + 1>& xr, double* __restrict of,
                             double* __restrict orr, std::size_t len) noexcept {
        {
            const double* f0 = xf[terms.terms[0].set];
            const double* r0 = xr[terms.terms[0].set];
            const double c0 = terms.terms[0].coefficient;
            for (std::size_t i = 0; i < len; ++i) {
                of[i] = c0 * f0[i];
                orr[i] = c0 * r0[i];
            }
        }
        for (std::size_t t = 1; t < terms.count; ++t) {
            const double* f = xf[terms.terms[t].set];
            const double* r = xr[terms.terms[t].set];
            const double c = terms.terms[t].coefficient;
            for (std::size_t i = 0; i < len; ++i) {
                of[i] += c * f[i];
                orr[i] += c * r[i];
            }
        }
    }

    static constexpr std::size_t chunk = 128;
    double* buffer(std::uint32_t set, std::size_t which) noexcept { return operands_.data() + (set * 4 + which) * chunk; }
    double* work(std::size_t which) noexcept { return scratch_.data() + which * chunk; }
    std::vector<double> operands_ = std::vector<double>((lattice::n_source_sets + 1) * 4 * chunk);
    std::vector<double> scratch_ = std::vector<double>(5 * chunk);

    std::size_t batch_ = 0;
    double inv_batch_ = 1, log2_batch_ = 0;
    double constant_ = 0;
    std::array<std::vector<std::uint32_t>, N> columns_{};
    std::vector<double> fire_, rest_;
    detail::group_builder builder_;
    std::array<detail::grouping, lattice::n_source_sets + 1> groups_{};
    std::array<std::vector<double>, lattice::n_source_sets + 1> q_{};
};

}  // namespace infomorph
