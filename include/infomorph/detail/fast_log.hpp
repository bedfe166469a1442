#pragma once
// Base-2 logarithm of many doubles at once. Logarithms dominate the PID once its look-ups
// are flat arrays; glibc's scalar log2 does not vectorise, this loop does (GCC and clang at
// -O3, any x86-64 level). Accuracy: within 3e-16 relative of std::log2 for normal numbers.

#include <algorithm>
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

// In place: x[i] <- log2(x[i]). Subnormal, zero, negative, infinite or NaN entries get
// std::log2 (the pointwise PID's subnormal union probabilities, and the empty cells of
// key-identity groupings, clamped to the smallest subnormal), the others log2_normal: where
// an array holds such entries, blocks of 64 take log2_normal for every entry (vectorised, with
// meaningless values at the odd ones), then std::log2 for the odd ones alone. The checks use
// no short-circuit so that they vectorise too.
inline void log2_inplace(double* __restrict x, std::size_t n) noexcept {
    int normal = 1;
    for (std::size_t i = 0; i < n; ++i) normal &= (x[i] >= DBL_MIN) & (x[i] <= DBL_MAX);  // NaN fails both
    if (normal) {
        for (std::size_t i = 0; i < n; ++i) x[i] = log2_normal(x[i]);
        return;
    }
    constexpr std::size_t block = 64;
    double in[block];
    for (std::size_t b = 0; b < n; b += block) {
        const std::size_t m = n - b < block ? n - b : block;
        double* y = x + b;
        for (std::size_t i = 0; i < m; ++i) in[i] = y[i];
        for (std::size_t i = 0; i < m; ++i) y[i] = log2_normal(in[i]);
        for (std::size_t i = 0; i < m; ++i)
            if (!(in[i] >= DBL_MIN && in[i] <= DBL_MAX)) y[i] = std::log2(in[i]);
    }
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

// (2 / ln 2) atanh(f) / f as a polynomial in y = f^2 for |f| <= (sqrt 2 - 1) / (sqrt 2 + 1):
// near-minimax (Chebyshev fit in 50-digit arithmetic, mpmath.chebyfit, 7 coefficients). Its
// error, coefficient rounding included, times |f| is below 1.1e-16: the seven terms are more
// accurate than log2_series's nine Taylor terms (4.3e-16) and take two multiply-adds fewer.
template <class A>
INFOMORPH_ALWAYS_INLINE xsimd::batch<double, A> log2_minimax(const xsimd::batch<double, A>& e,
                                                             const xsimd::batch<double, A>& f) noexcept {
    using dbatch = xsimd::batch<double, A>;
    const dbatch y = f * f;
    dbatch p(0.2429160853987535);
    p = xsimd::fma(p, y, dbatch(0.2614442493522915));
    p = xsimd::fma(p, y, dbatch(0.32061638813224547));
    p = xsimd::fma(p, y, dbatch(0.4121984020482752));
    p = xsimd::fma(p, y, dbatch(0.5770780172463286));
    p = xsimd::fma(p, y, dbatch(0.9617966939243345));
    p = xsimd::fma(p, y, dbatch(2.885390081777927));
    return xsimd::fma(f, p, e);
}

#if defined(__AVX512F__)
// x = m 2^e with m in [sqrt(1/2), sqrt(2)) for x normal, positive and finite, from vgetmantpd
// (mantissa in [1, 2)) and vgetexppd with a masked halving: five operations where split()
// takes seven. m and e are exact, as split()'s.
INFOMORPH_ALWAYS_INLINE void split_avx512(__m512d x, __m512d& m, __m512d& e) noexcept {
    m = _mm512_getmant_pd(x, _MM_MANT_NORM_1_2, _MM_MANT_SIGN_src);
    e = _mm512_getexp_pd(x);
    const __mmask8 high = _mm512_cmp_pd_mask(m, _mm512_set1_pd(1.4142135623730951), _CMP_GE_OQ);
    m = _mm512_mask_mul_pd(m, high, m, _mm512_set1_pd(0.5));
    e = _mm512_mask_add_pd(e, high, e, _mm512_set1_pd(1.0));
}
#endif

// log2 x for x normal, positive and finite: log2_normal's reduction to m in [sqrt(1/2),
// sqrt(2)) (split_avx512 where available) with log2_minimax. Within 4 ulp of std::log2 over
// all normal doubles (tests: "the averaged PID's logarithms"; log2_normal: 7 ulp).
template <class A>
INFOMORPH_ALWAYS_INLINE xsimd::batch<double, A> log2_normal_fast(const xsimd::batch<double, A>& x) noexcept {
    using dbatch = xsimd::batch<double, A>;
#if defined(__AVX512F__)
    if constexpr (dbatch::size == 8) {
        __m512d m, e;
        split_avx512(x, m, e);
        const dbatch mantissa(m);
        return log2_minimax(dbatch(e), (mantissa - dbatch(1.0)) / (mantissa + dbatch(1.0)));
    }
#endif
    const auto s = split<double, A>(x);
    return log2_minimax(s.e, (s.m - dbatch(1.0)) / (s.m + dbatch(1.0)));
}

// The reduction of two batches of log2_normal_fast with one division: e and f = (m - 1) /
// (m + 1) of each as f1 = (m1 - 1)(m2 + 1) r and f2 = (m2 - 1)(m1 + 1) r with
// r = 1 / ((m1 + 1)(m2 + 1)). A division occupies the divider about as long as all other
// operations of a logarithm (16 cycles for eight doubles on AVX-512 Intel, 5 for four on
// AVX2 Zen 2). Four roundings instead of one put f within 2.5 ulp.
template <class A>
INFOMORPH_ALWAYS_INLINE void reduce_pair(const xsimd::batch<double, A>& x1, const xsimd::batch<double, A>& x2,
                                         xsimd::batch<double, A>& e1, xsimd::batch<double, A>& f1,
                                         xsimd::batch<double, A>& e2, xsimd::batch<double, A>& f2) noexcept {
    using dbatch = xsimd::batch<double, A>;
    dbatch a, b;
#if defined(__AVX512F__)
    if constexpr (dbatch::size == 8) {
        __m512d m1, x1e, m2, x2e;
        split_avx512(x1, m1, x1e);
        split_avx512(x2, m2, x2e);
        a = m1, b = m2, e1 = x1e, e2 = x2e;
    } else
#endif
    {
        const auto s1 = split<double, A>(x1), s2 = split<double, A>(x2);
        a = s1.m, b = s2.m, e1 = s1.e, e2 = s2.e;
    }
    const dbatch one(1.0);
    const dbatch d1 = a + one, d2 = b + one;
    const dbatch r = one / (d1 * d2);
    f1 = ((a - one) * d2) * r;
    f2 = ((b - one) * d1) * r;
}

// Two batches of log2_normal_fast from reduce_pair: within 6 ulp of std::log2 (tests: "the
// averaged PID's logarithms"). dot_log2_of computes the same values in two passes.
template <class A>
INFOMORPH_ALWAYS_INLINE void log2_normal_pair(const xsimd::batch<double, A>& x1, const xsimd::batch<double, A>& x2,
                                              xsimd::batch<double, A>& y1, xsimd::batch<double, A>& y2) noexcept {
    xsimd::batch<double, A> e1, f1, e2, f2;
    reduce_pair(x1, x2, e1, f1, e2, f2);
    y1 = log2_minimax(e1, f1);
    y2 = log2_minimax(e2, f2);
}

// sum_i w[i] log2 x_i for x_i normal, positive and finite (the averaged PID's sums), where
// load(i) gives the batch x_i..x_{i+lanes-1} and scalar(i) gives x_i: callers compute the x
// in registers. In blocks of 32 batches, two passes each: the reductions (x, the split and
// one division per two batches, as log2_normal_pair) into e and f on the stack, then the
// series and the weighted sums. One fused pass is one long chain of dependent operations per
// batch (about 80 cycles), longer than the processor's window can overlap; each pass alone
// is short enough to run at the rate of its operations. The last n mod (2 lanes) with
// log2_normal_fast and the scalar log2_normal. Lanes summed at the end.
template <class Load, class Scalar>
INFOMORPH_ALWAYS_INLINE double dot_log2_of(const double* w, std::size_t n, Load&& load, Scalar&& scalar) noexcept {
    using dbatch = xsimd::batch<double>;
    constexpr std::size_t lanes = dbatch::size, block = 32 * lanes;
    alignas(64) double e[block], f[block];
    dbatch acc(0.0), acc2(0.0);
    std::size_t i = 0;
    for (; i + 2 * lanes <= n;) {
        const std::size_t m = std::min(block, (n - i) / (2 * lanes) * (2 * lanes));
        for (std::size_t j = 0; j < m; j += 2 * lanes) {
            dbatch e1, f1, e2, f2;
            reduce_pair(load(i + j), load(i + j + lanes), e1, f1, e2, f2);
            e1.store_aligned(e + j);
            f1.store_aligned(f + j);
            e2.store_aligned(e + j + lanes);
            f2.store_aligned(f + j + lanes);
        }
        for (std::size_t j = 0; j < m; j += 2 * lanes) {
            const dbatch a = log2_minimax(dbatch::load_aligned(e + j), dbatch::load_aligned(f + j));
            const dbatch b = log2_minimax(dbatch::load_aligned(e + j + lanes), dbatch::load_aligned(f + j + lanes));
            acc = xsimd::fma(dbatch::load_unaligned(w + i + j), a, acc);
            acc2 = xsimd::fma(dbatch::load_unaligned(w + i + j + lanes), b, acc2);
        }
        i += m;
    }
    acc += acc2;
    for (; i + lanes <= n; i += lanes) acc = xsimd::fma(dbatch::load_unaligned(w + i), log2_normal_fast(load(i)), acc);
    double sum = xsimd::hadd(acc);
    for (; i < n; ++i) sum += w[i] * log2_normal(scalar(i));
    return sum;
}

// sum_i w[i] log2 x[i] for x[i] normal, positive and finite.
inline double dot_log2(const double* w, const double* x, std::size_t n) noexcept {
    return dot_log2_of(
        w, n, [x](std::size_t i) { return xsimd::batch<double>::load_unaligned(x + i); },
        [x](std::size_t i) { return x[i]; });
}

}  // namespace infomorph::detail
