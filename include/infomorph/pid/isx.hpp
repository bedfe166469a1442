#pragma once
// The shared-exclusion PID I^sx (Makkeh, Gutknecht & Wibral, Phys. Rev. E 103, 032149, 2021).
//
// For a realization (s, t) and an antichain alpha = {A_1, .., A_m}, let W = the union of the
// events {S_Ai = s_Ai}. Then, in bits,
//   i+ = -log2 P(W),   i- = -log2 P(W | t),   i^sx = i+ - i- = log2 P(W, t) / (P(W) p(t)),
// pointwise atoms are the Moebius inverse of i over the lattice, and averaged values are
// their expectations. SxPID evaluates P(W) by scanning all R rows for each row (O(R^2)).
// Here every union probability is an integer combination of subset marginals (inclusion-
// exclusion coefficients from the lattice), and P(W) depends only on the sources of the
// union of alpha, so it is evaluated once per occupied cell of those sources: O(R 2^N |L|)
// with no dense grid. Averaged redundancies are reduced before the (linear) Moebius step.

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include <xtensor/xtensor.hpp>

#include "../detail/fast_log.hpp"
#include "../detail/grouping.hpp"
#include "../lattice.hpp"
#include "distribution.hpp"

namespace infomorph {

// Informative, misinformative and total part of each antichain's value, canonical order.
template <std::size_t N>
struct pid_parts {
    static constexpr std::size_t size = redundancy_lattice<N>::size;
    std::array<double, size> inf{}, misinf{}, total{};
};

// rows x lattice size; rows follow the distribution's stored rows.
struct pointwise_parts {
    xt::xtensor<double, 2> inf, misinf, total;
};

template <std::size_t N>
struct pid_result {
    using lattice = redundancy_lattice<N>;
    pid_parts<N> atoms;         // averaged atoms pi (bits)
    pid_parts<N> redundancies;  // averaged I^sx_cap
    double mi = 0;              // I(T; S1..SN)
    double h_target = 0;        // H(T)
    double h_res = 0;           // H(T) - I(T; S1..SN)
    pointwise_parts pointwise_atoms;         // empty unless asked for
    pointwise_parts pointwise_redundancies;  // empty unless asked for
};

struct pid_options {
    bool pointwise = false;
};

namespace detail {

// The non-zero inclusion-exclusion terms of each antichain, as (source-set mask, coefficient).
template <std::size_t N>
struct union_terms {
    using lattice = redundancy_lattice<N>;
    struct term {
        std::uint32_t set;
        std::int32_t coefficient;
    };
    struct list {
        std::array<term, lattice::n_source_sets> terms{};
        std::size_t count = 0;
    };
    static constexpr std::array<list, lattice::size> table = [] {
        std::array<list, lattice::size> t{};
        for (std::size_t a = 0; a < lattice::size; ++a)
            for (std::uint32_t u = 1; u <= lattice::full_set; ++u)
                if (lattice::union_coefficients[a][u] != 0)
                    t[a].terms[t[a].count++] = {u, lattice::union_coefficients[a][u]};
        return t;
    }();
};

// The non-zero entries of the Moebius matrix, row by row, for the pointwise atoms.
template <std::size_t N>
struct sparse_moebius {
    using lattice = redundancy_lattice<N>;
    static constexpr std::size_t nonzeros = [] {
        std::size_t n = 0;
        for (const auto& row : lattice::moebius)
            for (auto v : row) n += v != 0 ? 1 : 0;
        return n;
    }();
    struct entry {
        std::uint16_t column;
        std::int16_t value;
    };
    struct table_t {
        std::array<std::uint32_t, lattice::size + 1> row_start{};
        std::array<entry, nonzeros> entries{};
    };
    static constexpr table_t table = [] {
        table_t t{};
        std::size_t n = 0;
        for (std::size_t a = 0; a < lattice::size; ++a) {
            t.row_start[a] = static_cast<std::uint32_t>(n);
            for (std::size_t b = 0; b < lattice::size; ++b)
                if (lattice::moebius[a][b] != 0)
                    t.entries[n++] = {static_cast<std::uint16_t>(b), static_cast<std::int16_t>(lattice::moebius[a][b])};
        }
        t.row_start[lattice::size] = static_cast<std::uint32_t>(n);
        return t;
    }();

