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
#include <type_traits>
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
    std::vector<std::vector<std::uint32_t>> part_column;  // scratch of a build on several threads
    std::vector<std::vector<Real>> part_value;
    std::vector<std::vector<Real>> part_strip;            // scratch of the transposed build: x's columns as rows
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

// Appends the columns c in [c0, c1) of `row` whose value is not b, and their values minus b,
// at k, k + 1, ..: k advances past them. c0 is a multiple of the SIMD width. With AVX-512 a
// batch's entries are packed by a compress and stored whole; otherwise whole batches of
// background (an image's border and gaps) are passed over at once, and in the others every
// column is written and kept (k advances) only when it differs, without a branch (a branch on
// image pixels mispredicts often). Either way the arrays need a batch of slack past the end.
// "Differs" is the scalar !=, true for a NaN: a NaN input is kept as an entry and reaches the
// products, as it would reach a GEMM's (xsimd's batch != is false for NaN lanes).
template <class Real>
INFOMORPH_ALWAYS_INLINE void append_other(const Real* row, std::size_t c0, std::size_t c1, Real b,
                                          std::uint32_t* column, Real* value, std::size_t& k) {
    using batch = xsimd::batch<Real>;
    constexpr std::size_t L = batch::size;
    std::size_t c = c0;
#if defined(__AVX512F__)
    if constexpr (L * sizeof(Real) == 64) {
        const batch background(b);
        const __m512i lanes = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        for (; c + L <= c1; c += L) {
            const batch v = batch::load_unaligned(row + c);
            const auto differs = static_cast<std::uint32_t>(~lane_bits(v == background) & ((1u << L) - 1));
            const __m512i at = _mm512_add_epi32(lanes, _mm512_set1_epi32(static_cast<int>(c)));
            if constexpr (std::is_same_v<Real, float>) {
                _mm512_storeu_ps(value + k, _mm512_maskz_compress_ps(static_cast<__mmask16>(differs), v - background));
                _mm512_storeu_si512(column + k, _mm512_maskz_compress_epi32(static_cast<__mmask16>(differs), at));
            } else {
                _mm512_storeu_pd(value + k, _mm512_maskz_compress_pd(static_cast<__mmask8>(differs), v - background));
                _mm256_storeu_si256(reinterpret_cast<__m256i*>(column + k),
                                    _mm512_castsi512_si256(_mm512_maskz_compress_epi32(static_cast<__mmask16>(differs), at)));
            }
            k += static_cast<std::size_t>(std::popcount(differs));
        }
    }
#endif
    const batch background(b);
    for (; c + L <= c1; c += L)
        if (!xsimd::all(batch::load_unaligned(row + c) == background))
            for (std::size_t e = c; e < c + L; ++e) {
                column[k] = static_cast<std::uint32_t>(e);
                value[k] = row[e] - b;
                k += row[e] != b ? 1 : 0;
            }
    for (; c < c1; ++c) {
        column[k] = static_cast<std::uint32_t>(c);
        value[k] = row[c] - b;
        k += row[c] != b ? 1 : 0;
    }
}

