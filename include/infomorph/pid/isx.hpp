#pragma once
/// \file
/// The shared-exclusion PID I^sx (Makkeh, Gutknecht & Wibral, Phys. Rev. E 103, 032149, 2021).
///
/// For a realization (s, t) and an antichain alpha = {A_1, .., A_m}, let W = the union of the
/// events {S_Ai = s_Ai}. Then, in bits,
///   i+ = -log2 P(W),   i- = -log2 P(W | t),   i^sx = i+ - i- = log2 P(W, t) / (P(W) p(t)),
/// pointwise atoms are the Moebius inverse of i over the lattice, and averaged values are
/// their expectations. SxPID evaluates P(W) by scanning all R rows for each row (O(R^2)).
/// Here every union probability is an integer combination of subset marginals (inclusion-
/// exclusion coefficients from the lattice), and P(W) depends only on the sources of the
/// union of alpha, so it is evaluated once per occupied cell of those sources: O(R 2^N |L|)
/// with no dense grid. Averaged redundancies are reduced before the (linear) Moebius step.
/// Where the rows' weights are small counts of one quantum (histograms of samples), a sum
/// of weighted logarithms is taken as the logarithm of a product of powers.

#include <algorithm>
#include <array>
#include <bit>
#include <cfloat>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include <xtensor/xtensor.hpp>

#include "infomorph/error.hpp"
#include "infomorph/detail/fast_log.hpp"
#include "infomorph/detail/grouping.hpp"
#include "infomorph/detail/lattice_tables.hpp"
#include "infomorph/detail/log_product.hpp"
#include "infomorph/detail/simd.hpp"
#include "infomorph/detail/support_plan.hpp"
#include "infomorph/lattice/lattice.hpp"
#include "infomorph/pid/distribution.hpp"

namespace infomorph {

/// Informative, misinformative and total part of each antichain's value, canonical order.
template <std::size_t N>
struct pid_parts {
    /// The number of antichains, redundancy_lattice<N>::size.
    static constexpr std::size_t size = redundancy_lattice<N>::size;
    /// Informative part (from i+) per antichain, in bits, canonical order.
    std::array<double, size> inf{}, misinf{}, total{};
};
/// \var pid_parts::misinf
/// Misinformative part (from i-) per antichain, in bits, canonical order.
/// \var pid_parts::total
/// Total, informative minus misinformative, per antichain, in bits, canonical order.

/// Pointwise values, rows x lattice size in canonical order; rows follow the distribution's stored rows.
struct pointwise_parts {
    /// Informative parts, in bits.
    xt::xtensor<double, 2> inf, misinf, total;
};
/// \var pointwise_parts::misinf
/// Misinformative parts, in bits.
/// \var pointwise_parts::total
/// Total parts, informative minus misinformative, in bits.

/// The I^sx PID of N sources and a target (canonical order of the antichains; values in bits).
template <std::size_t N>
struct pid_result {
    /// The lattice the arrays are indexed by.
    using lattice = redundancy_lattice<N>;
    pid_parts<N> atoms;         ///< averaged atoms pi (bits)
    pid_parts<N> redundancies;  ///< averaged I^sx_cap
    double mi = 0;              ///< I(T; S1..SN)
    double h_target = 0;        ///< H(T)
    double h_res = 0;           ///< H(T) - I(T; S1..SN)
    pointwise_parts pointwise_atoms;         ///< empty unless asked for
    pointwise_parts pointwise_redundancies;  ///< empty unless asked for
};

/// What the I^sx solvers compute besides the averaged values.
struct pid_options {
    /// Also compute the pointwise atoms and redundancies of every stored row.
    bool pointwise = false;
};


/// Reusable solver: keeps its scratch buffers between calls, so repeated PIDs (one per neuron
/// and batch) do not allocate once warmed up.
template <std::size_t N>
class isx_solver {
public:
    /// The lattice of N sources.
    using lattice = redundancy_lattice<N>;
    /// The number of antichains.
    static constexpr std::size_t size = lattice::size;

    /// The PID of d, which must have N sources; throws infomorph::error otherwise.
    pid_result<N> operator()(const sparse_distribution& d, const pid_options& options = {}) {
        pid_result<N> result;
        compute(d, result, options);
        return result;
    }