    // out[a] = sum_b moebius[a][b] in[b]
    static void apply(const double* in, double* out) noexcept {
        for (std::size_t a = 0; a < lattice::size; ++a) {
            double s = 0;
            for (auto k = table.row_start[a]; k < table.row_start[a + 1]; ++k)
                s += table.entries[k].value * in[table.entries[k].column];
            out[a] = s;
        }
    }
};

}  // namespace detail

// Reusable solver: keeps its scratch buffers between calls, so repeated PIDs (one per neuron
// and batch) do not allocate once warmed up.
template <std::size_t N>
class isx_solver {
public:
    using lattice = redundancy_lattice<N>;
    static constexpr std::size_t size = lattice::size;

    pid_result<N> operator()(const sparse_distribution& d, const pid_options& options = {}) {
        pid_result<N> result;
        compute(d, result, options);
        return result;
    }

    void compute(const sparse_distribution& d, pid_result<N>& out, const pid_options& options = {}) {
        if (d.n_sources() != N)
            throw std::invalid_argument("infomorph: a " + std::to_string(N) + "-source PID was asked of a distribution with " +
                                        std::to_string(d.n_sources()) + " sources");
        if (d.rows() == 0) throw std::invalid_argument("infomorph: the distribution has no rows");
        rows_ = d.rows();
        build_groups(d);
        build_marginals(d);
        build_projections();
        build_union_logs();
        reduce(out);
        if (options.pointwise) pointwise(out);
        else out.pointwise_atoms = out.pointwise_redundancies = {};
    }

private:
    static constexpr std::uint32_t target_bit = 1u << N;
    static constexpr std::size_t n_masks = std::size_t{1} << (N + 1);  // subsets of sources + target

    void build_groups(const sparse_distribution& d) {
        column_.resize(rows_);
        for (std::size_t v = 0; v <= N; ++v) {
            std::uint32_t largest = 0;
            for (std::size_t r = 0; r < rows_; ++r) {
                column_[r] = d.value(r, v);
                largest = std::max(largest, column_[r]);
            }
            builder_.combine(nullptr, 1, column_.data(), std::size_t{largest} + 1, rows_, groups_[1u << v]);
        }
        // Each larger set extends a smaller one by its highest variable, so every set costs O(R).
        for (std::uint32_t m = 1; m < n_masks; ++m) {
            if ((m & (m - 1)) == 0) continue;
            const std::uint32_t high = 1u << (31 - std::countl_zero(m));
            const auto& rest = groups_[m & ~high];
            const auto& last = groups_[high];
            builder_.combine(rest.id.data(), rest.count(), last.id.data(), last.count(), rows_, groups_[m]);
        }
    }

    void build_marginals(const sparse_distribution& d) {
        for (std::uint32_t m = 1; m < n_masks; ++m) {
            auto& marginal = marginal_[m];
            marginal.assign(groups_[m].count(), 0.0);
            const auto* id = groups_[m].id.data();
            for (std::size_t r = 0; r < rows_; ++r) marginal[id[r]] += d.probability(r);
        }
    }

    // projection(S, B)[g] = marginal of B at the cell of group g of S, for every B within S:
    // the operands of all union probabilities whose antichain has support S, laid out flat.
    void build_projections() {
        for (std::uint32_t s = 1; s < n_masks; ++s) {
            const auto& first = groups_[s].first;
            for (std::uint32_t b = s; b != 0; b = (b - 1) & s) {
                auto& out = projection_[s * n_masks + b];
                out.resize(first.size());
                const auto* id = groups_[b].id.data();
                const auto* marginal = marginal_[b].data();
                for (std::size_t g = 0; g < first.size(); ++g) out[g] = marginal[id[first[g]]];
            }
        }
    }

    void build_union_logs() {
        std::size_t total = 0;
        for (std::size_t a = 0; a < size; ++a) {
            const auto s = lattice::support[a];
            offset_plus_[a] = total;
            total += groups_[s].count();
            offset_minus_[a] = total;
            total += groups_[s | target_bit].count();
        }
        offset_target_ = total;
        total += groups_[target_bit].count();
        logs_.resize(total);
        for (std::size_t a = 0; a < size; ++a) {
            const auto s = lattice::support[a];
            union_probability(a, s, logs_.data() + offset_plus_[a], 0);
            union_probability(a, s | target_bit, logs_.data() + offset_minus_[a], target_bit);
        }
        const auto& pt = marginal_[target_bit];
        std::copy(pt.begin(), pt.end(), logs_.begin() + static_cast<std::ptrdiff_t>(offset_target_));
        detail::log2_inplace(logs_.data(), logs_.size());
    }

