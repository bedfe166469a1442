#pragma once
// Small SIMD helpers that xsimd 0.8 (Debian 12) lacks or gets slow.

#include <array>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include <xsimd/xsimd.hpp>

#if defined(__GNUC__) || defined(__clang__)
#define INFOMORPH_ALWAYS_INLINE [[gnu::always_inline]] inline
#else
#define INFOMORPH_ALWAYS_INLINE inline
#endif

// A function compiled once and called: never inlined into, or specialised for, a caller.
#if defined(__clang__)
#define INFOMORPH_NOINLINE [[gnu::noinline]]
#elif defined(__GNUC__)
#define INFOMORPH_NOINLINE [[gnu::noinline, gnu::noipa]]
#else
#define INFOMORPH_NOINLINE
#endif

namespace infomorph::detail {

// Transposes 16 x 16 32-bit values (floats or integers): dst[c * dst_stride + r] =
// src[r * src_stride + c] for r, c < 16, strides in elements. The neuron-major copies of the
// layer goal: one pass of 64 shuffles instead of 256 scalar stores to 16 streams (or gathers,
// which microcode slows on many Intel processors). Only with AVX-512 (see has_transpose_16x16).
#if defined(__AVX512F__)
inline constexpr bool has_transpose_16x16 = true;
#else
inline constexpr bool has_transpose_16x16 = false;
#endif
INFOMORPH_ALWAYS_INLINE void transpose_16x16(const void* src, std::size_t src_stride, void* dst,
                                             std::size_t dst_stride) noexcept {
#if defined(__AVX512F__)
    const auto* in = static_cast<const std::uint32_t*>(src);
    auto* out = static_cast<std::uint32_t*>(dst);
    __m512i t[16], u[16];
    for (std::size_t r = 0; r < 16; r += 2) {
        const __m512i a = _mm512_loadu_si512(in + r * src_stride), b = _mm512_loadu_si512(in + (r + 1) * src_stride);
        t[r] = _mm512_unpacklo_epi32(a, b);  // per 128-bit lane L: a[4L], b[4L], a[4L + 1], b[4L + 1]
        t[r + 1] = _mm512_unpackhi_epi32(a, b);
    }
    // u[4g + e], lane L: rows 4g .. 4g + 3 at column 4L + e.
    for (std::size_t g = 0; g < 4; ++g) {
        const __m512i* x = t + 4 * g;
        u[4 * g] = _mm512_unpacklo_epi64(x[0], x[2]);
        u[4 * g + 1] = _mm512_unpackhi_epi64(x[0], x[2]);
        u[4 * g + 2] = _mm512_unpacklo_epi64(x[1], x[3]);
        u[4 * g + 3] = _mm512_unpackhi_epi64(x[1], x[3]);
    }
    // Column 4L + e gathers lane L of u[e], u[4 + e], u[8 + e], u[12 + e].
    for (std::size_t e = 0; e < 4; ++e) {
        const __m512i v = _mm512_shuffle_i32x4(u[e], u[4 + e], 0x88), w = _mm512_shuffle_i32x4(u[e], u[4 + e], 0xDD);
        const __m512i x = _mm512_shuffle_i32x4(u[8 + e], u[12 + e], 0x88), y = _mm512_shuffle_i32x4(u[8 + e], u[12 + e], 0xDD);
        _mm512_storeu_si512(out + e * dst_stride, _mm512_shuffle_i32x4(v, x, 0x88));
        _mm512_storeu_si512(out + (4 + e) * dst_stride, _mm512_shuffle_i32x4(w, y, 0x88));
        _mm512_storeu_si512(out + (8 + e) * dst_stride, _mm512_shuffle_i32x4(v, x, 0xDD));
        _mm512_storeu_si512(out + (12 + e) * dst_stride, _mm512_shuffle_i32x4(w, y, 0xDD));
    }
#else
    (void)src, (void)src_stride, (void)dst, (void)dst_stride;
#endif
}

// Bit l set where lane l of m is true: the mask register of AVX-512, a movemask with
// SSE/AVX (xsimd 8.1 has no such conversion), lane by lane otherwise. Dispatched on the
// architecture, not on the register type: vector types as template arguments lose their
// attributes (a GCC warning).
template <class T, class A>
INFOMORPH_ALWAYS_INLINE std::uint64_t lane_bits(const xsimd::batch_bool<T, A>& m) noexcept {
    [[maybe_unused]] constexpr bool f = std::is_same_v<T, float>, d = std::is_same_v<T, double>;
#if defined(__AVX512F__)
    if constexpr (std::is_base_of_v<xsimd::avx512f, A>)
        return static_cast<std::uint64_t>(static_cast<typename xsimd::batch_bool<T, A>::register_type>(m));
#endif
#if defined(__AVX__)
    if constexpr (std::is_base_of_v<xsimd::avx, A> && f) return static_cast<std::uint32_t>(_mm256_movemask_ps(m));
    if constexpr (std::is_base_of_v<xsimd::avx, A> && d) return static_cast<std::uint32_t>(_mm256_movemask_pd(m));
#endif
#if defined(__SSE2__)
    if constexpr (std::is_base_of_v<xsimd::sse2, A> && f) return static_cast<std::uint32_t>(_mm_movemask_ps(m));
    if constexpr (std::is_base_of_v<xsimd::sse2, A> && d) return static_cast<std::uint32_t>(_mm_movemask_pd(m));
#endif
    constexpr std::size_t lanes = xsimd::batch_bool<T, A>::size;
    alignas(64) bool lane[lanes];
    m.store_aligned(lane);
    std::uint64_t bits = 0;
    for (std::size_t l = 0; l < lanes; ++l) bits |= std::uint64_t{lane[l]} << l;
    return bits;
}

namespace interleave_tables {
// For output register q of three (values 16 q .. 16 q + 15 of the interleaved 48): lane l
// holds class i = (16 q + l) % 3 of entry e = (16 q + l) / 3. First step: a's and b's
// entries from (a, b); second step: those lanes kept, c's entries from (t, c).
constexpr std::array<std::uint32_t, 96> make() {
    std::array<std::uint32_t, 96> at{};
    for (std::uint32_t q = 0; q < 3; ++q)
        for (std::uint32_t l = 0; l < 16; ++l) {
            const std::uint32_t o = 16 * q + l, e = o / 3, i = o % 3;
            at[32 * q + l] = i == 0 ? e : i == 1 ? 16 + e : 0;
            at[32 * q + 16 + l] = i == 2 ? 16 + e : l;
        }
    return at;
}
alignas(64) inline constexpr std::array<std::uint32_t, 96> index = make();
}  // namespace interleave_tables

// out[3 e + i] = (a, b, c)[i][e] for e < count: three arrays interleaved, with AVX-512 six
// two-table permutes per 48 values, else one value at a time.
INFOMORPH_ALWAYS_INLINE void interleave3(const std::uint32_t* a, const std::uint32_t* b, const std::uint32_t* c,
                                         std::size_t count, std::uint32_t* out) noexcept {
    std::size_t e = 0;
#if defined(__AVX512F__)
    const auto* at = interleave_tables::index.data();
    for (; e + 16 <= count; e += 16) {
        const __m512i va = _mm512_loadu_si512(a + e), vb = _mm512_loadu_si512(b + e), vc = _mm512_loadu_si512(c + e);
        for (std::size_t q = 0; q < 3; ++q) {
            const __m512i t = _mm512_permutex2var_epi32(va, _mm512_load_si512(at + 32 * q), vb);
            _mm512_storeu_si512(out + 3 * e + 16 * q, _mm512_permutex2var_epi32(t, _mm512_load_si512(at + 32 * q + 16), vc));
        }
    }
#endif
    for (; e < count; ++e) {
        out[3 * e] = a[e];
        out[3 * e + 1] = b[e];
        out[3 * e + 2] = c[e];
    }
}

// table[index] one lane at a time: where no gather instruction serves.
template <class T, class I, class A>
INFOMORPH_ALWAYS_INLINE xsimd::batch<T, A> gather_lanes(const T* table, const xsimd::batch<I, A>& index) noexcept {
    constexpr std::size_t lanes = xsimd::batch<T, A>::size;
    alignas(64) I at[lanes];
    alignas(64) T out[lanes];
    index.store_aligned(at);
    for (std::size_t i = 0; i < lanes; ++i) out[i] = table[at[i]];
    return xsimd::batch<T, A>::load_aligned(out);
}

// table[index] with the gather instructions (double with 64-bit indices, float with 32-bit
// ones). xsimd 8.1's batch::gather never reaches its AVX2/AVX-512 kernels for double (their
// template signature does not match the dispatch) and falls back to a chain of lane inserts,
// which cost as much as the rest of the goal kernel.
template <class A>
INFOMORPH_ALWAYS_INLINE xsimd::batch<double, A> gather(const double* table,
                                                       const xsimd::batch<std::int64_t, A>& index) noexcept {
    [[maybe_unused]] constexpr std::size_t lanes = xsimd::batch<double, A>::size;
#if defined(__AVX512F__)
    if constexpr (lanes == 8) return _mm512_i64gather_pd(index, table, 8);
#endif
#if defined(__AVX2__)
    if constexpr (lanes == 4) return _mm256_i64gather_pd(table, index, 8);
#endif
    return gather_lanes(table, index);
}

template <class A>
INFOMORPH_ALWAYS_INLINE xsimd::batch<float, A> gather(const float* table, const xsimd::batch<std::int32_t, A>& index) noexcept {
    [[maybe_unused]] constexpr std::size_t lanes = xsimd::batch<float, A>::size;
#if defined(__AVX512F__)
    if constexpr (lanes == 16) return _mm512_i32gather_ps(index, table, 4);
#endif
#if defined(__AVX2__)
    if constexpr (lanes == 8) return _mm256_i32gather_ps(table, index, 4);
#endif
    return gather_lanes(table, index);
}

// out[i] = table[id[at[i]]] for i < n: the PID's inclusion-exclusion operands (a marginal at
// the rows that represent a support's cells). Indices must be below 2^31. With AVX-512, 16 ids
// per gather and two gathers of 8 doubles: the scalar loop's dependent loads cost more.
inline void gather_indirect(const double* table, const std::uint32_t* id, const std::uint32_t* at, double* out,
                            std::size_t n) noexcept {
    std::size_t i = 0;
#if defined(__AVX512F__)
    for (; i + 16 <= n; i += 16) {
        const __m512i key = _mm512_i32gather_epi32(_mm512_loadu_si512(at + i), id, 4);
        _mm512_storeu_pd(out + i, _mm512_i32gather_pd(_mm512_castsi512_si256(key), table, 8));
        _mm512_storeu_pd(out + i + 8, _mm512_i32gather_pd(_mm512_extracti64x4_epi64(key, 1), table, 8));
    }
#endif
    for (; i < n; ++i) out[i] = table[id[at[i]]];
}

// out[i] = table[id[i]] for i < n (indices below 2^31): 8 doubles per gather with AVX-512.
inline void gather_direct(const double* table, const std::uint32_t* id, double* out, std::size_t n) noexcept {
    std::size_t i = 0;
#if defined(__AVX512F__)
    for (; i + 8 <= n; i += 8)
        _mm512_storeu_pd(out + i,
                         _mm512_i32gather_pd(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(id + i)), table, 8));
#endif
    for (; i < n; ++i) out[i] = table[id[i]];
}