    /// The PID of d into `out`, with the solver's buffers reused across calls; throws infomorph::error unless d has N sources.
    void compute(const sparse_distribution& d, pid_result<N>& out, const pid_options& options = {}) {
        if (d.n_sources() != N)
            throw error("a " + std::to_string(N) + "-source PID was asked of a distribution with " +
                                        std::to_string(d.n_sources()) + " sources");
        if (d.rows() == 0) throw error("the distribution has no rows");
        rows_ = d.rows();
        row_weight_ = d.probabilities().data();
        build_groups(d);
        counts_known_ = false;
        evaluate(out, options.pointwise);
        if (options.pointwise) pointwise(out);
        else out.pointwise_atoms = out.pointwise_redundancies = {};
    }

private:
    static constexpr std::uint32_t target_bit = 1u << N;
    static constexpr std::size_t n_masks = std::size_t{1} << (N + 1);  // subsets of sources + target

    // Only supports of two or more sources gather operands at their cells' rows; pointwise
    // values need no rows either (they map rows to cells).
    static constexpr bool needs_first(std::uint32_t mask) noexcept {
        return detail::popcount(mask & ~target_bit) >= 2;
    }

    // Every set of sources with and without the target (bit N).
    void build_groups(const sparse_distribution& d) {
        std::array<const std::uint32_t*, N + 1> columns{};
        for (std::size_t v = 0; v <= N; ++v) columns[v] = d.column(v);
        // `first` is recorded below, once it is known which sets are radix sets.
        builder_.combine_subsets(columns, d.probabilities().data(), rows_, groups_, [](std::uint32_t) { return false; });
        // A set is a radix set when its ids are the mixed-radix numbers of its columns' values
        // (the highest column varying fastest): identity groupings all the way down. Every
        // subset of a radix set is one too (no more keys than rows, and at least half of its
        // keys occupied, as the projection of a set with half its keys occupied), so expand()
        // may index any subset's masses by mixed-radix keys.
        for (std::uint32_t m = 1; m < n_masks; ++m) {
            const std::uint32_t high = 1u << (31 - std::countl_zero(m));
            radix_[m] = groups_[m].identity && (m == high || (radix_[m & ~high] && radix_[high]));
        }
        // Radix sets take their operands from expand(), not from rows of their cells.
        for (std::uint32_t m = 1; m < n_masks; ++m)
            if (needs_first(m) && !radix_[m] && !groups_[m].has_first) detail::group_builder::record_first(groups_[m]);
    }

    // out[k] = the mass of `set`'s cell within the cell of radix set `mask` with key k (set
    // within mask, both radix): the columns of mask missing from set are inserted as broadcast
    // axes, one at a time. Replaces the gathers at the cells' rows by contiguous copies.
    void expand(std::uint32_t mask, std::uint32_t set, std::vector<double>& out) {
        const auto& mass = groups_[set].mass;
        out.assign(mass.begin(), mass.end());
        std::uint32_t have = set;
        for (std::uint32_t v = 0; v <= N; ++v) {
            const std::uint32_t bit = 1u << v;
            if ((mask & bit) == 0 || (have & bit) != 0) continue;
            std::size_t outer = 1, inner = 1;
            for (std::uint32_t u = 0; u <= N; ++u)
                if ((have >> u) & 1u) (u < v ? outer : inner) *= groups_[1u << u].count();
            const std::size_t n = groups_[bit].count();
            expand_scratch_.resize(outer * n * inner);
            double* dst = expand_scratch_.data();
            const double* src = out.data();
            // Short rows (inner 1 or 2 when the missing column or the target is innermost)
            // without a library call per row, which would cost more than the row.
            for (std::size_t o = 0; o < outer; ++o, src += inner) {
                if (inner == 1) {
                    std::fill(dst, dst + n, *src);
                    dst += n;
                    continue;
                }
                if (inner == 2) {  // the target innermost: one 16-byte move per copy
                    for (std::size_t j = 0; j < n; ++j, dst += 2) std::memcpy(dst, src, 2 * sizeof(double));
                    continue;
                }
                for (std::size_t j = 0; j < n; ++j, dst += inner) std::copy(src, src + inner, dst);
            }
            out.swap(expand_scratch_);
            have |= bit;
        }
    }

