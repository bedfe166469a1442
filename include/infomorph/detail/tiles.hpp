#pragma once
// Sample tiles: a [batch x cols] row-major matrix stored as ceil(batch / Tile) tiles, tile c
// holding x[c * Tile + t, p] at [c][p][t], zero past the batch's end. One tile of all columns
// is contiguous, so that gathers of arbitrary columns (sparse partners) stay in L2 and in few
// TLB pages; a row of a tile is a whole number of SIMD registers.

#include <algorithm>
#include <cstddef>
#include <vector>

#include <xsimd/xsimd.hpp>

#include "infomorph/detail/simd.hpp"

namespace infomorph::detail {

template <class T>
using aligned_vector = std::vector<T, xsimd::aligned_allocator<T, 64>>;

template <std::size_t Tile>
constexpr std::size_t tile_count(std::size_t batch) noexcept {
    return (batch + Tile - 1) / Tile;
}

// Whether blocks of 16 x 16 values are copied by register transposes (32-bit values with
// AVX-512): a scalar copy stores to 16 streams one value at a time.
template <class Real>
inline constexpr bool tiles_by_transposes = has_transpose_16x16 && sizeof(Real) == 4;

// Tiles [first, last) of the batch. Columns are copied in blocks of `span`, so that reads
// take whole cache lines of a row and writes stay within a few KiB of the tile.
template <std::size_t Tile, class Real>
void to_tiles(const Real* x, std::size_t batch, std::size_t cols, Real* tiles, std::size_t first, std::size_t last) {
    constexpr std::size_t span = 16;
    for (std::size_t c = first; c < last; ++c) {
        Real* out = tiles + c * cols * Tile;
        const std::size_t rows = std::min(Tile, batch - c * Tile);
        const Real* in = x + c * Tile * cols;
        for (std::size_t p0 = 0; p0 < cols; p0 += span) {
            const std::size_t p1 = std::min(p0 + span, cols);
            std::size_t t = 0;
            if (tiles_by_transposes<Real> && p1 - p0 == span)
                for (; t + span <= rows; t += span) transpose_16x16(in + t * cols + p0, cols, out + p0 * Tile + t, Tile);
            for (; t < rows; ++t)
                for (std::size_t p = p0; p < p1; ++p) out[p * Tile + t] = in[t * cols + p];
            for (std::size_t p = p0; p < p1; ++p) std::fill(out + p * Tile + rows, out + (p + 1) * Tile, Real(0));
        }
    }
}

// The inverse of to_tiles for the batch's rows, tiles [first, last).
template <std::size_t Tile, class Real>
void from_tiles(const Real* tiles, std::size_t batch, std::size_t cols, Real* x, std::size_t first, std::size_t last) {
    constexpr std::size_t span = 16;
    for (std::size_t c = first; c < last; ++c) {
        const Real* in = tiles + c * cols * Tile;
        const std::size_t rows = std::min(Tile, batch - c * Tile);
        Real* out = x + c * Tile * cols;
        for (std::size_t p0 = 0; p0 < cols; p0 += span) {
            const std::size_t p1 = std::min(p0 + span, cols);
            std::size_t t = 0;
            if (tiles_by_transposes<Real> && p1 - p0 == span)
                for (; t + span <= rows; t += span) transpose_16x16(in + p0 * Tile + t, Tile, out + t * cols + p0, cols);
            for (; t < rows; ++t)
                for (std::size_t p = p0; p < p1; ++p) out[t * cols + p] = in[p * Tile + t];
        }
    }
}

}  // namespace infomorph::detail
