#pragma once
/// \file
/// Binning policies: which of `Bins` bins each sample's class input falls into. Semantics of the
/// authors' im_net/prob_estim.py (commit 5284adf): edges = torch.linspace(lo, hi, Bins + 1) in
/// double, inputs clamped into [lo + 1e-4, hi], bins right-closed ((e_i, e_{i+1}]), i.e.
/// torch.bucketize(x, edges) - 1.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <stdexcept>
#include <tuple>
#include <type_traits>
#include <utility>

#include <xsimd/xsimd.hpp>

#include "infomorph/error.hpp"

namespace infomorph::binning {

namespace detail {

// torch.linspace's CPU kernel: the first half counts up from the start, the second half
// down from the end, so both ends are exact. Reproduced so that inputs on an edge fall into
// the same bin as in the authors' code.
template <std::size_t Bins>
std::array<double, Bins + 1> linspace(double lo, double hi) noexcept {
    std::array<double, Bins + 1> e{};
    const double step = (hi - lo) / static_cast<double>(Bins);
    const std::size_t half = (Bins + 1) / 2;
    for (std::size_t i = 0; i <= Bins; ++i) {
        // Rounded product, then sum: a fused multiply-add (what compilers contract this to
        // where FMA is available) would move the middle edge of [-1, 1] off 0.
        const volatile double offset = step * static_cast<double>(i < half ? i : Bins - i);
        e[i] = i < half ? lo + offset : hi - offset;
    }
    return e;
}

// Right-closed bucket of an already clamped value: the number of edges strictly below it,
// minus one. A direct guess from the uniform spacing, corrected against the actual edges so
// that values on or next to an edge land exactly as a search over the edges would put them.
template <std::size_t Bins>
struct uniform_edges {
    std::array<double, Bins + 1> at;
    double scale;  // Bins / (hi - lo)

    uniform_edges(double lo, double hi) : at(linspace<Bins>(lo, hi)), scale(static_cast<double>(Bins) / (at[Bins] - at[0])) {}

