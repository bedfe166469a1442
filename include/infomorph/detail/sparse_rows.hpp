#pragma once
// A matrix as one background value plus its other entries, row by row (compressed sparse rows
// of x - b), and its product with a dense matrix. Normalised MNIST images are about 80 %
// background (the normalised 0), so the first layer's feedforward products over these rows
// take about a fifth of a GEMM's multiply-adds:
//   (x D)[r, j] = b (1^T D)[j] + sum over the entries k of row r of (x - b)[r, c_k] D[c_k, j].
// Every output sums its terms in one fixed order (b's term, then the entries by increasing
// column), whatever the threads: the same bits for any thread count.

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include <xsimd/xsimd.hpp>

#include "infomorph/detail/simd.hpp"

namespace infomorph::detail {

template <class Real>
struct sparse_rows {
    Real background = 0;
    std::size_t rows = 0;
    std::vector<std::uint32_t> start;   // row r's entries are [start[r], start[r + 1])
    std::vector<std::uint32_t> column;  // per entry: its column
    std::vector<Real> value;            // per entry: x - background (column and value may hold slack past the last row)
    std::vector<std::uint32_t> next;    // scratch of the transposed build
};

namespace sparse_scan {

// The smallest entry of x[0, size), size > 0, in SIMD batches (a scalar min chain would wait
// on its latency; compilers do not reorder it without -ffast-math).
template <class Real>
Real smallest(const Real* x, std::size_t size) {
    using batch = xsimd::batch<Real>;
    constexpr std::size_t L = batch::size;
    Real b = x[0];
    std::size_t e = 0;
    if (size >= 4 * L) {  // four chains: one would wait on the min's latency
        std::array<batch, 4> m;
        for (std::size_t q = 0; q < 4; ++q) m[q] = batch::load_unaligned(x + q * L);
        for (e = 4 * L; e + 4 * L <= size; e += 4 * L)
            for (std::size_t q = 0; q < 4; ++q) m[q] = xsimd::min(m[q], batch::load_unaligned(x + e + q * L));
        alignas(64) Real lanes[L];
        xsimd::min(xsimd::min(m[0], m[1]), xsimd::min(m[2], m[3])).store_aligned(lanes);
        for (std::size_t l = 0; l < L; ++l) b = std::min(b, lanes[l]);
    }
    for (; e < size; ++e) b = std::min(b, x[e]);
    return b;
}

// Appends the columns c of `row` whose value is not b, and their values minus b, at k, k + 1,
// ..: k advances past them. Whole SIMD batches of background (an image's border and gaps)
// are passed over at once; in the others every column is written and kept (k advances) only
// when it differs, without a branch: the arrays need `columns` slots of slack past the end.
template <class Real>
INFOMORPH_ALWAYS_INLINE void append_other(const Real* row, std::size_t columns, Real b, std::uint32_t* column,
                                          Real* value, std::size_t& k) {
    using batch = xsimd::batch<Real>;
    constexpr std::size_t L = batch::size;
    const batch background(b);
    std::size_t c = 0;
    for (; c + L <= columns; c += L)
        if (xsimd::any(batch::load_unaligned(row + c) != background))
            for (std::size_t e = c; e < c + L; ++e) {
                column[k] = static_cast<std::uint32_t>(e);
                value[k] = row[e] - b;
                k += row[e] != b ? 1 : 0;
            }
    for (; c < columns; ++c) {
        column[k] = static_cast<std::uint32_t>(c);
        value[k] = row[c] - b;
        k += row[c] != b ? 1 : 0;
    }
}

}  // namespace sparse_scan

// The smallest value of x [rows x columns] as background and, when at most `max_share` of the
// entries differ from it, x's rows (transposed: x's columns, as rows of x^T) into out.
// Returns false, out unspecified, for denser x.
template <class Real>
bool make_sparse_rows(const Real* x, std::size_t rows, std::size_t columns, bool transposed, double max_share,
                      sparse_rows<Real>& out) {
    const std::size_t size = rows * columns;
    if (size == 0) return false;
    const Real b = sparse_scan::smallest(x, size);
    const auto most = static_cast<std::size_t>(max_share * static_cast<double>(size));
    out.background = b;
    if (!transposed) {
        // One pass; a denser input stops at the first row that passes `most` entries.
        out.rows = rows;
        out.start.resize(rows + 1);
        out.start[0] = 0;
        if (out.column.size() < most + columns) {
            out.column.resize(most + columns);
            out.value.resize(most + columns);
        }
        std::size_t k = 0;
        for (std::size_t r = 0; r < rows; ++r) {
            sparse_scan::append_other(x + r * columns, columns, b, out.column.data(), out.value.data(), k);
            if (k > most) return false;
            out.start[r + 1] = static_cast<std::uint32_t>(k);
        }
        return true;
    }
    // By columns: a counting sort. Counts per column (a vectorised pass), then each row's
    // entries to their columns' next slots; within a column, rows stay in increasing order.
    out.rows = columns;
    out.start.assign(columns + 1, 0);
    std::uint32_t* count = out.start.data() + 1;
    for (std::size_t r = 0; r < rows; ++r) {
        const Real* row = x + r * columns;
        for (std::size_t c = 0; c < columns; ++c) count[c] += row[c] != b ? 1u : 0u;
    }
    for (std::size_t c = 0; c < columns; ++c) out.start[c + 1] += out.start[c];
    const std::size_t other = out.start[columns];
    if (other > most) return false;
    out.column.resize(other);
    out.value.resize(other);
    out.next.assign(out.start.begin(), out.start.end() - 1);
    std::uint32_t* next = out.next.data();
    const auto place = [&](std::size_t r, std::size_t c, Real v) {
        const std::uint32_t k = next[c]++;
        out.column[k] = static_cast<std::uint32_t>(r);
        out.value[k] = v - b;
    };
    using batch = xsimd::batch<Real>;
    constexpr std::size_t L = batch::size;
    const batch background(b);
    for (std::size_t r = 0; r < rows; ++r) {
        const Real* row = x + r * columns;
        std::size_t c = 0;
        for (; c + L <= columns; c += L)
            if (xsimd::any(batch::load_unaligned(row + c) != background))
                for (std::size_t e = c; e < c + L; ++e)
                    if (row[e] != b) place(r, e, row[e]);
        for (; c < columns; ++c)
            if (row[c] != b) place(r, c, row[c]);
    }
    return true;
}

// The width of a column block of sparse_times: eight SIMD batches, the accumulators of one
// output row in registers (64 floats with AVX2, 128 with AVX-512).
template <class Real>
inline constexpr std::size_t sparse_block = 8 * xsimd::batch<Real>::size;

namespace sparse_kernel {

// Rows [r0, r1) of x times the columns [0, K lanes) of a dense block (row c at dense + c * ld),
// plus offset[j]: K SIMD batches of columns, each output row's sums in registers.
// Store: out[r * ldo + j] = the sum. Transposed: out[j * ldo + r] += the sum for j >= skip.
template <std::size_t K, bool Transposed, class Real>
void batches(const sparse_rows<Real>& x, std::size_t r0, std::size_t r1, const Real* dense, std::size_t ld,
             const Real* offset, Real* out, std::size_t ldo, std::size_t skip) {
    using batch = xsimd::batch<Real>;
    constexpr std::size_t L = batch::size;
    const std::uint32_t* column = x.column.data();
    const Real* value = x.value.data();
    for (std::size_t r = r0; r < r1; ++r) {
        std::array<batch, K> acc;
        for (std::size_t q = 0; q < K; ++q) acc[q] = batch::load_unaligned(offset + q * L);
        for (std::uint32_t k = x.start[r]; k < x.start[r + 1]; ++k) {
            const batch v(value[k]);
            const Real* d = dense + std::size_t{column[k]} * ld;
            for (std::size_t q = 0; q < K; ++q) acc[q] = xsimd::fma(v, batch::load_unaligned(d + q * L), acc[q]);
        }
        if constexpr (Transposed) {
            alignas(64) Real sums[K * L];
            for (std::size_t q = 0; q < K; ++q) acc[q].store_aligned(sums + q * L);
            for (std::size_t j = skip; j < K * L; ++j) out[j * ldo + r] += sums[j];
        } else {
            for (std::size_t q = 0; q < K; ++q) acc[q].store_unaligned(out + r * ldo + q * L);
        }
    }
}

// Blocks narrower than one SIMD batch, one column at a time.
template <bool Transposed, class Real>
void narrow(const sparse_rows<Real>& x, std::size_t r0, std::size_t r1, const Real* dense, std::size_t ld,
            std::size_t width, const Real* offset, Real* out, std::size_t ldo) {
    for (std::size_t r = r0; r < r1; ++r)
        for (std::size_t j = 0; j < width; ++j) {
            Real acc = offset[j];
            for (std::uint32_t k = x.start[r]; k < x.start[r + 1]; ++k)
                acc = xsimd::fma(x.value[k], dense[std::size_t{x.column[k]} * ld + j], acc);
            if constexpr (Transposed) out[j * ldo + r] += acc;
            else out[r * ldo + j] = acc;
        }
}

template <bool Transposed, class Real, std::size_t... K>
void dispatch(std::size_t batches_wide, std::index_sequence<K...>, const sparse_rows<Real>& x, std::size_t r0,
              std::size_t r1, const Real* dense, std::size_t ld, const Real* offset, Real* out, std::size_t ldo) {
    using fn = void (*)(const sparse_rows<Real>&, std::size_t, std::size_t, const Real*, std::size_t, const Real*,
                        Real*, std::size_t, std::size_t);
    static constexpr fn table[] = {&batches<K + 1, Transposed, Real>...};
    table[batches_wide - 1](x, r0, r1, dense, ld, offset, out, ldo, 0);
}

}  // namespace sparse_kernel

// One block of (x D + 1 offset) for rows [r0, r1) of x and columns [0, width) of the block,
// width <= sparse_block<Real>: dense row c of the block at dense + c * ld, offset[j] the
// term of column j (b (1^T D)[j]). Store: out[r * ldo + j] = the value (out points at the
// block's first column). Transposed: out[j * ldo + r] += the value (out at the block's first
// row), as a gradient dW = (x^T delta)^T accumulates into [columns x rows] storage.
// Columns past the last whole SIMD batch take one more batch that ends at `width`: its lanes
// repeat columns already done with the same operations in the same order, so a store writes
// the same bits again, and the transposed sums skip them.
template <bool Transposed, class Real>
void sparse_times(const sparse_rows<Real>& x, std::size_t r0, std::size_t r1, const Real* dense, std::size_t ld,
                  std::size_t width, const Real* offset, Real* out, std::size_t ldo) {
    constexpr std::size_t L = xsimd::batch<Real>::size;
    const std::size_t whole = width / L;
    if (whole == 0) return sparse_kernel::narrow<Transposed>(x, r0, r1, dense, ld, width, offset, out, ldo);
    sparse_kernel::dispatch<Transposed>(whole, std::make_index_sequence<sparse_block<Real> / L>{}, x, r0, r1, dense,
                                        ld, offset, out, ldo);
    if (whole * L == width) return;
    const std::size_t last = width - L;
    sparse_kernel::batches<1, Transposed>(x, r0, r1, dense + last, ld, offset + last,
                                          Transposed ? out + last * ldo : out + last, ldo, whole * L - last);
}

}  // namespace infomorph::detail
