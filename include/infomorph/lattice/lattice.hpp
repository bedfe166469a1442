#pragma once
/// \file
/// The redundancy lattice of N sources, computed at compile time.
///
/// A source set is a bit mask over the sources (bit i = source i+1, 1-based in names).
/// An antichain is a bit mask over source-set masks: bit m is set when the source set m
/// belongs to the antichain. Both fit 32 bits for N <= 4 (2^4 - 1 = 15 source sets).
///
/// Canonical order (the index every array of this library uses):
///   1. ascending size of the down-set (how many antichains lie at or below it), so the
///      order is a linear extension of the lattice: bottom {1}{2}..{N} first, top {1..N} last,
///      the zeta and Moebius matrices are lower triangular;
///   2. ties broken lexicographically on the antichain's source sets, each set ranked by
///      (size, then its indices lexicographically) - the order of the names as written.
///
/// For N = 2 this gives {1}{2}, {1}, {2}, {1,2}.

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "infomorph/detail/quote.hpp"
#include "infomorph/error.hpp"

namespace infomorph {

/// The largest number of sources of a lattice, a PID or a goal: 4 (166 antichains; 5 would have 7579).
inline constexpr std::size_t max_sources = 4;

namespace detail {

constexpr std::size_t popcount(std::uint32_t x) noexcept {
    std::size_t n = 0;
    for (; x != 0; x &= x - 1) ++n;
    return n;
}

constexpr bool is_subset(std::uint32_t a, std::uint32_t b) noexcept { return (a & ~b) == 0; }

// Rank of a source set among all sets of the same N: by size, then lexicographically by
// the ascending list of its indices ({1} < {2} < {1,2} < {1,3} < {2,3} < {1,2,3}).
constexpr bool set_precedes(std::uint32_t a, std::uint32_t b) noexcept {
    const auto pa = popcount(a), pb = popcount(b);
    if (pa != pb) return pa < pb;
    for (std::uint32_t bit = 1; bit != 0 && (a | b) >= bit; bit <<= 1) {
        const bool ia = (a & bit) != 0, ib = (b & bit) != 0;
        if (ia != ib) return ia;  // the set holding the smaller index comes first
    }
    return false;
}

// The source sets of an antichain, in set_precedes order.
template <std::size_t N>
constexpr auto elements(std::uint32_t antichain) noexcept {
    struct list {
        std::array<std::uint32_t, (1u << N)> sets{};
        std::size_t count = 0;
    } out;
    for (std::uint32_t m = 1; m < (1u << N); ++m)
        if (antichain & (1u << m)) out.sets[out.count++] = m;
    for (std::size_t i = 1; i < out.count; ++i)
        for (std::size_t j = i; j > 0 && set_precedes(out.sets[j], out.sets[j - 1]); --j) {
            const auto t = out.sets[j];
            out.sets[j] = out.sets[j - 1];
            out.sets[j - 1] = t;
        }
    return out;
}

// masks[m] = every source set that is comparable to m (a strict subset or superset of it).
template <std::size_t N>
constexpr auto comparable_sets() noexcept {
    std::array<std::uint32_t, (1u << N)> masks{};
    for (std::uint32_t a = 1; a < (1u << N); ++a)
        for (std::uint32_t b = 1; b < (1u << N); ++b)
            if (a != b && (is_subset(a, b) || is_subset(b, a))) masks[a] |= 1u << b;
    return masks;
}

// masks[m] = every non-empty subset of m, m included.
template <std::size_t N>
constexpr auto subsets_of() noexcept {
    std::array<std::uint32_t, (1u << N)> masks{};
    for (std::uint32_t a = 1; a < (1u << N); ++a)
        for (std::uint32_t b = 1; b < (1u << N); ++b)
            if (is_subset(b, a)) masks[a] |= 1u << b;
    return masks;
}

// Tables shared by every step below, evaluated once (a constexpr local would be evaluated
// again at each call by some compilers, blowing their step limits).
template <std::size_t N>
inline constexpr auto comparable_table = comparable_sets<N>();
template <std::size_t N>
inline constexpr auto subset_table = subsets_of<N>();

template <std::size_t N>
constexpr bool is_antichain(std::uint32_t collection) noexcept {
    constexpr auto& comparable = comparable_table<N>;
    if (collection == 0 || (collection & 1u)) return false;
    for (std::uint32_t a = 1; a < (1u << N); ++a)
        if ((collection & (1u << a)) && (collection & comparable[a])) return false;
    return true;
}

// beta <= alpha in the redundancy lattice: every set of alpha contains some set of beta.
template <std::size_t N>
constexpr bool precedes_or_equal(std::uint32_t beta, std::uint32_t alpha) noexcept {
    constexpr auto& subsets = subset_table<N>;
    for (std::uint32_t rest = alpha; rest != 0; rest &= rest - 1)
        if (!(beta & subsets[static_cast<std::size_t>(std::countr_zero(rest))])) return false;
    return true;
}

// Depth-first walk over all antichains: each step adds a set larger (as a mask) than the
// last one and comparable to none already chosen, so every antichain is reached once and
// nothing else is visited (cheap enough for clang's constexpr step limit too).
template <std::size_t N, class Visit>
constexpr void visit_antichains(std::uint32_t chain, std::uint32_t candidates, Visit& visit) noexcept {
    constexpr auto& comparable = comparable_table<N>;
    if (chain != 0) visit(chain);
    for (std::uint32_t rest = candidates; rest != 0; rest &= rest - 1) {
        const auto m = static_cast<std::uint32_t>(std::countr_zero(rest));
        visit_antichains<N>(chain | (1u << m), rest & ~(1u << m) & ~comparable[m], visit);
    }
}

template <std::size_t N>
constexpr std::uint32_t all_source_sets() noexcept {
    return ((1u << (1u << N)) - 1u) & ~1u;  // bit 0 would be the empty set
}

template <std::size_t N>
constexpr std::size_t count_antichains() noexcept {
    std::size_t n = 0;
    auto count = [&n](std::uint32_t) { ++n; };
    visit_antichains<N>(0, all_source_sets<N>(), count);
    return n;
}

// Packs the canonical-order key of an antichain into one integer so that sorting compares
// integers only: down-set size in the high bits, then the ranks of its sets (rank + 1, four
// bits each, most significant first, zero-padded, so a prefix sorts first).
template <std::size_t N>
constexpr std::uint64_t order_key(std::uint32_t antichain, std::size_t down_size) noexcept {
    const auto e = elements<N>(antichain);
    std::uint64_t key = down_size;
    for (std::size_t i = 0; i < (1u << N) / 2; ++i) {
        std::uint64_t rank = 0;
        if (i < e.count) {
            for (std::uint32_t m = 1; m < (1u << N); ++m) rank += set_precedes(m, e.sets[i]) ? 1 : 0;
            ++rank;
        }
        key = (key << 4) | rank;
    }
    return key;
}

template <std::size_t N, std::size_t L>
constexpr std::array<std::uint32_t, L> canonical_antichains() noexcept {
    std::array<std::uint32_t, L> chains{};
    std::size_t n = 0;
    auto collect = [&](std::uint32_t c) { chains[n++] = c; };
    visit_antichains<N>(0, all_source_sets<N>(), collect);
    std::array<std::uint64_t, L> key{};
    for (std::size_t i = 0; i < L; ++i) {
        std::size_t down = 0;
        for (std::size_t j = 0; j < L; ++j) down += precedes_or_equal<N>(chains[j], chains[i]) ? 1 : 0;
        key[i] = order_key<N>(chains[i], down);
    }
    for (std::size_t i = 1; i < L; ++i)
        for (std::size_t j = i; j > 0 && key[j] < key[j - 1]; --j) {
            const auto tc = chains[j];
            chains[j] = chains[j - 1];
            chains[j - 1] = tc;
            const auto tk = key[j];
            key[j] = key[j - 1];
            key[j - 1] = tk;
        }
    return chains;
}

// A name such as "{1,2}{1,3}{2,3}", stored inline so that it lives at compile time.
struct antichain_name {
    std::array<char, 48> text{};
    std::size_t length = 0;
    constexpr std::string_view view() const noexcept { return {text.data(), length}; }
    constexpr void push(char c) noexcept { text[length++] = c; }
};

template <std::size_t N>
constexpr antichain_name name_of(std::uint32_t antichain) noexcept {
    antichain_name name;
    const auto e = elements<N>(antichain);
    for (std::size_t i = 0; i < e.count; ++i) {
        name.push('{');
        bool first = true;
        for (std::size_t s = 0; s < N; ++s) {
            if (!(e.sets[i] & (1u << s))) continue;
            if (!first) name.push(',');
            name.push(static_cast<char>('1' + s));
            first = false;
        }
        name.push('}');
    }
    return name;
}

// Parses "{1}{2,3}" (whitespace-free) into an antichain mask; 0 when malformed or not an
// antichain of N sources.
template <std::size_t N>
constexpr std::uint32_t parse_antichain(std::string_view text) noexcept {
    std::uint32_t chain = 0;
    std::size_t i = 0;
    if (text.empty()) return 0;
    while (i < text.size()) {
        if (text[i] != '{') return 0;
        ++i;
        std::uint32_t set = 0;
        bool expect_digit = true;
        while (i < text.size() && text[i] != '}') {
            const char c = text[i++];
            if (expect_digit) {
                if (c < '1' || c >= static_cast<char>('1' + N)) return 0;
                const std::uint32_t bit = 1u << (c - '1');
                if (set & bit) return 0;
                set |= bit;
            } else if (c != ',') {
                return 0;
            }
            expect_digit = !expect_digit;
        }
        if (i == text.size() || expect_digit || set == 0) return 0;  // unclosed, trailing comma or empty
        ++i;
        if (chain & (1u << set)) return 0;
        chain |= 1u << set;
    }
    return is_antichain<N>(chain) ? chain : 0;
}

template <std::size_t L>
using int_matrix = std::array<std::array<std::int32_t, L>, L>;

// Fixed-size bit set usable in constant expressions (std::bitset is not constexpr in C++20).
template <std::size_t L>
struct bits {
    static constexpr std::size_t words = (L + 63) / 64;
    std::array<std::uint64_t, words> w{};
    constexpr void set(std::size_t i) noexcept { w[i / 64] |= std::uint64_t{1} << (i % 64); }
    constexpr bool test(std::size_t i) const noexcept { return (w[i / 64] >> (i % 64)) & 1u; }
};

// Inverse of the zeta matrix of a poset listed in a linear extension, from the recursion
// mu(beta, alpha) = -sum over gamma in [beta, alpha) of mu(beta, gamma). Walking only the
// intervals (146k triples for N = 4, instead of 166^3 / 6 for a dense triangular solve)
// keeps it inside the compilers' constexpr step limits.
template <std::size_t L>
constexpr int_matrix<L> invert_zeta(const int_matrix<L>& z) noexcept {
    std::array<bits<L>, L> up{};
    for (std::size_t i = 0; i < L; ++i)
        for (std::size_t j = 0; j <= i; ++j)
            if (z[i][j] != 0) up[j].set(i);
    int_matrix<L> m{};
    for (std::size_t j = 0; j < L; ++j) {
        m[j][j] = 1;
        for (std::size_t i = j + 1; i < L; ++i) {
            if (z[i][j] == 0) continue;
            std::int32_t s = 0;
            for (std::size_t wi = j / 64; wi <= (i - 1) / 64; ++wi) {
                std::uint64_t word = up[j].w[wi];
                while (word != 0) {
                    const std::size_t k = wi * 64 + static_cast<std::size_t>(std::countr_zero(word));
                    word &= word - 1;
                    if (k >= i) break;
                    if (z[i][k] != 0) s += m[k][j];
                }
            }
            m[i][j] = -s;
        }
    }
    return m;
}

}  // namespace detail

/// Everything about the redundancy lattice of N sources, as compile-time constants.
template <std::size_t N>
struct redundancy_lattice {
    static_assert(N >= 2 && N <= max_sources,
                  "redundancy_lattice<N>: N, the number of sources, must be 2, 3 or 4 (max_sources); a PID needs "
                  "at least two sources, and five would have 7579 antichains");