    // Every antichain's union probabilities, their logarithms and weighted sums, support by
    // support and in chunks small enough to stay in L1: operands (marginal of each B within
    // the support, gathered at the chunk's cells) are gathered once and shared by all
    // antichains of that support. Logs are kept only when pointwise values are wanted.
    void evaluate(pid_result<N>& out, bool keep_logs) {
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
        if (keep_logs) logs_.resize(total);

        // H(T) first: the misinformative parts need it.
        const auto& pt = groups_[target_bit].mass;
        target_logs_.assign(pt.begin(), pt.end());
        // Unoccupied values weigh 0; occupied ones keep their value, subnormal too, so that
        // pointwise values stay exact (log2_inplace takes std::log2 for subnormals).
        for (auto& x : target_logs_) x = x > 0 ? x : DBL_MIN;
        detail::log2_inplace(target_logs_.data(), target_logs_.size());
        out.h_target = -dot(pt.data(), target_logs_.data(), pt.size());
        if (keep_logs) std::copy(target_logs_.begin(), target_logs_.end(), logs_.begin() + static_cast<std::ptrdiff_t>(offset_target_));

        std::array<double, size> plus{}, minus{};
        for (std::uint32_t support = 1; support <= lattice::full_set; ++support) {
            evaluate_support(support, 0, plus, keep_logs);
            evaluate_support(support | target_bit, target_bit, minus, keep_logs);
        }
        for (std::size_t a = 0; a < size; ++a) {
            out.redundancies.inf[a] = -plus[a];
            out.redundancies.misinf[a] = -minus[a] - out.h_target;
            out.redundancies.total[a] = out.redundancies.inf[a] - out.redundancies.misinf[a];
        }
        using moebius = detail::sparse_moebius<N>;
        moebius::apply(out.redundancies.inf.data(), out.atoms.inf.data());
        moebius::apply(out.redundancies.misinf.data(), out.atoms.misinf.data());
        for (std::size_t a = 0; a < size; ++a) out.atoms.total[a] = out.atoms.inf[a] - out.atoms.misinf[a];
        out.mi = out.redundancies.total[lattice::top];
        out.h_res = out.h_target - out.mi;
    }

    // sums[a] += sum over cells g of `mask` of P(cell g) * log2 P_alpha(g) for every antichain
    // a whose support is mask without the target; `with` is target_bit for the joint with t.
    void evaluate_support(std::uint32_t mask, std::uint32_t with, std::array<double, size>& sums, bool keep_logs) {
        const auto& chains = detail::antichains_by_support<N>::table[mask & ~target_bit];
        if (chains.count == 0) return;
        const std::uint32_t sources = mask & ~target_bit;
        const auto& group = groups_[mask];
        const std::size_t n = group.count();
        const double* weight = group.mass.data();
        if (!keep_logs && !radix_[mask] && 8 * n >= 7 * rows_) {
            evaluate_rows(mask, with, chains, sums);
            return;
        }
        std::array<const double*, n_masks> operand{};
        if (radix_[mask])
            for (std::uint32_t b = sources; b != 0; b = (b - 1) & sources)
                if ((b | with) != mask) expand(mask, b | with, expanded_[b]);
        for (std::size_t g0 = 0; g0 < n; g0 += chunk_size) {
            const std::size_t m = std::min(chunk_size, n - g0);
            const std::uint32_t* first = group.first.data() + g0;
            for (std::uint32_t b = sources; b != 0; b = (b - 1) & sources) {
                const std::uint32_t set = b | with;
                if (set == mask) {
                    operand[b] = weight + g0;
                    continue;
                }
                if (radix_[mask]) {
                    operand[b] = expanded_[b].data() + g0;
                    continue;
                }
                double* dst = gathered_.data() + b * chunk_size;
                detail::gather_indirect(groups_[set].mass.data(), groups_[set].id.data(), first, dst, m);
                operand[b] = dst;
            }
            for (std::size_t k = 0; k < chains.count; ++k) {
                const std::size_t a = chains.index[k];
                const auto& terms = detail::union_terms<N>::table[a];
                double* p = chunk_.data();
                if (keep_logs) {
                    // Pointwise values are reported: a subnormal union probability (rows of
                    // subnormal probability) gets its exact logarithm, not that of DBL_MIN.
                    // Only cells without mass (empty keys of key-identity groupings) have
                    // P = 0: no row reads their logarithm and their weight is 0, so they take
                    // P = 1, which keeps them off std::log2's slow subnormal path.
                    union_probability(terms, operand, p, m, 0.0);
                    for (std::size_t i = 0; i < m; ++i) p[i] = p[i] > 0 ? p[i] : 1.0;
                    detail::log2_inplace(p, m);
                    sums[a] += dot(weight + g0, p, m);
                    std::copy(p, p + m, logs_.begin() + static_cast<std::ptrdiff_t>((with ? offset_minus_[a] : offset_plus_[a]) + g0));
                } else {
                    sums[a] += dot_log_union(a, operand, weight + g0, m);
                }
            }
        }
    }

