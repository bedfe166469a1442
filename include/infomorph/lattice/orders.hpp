#pragma once
/// \file
/// Other programs list the antichains in other orders. An order here is an array `order` with
/// order[i] = canonical index of that program's i-th antichain; from_order / to_order move
/// values between it and the canonical order of redundancy_lattice<N>.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "infomorph/error.hpp"
#include "infomorph/lattice/lattice.hpp"

namespace infomorph {

/// Another program's order of the antichains: order[i] is the canonical index of its i-th antichain.
template <std::size_t N>
using lattice_order = std::array<std::size_t, redundancy_lattice<N>::size>;

namespace detail {

template <std::size_t N, std::size_t L>
constexpr lattice_order<N> order_from_names(const std::array<std::string_view, L>& names) noexcept {
    static_assert(L == redundancy_lattice<N>::size, "an order must list every antichain once");
    lattice_order<N> order{};
    for (std::size_t i = 0; i < L; ++i) order[i] = redundancy_lattice<N>::find(names[i]);
    return order;
}

template <std::size_t N>
constexpr bool is_permutation(const lattice_order<N>& order) noexcept {
    std::array<bool, redundancy_lattice<N>::size> seen{};
    for (auto i : order) {
        if (i >= seen.size() || seen[i]) return false;
        seen[i] = true;
    }
    return true;
}

}  // namespace detail

/// The gamma order of the authors' code (Priesemann-Group/Infomorphic_Networks, get_achains in
/// im_net/helper_functions.py): the order in which their configs list the goal weights. It is a
/// convention of theirs, so it is spelled out; it exists for 2 and 3 sources only.
template <std::size_t N>
constexpr lattice_order<N> authors_order() noexcept {
    static_assert(N == 2 || N == 3,
                  "authors_order<N>: the authors' code orders the atoms of 2 and 3 sources only; give the goal of "
                  "other N in the canonical order (goal<N>::gamma) instead of from_authors_order");
    if constexpr (N == 2) {
        return detail::order_from_names<2>(std::array<std::string_view, 4>{"{1}", "{2}", "{1}{2}", "{1,2}"});
    } else if constexpr (N == 3) {
        return detail::order_from_names<3>(std::array<std::string_view, 18>{
            "{1}{2}{3}", "{1}{2}", "{1}{3}", "{2}{3}", "{1}{2,3}", "{2}{1,3}", "{3}{1,2}", "{1}", "{2}", "{3}",
            "{1,2}{1,3}{2,3}", "{1,2}{1,3}", "{1,2}{2,3}", "{1,3}{2,3}", "{1,2}", "{1,3}", "{2,3}", "{1,2,3}"});
    } else {
        return lattice_order<N>{};  // not reached: the static_assert above stops the build, alone
    }
}

/// The order in which Abzinger/SxPID generates its lattices (Lattice.antichain in
/// sxpid/SxPID.py): every upward-closed set of proper source subsets, in the order of
/// itertools.product([False, True], repeat=K) over the proper subsets listed by size then
/// lexicographically; each one's minimal elements form the antichain, the empty one the top.
template <std::size_t N>
constexpr lattice_order<N> sxpid_order() noexcept {
    using lattice = redundancy_lattice<N>;
    constexpr std::size_t k = (std::size_t{1} << N) - 2;  // proper non-empty subsets
    std::array<std::uint32_t, k> pset{};
    {
        std::size_t n = 0;
        for (std::size_t size = 1; size < N; ++size)
            for (std::uint32_t m = 1; m < lattice::full_set; ++m)
                if (detail::popcount(m) == size) {
                    // insert keeping lexicographic order of the index lists
                    std::size_t j = n++;
                    pset[j] = m;
                    for (; j > 0 && detail::popcount(pset[j - 1]) == size && detail::set_precedes(m, pset[j - 1]); --j) {
                        pset[j] = pset[j - 1];
                        pset[j - 1] = m;
                    }
                }
    }
    std::array<std::uint32_t, k> supersets{};  // bit positions into pset
    for (std::size_t i = 0; i < k; ++i)
        for (std::size_t j = 0; j < k; ++j)
            if (i != j && detail::is_subset(pset[i], pset[j])) supersets[i] |= 1u << j;
    lattice_order<N> order{};
    std::size_t n = 0;
    for (std::uint32_t index = 0; index < (1u << k); ++index) {
        std::uint32_t chosen = 0;  // bit j: pset[j] is in the upward-closed set
        for (std::size_t j = 0; j < k; ++j)
            if (index & (1u << (k - 1 - j))) chosen |= 1u << j;
        bool closed = true;
        for (std::size_t j = 0; j < k && closed; ++j)
            if ((chosen & (1u << j)) && (chosen & supersets[j]) != supersets[j]) closed = false;
        if (!closed) continue;
        std::uint32_t chain = 0;
        for (std::size_t j = 0; j < k; ++j)
            if (chosen & (1u << j)) {
                chain |= 1u << pset[j];
                chosen &= ~supersets[j];
            }
        if (chain == 0) chain = 1u << lattice::full_set;
        for (std::size_t a = 0; a < lattice::size; ++a)
            if (lattice::antichains[a] == chain) order[n] = a;
        ++n;
    }
    return order;
}

/// Values listed in `order` (another program's order) rearranged into the canonical order.
template <std::size_t N, class T>
constexpr std::array<T, redundancy_lattice<N>::size> from_order(const lattice_order<N>& order,
                                                                const std::array<T, redundancy_lattice<N>::size>& values) {
    std::array<T, redundancy_lattice<N>::size> out{};
    for (std::size_t i = 0; i < order.size(); ++i) out[order[i]] = values[i];
    return out;
}

/// Values in the canonical order rearranged into the list of `order` (another program's order).
template <std::size_t N, class T>
constexpr std::array<T, redundancy_lattice<N>::size> to_order(const lattice_order<N>& order,
                                                              const std::array<T, redundancy_lattice<N>::size>& values) {
    std::array<T, redundancy_lattice<N>::size> out{};
    for (std::size_t i = 0; i < order.size(); ++i) out[i] = values[order[i]];
    return out;
}

}  // namespace infomorph