// One row of `columns` values appended as above, chunk by chunk: at[f] = where chunk f's
// entries start (at[chunks] is left to the caller).
template <class Real>
INFOMORPH_ALWAYS_INLINE void append_row(const Real* row, std::size_t columns, Real b, std::uint32_t* column,
                                        Real* value, std::size_t& k, std::uint32_t* at) {
    static_assert(sparse_chunk % xsimd::batch<Real>::size == 0, "chunks of whole SIMD batches");
    for (std::size_t c = 0; c < columns; c += sparse_chunk) {
        *at++ = static_cast<std::uint32_t>(k);
        append_other(row, c, std::min(c + sparse_chunk, columns), b, column, value, k);
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

// Rows [r0, r1) of a row source, appended into (column, value) at k; row(r) gives row r's
// `columns` values. Records out.start[r + 1] and row r's chunk starts as positions in these
// arrays. Each row may write a batch past its last entry, so the arrays grow ahead of a row
// that might not fit (and keep their size for the next batch). False once more than `most`
// entries differ.
template <class Real, class Row>
bool scan_rows(Row&& row, std::size_t r0, std::size_t r1, std::size_t most, sparse_rows<Real>& out,
               std::vector<std::uint32_t>& column, std::vector<Real>& value, std::size_t& k) {
    const std::size_t columns = out.columns, chunks = out.chunks();
    const Real b = out.background;
    for (std::size_t r = r0; r < r1; ++r) {
        if (column.size() < k + columns + xsimd::batch<Real>::size) {
            column.resize(std::max(k + columns + xsimd::batch<Real>::size, column.size() + column.size() / 2));
            value.resize(column.size());
        }
        std::uint32_t* at = out.chunk_start.data() + r * (chunks + 1);
        append_row(row(r), columns, b, column.data(), value.data(), k, at);
        if (k > most) return false;
        out.start[r + 1] = at[chunks] = static_cast<std::uint32_t>(k);
    }
    return true;
}

// All rows of a row source into out: one thread appends straight into out; more scan blocks
// of rows into parts of their own (part p: rows [first[p], first[p + 1])), then copy the parts
// into place and shift their starts. scan(p, column, value) scans part p.
template <class Real, class Scan>
bool gather_parts(std::size_t parts, std::size_t most, sparse_rows<Real>& out, const std::vector<std::size_t>& first,
                  Scan&& scan) {
    const std::size_t chunks = out.chunks();
    out.start.resize(out.rows + 1);
    out.start[0] = 0;
    out.chunk_start.resize(out.rows * (chunks + 1));
    if (parts == 1) return scan(std::size_t{0}, out.column, out.value);
    out.part_column.resize(parts);
    out.part_value.resize(parts);
    std::vector<std::size_t> offset(parts + 1, 0);
    std::vector<char> fits(parts, 0);
    parallel_blocks(parts, parts, [&](std::size_t p) {
        fits[p] = scan(p, out.part_column[p], out.part_value[p]) ? 1 : 0;
        offset[p + 1] = first[p + 1] > first[p] ? out.start[first[p + 1]] : 0;
    });
    for (std::size_t p = 0; p < parts; ++p) {
        if (!fits[p]) return false;
        offset[p + 1] += offset[p];
    }
    if (offset[parts] > most) return false;
    if (out.column.size() < offset[parts] + xsimd::batch<Real>::size) {
        out.column.resize(offset[parts] + xsimd::batch<Real>::size);
        out.value.resize(out.column.size());
    }
    parallel_blocks(parts, parts, [&](std::size_t p) {
        const std::size_t n = offset[p + 1] - offset[p];
        const auto shift = static_cast<std::uint32_t>(offset[p]);
        std::copy_n(out.part_column[p].data(), n, out.column.data() + offset[p]);
        std::copy_n(out.part_value[p].data(), n, out.value.data() + offset[p]);
        for (std::size_t r = first[p]; r < first[p + 1]; ++r) {
            out.start[r + 1] += shift;
            for (std::size_t f = 0; f <= chunks; ++f) out.chunk_start[r * (chunks + 1) + f] += shift;
        }
    });
    return true;
}

// x's rows into out; false (out unspecified) once more than `most` entries differ.
template <class Real>
bool by_rows(const Real* x, std::size_t rows, std::size_t columns, std::size_t most, std::size_t threads,
             sparse_rows<Real>& out) {
    out.rows = rows;
    out.columns = columns;
    const std::size_t parts = std::max<std::size_t>(1, std::min(threads, rows));
    std::vector<std::size_t> first(parts + 1);
    for (std::size_t p = 0; p <= parts; ++p) first[p] = block_begin(rows, parts, p);
    const auto row = [&](std::size_t r) { return x + r * columns; };
    return gather_parts(parts, most, out, first, [&](std::size_t p, auto& column, auto& value) {
        std::size_t k = 0;
        return scan_rows(row, first[p], first[p + 1], most, out, column, value, k);
    });
}

// The columns [c0, c0 + width) of x as rows of `strip` (width rows of `rows` values): 16 x 16
// register transposes where they exist, for whole blocks, with the rows two blocks ahead
// prefetched (each row's part of a strip is a line or a few, a whole row of x apart: a stride
// the prefetchers follow late); one value at a time for the rest.
template <class Real>
void transpose_strip(const Real* x, std::size_t rows, std::size_t columns, std::size_t c0, std::size_t width,
                     Real* strip) {
    std::size_t r = 0, whole = 0;
#if defined(__AVX512F__)  // transpose_16x16 exists
    if constexpr (sizeof(Real) == 4) {
        whole = width / 16 * 16;
        if (whole > 0)
            for (; r + 16 <= rows; r += 16) {
                if (r + 48 <= rows)
                    for (std::size_t q = 32; q < 48; ++q)
                        for (std::size_t c = 0; c < whole; c += 16)
                            _mm_prefetch(reinterpret_cast<const char*>(x + (r + q) * columns + c0 + c), _MM_HINT_T0);
                for (std::size_t c = 0; c < whole; c += 16)
                    transpose_16x16(x + r * columns + c0 + c, columns, strip + c * rows + r, rows);
            }
    }
#endif
    for (std::size_t rr = 0; rr < rows; ++rr)
        for (std::size_t c = rr < r ? whole : 0; c < width; ++c) strip[c * rows + rr] = x[rr * columns + c0 + c];
}

// x's columns (as rows of x^T) into out: strips of 32 columns are transposed into a buffer of
// their own (32 rows of x^T, 128 KB for a batch of 1024 floats, in L2) and scanned as rows.
// Threads take blocks of whole strips. (A counting sort, placing each entry at its column's
// next slot, took a scattered write per entry and a second pass over x to count.)
template <class Real>
bool by_columns(const Real* x, std::size_t rows, std::size_t columns, std::size_t most, std::size_t threads,
                sparse_rows<Real>& out) {
    constexpr std::size_t S = 32;
    out.rows = columns;
    out.columns = rows;
    const std::size_t strips = (columns + S - 1) / S, parts = std::max<std::size_t>(1, std::min(threads, strips));
    std::vector<std::size_t> first(parts + 1);
    for (std::size_t p = 0; p <= parts; ++p) first[p] = std::min(columns, S * block_begin(strips, parts, p));
    out.part_strip.resize(parts);
    return gather_parts(parts, most, out, first, [&](std::size_t p, auto& column, auto& value) {
        auto& strip = out.part_strip[p];
        strip.resize(S * rows);
        std::size_t k = 0;
        for (std::size_t c0 = first[p]; c0 < first[p + 1]; c0 += S) {
            const std::size_t width = std::min(S, columns - c0);
            transpose_strip(x, rows, columns, c0, width, strip.data());
            const auto row = [&](std::size_t c) { return strip.data() + (c - c0) * rows; };
            if (!scan_rows(row, c0, c0 + width, most, out, column, value, k)) return false;
        }
        return true;
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
    return transposed ? sparse_scan::by_columns(x, rows, columns, most, threads, out)
                      : sparse_scan::by_rows(x, rows, columns, most, threads, out);
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

// Rows [r0, r1) of x times K SIMD batches of columns of a dense block (row c at dense + c * ld),
// plus offset[j]: batch q < K - 1 holds columns [q L, (q + 1) L), the last one [last, last + L)
// (last = (K - 1) L, or less for a width that is not whole batches: its lanes below (K - 1) L
// repeat columns of the other batches, with the same operations). Store: out[r * ldo + j] = the
// sum (repeated lanes write the same bits again). Transposed: out[j * ldo + r] += the sum, once
// per column. Without Tail, last is (K - 1) L and every offset a constant.
// Blocks of rows_together rows pass x's columns one chunk (sparse_chunk columns) at a time, so
// that the chunk's dense rows are read from L1 by every row of the block: row by row, each
// entry's dense row (K cache lines) came from L2, whose bandwidth bounded the product. Each
// row's sums wait in a buffer between chunks; every sum still takes offset, then the entries
// by increasing column, with the same operations. The overlapping last batch rides along in the
// same pass: as a pass of its own it paid each entry's loads and broadcast again for one batch.
template <std::size_t K, bool Tail, bool Transposed, class Real>
void batches(const sparse_rows<Real>& x, std::size_t r0, std::size_t r1, const Real* dense, std::size_t ld,
             const Real* offset, Real* out, std::size_t ldo, std::size_t last) {
    using batch = xsimd::batch<Real>;
    constexpr std::size_t L = batch::size, W = K * L;
    std::array<std::size_t, K> at;  // the first column of each batch
    for (std::size_t q = 0; q < K; ++q) at[q] = Tail && q + 1 == K ? last : q * L;
    const std::uint32_t* column = x.column.data();
    const Real* value = x.value.data();
    const std::size_t chunks = x.chunks();
    alignas(64) Real sums[rows_together * W];
    for (std::size_t b0 = r0; b0 < r1; b0 += rows_together) {
        const std::size_t b1 = std::min(r1, b0 + rows_together);
        for (std::size_t r = b0; r < b1; ++r)
            for (std::size_t q = 0; q < K; ++q) std::copy_n(offset + at[q], L, sums + (r - b0) * W + q * L);
        for (std::size_t f = 0; f < chunks; ++f)
            for (std::size_t r = b0; r < b1; ++r) {
                const std::uint32_t* starts = x.chunk_start.data() + r * (chunks + 1) + f;
                const std::uint32_t k0 = starts[0], k1 = starts[1];
                if (k0 == k1) continue;
                Real* s = sums + (r - b0) * W;
                std::array<batch, K> acc;
                for (std::size_t q = 0; q < K; ++q) acc[q] = batch::load_aligned(s + q * L);
                for (std::uint32_t k = k0; k < k1; ++k) {
                    const batch v(value[k]);
                    const Real* d = dense + std::size_t{column[k]} * ld;
                    for (std::size_t q = 0; q < K; ++q) acc[q] = xsimd::fma(v, batch::load_unaligned(d + at[q]), acc[q]);
                }
                for (std::size_t q = 0; q < K; ++q) acc[q].store_aligned(s + q * L);
            }
        for (std::size_t r = b0; r < b1; ++r) {
            const Real* s = sums + (r - b0) * W;
            if constexpr (Transposed) {
                for (std::size_t j = 0; j < (K - 1) * L; ++j) out[j * ldo + r] += s[j];
                for (std::size_t l = (K - 1) * L - last; l < L; ++l) out[(last + l) * ldo + r] += s[(K - 1) * L + l];
            } else {
                for (std::size_t q = 0; q < K; ++q) std::copy_n(s + q * L, L, out + r * ldo + at[q]);
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
void dispatch(std::size_t batches_wide, bool tail, std::index_sequence<K...>, const sparse_rows<Real>& x,
              std::size_t r0, std::size_t r1, const Real* dense, std::size_t ld, const Real* offset, Real* out,
              std::size_t ldo, std::size_t last) {
    using fn = void (*)(const sparse_rows<Real>&, std::size_t, std::size_t, const Real*, std::size_t, const Real*,
                        Real*, std::size_t, std::size_t);
    static constexpr fn whole[] = {&batches<K + 1, false, Transposed, Real>...};
    static constexpr fn with_tail[] = {&batches<K + 1, true, Transposed, Real>...};
    (tail ? with_tail : whole)[batches_wide - 1](x, r0, r1, dense, ld, offset, out, ldo, last);
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
    const bool tail = whole * L != width;
    sparse_kernel::dispatch<Transposed>(whole + (tail ? 1 : 0), tail, std::make_index_sequence<sparse_block<Real> / L>{},
                                        x, r0, r1, dense, ld, offset, out, ldo, width - L);
}

}  // namespace infomorph::detail
