#pragma once
/// \file
/// Value and exact gradient of an infomorphic neuron's goal on one batch.
///
/// The batch estimate is p(b, y) = (1/B) sum_k 1[b_k = b] theta_k(y), theta_k(+1) = theta_k,
/// theta_k(-1) = 1 - theta_k, with b_k the tuple of bins of sample k's N class inputs. Bins are
/// constants; theta carries the gradient. docs/goal.md derives what is computed here:
///
///   dG/dtheta_k = (1/B) sum_S Q_S[cell of b_k in S] + K,
///
/// one table Q_S per source set S (filled from the same union probabilities as the value) and
/// one constant K. The source marginals do not depend on theta, so only target-including
/// quantities enter. Cost O(B 2^N |lattice|), memory O(B). Cells are the samples' groups, or,
/// when the bins' ranges span at most B cells together, the occupied cells of that dense grid
/// (counted in one pass over the samples; smaller sets are sums over cells).
///
/// Probabilities that are exactly zero (all samples of a union fire, or none does) contribute
/// neither value nor gradient: 0 log 0 = 0 for the value, and their infinite log-derivative is
/// dropped, as the authors' code drops such cells. Nothing else is regularised, so wherever all
/// probabilities are positive the value is the exact I^sx goal and the gradient its exact
/// derivative; no NaN or infinity can arise from theta in [0, 1].

#include <algorithm>
#include <array>
#include <bit>
#include <cfloat>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "infomorph/error.hpp"
#include "infomorph/detail/buffers.hpp"
#include "infomorph/detail/fast_log.hpp"
#include "infomorph/detail/grid.hpp"
#include "infomorph/detail/grouping.hpp"
#include "infomorph/detail/simd.hpp"
#include "infomorph/detail/support_plan.hpp"
#include "infomorph/goal/goal.hpp"
#include "infomorph/lattice/lattice.hpp"
#include "infomorph/pid/isx.hpp"

namespace infomorph {

/// A goal on one batch: its value, the averaged atoms and redundancies (bits, canonical order) and entropies.
template <std::size_t N>
struct goal_result {
    /// The lattice of N sources, which indexes the arrays.
    using lattice = redundancy_lattice<N>;
    double value = 0;                                ///< G
    std::array<double, lattice::size> atoms{};       ///< averaged atoms pi (total), canonical order
    std::array<double, lattice::size> redundancies{};  ///< averaged I^sx
    /// I(T; S1..SN) of the batch, in bits.
    double mi = 0, h_target = 0, h_res = 0;
};
/// \var goal_result::h_target
/// H(T) of the batch, in bits.
/// \var goal_result::h_res
/// H_res = H(T) - I(T; S1..SN) of the batch, in bits.

/// Value and exact gradient dG/dtheta of one neuron's goal on a batch, reusing its buffers across calls.
template <std::size_t N>
class batch_goal_solver {
public:
    /// The lattice of N sources.
    using lattice = redundancy_lattice<N>;
    /// The number of antichains.
    static constexpr std::size_t size = lattice::size;

    /// G and the atoms of a batch of `batch` samples, and dG/dtheta_k when gradient is not null.
    /// theta_k is sample k's firing probability P(y = +1); throws infomorph::error on an empty batch.
    /// bins: source i of sample k at bins[k * bin_stride + i]; theta[k * theta_stride];
    /// gradient (may be null) receives dG/dtheta_k at gradient[k * gradient_stride].
    template <class Real>
    goal_result<N> compute(const goal<N>& g, const std::uint32_t* bins, std::size_t bin_stride, const Real* theta,
                          std::size_t theta_stride, std::size_t batch, Real* gradient, std::size_t gradient_stride) {
        std::array<const std::uint32_t*, N> columns{};
        for (std::size_t i = 0; i < N; ++i) {
            columns_[i].resize(batch);
            for (std::size_t k = 0; k < batch; ++k) columns_[i][k] = bins[k * bin_stride + i];
            columns[i] = columns_[i].data();
        }
        return compute_columns(g, columns, theta, theta_stride, batch, gradient, gradient_stride);
    }