    // As evaluate_support's averaged sums, but over rows instead of cells: sum over rows r of
    // w(r) log2 P_alpha(cell of r) is the sum over cells of their mass times the same logarithm.
    // Worth it when cells are nearly as many as rows (the largest supports): the operands are
    // then one look-up per row (id of the row's cell) instead of two (a row of the cell, then
    // its id), for at most 1/7 more logarithms. Where the rows' weights are counts of up to 3
    // of a quantum (a batch histogram's rows), the sums are logarithms of products instead
    // (detail::count_weights, dot_log2_counts_many), all antichains of the support in one pass.
    template <class Chains>
    void evaluate_rows(std::uint32_t mask, std::uint32_t with, const Chains& chains, std::array<double, size>& sums) {
        const std::uint32_t sources = mask & ~target_bit;
        const bool one_row_cells = groups_[mask].count() == rows_;  // then each cell's mass is its row's weight
        if (!counts_known_) {
            counted_ = counts_.assign(row_weight_, rows_, chunk_size);
            counts_known_ = true;
        }
        std::array<const double*, n_masks> operand{};
        for (std::size_t r0 = 0; r0 < rows_; r0 += chunk_size) {
            const std::size_t m = std::min(chunk_size, rows_ - r0);
            for (std::uint32_t b = sources; b != 0; b = (b - 1) & sources) {
                const std::uint32_t set = b | with;
                if (set == mask && one_row_cells) {
                    operand[b] = row_weight_ + r0;
                    continue;
                }
                double* dst = gathered_.data() + b * chunk_size;
                detail::gather_direct(groups_[set].mass.data(), groups_[set].id.data() + r0, dst, m);
                operand[b] = dst;
            }
            if (counted_) {
                for (std::size_t g = 0; g * fused_width < chains.count; ++g)
                    fused_table[sources * max_groups + g](operand, counts_, r0, m, sums);
                continue;
            }
            for (std::size_t k = 0; k < chains.count; ++k) {
                const std::size_t a = chains.index[k];
                sums[a] += dot_log_union(a, operand, row_weight_ + r0, m);
            }
        }
    }

    // P = sum of coefficient x operand over the terms, clamped below at `lowest` (0 for the
    // pointwise logarithms, whose caller then gives cells without mass P = 1): validated
    // input gives finite marginals and a union probability is at least its largest term, so
    // P > 0 except at cells without mass (see grouping), whose weight is 0. The first and last
    // terms are fused into the initialising and clamping passes: these loops are bound by loads
    // and stores. (The averaged sums use dot_log_union, clamped at DBL_MIN.)
    template <class Terms>
    static void union_probability(const Terms& terms, const std::array<const double*, n_masks>& operand, double* p,
                                  std::size_t m, double lowest) noexcept {
        const double* x0 = operand[terms.terms[0].set];
        const double c0 = terms.terms[0].coefficient;
        if (terms.count == 1) {
            for (std::size_t i = 0; i < m; ++i) p[i] = std::max(c0 * x0[i], lowest);
            return;
        }
        const double* x1 = operand[terms.terms[1].set];
        const double c1 = terms.terms[1].coefficient;
        for (std::size_t i = 0; i < m; ++i) p[i] = c0 * x0[i] + c1 * x1[i];
        for (std::size_t t = 2; t < terms.count; ++t) {
            const double* x = operand[terms.terms[t].set];
            const double c = terms.terms[t].coefficient;
            for (std::size_t i = 0; i < m; ++i) p[i] += c * x[i];
        }
        for (std::size_t i = 0; i < m; ++i) p[i] = std::max(p[i], lowest);
    }

