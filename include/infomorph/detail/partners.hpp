#pragma once
// The kernels of sparse connections (k random partners per neuron): the drive
// r[t, j] = sum_q W[j, p_jq] x[t, p_jq] and the weight gradient dW[j, p_jq] += sum_t delta[t, j]
// x[t, p_jq], at k/in of the dense GEMMs' cost.
//
// Inputs come as sample tiles (detail/tiles.hpp): the inner loops run over the samples of one
// tile, whose sums stay in registers, and one tile of all inputs (256 B a row, 512 KB for 2000
// inputs) is contiguous, so that it stays in L2 and in few TLB pages while every neuron
// gathers its partners' rows from it.
//
// Inputs of ±1 alone (a layer's sampled outputs) come as sign bits instead (sign_bits.hpp):
// sum_q w_q x_q = 2 sum_{q: x_q = +1} w_q - sum_q w_q, so each partner adds its weight (drive)
// or delta (gradient) under the mask of its bits, one masked add where the floats take one FMA,
// while a tile of inputs shrinks from 512 KB to 16 KB: in L1 instead of competing for L2 with
// the compact weights and the deltas. Float inputs with AVX-512 only (has_sign_bits).

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>

#include <xsimd/xsimd.hpp>

#include "infomorph/detail/parallel.hpp"
#include "infomorph/detail/sign_bits.hpp"
#include "infomorph/detail/simd.hpp"
#include "infomorph/detail/tiles.hpp"

namespace infomorph::detail {

template <class Real>
struct partner_kernels {
    using simd = xsimd::batch<Real>;
    static constexpr std::size_t width = simd::size, tile = 4 * simd::size;

    std::size_t threads = 1;
    std::size_t neurons = 0, inputs = 0, k = 0;  // k partners per neuron among `inputs`
    const std::uint32_t* partners = nullptr;     // neuron j's at [j k, (j + 1) k)

    // One contiguous range of neurons per thread: each thread then streams the tiles once,
    // whereas many small blocks would each stream all of them from L3. The sums of a neuron
    // do not depend on the cut, so results do not depend on the number of threads.
    std::size_t blocks() const { return std::max<std::size_t>(1, std::min(threads, neurons)); }

    void to_tiles(const Real* x, std::size_t batch, std::size_t cols, Real* tiles) const {
        parallel_blocks(threads, tile_count<tile>(batch),
                        [&](std::size_t c) { detail::to_tiles<tile>(x, batch, cols, tiles, c, c + 1); });
    }

    void from_tiles(const Real* tiles, std::size_t batch, std::size_t cols, Real* x) const {
        parallel_blocks(threads, tile_count<tile>(batch),
                        [&](std::size_t c) { detail::from_tiles<tile>(tiles, batch, cols, x, c, c + 1); });
    }

    // Drive tiles [tiles x neurons x tile] from input tiles [tiles x inputs x tile]. The live
    // weights are first copied to `compact` [neurons x k]: read from the dense [neurons x
    // inputs] matrix inside the tile loop, the k partners of a neuron touch about half the cache
    // lines of its row, and every tile streamed all of them again from L3 or memory.
    void drive(const Real* w, const Real* x_tiles, std::size_t tiles, Real* compact, Real* r_tiles) const {
        const std::size_t in = inputs, n = neurons, kk = k;
        const std::uint32_t* p_of = partners;
        const std::size_t count = blocks();
        parallel_blocks(threads, count, [&](std::size_t b) {
            const std::size_t j0 = block_begin(n, count, b), j1 = block_begin(n, count, b + 1);
            for (std::size_t e = j0 * kk; e < j1 * kk; ++e) compact[e] = w[(e / kk) * in + p_of[e]];
            for (std::size_t c = 0; c < tiles; ++c) {
                const Real* xt = x_tiles + c * in * tile;
                Real* rt = r_tiles + c * n * tile;
                std::size_t j = j0;
                for (; j + 2 <= j1; j += 2) neuron_sums<2>(xt, compact + j * kk, p_of + j * kk, rt + j * tile);
                if (j < j1) neuron_sums<1>(xt, compact + j * kk, p_of + j * kk, rt + j * tile);
            }
        });
    }