    /// The same with the bins of source i in columns[i][0 .. batch).
    template <class Real>
    goal_result<N> compute_columns(const goal<N>& g, const std::array<const std::uint32_t*, N>& columns, const Real* theta,
                                  std::size_t theta_stride, std::size_t batch, Real* gradient, std::size_t gradient_stride) {
        if (batch == 0) throw error("the batch is empty");
        batch_ = batch;
        column_ = columns;
        load(theta, theta_stride);
        build_groups();
        goal_result<N> out;
        // Float firing probabilities are evaluated in float (twice the SIMD lanes), unless a
        // subnormal one would leave the float kernel's range.
        if constexpr (std::is_same_v<Real, float>) {
            if (float_range_) evaluate<float>(g, out);
            else evaluate<double>(g, out);
        } else {
            evaluate<double>(g, out);
        }
        if (gradient != nullptr) write_gradient(gradient, gradient_stride);
        return out;
    }

private:
    // dG/dtheta_k = (K + sum_S Q_S[cell of sample k in S]) / B. A sample's cells in every
    // source set are those of its cell of the full set, so the tables are summed once per
    // full-set cell (cells_ still maps them: the full set was evaluated last), then read once
    // per sample.
    template <class Real>
    void write_gradient(Real* gradient, std::size_t stride) {
        using plan = detail::support_plan<N, lattice::full_set>;
        const auto& cells = groups_[lattice::full_set];
        const std::size_t n = cell_count(lattice::full_set), padded = cells_.size() / plan::n_subsets;
        total_.assign(q_[lattice::full_set].begin(), q_[lattice::full_set].end());
        detail::static_for<plan::n_subsets - 1>([&](auto j) {
            const double* q = q_[plan::subsets[j]].data();
            const std::uint32_t* cell = cells_of(j, padded);
            for (std::size_t c = 0; c < n; ++c) total_[c] += q[cell[c]];
        });
        const std::uint32_t* id = cells.id.data();
        for (std::size_t k = 0; k < batch_; ++k) gradient[k * stride] = static_cast<Real>((constant_ + total_[id[k]]) * inv_batch_);
    }

    template <class Real>
    void load(const Real* theta, std::size_t theta_stride) {
        fire_.resize(batch_);
        rest_.resize(batch_);
        inv_batch_ = 1.0 / static_cast<double>(batch_);
        log2_batch_ = std::log2(static_cast<double>(batch_));
        // Flags, not a throw, inside the loop: it vectorises; the rare bad sample is found after.
        unsigned bad = 0, subnormal = 0;
        double* fire = fire_.data();
        double* rest = rest_.data();
        auto convert = [&](const Real* __restrict in, std::size_t stride) {
            for (std::size_t k = 0; k < batch_; ++k) {
                const double t = static_cast<double>(in[k * stride]);
                bad |= static_cast<unsigned>(!(t >= 0.0)) | static_cast<unsigned>(t > 1.0);
                subnormal |= static_cast<unsigned>(t > 0.0) & static_cast<unsigned>(t < FLT_MIN);
                fire[k] = t;
                rest[k] = 1.0 - t;
            }
        };
        if (theta_stride == 1) convert(theta, 1);  // contiguous: vectorised
        else convert(theta, theta_stride);
        if (bad != 0)
            for (std::size_t k = 0; k < batch_; ++k)
                if (const double t = fire[k]; !(t >= 0.0 && t <= 1.0))
                    throw error("sample " + std::to_string(k) + ": firing probability " + std::to_string(t) +
                                " is not in [0, 1]");
        float_range_ = subnormal == 0;
    }

    // Source sets only: the target is soft. Masses are kept unnormalised (counts and sums of
    // theta), the 1/B factors are applied where they do not cancel. Sets of two or more
    // sources gather their operands at their cells' rows (`first`).
    void build_groups() {
        dense_ = dense_grid();
        if (dense_) return build_dense();
        builder_.combine_subsets(column_, fire_.data(), batch_, groups_,
                                 [](std::uint32_t m) { return std::popcount(m) >= 2; }, rest_.data());
    }

    // The cells of source set m: its groups, or in dense mode the occupied cells of its grid.
    std::size_t cell_count(std::uint32_t m) const noexcept { return dense_ ? dense_cells_[m] : groups_[m].count(); }

