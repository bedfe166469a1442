#pragma once
// sum_i w[i] log2 x[i] for histogram weights without a logarithm per term. When every w[i] is
// k_i q for one quantum q and small integers k_i (counts over a total: the PID of a batch
// histogram), the sum is q log2 prod_i x_i^k_i. With x_i = m_i 2^e_i, m_i in [1, 2) (both
// exact), the exponents sum exactly, the powers of the mantissas multiply in a register that
// is renormalised every few batches, and one logarithm per lane ends the sum: a handful of
// operations per term where a logarithm's reduction and series take about twenty.
//
// Accuracy: each multiplication rounds once (relative 2^-53), so the product of n terms is
// within about n 2^-53 relative, and q log2 of it within 1.6e-16 (sum of the k_i q) absolute:
// tighter than summing rounded logarithms. A weight within 2^-48 relative of k q counts as
// k q: such differences are the rounding of summing k equal weights into a cell's mass, and
// k q is then the histogram's own value.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstddef>
#include <vector>

#include <xsimd/xsimd.hpp>

#include "infomorph/detail/fast_log.hpp"
#include "infomorph/detail/simd.hpp"
#include "infomorph/detail/support_plan.hpp"

namespace infomorph::detail {

// Weights as counts of a quantum, if they are: count[i] = k_i and plane[j][i] = bit j of k_i
// (0 or 1) for the powers' binary ladder, and per block of rows the largest count's bit width.
// Counts stop at 3: a larger count needs more ladder steps than a logarithm costs.
class count_weights {
public:
    // Whether every w[i] (i < n, non-negative) is k_i q with k_i <= 3, q the smallest positive
    // weight, within 2^-48 relative (see above). Weights 0 are counts 0. A first pass finds q
    // and the largest weight, so that other weights cost one pass. `block`: see bits().
    bool assign(const double* w, std::size_t n, std::size_t block) {
        using dbatch = xsimd::batch<double>;
        using ubatch = xsimd::batch<std::uint64_t>;
        constexpr std::size_t lanes = dbatch::size;
        const std::size_t whole = n / lanes * lanes;
        n_ = n;
        block_ = block;
        const dbatch none(HUGE_VAL), zero(0.0);
        dbatch smallest = none, largest = zero;
        for (std::size_t i = 0; i < whole; i += lanes) {
            const dbatch x = dbatch::load_unaligned(w + i);
            smallest = xsimd::min(smallest, xsimd::select(x > zero, x, none));
            largest = xsimd::max(largest, x);
        }
        double q = HUGE_VAL, top = 0;
        for (std::size_t l = 0; l < lanes; ++l) q = std::min(q, smallest.get(l)), top = std::max(top, largest.get(l));
        for (std::size_t i = whole; i < n; ++i) q = std::min(q, w[i] > 0 ? w[i] : HUGE_VAL), top = std::max(top, w[i]);
        if (q == HUGE_VAL || top > 3.5 * q) return false;  // no weight, or a count above 3
        quantum_ = q;
        const std::size_t stride = n + lanes;
        count_.resize(3 * stride);
        bits_.assign((n + block - 1) / block, 0);
        // k = w / q rounded to the nearest integer by adding and subtracting 2^52; k + 2^52
        // holds k in its low bits, which give the planes. Locals, not members, in the loop:
        // its stores would otherwise make the compiler reload them.
        const dbatch inverse(1.0 / q), quantum(q), magic(0x1p52), tolerance(0x1p-48), one(1.0);
        const ubatch exponent(0x4330000000000000ull), bit(1);
        double* const counts = count_.data();
        double* const low = counts + stride;
        double* const high = low + stride;
        auto bad = zero != zero;
        dbatch block_largest = zero;
        const auto count = [&](std::size_t i, const dbatch& x) {
            const dbatch shifted = xsimd::fma(x, inverse, magic);
            const dbatch k = shifted - magic;
            bad = bad | (xsimd::abs(xsimd::fnma(k, quantum, x)) > tolerance * x);
            // The ladder's width: 0 for counts 1 (no ladder), else the count's, 1 for counts 0.
            block_largest = xsimd::max(block_largest, xsimd::select(k == one, zero, xsimd::max(k, one)));
            k.store_unaligned(counts + i);
            const ubatch b = xsimd::bitwise_cast<ubatch>(shifted);  // bit j as the double 0 or 1: (2^52 + bit) - 2^52
            (xsimd::bitwise_cast<dbatch>((b & bit) | exponent) - magic).store_unaligned(low + i);
            (xsimd::bitwise_cast<dbatch>(((b >> 1) & bit) | exponent) - magic).store_unaligned(high + i);
        };
        for (std::size_t b = 0; b * block < n; ++b) {
            block_largest = zero;
            const std::size_t last = std::min(n, (b + 1) * block), end = last / lanes * lanes;
            for (std::size_t i = b * block; i < end; i += lanes) count(i, dbatch::load_unaligned(w + i));
            if (end < last) {  // the tail, padded with counts 1 (read lane by lane)
                alignas(64) double tail[lanes];
                std::fill(tail, tail + lanes, q);
                std::copy(w + end, w + last, tail);
                count(end, dbatch::load_aligned(tail));
            }
            double top_count = 0;
            for (std::size_t l = 0; l < lanes; ++l) top_count = std::max(top_count, block_largest.get(l));
            bits_[b] = top_count == 0 ? 0 : top_count == 1 ? 1 : 2;  // 0: every count 1
        }
        return !xsimd::any(bad);
    }