    // The drive tiles of M neighbouring neurons (weights and partners at w and p, k of each),
    // over one input tile. Each neuron's sums run over its partners in order, as for M = 1;
    // the M neurons' independent chains of FMAs keep more of them in flight, where one neuron's
    // four chains wait on FMA latency.
    template <std::size_t M>
    void neuron_sums(const Real* xt, const Real* w, const std::uint32_t* p, Real* out) const {
        const std::size_t kk = k;
        std::array<simd, 4 * M> a;
        a.fill(simd(Real(0)));
        for (std::size_t q = 0; q < kk; ++q)
            for (std::size_t m = 0; m < M; ++m) {
                const simd wq(w[m * kk + q]);
                const Real* src = xt + std::size_t{p[m * kk + q]} * tile;
                for (std::size_t u = 0; u < 4; ++u)
                    a[4 * m + u] = xsimd::fma(wq, simd::load_aligned(src + u * width), a[4 * m + u]);
            }
        for (std::size_t m = 0; m < M; ++m)
            for (std::size_t u = 0; u < 4; ++u) a[4 * m + u].store_aligned(out + m * tile + u * width);
    }

    // dw [neurons x inputs] += the partners' sums of delta x input over the tiles (zero past
    // the batch's end, so a ragged last tile adds nothing). The sums per live weight are kept
    // in compact form, `compact` [neurons x k], and added to the dense dw at the end, so that
    // the sums of `width` partners are reduced together (lane_sums) and added as one vector
    // instead of one horizontal sum per partner and tile. Live: dw is [neurons x k] itself.
    void weight_gradient(const Real* x_tiles, const Real* delta_tiles, std::size_t tiles, Real* compact, Real* dw,
                         bool live = false) const {
        const std::size_t in = inputs, n = neurons, kk = k;
        const std::uint32_t* p_of = partners;
        std::fill(compact, compact + n * kk, Real(0));
        const std::size_t count = blocks();
        parallel_blocks(threads, count, [&](std::size_t b) {
            const std::size_t j0 = block_begin(n, count, b), j1 = block_begin(n, count, b + 1);
            for (std::size_t c = 0; c < tiles; ++c) {
                const Real* xt = x_tiles + c * in * tile;
                const Real* dt = delta_tiles + c * n * tile;
                for (std::size_t j = j0; j < j1; ++j) {
                    const Real* d = dt + j * tile;
                    const simd d0 = simd::load_aligned(d), d1 = simd::load_aligned(d + width),
                               d2 = simd::load_aligned(d + 2 * width), d3 = simd::load_aligned(d + 3 * width);
                    auto partner_sum = [&](std::size_t q) {
                        const Real* src = xt + std::size_t{p_of[j * kk + q]} * tile;
                        simd sum = d0 * simd::load_aligned(src);
                        sum = xsimd::fma(d1, simd::load_aligned(src + width), sum);
                        sum = xsimd::fma(d2, simd::load_aligned(src + 2 * width), sum);
                        return xsimd::fma(d3, simd::load_aligned(src + 3 * width), sum);
                    };
                    std::size_t q = 0;
                    for (; q + width <= kk; q += width) {
                        std::array<simd, width> sums;
                        for (std::size_t u = 0; u < width; ++u) sums[u] = partner_sum(q + u);
                        Real* to = compact + j * kk + q;
                        (simd::load_unaligned(to) + lane_sums(sums.data())).store_unaligned(to);
                    }
                    for (; q < kk; ++q) compact[j * kk + q] += xsimd::hadd(partner_sum(q));
                }
            }
            for (std::size_t e = j0 * kk; e < j1 * kk; ++e) dw[live ? e : (e / kk) * in + p_of[e]] += compact[e];
        });
    }

#if defined(__AVX512F__)
    // drive() for sign-bit inputs, masks [tiles x inputs x 4] (sign_bits.hpp). `compact` holds
    // neurons x (k + 1): the live weights, then each neuron's sum of them. A neuron's sums
    // depend on its weights and bits alone, not on the cut among threads.
    void drive_signs(const Real* w, const std::uint16_t* signs, std::size_t tiles, Real* compact, Real* r_tiles) const
        requires has_sign_bits<Real>
    {
        const std::size_t in = inputs, n = neurons, kk = k;
        const std::uint32_t* p_of = partners;
        Real* totals = compact + n * kk;
        const std::size_t count = blocks();
        parallel_blocks(threads, count, [&](std::size_t b) {
            const std::size_t j0 = block_begin(n, count, b), j1 = block_begin(n, count, b + 1);
            for (std::size_t j = j0; j < j1; ++j) {
                Real total = 0;
                for (std::size_t q = 0; q < kk; ++q) total += compact[j * kk + q] = w[j * in + p_of[j * kk + q]];
                totals[j] = total;
            }
            for (std::size_t c = 0; c < tiles; ++c) {
                const std::uint16_t* masks = signs + c * in * sign_masks;
                Real* rt = r_tiles + c * n * tile;
                std::size_t j = j0;
                for (; j + 2 <= j1; j += 2) sign_sums<2>(masks, compact + j * kk, p_of + j * kk, totals + j, rt + j * tile);
                if (j < j1) sign_sums<1>(masks, compact + j * kk, p_of + j * kk, totals + j, rt + j * tile);
            }
        });
    }