    // Dense mode: when every source's bins lie in a range [low_i, low_i + width_i) and the
    // grid of all sources has at most as many cells as the batch has samples (small
    // alphabets: the trivariate network's hidden neurons, whose feedforward, label and lateral
    // bins span about 20 x 2 x 2 cells; the memory network's 2 x 60), every set's cells are the
    // occupied cells of that set's grid. One pass over the samples counts the full grid;
    // smaller sets are sums over it (cells, not samples), and a cell's cell in a subset is
    // arithmetic on its digits, so no per-sample grouping or `first` rows are needed.
    bool dense_grid() {
        if constexpr (N < 2) return false;
        std::size_t cells = 1;
        for (std::size_t i = 0; i < N; ++i) {
            const std::uint32_t* __restrict b = column_[i];
            std::uint32_t low = UINT32_MAX, high = 0;
            for (std::size_t k = 0; k < batch_; ++k) {  // vectorises: no early exit
                const std::uint32_t v = b[k];
                low = v < low ? v : low;
                high = v > high ? v : high;
            }
            low_[i] = low;
            width_[i] = high - low + 1;
            cells *= width_[i];
            if (cells > batch_) return false;
        }
        return true;
    }

    // The grid's cell of each sample (source 0's digit most significant) and the masses of
    // every set's cells.
    void build_dense() {
        auto& full = groups_[lattice::full_set];
        detail::at_least(full.id, batch_);
        std::uint32_t* key = full.id.data();
        std::fill(key, key + batch_, 0u);
        for (std::size_t i = 0; i < N; ++i) {
            const std::uint32_t* b = column_[i];
            const std::uint32_t w = width_[i], low = low_[i];
            for (std::size_t k = 0; k < batch_; ++k) key[k] = key[k] * w + (b[k] - low);
        }
        for (std::uint32_t m = 1; m <= lattice::full_set; ++m) {
            std::size_t n = 1;
            for (std::size_t i = 0; i < N; ++i)
                if ((m >> i) & 1u) n *= width_[i];
            dense_cells_[m] = n;
            detail::at_least(groups_[m].mass, n);  // dense mode keeps the vectors longer than its cells
            detail::at_least(groups_[m].mass2, n);
        }
        const std::size_t n_full = dense_cells_[lattice::full_set];
        detail::grid_masses(key, fire_.data(), rest_.data(), batch_, n_full, zeroed_, full.mass.data(), full.mass2.data());
        // The full grid as rows of the last source's bins: a subset's masses are sums of whole
        // rows (sets with the last source) or of each row's total (sets without it).
        constexpr std::uint32_t last = 1u << (N - 1), outer = lattice::full_set & ~last;
        const std::size_t row = width_[N - 1], rows = n_full / row;
        detail::at_least(projection_, rows);
        for (std::uint32_t m = 1; m < lattice::full_set; ++m) {
            project(outer, m & outer, projection_.data(), rows);
            for (int v = 0; v < 2; ++v) {
                const double* __restrict from = v == 0 ? full.mass.data() : full.mass2.data();
                double* __restrict to = v == 0 ? groups_[m].mass.data() : groups_[m].mass2.data();
                std::fill(to, to + dense_cells_[m], 0.0);
                if ((m & last) != 0) {
                    for (std::size_t e = 0; e < rows; ++e) {
                        double* t = to + std::size_t{projection_[e]} * row;
                        const double* f = from + e * row;
                        for (std::size_t r = 0; r < row; ++r) t[r] += f[r];
                    }
                } else {
                    for (std::size_t e = 0; e < rows; ++e) to[projection_[e]] += detail::row_sum(from + e * row, row);
                }
            }
        }
        // Most of a grid's cells are empty (the memory network's 120 have about 26 samples'
        // worth): every set keeps its occupied cells only, in grid order.
        for (std::uint32_t m = 1; m <= lattice::full_set; ++m) compact(m);
        detail::renumber_keys(key, batch_, renumber_[lattice::full_set].data());
    }

    // Dense mode: set m's occupied cells, renumbered in grid order (branch-free: which cells
    // are occupied is unpredictable; an empty cell's copy is overwritten by the next one's).
    void compact(std::uint32_t m) {
        auto& g = groups_[m];
        const std::size_t n = dense_cells_[m];
        detail::at_least(renumber_[m], n);
        detail::at_least(grid_cell_[m], n);
        const std::size_t occupied =
            detail::compact_cells(g.mass.data(), g.mass2.data(), n, renumber_[m].data(), grid_cell_[m].data());
        dense_cells_[m] = occupied;
        grid_size_[m] = n;
    }

