#pragma once
// Random draws that are the same with every standard library: std::uniform_real_distribution,
// std::uniform_int_distribution and std::shuffle are implementation-defined, and a seeded
// initialisation, split or epoch order must not depend on the compiler that built it.

#include <cstdint>
#include <random>

namespace infomorph::detail {

// A double in [0, 1) from the top 53 bits of one draw.
inline double uniform01(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

// SplitMix64 (Steele, Lea & Flood 2014): a small, fast generator for per-block streams; its
// output function also hashes a (key, block) pair into a stream's seed.
struct split_mix {
    std::uint64_t state;
    static constexpr std::uint64_t mix(std::uint64_t z) noexcept {
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
    }
    std::uint64_t operator()() noexcept { return mix(state += 0x9e3779b97f4a7c15ull); }
};

// The seed of block `block`'s stream under one key: blocks of one draw get unrelated streams,
// and a block's stream does not depend on how many threads run the blocks.
inline std::uint64_t stream_seed(std::uint64_t key, std::uint64_t block) noexcept {
    return split_mix::mix(key ^ split_mix::mix(block + 0x632be59bd9b4e019ull));
}

}  // namespace infomorph::detail