    // The guess truncates (x - lo) * scale: no ceil, which without SSE4.1 is a library call.
    // It is at most one bin off: one branch-free step each way (unpredictable branches cost
    // more than the arithmetic), then loops that practically never run.
    std::uint32_t bucket(double x) const noexcept {
        const double scaled = (x - at[0]) * scale;
        // !(scaled > 0) also takes NaN (an undefined drive) to bin 0 instead of an undefined cast.
        std::size_t i = !(scaled > 0) ? 0 : std::min(static_cast<std::size_t>(std::min(scaled, double(Bins))), Bins - 1);
        i -= static_cast<std::size_t>(i > 0) & static_cast<std::size_t>(x <= at[i]);
        i += static_cast<std::size_t>(i + 1 < Bins) & static_cast<std::size_t>(x > at[std::min(i + 1, Bins)]);
        while (i > 0 && x <= at[i]) --i;
        while (i + 1 < Bins && x > at[i + 1]) ++i;
        return static_cast<std::uint32_t>(i);
    }
};

// The largest Real not above e: for a Real x, x > e exactly when x > round_down(e).
template <class Real>
Real round_down(double e) noexcept {
    Real r = static_cast<Real>(e);
    if (static_cast<double>(r) > e) r = std::nextafter(r, -std::numeric_limits<Real>::infinity());
    return r;
}

// Right-closed buckets by counting the inner edges below each value: for x clamped into
// [lo + 1e-4, hi] the bucket is the number of edges e_1 .. e_{Bins-1} strictly below x, and
// unclamped values give the same count (below lo + 1e-4 none, above hi all), provided that
// lo + 1e-4 < e_1. Exact, branch-free and in the input's own precision (edges rounded down,
// see round_down). A NaN falls into bucket 0.
template <std::size_t Bins, class Real>
std::uint32_t count_below(const std::array<Real, Bins + 1>& edge, Real v) noexcept {
    std::uint32_t c = 0;
    for (std::size_t i = 1; i < Bins; ++i) c += v > edge[i] ? 1u : 0u;
    return c;
}

#if defined(__AVX512F__)
// A table of up to 64 floats in four registers, read at 16 indices in [0, 64) at once: two
// two-register look-ups, the upper one chosen where bit 5 of the index is set. With at most 32
// entries the upper half is never read.
template <std::size_t Size>
struct table64 {
    static_assert(Size <= 64, "four registers hold up to 64 entries");
    __m512 part[4];
    explicit table64(const float* t) noexcept {
        for (std::size_t i = 0; i < 4; ++i) part[i] = _mm512_load_ps(t + 16 * i);
    }
    __m512 at(__m512i g) const noexcept {
        const __m512 low = _mm512_permutex2var_ps(part[0], g, part[1]);
        if constexpr (Size <= 32) return low;
        else {
            const __mmask16 high = _mm512_test_epi32_mask(g, _mm512_set1_epi32(32));
            return _mm512_mask_mov_ps(low, high, _mm512_permutex2var_ps(part[2], g, part[3]));
        }
    }
};

// The same buckets, 16 floats at a time, from a guess off the uniform spacing checked against
// the actual edges (table look-ups in registers): a handful of instructions instead of a
// compare and add per edge. Lanes the check rejects (an input off by more than a bin's
// rounding, NaN) are counted as above.
template <std::size_t Bins>
void guess_buckets(const std::array<float, Bins + 1>& edge, double scale, const float* x, std::size_t n, std::uint32_t* out,
                   std::size_t out_stride) noexcept {
    static_assert(Bins >= 2 && Bins <= 63, "four-register tables hold up to 64 edges");
    constexpr std::size_t size = Bins <= 31 ? 32 : 64;
    alignas(64) float lower[64], upper[64];
    for (std::size_t i = 0; i < 64; ++i) {
        lower[i] = i == 0 || i >= Bins ? -std::numeric_limits<float>::infinity() : edge[i];
        upper[i] = i + 1 >= Bins ? std::numeric_limits<float>::infinity() : edge[i + 1];
    }
    const table64<size> lower_t(lower), upper_t(upper);
    const __m512 origin = _mm512_set1_ps(edge[0]), step = _mm512_set1_ps(static_cast<float>(scale));
    const __m512 zero = _mm512_setzero_ps(), last = _mm512_set1_ps(static_cast<float>(Bins - 1));
    const __m512i one = _mm512_set1_epi32(1);
    const __m512i lane = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                            _mm512_set1_epi32(static_cast<int>(out_stride)));
    std::size_t k = 0;
    for (; k + 16 <= n; k += 16) {
        const __m512 v = _mm512_loadu_ps(x + k);
        // max(NaN, 0) is 0: the guess is always a valid index.
        const __m512 scaled = _mm512_min_ps(_mm512_max_ps(_mm512_mul_ps(_mm512_sub_ps(v, origin), step), zero), last);
        __m512i g = _mm512_cvttps_epi32(scaled);
        const __mmask16 down = _mm512_cmp_ps_mask(v, lower_t.at(g), _CMP_NGT_UQ);
        const __mmask16 up = _mm512_cmp_ps_mask(v, upper_t.at(g), _CMP_GT_OQ);
        g = _mm512_mask_add_epi32(_mm512_mask_sub_epi32(g, down, g, one), up, g, one);
        const __mmask16 ok = _mm512_cmp_ps_mask(v, lower_t.at(g), _CMP_GT_OQ) & _mm512_cmp_ps_mask(v, upper_t.at(g), _CMP_LE_OQ);
        if (ok != 0xFFFF) {
            alignas(64) std::uint32_t fixed[16];
            _mm512_store_si512(fixed, g);
            for (std::size_t j = 0; j < 16; ++j)
                if (!((ok >> j) & 1u)) fixed[j] = count_below<Bins>(edge, x[k + j]);
            g = _mm512_load_si512(fixed);
        }
        if (out_stride == 1)
            _mm512_storeu_si512(out + k, g);
        else
            _mm512_i32scatter_epi32(out + k * out_stride, lane, g, 4);
    }
    for (; k < n; ++k) out[k * out_stride] = count_below<Bins>(edge, x[k]);
}
#endif

template <std::size_t Bins, class Real>
void count_buckets(const std::array<double, Bins + 1>& at, const Real* x, std::size_t n, std::uint32_t* out,
                   std::size_t out_stride) noexcept {
    std::array<Real, Bins + 1> edge{};
    for (std::size_t i = 0; i <= Bins; ++i) edge[i] = round_down<Real>(at[i]);
#if defined(__AVX512F__)
    if constexpr (std::is_same_v<Real, float> && Bins >= 2 && Bins <= 63) {
        if (out_stride <= (std::size_t{1} << 26)) {
            guess_buckets<Bins>(edge, static_cast<double>(Bins) / (at[Bins] - at[0]), x, n, out, out_stride);
            return;
        }
    }
#endif
    using batch = xsimd::batch<Real>;
    constexpr std::size_t lanes = batch::size;
    std::size_t k = 0;
    alignas(64) std::array<Real, lanes> counted{};
    const batch one(Real(1)), zero(Real(0));
    for (; k + lanes <= n; k += lanes) {
        const batch v = batch::load_unaligned(x + k);
        // Four partial counts: one chain of adds would wait on each add's latency.
        std::array<batch, 4> c{zero, zero, zero, zero};
        for (std::size_t i = 1; i < Bins; ++i) c[i % 4] += xsimd::select(v > batch(edge[i]), one, zero);
        ((c[0] + c[1]) + (c[2] + c[3])).store_aligned(counted.data());
        for (std::size_t j = 0; j < lanes; ++j) out[(k + j) * out_stride] = static_cast<std::uint32_t>(counted[j]);
    }
    for (; k < n; ++k) out[k * out_stride] = count_below<Bins>(edge, x[k]);
}

}  // namespace detail