    // sum_i w[i] log2 P_i with P_i = max(sum over antichain A's union terms of coefficient x
    // operand[i], DBL_MIN), as union_probability and a dot product with the logarithms, but in
    // one pass: the union probabilities stay in registers. The terms are constants, so that
    // each is one addition (or subtraction, or multiply-add for coefficients other than ±1)
    // of an operand loaded from a pointer in a register, without a loop over the terms.
    template <std::size_t A, class V, class Value>
    INFOMORPH_ALWAYS_INLINE static V union_of(Value&& value) noexcept {
        static constexpr auto terms = detail::union_terms<N>::table[A];
        V p = value(0);
        if constexpr (terms.terms[0].coefficient != 1) p = V(static_cast<double>(terms.terms[0].coefficient)) * p;
        detail::static_for<terms.count - 1>([&](auto t) {
            constexpr std::size_t T = decltype(t)::value + 1;
            constexpr int c = terms.terms[T].coefficient;
            if constexpr (c == 1) p = p + value(T);
            else if constexpr (c == -1) p = p - value(T);
            else p = xsimd::fma(V(static_cast<double>(c)), value(T), p);
        });
        return p;
    }

    template <std::size_t A>
    static double dot_log_union(const std::array<const double*, n_masks>& operand, const double* w,
                                std::size_t m) noexcept {
        using dbatch = xsimd::batch<double>;
        static constexpr auto terms = detail::union_terms<N>::table[A];
        std::array<const double*, terms.count> x{};
        for (std::size_t t = 0; t < terms.count; ++t) x[t] = operand[terms.terms[t].set];
        const auto load = [&](std::size_t i) {
            return xsimd::max(union_of<A, dbatch>([&](std::size_t t) { return dbatch::load_unaligned(x[t] + i); }),
                              dbatch(DBL_MIN));
        };
        const auto scalar = [&](std::size_t i) {
            return std::max(union_of<A, double>([&](std::size_t t) { return x[t][i]; }), DBL_MIN);
        };
        return detail::dot_log2_of(w, m, load, scalar);
    }

    // sums[a] += q sum_i k_i log2 P_i for Count antichains a of support S (from the First-th),
    // counts k_i of quantum q (histogram weights, see detail::count_weights), P_i as in
    // dot_log_union: logarithms of products instead of sums of logarithms, the antichains in
    // one pass so that they share the loads of their operands and of the counts.
    template <std::uint32_t S, std::size_t First, std::size_t Count>
    static void dot_log_unions_counts(const std::array<const double*, n_masks>& operand,
                                      const detail::count_weights& counts, std::size_t begin, std::size_t m,
                                      std::array<double, size>& sums) noexcept {
        using dbatch = xsimd::batch<double>;
        static constexpr auto& chains = detail::antichains_by_support<N>::table[S];
        const auto load = [&](auto j, std::size_t i) {
            constexpr std::size_t A = chains.index[First + decltype(j)::value];
            static constexpr auto terms = detail::union_terms<N>::table[A];
            return xsimd::max(union_of<A, dbatch>([&](std::size_t t) {
                                  return dbatch::load_unaligned(operand[terms.terms[t].set] + i);
                              }),
                              dbatch(DBL_MIN));
        };
        const auto scalar = [&](auto j, std::size_t i) {
            constexpr std::size_t A = chains.index[First + decltype(j)::value];
            static constexpr auto terms = detail::union_terms<N>::table[A];
            return std::max(union_of<A, double>([&](std::size_t t) { return operand[terms.terms[t].set][i]; }), DBL_MIN);
        };
        std::array<double, Count> out;
        detail::dot_log2_counts_many<Count>(counts, begin, m, load, scalar, out.data());
        for (std::size_t j = 0; j < Count; ++j) sums[chains.index[First + j]] += counts.quantum() * out[j];
    }

