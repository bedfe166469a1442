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
        ones_.assign(batch_, 1.0);
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
            builder_.combine(nullptr, 1, columns_[v].data(), std::size_t{largest} + 1, ones_.data(), batch_,
                             groups_[1u << v], true);
        }
        for (std::uint32_t m = 1; m <= lattice::full_set; ++m) {
            if ((m & (m - 1)) != 0) {
                const std::uint32_t high = 1u << (31 - std::countl_zero(m));
                const auto& rest = groups_[m & ~high];
                const auto& last = groups_[high];
                builder_.combine(rest.id.data(), rest.count(), last.id.data(), last.count(), ones_.data(), batch_,
                                 groups_[m], true);
            }
            const auto& g = groups_[m];
            fire_mass_[m].assign(g.count(), 0.0);
            rest_mass_[m].assign(g.count(), 0.0);
            for (std::size_t k = 0; k < batch_; ++k) {
                fire_mass_[m][g.id[k]] += fire_[k];
                rest_mass_[m][g.id[k]] += rest_[k];
            }
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
    //   value:    sum_cells  m+ log2 P+  +  m- log2 P-  -  m log2 P
    //   gradient: Q_S[cell]  += w (log2 P+ - log2 P-)
    //             Q_U[U-cell of the cell] += w c_U (m+/P+ - m-/P-) / ln 2   for each term U
    // (m, P in counts; the ratios are scale-free.)
    void evaluate_support(std::uint32_t s, const std::array<double, size>& weight, std::array<double, size>& sums) {
        const auto& chains = detail::antichains_by_support<N>::table[s];
        if (chains.count == 0) return;
        const auto& group = groups_[s];
        const std::size_t n = group.count();
        for (std::uint32_t u = s; u != 0; u = (u - 1) & s) {
            if (u == s) continue;
            // Operands: the masses of U at each S-cell.
            auto gather = [&](const std::vector<double>& mass, std::vector<double>& out) {
                out.resize(n);
                const auto* id = groups_[u].id.data();
                for (std::size_t c = 0; c < n; ++c) out[c] = mass[id[group.first[c]]];
            };
            gather(groups_[u].mass, op_[u]);
            gather(fire_mass_[u], op_fire_[u]);
            gather(rest_mass_[u], op_rest_[u]);
            scatter_[u].assign(n, 0.0);
        }
        std::array<const double*, lattice::n_source_sets + 1> m{}, mf{}, mr{};
        for (std::uint32_t u = s; u != 0; u = (u - 1) & s) {
            m[u] = u == s ? group.mass.data() : op_[u].data();
            mf[u] = u == s ? fire_mass_[s].data() : op_fire_[u].data();
            mr[u] = u == s ? rest_mass_[s].data() : op_rest_[u].data();
        }
        p_.resize(n);
        pf_.resize(n);
        pr_.resize(n);
        ratio_.resize(n);
        double* q = q_[s].data();
        constexpr double inv_ln2 = 1.4426950408889634;
        for (std::size_t k = 0; k < chains.count; ++k) {
            const std::size_t a = chains.index[k];
            const double w = weight[a];
            const auto& terms = detail::union_terms<N>::table[a];
            std::fill(p_.begin(), p_.end(), 0.0);
            std::fill(pf_.begin(), pf_.end(), 0.0);
            std::fill(pr_.begin(), pr_.end(), 0.0);
            for (std::size_t t = 0; t < terms.count; ++t) {
                const double c = terms.terms[t].coefficient;
                const auto u = terms.terms[t].set;
                for (std::size_t i = 0; i < n; ++i) {
                    p_[i] += c * m[u][i];
                    pf_[i] += c * mf[u][i];
                    pr_[i] += c * mr[u][i];
                }
            }
            // ratio = m+/P+ - m-/P- (zero where a probability is zero); logs of zero count as 0.
            const double* ms = group.mass.data();
            const double* mfs = fire_mass_[s].data();
            const double* mrs = rest_mass_[s].data();
            double value = 0;
            for (std::size_t i = 0; i < n; ++i) {
                // Logs of probabilities (counts / B): a dropped zero term must not leave a
                // log2 B behind in the gradient.
                const double lf = pf_[i] > 0 ? std::log2(pf_[i]) - log2_batch_ : 0.0;
                const double lr = pr_[i] > 0 ? std::log2(pr_[i]) - log2_batch_ : 0.0;
                const double lp = p_[i] > 0 ? std::log2(p_[i]) - log2_batch_ : 0.0;
                value += mfs[i] * lf + mrs[i] * lr - ms[i] * lp;
                q[i] += w * (lf - lr);
                ratio_[i] = w * inv_ln2 * ((pf_[i] > 0 ? mfs[i] / pf_[i] : 0.0) - (pr_[i] > 0 ? mrs[i] / pr_[i] : 0.0));
            }
            sums[a] += value;
            for (std::size_t t = 0; t < terms.count; ++t) {
                const double c = terms.terms[t].coefficient;
                const auto u = terms.terms[t].set;
                double* dst = u == s ? q : scatter_[u].data();
                for (std::size_t i = 0; i < n; ++i) dst[i] += c * ratio_[i];
            }
        }
        // Move the per-S-cell contributions of each proper subset U to U's cells.
        for (std::uint32_t u = s; u != 0; u = (u - 1) & s) {
            if (u == s) continue;
            const auto* id = groups_[u].id.data();
            double* qu = q_[u].data();
            for (std::size_t c = 0; c < n; ++c) qu[id[group.first[c]]] += scatter_[u][c];
        }
    }

    std::size_t batch_ = 0;
    double inv_batch_ = 1, log2_batch_ = 0;
    double constant_ = 0;
    std::array<std::vector<std::uint32_t>, N> columns_{};
    std::vector<double> fire_, rest_, ones_;
    detail::group_builder builder_;
    std::array<detail::grouping, lattice::n_source_sets + 1> groups_{};
    std::array<std::vector<double>, lattice::n_source_sets + 1> fire_mass_{}, rest_mass_{}, q_{}, op_{}, op_fire_{},
        op_rest_{}, scatter_{};
    std::vector<double> p_, pf_, pr_, ratio_;
};

}  // namespace infomorph