    // Dense mode: the U-cell of every S-cell, for U a subset of S, in S-cell order. S's last
    // source varies fastest: rows of its width, along which the U-cell moves by a constant
    // step; an odometer over S's other digits moves between rows.
    void project(std::uint32_t s, std::uint32_t u, std::uint32_t* out, std::size_t n) const noexcept {
        if (s == 0) {  // the empty set has one cell
            std::fill(out, out + n, 0u);
            return;
        }
        std::array<std::uint32_t, N> digit{}, stride{};
        std::uint32_t step = 1;
        for (std::size_t i = N; i-- > 0;)
            if ((u >> i) & 1u) {
                stride[i] = step;
                step *= width_[i];
            }
        const std::size_t last = static_cast<std::size_t>(31 - std::countl_zero(s));
        const std::uint32_t row = width_[last], along = stride[last];
        std::uint32_t cell = 0;
        for (std::size_t c = 0; c < n; c += row) {
            for (std::uint32_t d = 0; d < row; ++d) out[c + d] = cell + d * along;
            for (std::size_t i = last; i-- > 0;) {
                if (((s >> i) & 1u) == 0) continue;
                if (++digit[i] < width_[i]) {
                    cell += stride[i];
                    break;
                }
                cell -= (width_[i] - 1) * stride[i];
                digit[i] = 0;
            }
        }
    }

    static double log2_or_zero(double p) noexcept { return p > 0 ? std::log2(p) : 0.0; }