    // The drive tiles of M neighbouring neurons over one tile of sign bits (16-bit masks, four
    // per input): 2 (the sum of the weights of the +1 partners) - (the sum of all of them).
    template <std::size_t M>
    void sign_sums(const std::uint16_t* masks, const Real* w, const std::uint32_t* p, const Real* totals, Real* out) const {
        const std::size_t kk = k;
        __m512 a[4 * M];
        for (auto& v : a) v = _mm512_setzero_ps();
        for (std::size_t q = 0; q < kk; ++q)
            for (std::size_t m = 0; m < M; ++m) {
                const __m512 wq = _mm512_set1_ps(w[m * kk + q]);
                const std::uint16_t* bits = masks + sign_masks * std::size_t{p[m * kk + q]};
                for (std::size_t u = 0; u < 4; ++u) a[4 * m + u] = _mm512_mask_add_ps(a[4 * m + u], bits[u], a[4 * m + u], wq);
            }
        const __m512 two = _mm512_set1_ps(2.0f);
        for (std::size_t m = 0; m < M; ++m)
            for (std::size_t u = 0; u < 4; ++u)
                _mm512_store_ps(out + m * tile + u * width, _mm512_fmsub_ps(two, a[4 * m + u], _mm512_set1_ps(totals[m])));
    }

    // weight_gradient() for sign-bit inputs: per live weight, 2 (the sum of delta over the
    // samples where the partner is +1) - (the sum of delta over all samples). `compact` holds
    // neurons x (k + 1): the first sums, then each neuron's total, added up tile by tile.
    // Live: dw is [neurons x k] itself.
    void weight_gradient_signs(const std::uint16_t* signs, const Real* delta_tiles, std::size_t tiles, Real* compact,
                               Real* dw, bool live = false) const
        requires has_sign_bits<Real>
    {
        const std::size_t in = inputs, n = neurons, kk = k;
        const std::uint32_t* p_of = partners;
        Real* totals = compact + n * kk;
        std::fill(compact, compact + n * (kk + 1), Real(0));
        const std::size_t count = blocks();
        parallel_blocks(threads, count, [&](std::size_t b) {
            const std::size_t j0 = block_begin(n, count, b), j1 = block_begin(n, count, b + 1);
            for (std::size_t c = 0; c < tiles; ++c) {
                const std::uint16_t* masks = signs + c * in * sign_masks;
                const Real* dt = delta_tiles + c * n * tile;
                for (std::size_t j = j0; j < j1; ++j) {
                    const Real* d = dt + j * tile;
                    const __m512 d0 = _mm512_load_ps(d), d1 = _mm512_load_ps(d + width), d2 = _mm512_load_ps(d + 2 * width),
                                 d3 = _mm512_load_ps(d + 3 * width);
                    // Two chains of two, so that the sixteen partners of a group keep the adder busy.
                    auto plus_sum = [&](std::size_t q) {
                        const std::uint16_t* bits = masks + sign_masks * std::size_t{p_of[j * kk + q]};
                        const __m512 a0 = _mm512_maskz_mov_ps(bits[0], d0), a1 = _mm512_maskz_mov_ps(bits[1], d1);
                        return simd(_mm512_add_ps(_mm512_mask_add_ps(a0, bits[2], a0, d2), _mm512_mask_add_ps(a1, bits[3], a1, d3)));
                    };
                    std::size_t q = 0;
                    for (; q + width <= kk; q += width) {
                        std::array<simd, width> sums;
                        for (std::size_t u = 0; u < width; ++u) sums[u] = plus_sum(q + u);
                        Real* to = compact + j * kk + q;
                        (simd::load_unaligned(to) + lane_sums(sums.data())).store_unaligned(to);
                    }
                    for (; q < kk; ++q) compact[j * kk + q] += xsimd::hadd(plus_sum(q));
                    totals[j] += xsimd::hadd(simd(_mm512_add_ps(_mm512_add_ps(d0, d1), _mm512_add_ps(d2, d3))));
                }
            }
            for (std::size_t e = j0 * kk; e < j1 * kk; ++e)
                dw[live ? e : (e / kk) * in + p_of[e]] += Real(2) * compact[e] - totals[e / kk];
        });
    }
#endif
};

}  // namespace infomorph::detail
