#pragma once
// Masses on a small dense grid of cells (the goal kernel's dense mode, batch_goal.hpp): the
// histogram of a batch's samples over the grid, the occupied cells' compaction (also the
// groupings' of mostly empty key spaces, grouping.hpp) and the samples' renumbering.

#include <cstddef>
#include <cstdint>
#include <vector>

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace infomorph::detail {

// mass[c] and mass2[c] = the sums of fire[r] and rest[r] over the rows r with key[r] = c, for
// c < cells. Rows r mod 4 add to four partial tables, so that rows of one cell do not chain
// through memory, and a row adds its two weights as one 16-byte pair. The tables stay all zero
// between calls (the sum resets what it reads), so no separate pass clears them.
inline void grid_masses(const std::uint32_t* key, const double* fire, const double* rest, std::size_t rows,
                        std::size_t cells, std::vector<double>& zeroed, double* mass, double* mass2) {
    constexpr std::size_t ways = 4;
#if defined(__GNUC__) || defined(__clang__)
    using pair = double __attribute__((vector_size(16), __may_alias__));  // the table is also written as doubles (resize)
    zeroed.resize(2 * ways * cells + 2);  // new entries are zero, as the invariant needs
    double* base = zeroed.data() + ((reinterpret_cast<std::uintptr_t>(zeroed.data()) & 8) != 0 ? 1 : 0);
    auto* table = reinterpret_cast<pair*>(base);
    for (std::size_t r = 0; r < rows; ++r) table[(r % ways) * cells + key[r]] += pair{fire[r], rest[r]};
    const pair zero{0.0, 0.0};
    std::size_t c = 0;
#if defined(__AVX512F__)
    // Eight cells at a time: the four ways' pairs summed in the scalar loop's order, then
    // split into the two mass arrays by permutes (the scalar loop runs on 128-bit pairs).
    const __m512i even = _mm512_setr_epi64(0, 2, 4, 6, 8, 10, 12, 14), odd = _mm512_setr_epi64(1, 3, 5, 7, 9, 11, 13, 15);
    const __m512d none = _mm512_setzero_pd();
    for (; c + 8 <= cells; c += 8) {
        __m512d half[2];
        for (std::size_t h = 0; h < 2; ++h) {
            double* at[ways];
            for (std::size_t w = 0; w < ways; ++w) at[w] = base + 2 * (w * cells + c + 4 * h);
            half[h] = _mm512_add_pd(_mm512_add_pd(_mm512_loadu_pd(at[0]), _mm512_loadu_pd(at[1])),
                                    _mm512_add_pd(_mm512_loadu_pd(at[2]), _mm512_loadu_pd(at[3])));
            for (std::size_t w = 0; w < ways; ++w) _mm512_storeu_pd(at[w], none);
        }
        _mm512_storeu_pd(mass + c, _mm512_permutex2var_pd(half[0], even, half[1]));
        _mm512_storeu_pd(mass2 + c, _mm512_permutex2var_pd(half[0], odd, half[1]));
    }
#endif
    for (; c < cells; ++c) {
        const pair sum = (table[c] + table[cells + c]) + (table[2 * cells + c] + table[3 * cells + c]);
        mass[c] = sum[0];
        mass2[c] = sum[1];
        for (std::size_t w = 0; w < ways; ++w) table[w * cells + c] = zero;
    }
#else
    zeroed.assign(2 * ways * cells, 0.0);
    double* f = zeroed.data();
    double* s = f + ways * cells;
    for (std::size_t r = 0; r < rows; ++r) {
        f[(r % ways) * cells + key[r]] += fire[r];
        s[(r % ways) * cells + key[r]] += rest[r];
    }
    for (std::size_t c = 0; c < cells; ++c) {
        mass[c] = (f[c] + f[cells + c]) + (f[2 * cells + c] + f[3 * cells + c]);
        mass2[c] = (s[c] + s[cells + c]) + (s[2 * cells + c] + s[3 * cells + c]);
    }
#endif
}

// The sum of x[0 .. n) in eight interleaved partial sums: a single running sum would be a
// chain of dependent additions that the compiler may not reorder.
inline double row_sum(const double* x, std::size_t n) noexcept {
    double part[8] = {};
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (std::size_t j = 0; j < 8; ++j) part[j] += x[i + j];
    for (std::size_t j = 0; i < n; ++i, ++j) part[j] += x[i];
    return ((part[0] + part[1]) + (part[2] + part[3])) + ((part[4] + part[5]) + (part[6] + part[7]));
}

// Keeps the occupied cells (mass + mass2 > 0; masses are non-negative) of n in order: their
// masses move to the front, renumber[c] receives the position of occupied cell c (others are
// left undefined) and grid[i] (unless null) the i-th occupied cell. mass2 may be null (one
// mass per cell). Returns the number of occupied cells. With AVX-512 eight cells at a time by
// compressing stores; which cells are occupied is unpredictable, so the scalar path is
// branch-free (an empty cell's copy is overwritten by the next occupied one's).
inline std::size_t compact_cells(double* mass, double* mass2, std::size_t n, std::uint32_t* renumber,
                                 std::uint32_t* grid) {
    std::size_t next = 0, c = 0;
#if defined(__AVX512F__) && defined(__AVX512VL__)
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    for (; c + 8 <= n; c += 8) {
        const __m512d a = _mm512_loadu_pd(mass + c), b = mass2 ? _mm512_loadu_pd(mass2 + c) : _mm512_setzero_pd();
        const __mmask8 occupied = _mm512_cmp_pd_mask(_mm512_add_pd(a, b), _mm512_setzero_pd(), _CMP_GT_OQ);
        // Compressed stores write below c + 8 only, and this block is already loaded.
        _mm512_mask_compressstoreu_pd(mass + next, occupied, a);
        if (mass2) _mm512_mask_compressstoreu_pd(mass2 + next, occupied, b);
        if (grid)
            _mm256_mask_compressstoreu_epi32(grid + next, occupied,
                                             _mm256_add_epi32(lane, _mm256_set1_epi32(static_cast<int>(c))));
        for (unsigned bits = occupied; bits != 0; bits &= bits - 1)
            renumber[c + static_cast<std::size_t>(__builtin_ctz(bits))] = static_cast<std::uint32_t>(next++);
    }
#endif
    for (; c < n; ++c) {
        const double a = mass[c], b = mass2 ? mass2[c] : 0.0;
        renumber[c] = static_cast<std::uint32_t>(next);
        if (grid) grid[next] = static_cast<std::uint32_t>(c);
        mass[next] = a;
        if (mass2) mass2[next] = b;
        next += a + b > 0 ? 1 : 0;
    }
    return next;
}

// key[k] = renumber[key[k]] for k < n; with AVX-512 sixteen keys per gather.
inline void renumber_keys(std::uint32_t* key, std::size_t n, const std::uint32_t* renumber) noexcept {
    std::size_t k = 0;
#if defined(__AVX512F__)
    for (; k + 16 <= n; k += 16) {
        const __m512i index = _mm512_loadu_si512(key + k);
        _mm512_storeu_si512(key + k, _mm512_i32gather_epi32(index, renumber, 4));
    }
#endif
    for (; k < n; ++k) key[k] = renumber[key[k]];
}

}  // namespace infomorph::detail