    /// N, the number of sources.
    static constexpr std::size_t n_sources = N;
    /// The number of non-empty source sets, 2^N - 1; their masks 1 to 2^N - 1 index them.
    static constexpr std::size_t n_source_sets = (std::size_t{1} << N) - 1;
    /// The mask of the set of all sources {1,...,N}.
    static constexpr std::uint32_t full_set = static_cast<std::uint32_t>(n_source_sets);
    /// The number of antichains (nodes of the lattice): 4, 18 and 166 for N = 2, 3 and 4.
    static constexpr std::size_t size = detail::count_antichains<N>();

    /// The antichains in canonical order; bit m of one is set when the source set of mask m belongs to it.
    static constexpr std::array<std::uint32_t, size> antichains = detail::canonical_antichains<N, size>();
    /// Canonical index of the bottom {1}{2}...{N}, the first antichain.
    static constexpr std::size_t bottom = 0;
    /// Canonical index of the top {1,...,N}, the last antichain.
    static constexpr std::size_t top = size - 1;

    /// Whether beta <= alpha in the lattice (every set of alpha contains some set of beta); canonical indices.
    static constexpr bool leq(std::size_t beta, std::size_t alpha) noexcept {
        return detail::precedes_or_equal<N>(antichains[beta], antichains[alpha]);
    }

