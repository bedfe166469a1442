#pragma once
// Small SIMD helpers that xsimd 0.8 (Debian 12) lacks or gets slow.

#include <cstddef>
#include <cstdint>

#include <xsimd/xsimd.hpp>

#if defined(__GNUC__) || defined(__clang__)
#define INFOMORPH_ALWAYS_INLINE [[gnu::always_inline]] inline
#else
#define INFOMORPH_ALWAYS_INLINE inline
#endif

namespace infomorph::detail {

// table[index] lane by lane (double with 64-bit indices, float with 32-bit ones). xsimd 8.1's batch::gather never reaches its AVX2/AVX-512
// kernels for double (their template signature does not match the dispatch) and falls back
// to a chain of lane inserts, which cost as much as the rest of the goal kernel.
template <class A>
INFOMORPH_ALWAYS_INLINE xsimd::batch<double, A> gather(const double* table,
                                                       const xsimd::batch<std::int64_t, A>& index) noexcept {
    constexpr std::size_t lanes = xsimd::batch<double, A>::size;
#if defined(__AVX512F__)
    if constexpr (lanes == 8) return _mm512_i64gather_pd(index, table, 8);
#endif
#if defined(__AVX2__)
    if constexpr (lanes == 4) return _mm256_i64gather_pd(table, index, 8);
#endif
    alignas(64) std::int64_t at[lanes];
    alignas(64) double out[lanes];
    index.store_aligned(at);
    for (std::size_t i = 0; i < lanes; ++i) out[i] = table[at[i]];
    return xsimd::batch<double, A>::load_aligned(out);
}

template <class A>
INFOMORPH_ALWAYS_INLINE xsimd::batch<float, A> gather(const float* table, const xsimd::batch<std::int32_t, A>& index) noexcept {
    constexpr std::size_t lanes = xsimd::batch<float, A>::size;
#if defined(__AVX512F__)
    if constexpr (lanes == 16) return _mm512_i32gather_ps(index, table, 4);
#endif
#if defined(__AVX2__)
    if constexpr (lanes == 8) return _mm256_i32gather_ps(table, index, 4);
#endif
    alignas(64) std::int32_t at[lanes];
    alignas(64) float out[lanes];
    index.store_aligned(at);
    for (std::size_t i = 0; i < lanes; ++i) out[i] = table[at[i]];
    return xsimd::batch<float, A>::load_aligned(out);
}

}  // namespace infomorph::detail