    // The instances of dot_log_unions_counts: per support, groups of up to fused_width
    // antichains (two accumulators each, kept in registers: 32 of them with AVX-512, 16 else).
    using fused = void (*)(const std::array<const double*, n_masks>&, const detail::count_weights&, std::size_t,
                           std::size_t, std::array<double, size>&) noexcept;
    static constexpr std::size_t fused_width = xsimd::batch<double>::size == 8 ? 9 : 4;
    static constexpr std::size_t max_groups = [] {
        std::size_t most = 0;
        for (const auto& l : detail::antichains_by_support<N>::table) most = std::max(most, l.count);
        return (most + fused_width - 1) / fused_width;
    }();
    template <std::size_t I>
    static constexpr fused fused_instance() {
        constexpr std::uint32_t S = static_cast<std::uint32_t>(I / max_groups);
        constexpr std::size_t first = I % max_groups * fused_width;
        constexpr std::size_t count = detail::antichains_by_support<N>::table[S].count;
        if constexpr (S == 0 || first >= count) return nullptr;
        else return &dot_log_unions_counts<S, first, std::min(fused_width, count - first)>;
    }
    static constexpr auto fused_table = []<std::size_t... I>(std::index_sequence<I...>) {
        return std::array<fused, sizeof...(I)>{fused_instance<I>()...};
    }(std::make_index_sequence<(lattice::full_set + 1) * max_groups>{});

    // dot_log_union<a> for an antichain a known at run time, through a table of the instances.
    static double dot_log_union(std::size_t a, const std::array<const double*, n_masks>& operand, const double* w,
                                std::size_t m) noexcept {
        using instance = double (*)(const std::array<const double*, n_masks>&, const double*, std::size_t) noexcept;
        static constexpr auto table = []<std::size_t... A>(std::index_sequence<A...>) {
            return std::array<instance, size>{&dot_log_union<A>...};
        }(std::make_index_sequence<size>{});
        return table[a](operand, w, m);
    }

    // With eight independent partial sums: one accumulator serialises on the add latency,
    // and the compiler may not reassociate floating-point sums by itself.
    static double dot(const double* w, const double* x, std::size_t n) noexcept {
        std::array<double, 8> acc{};
        std::size_t g = 0;
        for (; g + 8 <= n; g += 8)
            for (std::size_t j = 0; j < 8; ++j) acc[j] += w[g + j] * x[g + j];
        for (; g < n; ++g) acc[g % 8] += w[g] * x[g];
        return ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
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
    const double* row_weight_ = nullptr;  // the distribution's probabilities, during compute()
    detail::group_builder builder_;
    std::array<detail::grouping, n_masks> groups_{};
    std::array<bool, n_masks> radix_{};
    std::array<std::vector<double>, n_masks> expanded_;
    std::vector<double> expand_scratch_;
    static constexpr std::size_t chunk_size = 256;
    std::vector<double> chunk_ = std::vector<double>(chunk_size);
    detail::count_weights counts_;  // the rows' weights as counts, when they are
    bool counts_known_ = false;     // whether counts_ describes this compute()'s rows (set by the first evaluate_rows)
    bool counted_ = false;          // whether the rows' weights are counts (then evaluate_rows takes logarithms of products)
    std::vector<double> target_logs_;
    std::vector<double> gathered_ = std::vector<double>(chunk_size * n_masks);
    std::array<std::size_t, size> offset_plus_{}, offset_minus_{};
    std::size_t offset_target_ = 0;
    std::vector<double> logs_;
};

/// The I^sx PID of d with a new solver; use an isx_solver to repeat PIDs without allocating.
template <std::size_t N>
pid_result<N> isx(const sparse_distribution& d, const pid_options& options = {}) {
    isx_solver<N> solver;
    return solver(d, options);
}

}  // namespace infomorph
