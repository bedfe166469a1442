#pragma once
/// \file
/// Binary outputs sampled from firing probabilities: silent / firing values (-1 / +1 for
/// infomorphic neurons, 0 / 1 for the baselines' straight-through units) drawn from per-block
/// streams. A batch's streams are keyed by one draw of the caller's engine and the block, so
/// that blocks can be sampled in parallel and give the same outputs for any number of threads.

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <random>

#include "infomorph/detail/random.hpp"

namespace infomorph {

/// The key of one batch's sampling streams (one draw of the engine, 0 when not sampling).
inline std::uint64_t sampling_key(std::mt19937_64* rng) { return rng ? (*rng)() : 0; }

/// The stream of the block of samples that starts at sample `first`.
inline std::uint64_t sampling_stream(std::uint64_t key, std::uint64_t first) noexcept {
    return detail::stream_seed(key, first);
}

/// out[e] = firing with probability theta[e], silent otherwise, for e in [0, count). Two
/// samples per 64 random bits (24 bits each, the resolution of a float theta; u < theta is exact
/// in Real). The bits are drawn ahead into a small buffer so that the comparisons run
/// branch-free and vectorised: a coin flip per output is the worst case for a branch predictor.
template <class Real>
void sample_outputs(const Real* theta, Real* out, std::size_t count, std::uint64_t seed, Real silent, Real firing) {
    constexpr std::size_t chunk = 256;
    constexpr Real unit = Real(0x1.0p-24);
    std::array<std::uint64_t, chunk / 2> bits;
    detail::split_mix stream{seed};
    for (std::size_t e0 = 0; e0 < count; e0 += chunk) {
        const std::size_t m = std::min(chunk, count - e0);
        for (std::size_t i = 0; i < (m + 1) / 2; ++i) bits[i] = stream();
        const Real* t = theta + e0;
        Real* o = out + e0;
        for (std::size_t i = 0; i < m / 2; ++i) {
            const Real u0 = static_cast<Real>(static_cast<std::uint32_t>(bits[i] >> 40)) * unit;
            const Real u1 = static_cast<Real>(static_cast<std::uint32_t>(bits[i] >> 8) & 0xffffffu) * unit;
            o[2 * i] = u0 < t[2 * i] ? firing : silent;
            o[2 * i + 1] = u1 < t[2 * i + 1] ? firing : silent;
        }
        if (m % 2 != 0) {
            const Real u0 = static_cast<Real>(static_cast<std::uint32_t>(bits[m / 2] >> 40)) * unit;
            o[m - 1] = u0 < t[m - 1] ? firing : silent;
        }
    }
}

}  // namespace infomorph
