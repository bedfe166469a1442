#pragma once
// Base-2 logarithm of many doubles at once. Logarithms dominate the PID once its look-ups
// are flat arrays; glibc's scalar log2 does not vectorise, this loop does (GCC and clang at
// -O3, any x86-64 level). Accuracy: within 3e-16 relative of std::log2 for normal numbers.

#include <bit>
#include <cfloat>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace infomorph::detail {

// x = m * 2^e with m in [sqrt(1/2), sqrt(2)); log2 m = (2 / ln 2) atanh f, f = (m-1)/(m+1),
// |f| <= 0.1716. The odd series to f^17 leaves at most 5e-16 absolute (the next term,
// 2.885 f^19 / 19, is below 4.3e-16). All integer work is unsigned and branch-free so that
// the loop vectorises without AVX-512.
inline double log2_normal(double x) noexcept {
    constexpr std::uint64_t sqrt_half = 0x3fe6a09e667f3bcdull;
    constexpr std::uint64_t one = 0x3ff0000000000000ull;
    constexpr std::uint64_t magic = 0x4330000000000000ull;  // 2^52: integer bits -> double
    const std::uint64_t ix = std::bit_cast<std::uint64_t>(x);
    const std::uint64_t shifted = ix - sqrt_half + one;
    const double e = std::bit_cast<double>((shifted >> 52) | magic) - (4503599627370496.0 + 1023.0);
    const double m = std::bit_cast<double>(ix - (shifted & 0xfff0000000000000ull) + one);
    const double f = (m - 1.0) / (m + 1.0);
    const double f2 = f * f;
    constexpr double c = 2.8853900817779268;  // 2 / ln 2
    double p = c / 17.0;
    p = p * f2 + c / 15.0;
    p = p * f2 + c / 13.0;
    p = p * f2 + c / 11.0;
    p = p * f2 + c / 9.0;
    p = p * f2 + c / 7.0;
    p = p * f2 + c / 5.0;
    p = p * f2 + c / 3.0;
    p = p * f2 + c;
    return e + f * p;
}

// In place: x[i] <- log2(x[i]). Subnormal, zero, negative, infinite or NaN entries (which
// the PID never produces from validated input) send the whole array to std::log2. The check
// uses no short-circuit so that it vectorises too.
inline void log2_inplace(double* __restrict x, std::size_t n) noexcept {
    int normal = 1;
    for (std::size_t i = 0; i < n; ++i) normal &= (x[i] >= DBL_MIN) & (x[i] <= DBL_MAX);  // NaN fails both
    if (!normal) {
        for (std::size_t i = 0; i < n; ++i) x[i] = std::log2(x[i]);
        return;
    }
    for (std::size_t i = 0; i < n; ++i) x[i] = log2_normal(x[i]);
}

// In place, for inputs the caller guarantees to be normal, positive and finite.
inline void log2_normal_inplace(double* __restrict x, std::size_t n) noexcept {
    for (std::size_t i = 0; i < n; ++i) x[i] = log2_normal(x[i]);
}

}  // namespace infomorph::detail

#include <xsimd/xsimd.hpp>

#include "infomorph/detail/simd.hpp"

namespace infomorph::detail {

// Bit layout of the IEEE types, for split().
template <class T>
struct ieee_bits;
template <>
struct ieee_bits<double> {
    using uint = std::uint64_t;
    static constexpr uint sqrt_half = 0x3fe6a09e667f3bcdull, one = 0x3ff0000000000000ull;
    static constexpr uint exponent_mask = 0xfff0000000000000ull, magic = 0x4330000000000000ull;  // 2^52
    static constexpr int mantissa_bits = 52;
    static constexpr double magic_value = 4503599627370496.0 + 1023.0;
};
template <>
struct ieee_bits<float> {
    using uint = std::uint32_t;
    static constexpr uint sqrt_half = 0x3f3504f3u, one = 0x3f800000u;
    static constexpr uint exponent_mask = 0xff800000u, magic = 0x4b000000u;  // 2^23
    static constexpr int mantissa_bits = 23;
    static constexpr float magic_value = 8388608.0f + 127.0f;
};

// x = m 2^e with m in [sqrt(1/2), sqrt(2)), and scale = 2^-e, for x normal, positive and
// finite. Kept apart from the series so that callers can share one division among several
// logarithms and ratios (a SIMD division costs as much as the whole series).
template <class T, class A>
struct split_value {
    xsimd::batch<T, A> e, m, scale;
};

template <class T, class A>
INFOMORPH_ALWAYS_INLINE split_value<T, A> split(const xsimd::batch<T, A>& x) noexcept {
    using bits = ieee_bits<T>;
    using fbatch = xsimd::batch<T, A>;
    using ubatch = xsimd::batch<typename bits::uint, A>;
    const ubatch one(bits::one);
    const ubatch ix = xsimd::bitwise_cast<ubatch>(x);
    const ubatch shifted = ix - ubatch(bits::sqrt_half) + one;
    const ubatch m = ix - (shifted & ubatch(bits::exponent_mask)) + one;
    return {xsimd::bitwise_cast<fbatch>((shifted >> bits::mantissa_bits) | ubatch(bits::magic)) - fbatch(bits::magic_value),
            xsimd::bitwise_cast<fbatch>(m), xsimd::bitwise_cast<fbatch>(one + m - ix)};
}

// log2 x from its split, given f = (m - 1) / (m + 1): e + (2 / ln 2) atanh f, |f| <= 0.1716.
// The odd series to f^17 for double (error below 4.3e-16), to f^9 for float (below 1e-9).
template <class T, class A>
INFOMORPH_ALWAYS_INLINE xsimd::batch<T, A> log2_series(const xsimd::batch<T, A>& e, const xsimd::batch<T, A>& f) noexcept {
    using fbatch = xsimd::batch<T, A>;
    const fbatch f2 = f * f;
    constexpr double c = 2.8853900817779268;
    fbatch p;
    if constexpr (std::is_same_v<T, double>) {
        p = fbatch(c / 17.0);
        p = xsimd::fma(p, f2, fbatch(c / 15.0));
        p = xsimd::fma(p, f2, fbatch(c / 13.0));
        p = xsimd::fma(p, f2, fbatch(c / 11.0));
        p = xsimd::fma(p, f2, fbatch(c / 9.0));
    } else {
        p = fbatch(static_cast<T>(c / 9.0));
    }
    p = xsimd::fma(p, f2, fbatch(static_cast<T>(c / 7.0)));
    p = xsimd::fma(p, f2, fbatch(static_cast<T>(c / 5.0)));
    p = xsimd::fma(p, f2, fbatch(static_cast<T>(c / 3.0)));
    p = xsimd::fma(p, f2, fbatch(static_cast<T>(c)));
    return xsimd::fma(f, p, e);
}

// The same function as the scalar log2_normal on a SIMD batch (x normal, positive, finite).
template <class A>
inline xsimd::batch<double, A> log2_normal(const xsimd::batch<double, A>& x) noexcept {
    using dbatch = xsimd::batch<double, A>;
    const auto s = split<double, A>(x);
    return log2_series(s.e, (s.m - dbatch(1.0)) / (s.m + dbatch(1.0)));
}

}  // namespace infomorph::detail
