#pragma once
// Inputs whose entries are all +1 or -1 (a layer's sampled outputs, such as the lateral input
// of the trivariate network) as sign bits in sample tiles of 64: masks [tiles x cols x 4], mask
// (c, p, u) holding bit i = (x[c * 64 + 16 u + i, p] == +1), zero past the batch's end. A tile
// of 2000 inputs is 16 KB instead of the floats' 512 KB, so the sparse partner products read
// their partners from L1, and each mask is an AVX-512 mask for one SIMD batch of samples
// (partners.hpp). 16-bit words throughout: written and read as the same type.
// Float inputs with AVX-512 only: elsewhere has_sign_bits is false and no caller packs.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "infomorph/detail/parallel.hpp"
#include "infomorph/detail/simd.hpp"

namespace infomorph::detail {

template <class Real>
inline constexpr bool has_sign_bits = has_transpose_16x16 && std::is_same_v<Real, float>;

inline constexpr std::size_t sign_tile = 64, sign_masks = sign_tile / 16;  // samples per tile, masks per input and tile

// Tile c's masks of x [batch x cols]; false, as soon as it finds one, when an entry of the tile
// is anything but ±1 (NaN, 0 and -0 included): such an input takes the float tiles, and the
// packing should cost it little. Blocks of 16 x 16 go through a register transpose, so that
// each input's 16 samples are one compare; ragged edges one entry at a time.
inline bool sign_tile_bits(const float* x, std::size_t batch, std::size_t cols, std::uint16_t* masks, std::size_t c) {
    const std::size_t rows = std::min(sign_tile, batch - c * sign_tile);
    const float* in = x + c * sign_tile * cols;
    std::fill(masks, masks + cols * sign_masks, std::uint16_t{0});
    std::size_t p0 = 0, whole_rows = 0;
#if defined(__AVX512F__)
    whole_rows = rows / 16 * 16;
    alignas(64) float block[256];
    const __m512 plus = _mm512_set1_ps(1.0f), minus = _mm512_set1_ps(-1.0f);
    for (; p0 + 16 <= cols; p0 += 16)
        for (std::size_t t0 = 0; t0 < whole_rows; t0 += 16) {
            transpose_16x16(in + t0 * cols + p0, cols, block, 16);
            __mmask16 bad = 0;
            for (std::size_t l = 0; l < 16; ++l) {
                const __m512 v = _mm512_load_ps(block + 16 * l);
                const __mmask16 pos = _mm512_cmp_ps_mask(v, plus, _CMP_EQ_OQ);
                bad |= static_cast<__mmask16>(~(pos | _mm512_cmp_ps_mask(v, minus, _CMP_EQ_OQ)));
                masks[(p0 + l) * sign_masks + t0 / 16] = static_cast<std::uint16_t>(pos);
            }
            if (bad != 0) return false;
        }
#endif
    // What the blocks left: the columns past the last whole block, and rows past the last 16.
    for (std::size_t t = 0; t < rows; ++t)
        for (std::size_t p = t < whole_rows ? p0 : 0; p < cols; ++p) {
            const float v = in[t * cols + p];
            if (v == 1.0f) masks[p * sign_masks + t / 16] |= static_cast<std::uint16_t>(1u << (t % 16));
            else if (v != -1.0f) return false;
        }
    return true;
}

// All tiles of x [batch x cols] into masks [tiles x cols x sign_masks], tiles across threads;
// false when an entry is anything but ±1 (the masks are then unspecified).
inline bool to_sign_bits(std::size_t threads, const float* x, std::size_t batch, std::size_t cols, std::uint16_t* masks) {
    const std::size_t tiles = (batch + sign_tile - 1) / sign_tile;
    std::vector<char> ok(tiles, 0);
    parallel_blocks(threads, tiles,
                    [&](std::size_t c) { ok[c] = sign_tile_bits(x, batch, cols, masks + c * cols * sign_masks, c) ? 1 : 0; });
    return std::all_of(ok.begin(), ok.end(), [](char v) { return v != 0; });
}

}  // namespace infomorph::detail