    /// zeta[alpha][beta] = 1 when beta <= alpha: I(alpha) = sum_beta zeta[alpha][beta] pi(beta).
    static constexpr detail::int_matrix<size> zeta = [] {
        detail::int_matrix<size> z{};
        for (std::size_t a = 0; a < size; ++a)
            for (std::size_t b = 0; b <= a; ++b) z[a][b] = leq(b, a) ? 1 : 0;
        return z;
    }();

    /// The Moebius inverse of zeta, lower triangular: pi(alpha) = sum_beta moebius[alpha][beta] I(beta).
    static constexpr detail::int_matrix<size> moebius = detail::invert_zeta(zeta);

    /// The union of all source sets of an antichain: its redundancy depends on these sources only.
    static constexpr std::array<std::uint32_t, size> support = [] {
        std::array<std::uint32_t, size> s{};
        for (std::size_t a = 0; a < size; ++a)
            for (std::uint32_t m = 1; m <= full_set; ++m)
                if (antichains[a] & (1u << m)) s[a] |= m;
        return s;
    }();

    /// P(union over the sets A of alpha of {S_A = s_A}) = sum_U coeff[alpha][U] P(S_U = s_U),
    /// by inclusion-exclusion: coeff[alpha][U] = sum over non-empty subcollections B of alpha
    /// whose union is U of (-1)^(|B|+1). Index U is the source-set mask (index 0 unused).
    static constexpr std::array<std::array<std::int32_t, n_source_sets + 1>, size> union_coefficients = [] {
        std::array<std::array<std::int32_t, n_source_sets + 1>, size> c{};
        for (std::size_t a = 0; a < size; ++a) {
            const auto e = detail::elements<N>(antichains[a]);
            for (std::uint32_t pick = 1; pick < (1u << e.count); ++pick) {
                std::uint32_t u = 0;
                for (std::size_t i = 0; i < e.count; ++i)
                    if (pick & (1u << i)) u |= e.sets[i];
                c[a][u] += (detail::popcount(pick) % 2 == 1) ? 1 : -1;
            }
        }
        return c;
    }();