// Lane i of the result is the sum of v[i]'s lanes, for the batch's `size` batches v[0..size).
// xsimd 8.1's haddp swaps the sums of v[2], v[3] with those of v[4], v[5], and of v[10], v[11]
// with v[12], v[13], for 16 floats (AVX-512); that case is done here with a transposing tree of
// shuffles. The other cases (SSE2, AVX, AVX2 floats; doubles) are haddp's, checked by the tests.
template <class T, class A>
INFOMORPH_ALWAYS_INLINE xsimd::batch<T, A> lane_sums(const xsimd::batch<T, A>* v) noexcept {
#if defined(__AVX512F__)
    if constexpr (std::is_same_v<T, float> && xsimd::batch<T, A>::size == 16) {
        // Halves: a[i] holds 8-lane partial sums of v[2i] (quarters 0, 1) and v[2i + 1] (2, 3).
        __m512 a[8];
        for (int i = 0; i < 8; ++i) {
            const __m512 x = v[2 * i], y = v[2 * i + 1];
            a[i] = _mm512_add_ps(_mm512_shuffle_f32x4(x, y, 0x44), _mm512_shuffle_f32x4(x, y, 0xEE));
        }
        // Quarters: quarter m of b[i] holds 4-lane partial sums of v[4i + m].
        __m512 b[4];
        for (int i = 0; i < 4; ++i)
            b[i] = _mm512_add_ps(_mm512_shuffle_f32x4(a[2 * i], a[2 * i + 1], 0x88),
                                 _mm512_shuffle_f32x4(a[2 * i], a[2 * i + 1], 0xDD));
        // Within each quarter m: pairs, then totals; lane 4m + i ends with the sum of v[4i + m].
        const __m512 c0 = _mm512_add_ps(_mm512_unpacklo_ps(b[0], b[1]), _mm512_unpackhi_ps(b[0], b[1]));
        const __m512 c1 = _mm512_add_ps(_mm512_unpacklo_ps(b[2], b[3]), _mm512_unpackhi_ps(b[2], b[3]));
        const __m512 d = _mm512_add_ps(_mm512_shuffle_ps(c0, c1, 0x44), _mm512_shuffle_ps(c0, c1, 0xEE));
        return _mm512_permutexvar_ps(_mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15), d);
    }
#endif
    return xsimd::haddp(v);
}

}  // namespace infomorph::detail
