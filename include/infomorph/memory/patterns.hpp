#pragma once
/// \file
/// Random bipolar patterns and noisy cues for the associative-memory task. As the authors'
/// HopfieldDataset (p_bernoulli 0.5) and training.noisy_patterns: a cue with flip fraction f
/// has exactly int(N f) bits flipped, at positions drawn anew for every pattern.

#include <cstddef>
#include <cstdint>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <xtensor/xtensor.hpp>

#include "infomorph/error.hpp"
#include "infomorph/neuron/layer.hpp"

namespace infomorph::memory {

/// Patterns, states and weights: [rows x N] float matrices, bits as +1 / -1.
using matrix = xt::xtensor<float, 2>;

/// P patterns of N bits, each +1 or -1 with probability 1/2, one row per pattern.
inline matrix random_patterns(std::size_t patterns, std::size_t neurons, std::uint64_t seed) {
    matrix x = matrix::from_shape({patterns, neurons});
    std::mt19937_64 rng(seed);
    for (auto& v : x) v = detail::uniform01(rng) < 0.5 ? -1.0f : 1.0f;
    return x;
}

/// The patterns with int(N * fraction) bits of every row flipped (a fresh random subset per row).
inline matrix flip_bits(const matrix& patterns, double fraction, std::uint64_t seed) {
    if (!(fraction >= 0.0 && fraction <= 1.0))
        throw error("the flip fraction " + std::to_string(fraction) + " is not in [0, 1]");
    matrix x = patterns;
    const std::size_t n = x.shape()[1];
    const auto flips = static_cast<std::size_t>(static_cast<double>(n) * fraction);
    if (flips == 0) return x;
    std::mt19937_64 rng(seed);
    std::vector<std::size_t> order(n);
    for (std::size_t p = 0; p < x.shape()[0]; ++p) {
        for (std::size_t j = 0; j < n; ++j) order[j] = j;
        // Partial Fisher-Yates with our own uniform draws: the same cues with every standard library.
        for (std::size_t k = 0; k < flips; ++k) {
            const auto pick = k + static_cast<std::size_t>(detail::uniform01(rng) * static_cast<double>(n - k));
            std::swap(order[k], order[pick]);
            x(p, order[k]) = -x(p, order[k]);
        }
    }
    return x;
}

}  // namespace infomorph::memory