    // P(W) (or P(W, t) when with = target_bit) for every occupied cell of the support.
    void union_probability(std::size_t a, std::uint32_t support, double* out, std::uint32_t with) {
        const std::size_t n = groups_[support].count();
        const auto& terms = detail::union_terms<N>::table[a];
        const double* first = projection_[support * n_masks + (terms.terms[0].set | with)].data();
        const double c0 = terms.terms[0].coefficient;
        for (std::size_t g = 0; g < n; ++g) out[g] = c0 * first[g];
        for (std::size_t k = 1; k < terms.count; ++k) {
            const double* x = projection_[support * n_masks + (terms.terms[k].set | with)].data();
            const double c = terms.terms[k].coefficient;
            for (std::size_t g = 0; g < n; ++g) out[g] += c * x[g];
        }
    }

    double weighted_log_sum(std::uint32_t mask, std::size_t offset) const noexcept {
        const auto& weight = marginal_[mask];
        const double* lg = logs_.data() + offset;
        double s = 0;
        for (std::size_t g = 0; g < weight.size(); ++g) s += weight[g] * lg[g];
        return s;
    }

    void reduce(pid_result<N>& out) const {
        out.h_target = -weighted_log_sum(target_bit, offset_target_);
        for (std::size_t a = 0; a < size; ++a) {
            const auto s = lattice::support[a];
            out.redundancies.inf[a] = -weighted_log_sum(s, offset_plus_[a]);
            out.redundancies.misinf[a] = -weighted_log_sum(s | target_bit, offset_minus_[a]) - out.h_target;
            out.redundancies.total[a] = out.redundancies.inf[a] - out.redundancies.misinf[a];
        }
        using moebius = detail::sparse_moebius<N>;
        moebius::apply(out.redundancies.inf.data(), out.atoms.inf.data());
        moebius::apply(out.redundancies.misinf.data(), out.atoms.misinf.data());
        for (std::size_t a = 0; a < size; ++a) out.atoms.total[a] = out.atoms.inf[a] - out.atoms.misinf[a];
        out.mi = out.redundancies.total[lattice::top];
        out.h_res = out.h_target - out.mi;
    }

    void pointwise(pid_result<N>& out) const {
        const std::array<std::size_t, 2> shape{rows_, size};
        for (auto* p : {&out.pointwise_atoms, &out.pointwise_redundancies}) {
            p->inf = xt::xtensor<double, 2>::from_shape(shape);
            p->misinf = xt::xtensor<double, 2>::from_shape(shape);
            p->total = xt::xtensor<double, 2>::from_shape(shape);
        }
        const auto* target_group = groups_[target_bit].id.data();
        for (std::size_t r = 0; r < rows_; ++r) {
            double* ri = out.pointwise_redundancies.inf.data() + r * size;
            double* rm = out.pointwise_redundancies.misinf.data() + r * size;
            double* rt = out.pointwise_redundancies.total.data() + r * size;
            const double log_pt = logs_[offset_target_ + target_group[r]];
            for (std::size_t a = 0; a < size; ++a) {
                const auto s = lattice::support[a];
                ri[a] = -logs_[offset_plus_[a] + groups_[s].id[r]];
                rm[a] = log_pt - logs_[offset_minus_[a] + groups_[s | target_bit].id[r]];
                rt[a] = ri[a] - rm[a];
            }
            double* ai = out.pointwise_atoms.inf.data() + r * size;
            double* am = out.pointwise_atoms.misinf.data() + r * size;
            double* at = out.pointwise_atoms.total.data() + r * size;
            detail::sparse_moebius<N>::apply(ri, ai);
            detail::sparse_moebius<N>::apply(rm, am);
            for (std::size_t a = 0; a < size; ++a) at[a] = ai[a] - am[a];
        }
    }

    std::size_t rows_ = 0;
    std::vector<std::uint32_t> column_;
    detail::group_builder builder_;
    std::array<detail::grouping, n_masks> groups_{};
    std::array<std::vector<double>, n_masks> marginal_{};
    std::array<std::vector<double>, n_masks * n_masks> projection_{};
    std::array<std::size_t, size> offset_plus_{}, offset_minus_{};
    std::size_t offset_target_ = 0;
    std::vector<double> logs_;
};

template <std::size_t N>
pid_result<N> isx(const sparse_distribution& d, const pid_options& options = {}) {
    isx_solver<N> solver;
    return solver(d, options);
}

}  // namespace infomorph