    /// The names of the antichains in canonical order, such as "{1,2}{1,3}{2,3}" (sources numbered from 1).
    static constexpr std::array<detail::antichain_name, size> name_table = [] {
        std::array<detail::antichain_name, size> n{};
        for (std::size_t a = 0; a < size; ++a) n[a] = detail::name_of<N>(antichains[a]);
        return n;
    }();

    /// The name of the antichain of canonical index alpha, such as "{1}{2,3}".
    static constexpr std::string_view name(std::size_t alpha) noexcept { return name_table[alpha].view(); }

    /// Index of a name such as "{1}{2,3}" (sets and their order inside may be written in any
    /// order); size when the text names no antichain of N sources.
    static constexpr std::size_t find(std::string_view text) noexcept {
        const auto chain = detail::parse_antichain<N>(text);
        for (std::size_t a = 0; a < size; ++a)
            if (chain != 0 && antichains[a] == chain) return a;
        return size;
    }

    /// Canonical index of a name as find() reads it; throws infomorph::error when it names no antichain of N sources.
    static std::size_t index_of(std::string_view text) {
        const auto a = find(text);
        if (a == size)
            throw error(detail::quote(text) + " names no antichain of " +
                                        std::to_string(N) + " sources");
        return a;
    }
};

}  // namespace infomorph
