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
    // probabilities are log2(count) - log2(B). Cell-major over SIMD batches of cells: each
    // batch's operands are loaded once, every antichain's unions, logs and ratios stay in
    // registers, and the gradient tables are written once per batch of cells.
    void evaluate_support(std::uint32_t s, const std::array<double, size>& weight, std::array<double, size>& sums) {
        using batch_t = xsimd::batch<double>;
        constexpr std::size_t lanes = batch_t::size;
        const auto& chains = detail::antichains_by_support<N>::table[s];
        if (chains.count == 0) return;
        const auto& group = groups_[s];
        const std::size_t n = group.count();
        const std::size_t padded = (n + lanes - 1) / lanes * lanes;

        // Subsets of S in increasing mask order (S itself last) and their positions.
        std::array<std::uint32_t, lattice::n_source_sets> subsets{};
        std::array<std::size_t, lattice::n_source_sets + 1> position{};
        std::size_t n_subsets = 0;
        for (std::uint32_t u = 1; u <= s; ++u)
            if ((u & ~s) == 0) {
                position[u] = n_subsets;
                subsets[n_subsets++] = u;
            }
        // Operands per subset, padded with zero mass (padding cells contribute nothing).
        // Only the padding needs zeros: everything below n is written next (no fill of it all).
        operands_.resize(4 * n_subsets * padded);
        auto fire_of = [&](std::size_t j) { return operands_.data() + (4 * j) * padded; };
        auto rest_of = [&](std::size_t j) { return operands_.data() + (4 * j + 1) * padded; };
        auto spread_of = [&](std::size_t j) { return operands_.data() + (4 * j + 2) * padded; };
        auto count_of = [&](std::size_t j) { return operands_.data() + (4 * j + 3) * padded; };
        for (std::size_t j = 0; j < n_subsets; ++j) {
            const auto u = subsets[j];
            double* of = fire_of(j);
            double* orr = rest_of(j);
            std::fill(of + n, of + padded, 0.0);
            std::fill(orr + n, orr + padded, 0.0);
            std::fill(count_of(j) + n, count_of(j) + padded, 0.0);
            if (u == s) {
                std::copy(group.mass.begin(), group.mass.end(), of);
                std::copy(group.mass2.begin(), group.mass2.end(), orr);
                continue;
            }
            const auto* id = groups_[u].id.data();
            const double* gf = groups_[u].mass.data();
            const double* gr = groups_[u].mass2.data();
            for (std::size_t c = 0; c < n; ++c) {
                const auto cell = id[group.first[c]];
                of[c] = gf[cell];
                orr[c] = gr[cell];
            }
        }
        // Sample counts per cell: m+ + m- up to rounding, an integer exactly after it. Unions of
        // counts are then exact integers, and log2 P = log2(count) - log2(B) comes from a table.
        for (std::size_t j = 0; j < n_subsets; ++j) {
            const double* of = fire_of(j);
            const double* orr = rest_of(j);
            double* oc = count_of(j);
            for (std::size_t c = 0; c < n; ++c) oc[c] = std::nearbyint(of[c] + orr[c]);
        }
        if (log2_count_.size() != batch_ + 1) {
            log2_count_.resize(batch_ + 1);
            log2_count_[0] = std::log2(DBL_MIN);  // an empty union: its terms carry zero mass
            for (std::size_t k = 1; k <= batch_; ++k) log2_count_[k] = std::log2(static_cast<double>(k));
        }
        // The antichains' terms as positions and coefficients.
        chain_list_.resize(chains.count);
        for (std::size_t k = 0; k < chains.count; ++k) {
            const auto& terms = detail::union_terms<N>::table[chains.index[k]];
            chain_list_[k].count = terms.count;
            for (std::size_t t = 0; t < terms.count; ++t) {
                chain_list_[k].at[t] = position[terms.terms[t].set];
                chain_list_[k].coefficient[t] = terms.terms[t].coefficient;
            }
        }
        std::vector<batch_t> value(chains.count, batch_t(0.0));
        q_pad_.resize(padded);  // fully written below
        const batch_t lb(log2_batch_), tiny(DBL_MIN), zero(0.0);
        constexpr double inv_ln2 = 1.4426950408889634;
        const std::size_t self = n_subsets - 1;
        using index_t = xsimd::batch<xsimd::as_integer_t<double>>;
        std::array<batch_t, lattice::n_source_sets> f, r, m, acc;
        for (std::size_t c = 0; c < padded; c += lanes) {
            for (std::size_t j = 0; j < n_subsets; ++j) {
                f[j] = batch_t::load_unaligned(fire_of(j) + c);
                r[j] = batch_t::load_unaligned(rest_of(j) + c);
                m[j] = batch_t::load_unaligned(count_of(j) + c);
                acc[j] = zero;
            }
            const batch_t mf = f[self], mr = r[self];
            batch_t qc = zero;
            for (std::size_t k = 0; k < chains.count; ++k) {
                const auto& terms = chain_list_[k];
                batch_t pf = zero, pr = zero, pn = zero;
                for (std::size_t t = 0; t < terms.count; ++t) {
                    const batch_t coefficient(terms.coefficient[t]);
                    pf = xsimd::fma(coefficient, f[terms.at[t]], pf);
                    pr = xsimd::fma(coefficient, r[terms.at[t]], pr);
                    pn = xsimd::fma(coefficient, m[terms.at[t]], pn);
                }
                // Masses never exceed their union (a cell lies in its own union), so where a
                // union is empty its mass is zero: clamping keeps logs and ratios finite and
                // those terms vanish from the value; the gradient's log terms are dropped there.
                // P = P+ + P- (the union is linear in the masses, and m = m+ + m- per cell).
                const batch_t cf = xsimd::max(pf, tiny), cr = xsimd::max(pr, tiny);
                const batch_t lp = batch_t::gather(log2_count_.data(), xsimd::to_int(pn));
                const batch_t lf = detail::log2_normal(cf), lr = detail::log2_normal(cr);
                const batch_t w(weight[chains.index[k]]);
                value[k] += mf * (lf - lp) + mr * (lr - lp);
                qc += w * (xsimd::select(pf > zero, lf - lb, zero) - xsimd::select(pr > zero, lr - lb, zero));
                // One division: m+/P+ - m-/P- = (m+ P- - m- P+) / (P+ P-).
                // Padding cells (empty unions) would give 0/0 here: selected away.
                const batch_t ratio =
                    xsimd::select(pn > zero, w * batch_t(inv_ln2) * ((mf * cr - mr * cf) / (cf * cr)), zero);
                for (std::size_t t = 0; t < terms.count; ++t)
                    acc[terms.at[t]] = xsimd::fma(batch_t(terms.coefficient[t]), ratio, acc[terms.at[t]]);
            }
            (qc + acc[self]).store_unaligned(q_pad_.data() + c);
            for (std::size_t j = 0; j < self; ++j) acc[j].store_unaligned(spread_of(j) + c);
        }
        for (std::size_t k = 0; k < chains.count; ++k) sums[chains.index[k]] += xsimd::hadd(value[k]);
        double* q = q_[s].data();
        for (std::size_t c = 0; c < n; ++c) q[c] += q_pad_[c];
        // Move the contributions of each proper subset U from S-cells to U-cells.
        for (std::size_t j = 0; j < self; ++j) {
            const auto* id = groups_[subsets[j]].id.data();
            double* qu = q_[subsets[j]].data();
            const double* sp = spread_of(j);
            for (std::size_t c = 0; c < n; ++c) qu[id[group.first[c]]] += sp[c];
        }
    }

    struct chain_terms {
        std::size_t count;
        std::array<std::size_t, lattice::n_source_sets> at;
        std::array<double, lattice::n_source_sets> coefficient;
    };
    std::vector<chain_terms> chain_list_;
    std::vector<double> operands_, q_pad_, log2_count_;

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
