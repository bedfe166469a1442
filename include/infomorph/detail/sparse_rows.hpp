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
#include <bit>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include <xsimd/xsimd.hpp>

#include "infomorph/detail/parallel.hpp"
#include "infomorph/detail/simd.hpp"

namespace infomorph::detail {

// The products take x's columns in chunks of this many (see sparse_kernel::batches).
inline constexpr std::size_t sparse_chunk = 64;

template <class Real>
struct sparse_rows {
    Real background = 0;
    std::size_t rows = 0;
    std::size_t columns = 0;
    std::vector<std::uint32_t> start;   // row r's entries are [start[r], start[r + 1])
    std::vector<std::uint32_t> column;  // per entry: its column
    std::vector<Real> value;            // per entry: x - background (column and value may hold slack past the last row)
    // Row r's entries in columns [f, f + 1) * sparse_chunk start at chunk_start[r * (chunks() + 1) + f]
    // (the last of a row's chunks() + 1 values is start[r + 1]).
    std::vector<std::uint32_t> chunk_start;
    std::size_t chunks() const noexcept { return (columns + sparse_chunk - 1) / sparse_chunk; }
    std::vector<std::uint32_t> next;    // scratch of the transposed build
    std::vector<std::vector<std::uint32_t>> part_column;  // scratch of a build by rows on several threads
    std::vector<std::vector<Real>> part_value;
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

// The smallest entry of x[0, size) from chunks of a fixed size, in parallel: the chunks and the
// order that folds their minima depend on size alone, so even a NaN in x gives the same
// background for any thread count.
template <class Real>
Real smallest_in_chunks(const Real* x, std::size_t size, std::size_t threads) {
    constexpr std::size_t chunk = std::size_t{1} << 16;
    const std::size_t chunks = (size + chunk - 1) / chunk;
    std::vector<Real> least(chunks);
    parallel_blocks(threads, chunks, [&](std::size_t q) {
        least[q] = smallest(x + q * chunk, std::min(chunk, size - q * chunk));
    });
    Real b = least[0];
    for (std::size_t q = 1; q < chunks; ++q) b = std::min(b, least[q]);
    return b;
}

// x's rows into out, one pass; false (out unspecified) once more than `most` entries differ.
// One thread appends straight into out; more scan row blocks into parts of their own, then
// copy the parts into place.
template <class Real>
bool by_rows(const Real* x, std::size_t rows, std::size_t columns, std::size_t most, std::size_t threads,
             sparse_rows<Real>& out) {
    out.rows = rows;
    out.columns = columns;
    out.start.resize(rows + 1);
    out.start[0] = 0;
    const Real b = out.background;
    const std::size_t parts = std::max<std::size_t>(1, std::min(threads, rows));
    // Rows [r0, r1) into column and value from their start; each row may write `columns`
    // slots past its last entry, so a part grows its storage ahead of a row that might not fit
    // (and keeps it for the next batch).
    const auto scan = [&](std::size_t r0, std::size_t r1, auto& column, auto& value) {
        std::size_t k = 0;
        for (std::size_t r = r0; r < r1; ++r) {
            if (column.size() < k + columns) {
                column.resize(std::max(k + columns, column.size() + column.size() / 2));
                value.resize(column.size());
            }
            append_other(x + r * columns, columns, b, column.data(), value.data(), k);
            if (k > most) return false;
            out.start[r + 1] = static_cast<std::uint32_t>(k);
        }
        return true;
    };
    if (parts == 1) {
        if (out.column.size() < most + columns) {  // at once: a denser input stops at the first row past `most`
            out.column.resize(most + columns);
            out.value.resize(most + columns);
        }
        return scan(0, rows, out.column, out.value);
    }
    out.part_column.resize(parts);
    out.part_value.resize(parts);
    std::vector<std::size_t> offset(parts + 1, 0);
    std::vector<char> fits(parts, 0);
    parallel_blocks(parts, parts, [&](std::size_t p) {
        const std::size_t r0 = block_begin(rows, parts, p), r1 = block_begin(rows, parts, p + 1);
        fits[p] = scan(r0, r1, out.part_column[p], out.part_value[p]) ? 1 : 0;
        offset[p + 1] = r1 > r0 ? out.start[r1] : 0;
    });
    for (std::size_t p = 0; p < parts; ++p) {
        if (!fits[p]) return false;
        offset[p + 1] += offset[p];
    }
    if (offset[parts] > most) return false;
    if (out.column.size() < offset[parts]) {
        out.column.resize(offset[parts]);
        out.value.resize(offset[parts]);
    }
    parallel_blocks(parts, parts, [&](std::size_t p) {
        const std::size_t r0 = block_begin(rows, parts, p), r1 = block_begin(rows, parts, p + 1);
        const std::size_t n = offset[p + 1] - offset[p];
        std::copy_n(out.part_column[p].data(), n, out.column.data() + offset[p]);
        std::copy_n(out.part_value[p].data(), n, out.value.data() + offset[p]);
        for (std::size_t r = r0; r < r1; ++r) out.start[r + 1] += static_cast<std::uint32_t>(offset[p]);
    });
    return true;
}

// x's columns (as rows of x^T) into out by a counting sort: counts per column, then each row's
// entries to their columns' next slots, so that within a column the rows stay in increasing
// order. Threads take blocks of whole SIMD batches of columns and write only their own
// columns' slots.
template <class Real>
bool by_columns(const Real* x, std::size_t rows, std::size_t columns, std::size_t most, std::size_t threads,
                sparse_rows<Real>& out) {
    using batch = xsimd::batch<Real>;
    constexpr std::size_t L = batch::size;
    const Real b = out.background;
    out.rows = columns;
    out.columns = rows;
    out.start.assign(columns + 1, 0);
    const std::size_t parts = std::max<std::size_t>(1, std::min(threads, columns / L));
    const auto first = [&](std::size_t p) { return p == parts ? columns : L * block_begin(columns / L, parts, p); };
    std::uint32_t* count = out.start.data() + 1;
    parallel_blocks(parts, parts, [&](std::size_t p) {
        const std::size_t c0 = first(p), c1 = first(p + 1);
        for (std::size_t r = 0; r < rows; ++r) {
            const Real* row = x + r * columns;
            for (std::size_t c = c0; c < c1; ++c) count[c] += row[c] != b ? 1u : 0u;
        }
    });
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
    const batch background(b);
    parallel_blocks(parts, parts, [&](std::size_t p) {
        const std::size_t c0 = first(p), c1 = first(p + 1);
        for (std::size_t r = 0; r < rows; ++r) {
            const Real* row = x + r * columns;
            std::size_t c = c0;
            for (; c + L <= c1; c += L)
                // The set bits of a mask, not a branch per column: a branch on image pixels
                // mispredicts often.
                for (std::uint64_t m = lane_bits(batch::load_unaligned(row + c) != background); m != 0; m &= m - 1) {
                    const std::size_t e = c + static_cast<std::size_t>(std::countr_zero(m));
                    place(r, e, row[e]);
                }
            for (; c < c1; ++c)
                if (row[c] != b) place(r, c, row[c]);
        }
    });
    return true;
}

// out.chunk_start from its rows' entries, rows in blocks across threads.
template <class Real>
void chunk_starts(sparse_rows<Real>& out, std::size_t threads) {
    const std::size_t chunks = out.chunks(), parts = std::max<std::size_t>(1, std::min(threads, out.rows / 64));
    out.chunk_start.resize(out.rows * (chunks + 1));
    parallel_blocks(parts, parts, [&](std::size_t p) {
        for (std::size_t r = block_begin(out.rows, parts, p); r < block_begin(out.rows, parts, p + 1); ++r) {
            std::uint32_t k = out.start[r];
            const std::uint32_t end = out.start[r + 1];
            std::uint32_t* at = out.chunk_start.data() + r * (chunks + 1);
            for (std::size_t f = 0; f < chunks; ++f) {
                at[f] = k;
                const auto past = static_cast<std::uint32_t>(std::min((f + 1) * sparse_chunk, out.columns));
                while (k < end && out.column[k] < past) ++k;
            }
            at[chunks] = end;
        }
    });
}

}  // namespace sparse_scan

// The smallest value of x [rows x columns] as background and, when at most `max_share` of the
// entries differ from it, x's rows (transposed: x's columns, as rows of x^T) into out, on up to
// `threads` threads (the same out for any count). Returns false, out unspecified, for denser x.
template <class Real>
bool make_sparse_rows(const Real* x, std::size_t rows, std::size_t columns, bool transposed, double max_share,
                      sparse_rows<Real>& out, std::size_t threads = 1) {
    const std::size_t size = rows * columns;
    if (size == 0) return false;
    out.background = sparse_scan::smallest_in_chunks(x, size, threads);
    const auto most = static_cast<std::size_t>(max_share * static_cast<double>(size));
    if (!(transposed ? sparse_scan::by_columns(x, rows, columns, most, threads, out)
                     : sparse_scan::by_rows(x, rows, columns, most, threads, out)))
        return false;
    sparse_scan::chunk_starts(out, threads);
    return true;
}

// The width of a column block of sparse_times: eight SIMD batches, the accumulators of one
// output row in registers (64 floats with AVX2, 128 with AVX-512).
template <class Real>
inline constexpr std::size_t sparse_block = 8 * xsimd::batch<Real>::size;

namespace sparse_kernel {

// The rows that pass a chunk of columns together. Their sums take 16 KB (32 x 128 floats with
// AVX-512), the chunk's dense rows 32 KB (64 x 128 floats); 32 rows and chunks of 64 columns
// were the fastest of the sizes tried on MNIST batches (docs/benchmarks.md).
inline constexpr std::size_t rows_together = 32;

// Rows [r0, r1) of x times the columns [0, K lanes) of a dense block (row c at dense + c * ld),
// plus offset[j]. Store: out[r * ldo + j] = the sum. Transposed: out[j * ldo + r] += the sum
// for j >= skip.
// Blocks of rows_together rows pass x's columns one chunk (sparse_chunk columns) at a time, so
// that the chunk's dense rows are read from L1 by every row of the block: row by row, each
// entry's dense row (K cache lines) came from L2, whose bandwidth bounded the product. Each
// row's sums wait in a buffer between chunks; every sum still takes offset, then the entries
// by increasing column, with the same operations.
template <std::size_t K, bool Transposed, class Real>
void batches(const sparse_rows<Real>& x, std::size_t r0, std::size_t r1, const Real* dense, std::size_t ld,
             const Real* offset, Real* out, std::size_t ldo, std::size_t skip) {
    using batch = xsimd::batch<Real>;
    constexpr std::size_t L = batch::size, W = K * L;
    const std::uint32_t* column = x.column.data();
    const Real* value = x.value.data();
    const std::size_t chunks = x.chunks();
    alignas(64) Real sums[rows_together * W];
    for (std::size_t b0 = r0; b0 < r1; b0 += rows_together) {
        const std::size_t b1 = std::min(r1, b0 + rows_together);
        for (std::size_t r = b0; r < b1; ++r) std::copy_n(offset, W, sums + (r - b0) * W);
        for (std::size_t f = 0; f < chunks; ++f)
            for (std::size_t r = b0; r < b1; ++r) {
                const std::uint32_t* at = x.chunk_start.data() + r * (chunks + 1) + f;
                const std::uint32_t k0 = at[0], k1 = at[1];
                if (k0 == k1) continue;
                Real* s = sums + (r - b0) * W;
                std::array<batch, K> acc;
                for (std::size_t q = 0; q < K; ++q) acc[q] = batch::load_aligned(s + q * L);
                for (std::uint32_t k = k0; k < k1; ++k) {
                    const batch v(value[k]);
                    const Real* d = dense + std::size_t{column[k]} * ld;
                    for (std::size_t q = 0; q < K; ++q) acc[q] = xsimd::fma(v, batch::load_unaligned(d + q * L), acc[q]);
                }
                for (std::size_t q = 0; q < K; ++q) acc[q].store_aligned(s + q * L);
            }
        for (std::size_t r = b0; r < b1; ++r) {
            const Real* s = sums + (r - b0) * W;
            if constexpr (Transposed) {
                for (std::size_t j = skip; j < W; ++j) out[j * ldo + r] += s[j];
            } else {
                std::copy_n(s, W, out + r * ldo);
            }
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