/// Fixed range (the paper's trivariate hidden layer: 20 bins on [-20, 20] per class).
template <std::size_t Bins>
struct fixed_bins {
    static_assert(Bins >= 1, "fixed_bins<Bins>: Bins must be at least 1 (the paper bins into 20)");
    /// The number of bins, Bins.
    static constexpr std::size_t bins = Bins;
    static constexpr bool per_neuron = false;  ///< the same bins for every neuron: bin a whole matrix at once
    /// Lower end of the range cut into Bins equal bins; inputs are clamped into [lo, hi].
    double lo = -20.0, hi = 20.0;

    /// Bins x[k * stride] for k < batch into out[k * out_stride]; throws infomorph::error unless lo < hi.
    template <class Real>
    void operator()(const Real* x, std::size_t batch, std::size_t stride, std::uint32_t* out,
                    std::size_t out_stride) const {
        if (!(hi > lo)) throw error("fixed_bins needs lo < hi");
        const detail::uniform_edges<Bins> edges(lo, hi);
        const double low = edges.at[0] + 1e-4, high = edges.at[Bins];
        if (stride == 1 && Bins <= 64 && (Bins == 1 || low < edges.at[1])) {
            detail::count_buckets<Bins>(edges.at, x, batch, out, out_stride);
            return;
        }
        for (std::size_t k = 0; k < batch; ++k)
            out[k * out_stride] = edges.bucket(std::clamp(static_cast<double>(x[k * stride]), low, high));
    }
};
/// \var fixed_bins::hi
/// Upper end of the range; must exceed lo.

/// Adaptive (the paper's output layer and bivariate hidden layers): per batch and neuron,
/// divide by max |x| into [-1, 1], then Bins bins on [-1, 1]. An all-zero input (e.g. the
/// context at test time) is left at zero instead of becoming 0/0.
template <std::size_t Bins>
struct adaptive_bins {
    static_assert(Bins >= 1, "adaptive_bins<Bins>: Bins must be at least 1 (the paper bins into 20)");
    /// The number of bins, Bins.
    static constexpr std::size_t bins = Bins;
    /// Each neuron's inputs are scaled by their own max |x|: binned neuron by neuron.
    static constexpr bool per_neuron = true;

    /// Bins x[k * stride] for k < batch, scaled by their max |x|, into out[k * out_stride].
    template <class Real>
    void operator()(const Real* x, std::size_t batch, std::size_t stride, std::uint32_t* out,
                    std::size_t out_stride) const {
        Real largest = 0;
        for (std::size_t k = 0; k < batch; ++k) largest = std::max(largest, static_cast<Real>(std::fabs(x[k * stride])));
        const detail::uniform_edges<Bins> edges(-1.0, 1.0);
        const double low = edges.at[0] + 1e-4, high = edges.at[Bins];
        for (std::size_t k = 0; k < batch; ++k) {
            // Divided in the input's precision, as the authors' tensors are.
            const double v = largest > 0 ? static_cast<double>(x[k * stride] / largest) : 0.0;
            out[k * out_stride] = edges.bucket(std::clamp(v, low, high));
        }
    }
};

/// One policy per source, e.g. the memory network's [2, 60] bins on [-20, 20]: the external
/// source (the neuron's own bit through a fixed weight) needs only two, the recurrent sum 60.
/// The layer passes the source index first (see layer::bin).
template <class... Policies>
struct per_source {
    /// The number of sources, one policy each.
    static constexpr std::size_t sources = sizeof...(Policies);
    /// Tells the layer to pass the source index to operator().
    static constexpr bool source_dependent = true;
    /// Whether any of the policies bins neuron by neuron.
    static constexpr bool per_neuron = (Policies::per_neuron || ...);
    /// The policies, one per source in source order.
    std::tuple<Policies...> policies{};

    /// Bins source `source` (0-based) with its policy, as the policies' operator() does; throws infomorph::error for a source without one.
    template <class Real>
    void operator()(std::size_t source, const Real* x, std::size_t batch, std::size_t stride, std::uint32_t* out,
                    std::size_t out_stride) const {
        if (source >= sources) throw error("per_source binning has no policy for source " + std::to_string(source + 1));
        dispatch(std::make_index_sequence<sources>{}, source, x, batch, stride, out, out_stride);
    }

private:
    template <std::size_t... I, class Real>
    void dispatch(std::index_sequence<I...>, std::size_t source, const Real* x, std::size_t batch, std::size_t stride,
                  std::uint32_t* out, std::size_t out_stride) const {
        ((source == I ? (std::get<I>(policies)(x, batch, stride, out, out_stride), 0) : 0), ...);
    }
};

}  // namespace infomorph::binning