    double quantum() const noexcept { return quantum_; }  // q
    // The block of rows from `begin` (a multiple of the block): 0 when every count is 1,
    // else the bit width of the largest count (1 or 2).
    std::size_t bits(std::size_t begin) const noexcept { return bits_[begin / block_]; }
    const double* count() const noexcept { return count_.data(); }                           // k_i
    const double* plane(std::size_t j) const noexcept { return count_.data() + (j + 1) * (n_ + xsimd::batch<double>::size); }  // bit j of k_i

private:
    std::size_t n_ = 0, block_ = 1;
    double quantum_ = 0;
    std::vector<double> count_;  // counts, then the planes of bits 0 and 1
    std::vector<unsigned char> bits_;
};

// x = m 2^e with m in [1, 2), both exact, for x normal, positive and finite.
template <class A>
INFOMORPH_ALWAYS_INLINE void split_unit(const xsimd::batch<double, A>& x, xsimd::batch<double, A>& m,
                                        xsimd::batch<double, A>& e) noexcept {
    using dbatch = xsimd::batch<double, A>;
#if defined(__AVX512F__)
    if constexpr (dbatch::size == 8) {
        m = _mm512_getmant_pd(x, _MM_MANT_NORM_1_2, _MM_MANT_SIGN_src);
        e = _mm512_getexp_pd(x);
        return;
    }
#endif
    using ubatch = xsimd::batch<std::uint64_t, A>;
    const ubatch ix = xsimd::bitwise_cast<ubatch>(x);
    m = xsimd::bitwise_cast<dbatch>((ix & ubatch(0x000fffffffffffffull)) | ubatch(0x3ff0000000000000ull));
    e = xsimd::bitwise_cast<dbatch>((ix >> 52) | ubatch(0x4330000000000000ull)) - dbatch(4503599627370496.0 + 1023.0);
}

// out[j] = sum_i k_i log2 x_ji for K sums j at once, over the counts of c at begin .. begin +
// n - 1 (begin a multiple of the block), x_ji normal, positive and finite: load(j, i) gives
// the batch x_ji..x_j(i+lanes-1) (j an std::integral_constant, i counted from begin) and
// scalar(j, i) gives x_ji. Multiply by c.quantum() for sum_i w[i] log2 x_ji. Per batch:
// x^k = m^k 2^(k e), with m^k = (1 + b0 (m - 1)) (1 + b1 (m^2 - 1)) for the count's bits b0,
// b1 (exact where a bit is 0 or where it is 1). The products grow by less than 2^3 per batch
// and are renormalised every 16 batches; the last n mod lanes with the scalar log2_normal.
// The counts and their bits are loaded once per batch for all K, and where the K operands are
// combinations of the same few arrays (a support's antichains), their loads are shared too.
template <std::size_t Bits, std::size_t K, class Load>
INFOMORPH_ALWAYS_INLINE void multiply_counts_many(const double* k, const double* b0, const double* b1,
                                                  std::size_t begin, std::size_t end, Load& load,
                                                  std::array<xsimd::batch<double>, K>& product,
                                                  std::array<xsimd::batch<double>, K>& exponent) noexcept {
    using dbatch = xsimd::batch<double>;
    constexpr std::size_t lanes = dbatch::size;
    const dbatch one(1.0);
    for (std::size_t i = begin; i < end; i += lanes) {
        dbatch count, low, high;
        if constexpr (Bits > 0) {
            count = dbatch::load_unaligned(k + i);
            low = dbatch::load_unaligned(b0 + i);
            if constexpr (Bits == 2) high = dbatch::load_unaligned(b1 + i);
        }
        static_for<K>([&](auto j) {
            dbatch m, e;
            split_unit(load(j, i), m, e);
            if constexpr (Bits == 0) {
                exponent[j] += e;
                product[j] *= m;
            } else {
                exponent[j] = xsimd::fma(count, e, exponent[j]);
                dbatch power = xsimd::fma(low, m - one, one);
                if constexpr (Bits == 2) power *= xsimd::fma(high, m * m - one, one);
                product[j] *= power;
            }
        });
    }
}

template <std::size_t K, class Load, class Scalar>
INFOMORPH_ALWAYS_INLINE void dot_log2_counts_many(const count_weights& c, std::size_t begin, std::size_t n, Load&& load,
                                                  Scalar&& scalar, double* out) noexcept {
    using dbatch = xsimd::batch<double>;
    constexpr std::size_t lanes = dbatch::size, renormalise = 16 * lanes;
    const double* k = c.count() + begin;
    const double* b0 = c.plane(0) + begin;
    const double* b1 = c.plane(1) + begin;
    const std::size_t bits = c.bits(begin);
    std::array<dbatch, K> product, exponent;
    product.fill(dbatch(1.0));
    exponent.fill(dbatch(0.0));
    std::size_t i = 0;
    for (const std::size_t whole = n / lanes * lanes; i < whole;) {
        const std::size_t end = std::min(whole, i + renormalise);
        if (bits == 0) multiply_counts_many<0, K>(k, b0, b1, i, end, load, product, exponent);
        else if (bits == 1) multiply_counts_many<1, K>(k, b0, b1, i, end, load, product, exponent);
        else multiply_counts_many<2, K>(k, b0, b1, i, end, load, product, exponent);
        i = end;
        for (std::size_t j = 0; j < K; ++j) {
            dbatch m, e;
            split_unit(product[j], m, e);
            product[j] = m;
            exponent[j] += e;
        }
    }
    static_for<K>([&](auto j) {
        double sum = xsimd::hadd(exponent[j]) + xsimd::hadd(log2_normal_fast(product[j]));
        for (std::size_t t = i; t < n; ++t)
            if (k[t] != 0) sum += k[t] * log2_normal(scalar(j, t));
        out[j] = sum;
    });
}

}  // namespace infomorph::detail