    template <class K>
    void evaluate(const goal<N>& g, goal_result<N>& out) {
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
        // Increasing masks: every subset of S is done before S (see evaluate_support).
        detail::static_for<lattice::full_set>([&](auto s) { evaluate_support<decltype(s)::value + 1, K>(weight, sums); });

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
    // probabilities are log2(count) - log2(B). The stages: gather each subset's operands at
    // the S-cells, count their samples, run the cell kernel (all antichains of S on SIMD
    // batches of cells), then move the subsets' gradient contributions to their own cells.
    //
    // K is the kernel's arithmetic (double, or float for float firing probabilities); the
    // groups' masses and the gradient tables stay double.
    template <std::uint32_t S, class K>
    void evaluate_support(const std::array<double, size>& weight, std::array<double, size>& sums) {
        using plan = detail::support_plan<N, S>;
        const std::size_t n = cell_count(S);
        if constexpr (plan::n_chains == 0) {
            q_[S].assign(n, 0.0);
        } else {
            const operand_table<K> operands = gather_operands<S, K>();
            count_samples<S>(operands, n);
            const std::vector<K>& q_pad = cell_kernel<S, K>(operands, weight, sums);
            // q_[S] is first written here: supersets of S, which add to it, come later.
            q_[S].assign(q_pad.begin(), q_pad.begin() + static_cast<std::ptrdiff_t>(n));
            for (std::size_t j = 0; j + 1 < plan::n_subsets; ++j)
                spread(operands.spread(j), cells_of(j, operands.padded), n, q_[plan::subsets[j]]);
        }
    }

    // The cell kernel's operands for a support S: per subset U of S (S itself last), at each
    // S-cell, the masses m+ and m- of the U-cell that contains it, that U-cell's sample count,
    // and room for the gradient's contributions to it; padded with zero mass to whole SIMD
    // batches (padding cells contribute nothing).
    template <class K>
    struct operand_table {
        K* data;
        std::size_t padded;
        K* fire(std::size_t j) const noexcept { return data + (4 * j) * padded; }
        K* rest(std::size_t j) const noexcept { return data + (4 * j + 1) * padded; }
        K* spread(std::size_t j) const noexcept { return data + (4 * j + 2) * padded; }
        K* count(std::size_t j) const noexcept { return data + (4 * j + 3) * padded; }
    };

    // The U-cell of each S-cell, for subset j of the support being evaluated.
    std::uint32_t* cells_of(std::size_t j, std::size_t padded) noexcept { return cells_.data() + j * padded; }

    // Only the padding needs zeros: everything below the cell count is written here (no fill
    // of it all).
    template <std::uint32_t S, class K>
    operand_table<K> gather_operands() {
        using plan = detail::support_plan<N, S>;
        constexpr std::size_t lanes = xsimd::batch<K>::size, n_subsets = plan::n_subsets;
        const auto& group = groups_[S];
        const std::size_t n = cell_count(S), padded = (n + lanes - 1) / lanes * lanes;
        std::vector<K>& storage = buffers<K>().operands;
        storage.resize(4 * n_subsets * padded);
        cells_.resize(n_subsets * padded);
        const operand_table<K> op{storage.data(), padded};
        for (std::size_t j = 0; j < n_subsets; ++j) {
            const auto u = plan::subsets[j];
            K* of = op.fire(j);
            K* orr = op.rest(j);
            std::fill(of + n, of + padded, K(0));
            std::fill(orr + n, orr + padded, K(0));
            std::fill(op.count(j) + n, op.count(j) + padded, K(0));
            if (u == S) {
                std::copy(group.mass.begin(), group.mass.begin() + static_cast<std::ptrdiff_t>(n), of);
                std::copy(group.mass2.begin(), group.mass2.begin() + static_cast<std::ptrdiff_t>(n), orr);
                continue;
            }
            const double* gf = groups_[u].mass.data();
            const double* gr = groups_[u].mass2.data();
            std::uint32_t* cell_of = cells_of(j, padded);
            if (dense_) {  // S's grid cell, its U grid cell, and that cell's number
                detail::at_least(projection_, grid_size_[S]);
                project(S, u, projection_.data(), grid_size_[S]);
                const std::uint32_t* grid = grid_cell_[S].data();
                const std::uint32_t* renumber = renumber_[u].data();
                for (std::size_t c = 0; c < n; ++c) {
                    const std::uint32_t cell = renumber[projection_[grid[c]]];
                    cell_of[c] = cell;
                    of[c] = static_cast<K>(gf[cell]);
                    orr[c] = static_cast<K>(gr[cell]);
                }
                continue;
            }
            const auto* id = groups_[u].id.data();
            // An S-cell without samples (key-identity groupings keep empty keys, see
            // grouping.hpp) has its `first` row in another cell: its U-cells would be that
            // row's, and its unions no unions at all (counts past B, or below 0). Zero operands
            // make every union of such a cell empty, as it is.
            for (std::size_t c = 0; c < n; ++c) {
                const auto cell = id[group.first[c]];
                const double occupied = group.mass[c] + group.mass2[c] > 0 ? 1.0 : 0.0;
                cell_of[c] = cell;
                of[c] = static_cast<K>(occupied * gf[cell]);
                orr[c] = static_cast<K>(occupied * gr[cell]);
            }
        }
        return op;
    }

    // Sample counts per cell: m+ + m- up to rounding, an integer exactly after it. Unions of
    // counts are then exact integers, and log2 P = log2(count) - log2(B) comes from a table.
    template <std::uint32_t S, class K>
    static void count_samples(const operand_table<K> op, std::size_t n) {
        for (std::size_t j = 0; j < detail::support_plan<N, S>::n_subsets; ++j) {
            const K* of = op.fire(j);
            const K* orr = op.rest(j);
            K* oc = op.count(j);
            for (std::size_t c = 0; c < n; ++c) oc[c] = std::nearbyint(of[c] + orr[c]);
        }
    }

    // Per count k: log2 k (double kernel), or log2 of k's mantissa m, k = m 2^e with m in
    // [sqrt(1/2), sqrt(2)) as split() has it (float kernel). An empty union (k = 0) reads
    // as log2 DBL_MIN (its terms carry zero mass), or as k = 1. Built once per batch size.
    template <class K>
    const std::vector<K>& count_logs() {
        std::vector<K>& table = buffers<K>().log2_table;
        if (table.size() == batch_ + 1) return table;
        table.resize(batch_ + 1);
        table[0] = std::is_same_v<K, double> ? static_cast<K>(std::log2(DBL_MIN)) : K(0);
        for (std::size_t k = 1; k <= batch_; ++k) {
            const K e = std::is_same_v<K, double> ? K(0) : detail::split(xsimd::batch<K>(static_cast<K>(k))).e.get(0);
            table[k] = static_cast<K>(std::log2(static_cast<double>(k)) - static_cast<double>(e));
        }
        return table;
    }

    // Cell-major over SIMD batches of cells: each batch's operands are loaded once, every
    // antichain's unions, logs and ratios stay in registers, and the gradient tables are
    // written once per batch of cells. S, its subsets and its antichains' union terms are
    // compile-time constants (detail::support_plan), so that the operands and accumulators are
    // registers, not arrays indexed at run time. Adds the value's log terms to sums; returns
    // Q_S's contributions (padded) and leaves each subset's in operands.spread(j).
    template <std::uint32_t S, class K>
    const std::vector<K>& cell_kernel(const operand_table<K> op, const std::array<double, size>& weight,
                                      std::array<double, size>& sums) {
        using plan = detail::support_plan<N, S>;
        using batch_t = xsimd::batch<K>;
        constexpr std::size_t lanes = batch_t::size, n_subsets = plan::n_subsets, self = n_subsets - 1;
        const std::vector<K>& log2_table = count_logs<K>();
        const batch_t lb(static_cast<K>(log2_batch_)), tiny(std::numeric_limits<K>::min()), zero(K(0)), one(K(1)),
            inv_ln2(static_cast<K>(1.4426950408889634));
        std::array<batch_t, plan::n_chains> value, w;
        detail::static_for<plan::n_chains>([&](auto k) {
            value[k] = zero;
            w[k] = batch_t(static_cast<K>(weight[plan::chains[k].index]));
        });
        std::vector<K>& q_pad = buffers<K>().q_pad;
        q_pad.resize(op.padded);  // fully written below
        for (std::size_t c = 0; c < op.padded; c += lanes) {
            std::array<batch_t, n_subsets> f, r, m, acc;
            detail::static_for<n_subsets>([&](auto j) {
                f[j] = batch_t::load_unaligned(op.fire(j) + c);
                r[j] = batch_t::load_unaligned(op.rest(j) + c);
                m[j] = batch_t::load_unaligned(op.count(j) + c);
                acc[j] = zero;
            });
            const batch_t mf = f[self], mr = r[self];  // the S-cells' own masses
            batch_t qc = zero;
            // Every antichain of S: its value's log terms into value[k], its gradient's log
            // term into qc (Q_S) and its ratios into acc (Q_U per subset U).
            detail::static_for<plan::n_chains>([&](auto k) {
                constexpr std::size_t chain = decltype(k)::value;
                const batch_t pf = detail::union_sum<plan, chain>(f), pr = detail::union_sum<plan, chain>(r),
                              pn = detail::union_sum<plan, chain>(m);
                // Masses never exceed their union (a cell lies in its own union), so where a
                // union is empty its mass is zero: clamping keeps logs and ratios finite and
                // those terms vanish from the value; the gradient's log terms are dropped there.
                // One division for both logarithms and the ratio. With P = m 2^e (m near 1),
                // f = (m - 1) / (m + 1) and m+/P+ - m-/P- = (m+ 2^-e+ m- - m- 2^-e- m+) / (m+ m-)
                // share the denominator (m+ + 1)(m- + 1) m+ m-, which lies in [1.4, 33]: no
                // overflow or underflow, whatever the scale of P. Padding cells (empty
                // unions) give finite garbage in the ratio, selected away.
#ifdef XTENSOR_ENABLE_ASSERT  // checked builds (the tests): union counts index a table of B + 1
                if (!xsimd::all((pn >= zero) & (pn <= batch_t(static_cast<K>(batch_)))))
                    throw std::logic_error("internal error: a union count lies outside [0, B]");
#endif
                const auto sf = detail::split(xsimd::max(pf, tiny)), sr = detail::split(xsimd::max(pr, tiny));
                const batch_t af = sf.m + one, ar = sr.m + one, mm = sf.m * sr.m;
                const batch_t inv = one / (af * ar * mm);
                const batch_t half = mm * inv;  // 1 / (af ar)
                if constexpr (std::is_same_v<K, double>) {
                    const batch_t lf = detail::log2_series(sf.e, (sf.m - one) * ar * half);
                    const batch_t lr = detail::log2_series(sr.e, (sr.m - one) * af * half);
                    const batch_t lp = detail::gather(log2_table.data(), xsimd::to_int(pn));  // log2 count
                    value[k] += mf * (lf - lp) + mr * (lr - lp);
                    qc += w[k] * (xsimd::select(pf > zero, lf - lb, zero) - xsimd::select(pr > zero, lr - lb, zero));
                } else {
                    // In float, logs are kept as exponent + log2 of the mantissa, and differences
                    // of logs are taken part by part: log2 P+ and log2 P are both near log2 B,
                    // and subtracting them whole would lose log2 B's worth of precision (1e-6).
                    const batch_t lf = detail::log2_series(zero, (sf.m - one) * ar * half);
                    const batch_t lr = detail::log2_series(zero, (sr.m - one) * af * half);
                    const auto sn = detail::split(xsimd::max(pn, one));  // a count: exact
                    const batch_t ln = detail::gather(log2_table.data(), xsimd::to_int(pn));  // of its mantissa
                    const batch_t fire_share = (sf.e - sn.e) + (lf - ln);  // log2 (P+ / P)
                    const batch_t rest_share = (sr.e - sn.e) + (lr - ln);  // log2 (P- / P)
                    value[k] += mf * fire_share + mr * rest_share;
                    // dG/dtheta's log term: log2 P+ - log2 P-, or the one of them whose union
                    // has mass, as log2 (P / B) plus its share.
                    const auto has_fire = pf > zero, has_rest = pr > zero;
                    const batch_t both = (sf.e - sr.e) + (lf - lr);
                    const batch_t log_p = (sn.e - lb) + ln;  // log2 (P / B)
                    qc += w[k] * xsimd::select(has_fire & has_rest, both,
                                               xsimd::select(has_fire, fire_share + log_p,
                                                             xsimd::select(has_rest, -(rest_share + log_p), zero)));
                }
                const batch_t difference = xsimd::fms(mf * sf.scale, sr.m, mr * sr.scale * sf.m);
                const batch_t ratio = xsimd::select(pn > zero, w[k] * inv_ln2 * (difference * (af * ar) * inv), zero);
                detail::union_spread<plan, chain>(acc, ratio);
            });
            (qc + acc[self]).store_unaligned(q_pad.data() + c);
            detail::static_for<self>([&](auto j) { acc[j].store_unaligned(op.spread(j) + c); });
        }
        detail::static_for<plan::n_chains>([&](auto k) { sums[plan::chains[k].index] += xsimd::hadd(value[k]); });
        return q_pad;
    }

    // q[cell[c]] += value[c]. Many S-cells share a U-cell when U is small, and those additions
    // chain through memory: detail::add_histogram breaks the chains.
    template <class K>
    void spread(const K* value, const std::uint32_t* cell, std::size_t n, std::vector<double>& q) {
        detail::add_histogram<1, K>(cell, {value}, n, q.size(), partial_, {q.data()});
    }

    template <class K>
    struct kernel_buffers {
        std::vector<K> operands, q_pad, log2_table;
    };
    template <class K>
    kernel_buffers<K>& buffers() noexcept {
        if constexpr (std::is_same_v<K, float>) return float_buffers_;
        else return double_buffers_;
    }
    kernel_buffers<double> double_buffers_;
    kernel_buffers<float> float_buffers_;
    bool float_range_ = false;
    std::vector<double> partial_;
    std::vector<std::uint32_t> cells_;

    std::size_t batch_ = 0;
    double inv_batch_ = 1, log2_batch_ = 0;
    double constant_ = 0;
    std::array<std::vector<std::uint32_t>, N> columns_{};
    std::array<const std::uint32_t*, N> column_{};
    std::vector<double> total_;
    std::vector<double> fire_, rest_;
    detail::group_builder builder_;
    bool dense_ = false;
    std::array<std::uint32_t, N> low_{}, width_{};
    std::array<std::size_t, lattice::n_source_sets + 1> dense_cells_{}, grid_size_{};
    std::array<std::vector<std::uint32_t>, lattice::n_source_sets + 1> renumber_{}, grid_cell_{};
    std::vector<std::uint32_t> projection_;
    std::vector<double> zeroed_;  // all zero between calls (detail::grid_masses)
    std::array<detail::grouping, lattice::n_source_sets + 1> groups_{};
    std::array<std::vector<double>, lattice::n_source_sets + 1> q_{};
};

}  // namespace infomorph
