#pragma once
// Compile-time tables of one support S (a set of sources) for the goal kernel: the subsets of
// S, and for every antichain whose support is S its union terms as positions among those
// subsets. With these as constants the kernel's operands and accumulators are indexed by
// constants, so they live in registers rather than in arrays indexed at run time.

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>

#include <xsimd/xsimd.hpp>  // union_sum and union_spread fuse with xsimd::fma

#include "infomorph/error.hpp"
#include "infomorph/lattice/lattice.hpp"
#include "infomorph/detail/lattice_tables.hpp"

namespace infomorph::detail {

// fn(std::integral_constant<std::size_t, I>{}) for I = 0 .. Count - 1, in order.
template <std::size_t Count, class Fn>
constexpr void static_for(Fn&& fn) {
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        (fn(std::integral_constant<std::size_t, I>{}), ...);
    }(std::make_index_sequence<Count>{});
}

template <std::size_t N, std::uint32_t S>
struct support_plan {
    using lattice = redundancy_lattice<N>;
    static_assert(S >= 1 && S <= lattice::full_set,
                  "support_plan<N, S>: the support S must be a non-empty set of the N sources, a mask in 1 .. 2^N - 1");

    static constexpr std::size_t n_subsets = (std::size_t{1} << std::popcount(S)) - 1;

    // Non-empty subsets of S in increasing mask order; S itself is last.
    static constexpr std::array<std::uint32_t, n_subsets> subsets = [] {
        std::array<std::uint32_t, n_subsets> out{};
        std::size_t j = 0;
        for (std::uint32_t u = 1; u <= S; ++u)
            if ((u & ~S) == 0) out[j++] = u;
        return out;
    }();

    static constexpr std::size_t position(std::uint32_t u) {
        for (std::size_t j = 0; j < n_subsets; ++j)
            if (subsets[j] == u) return j;
        return n_subsets;  // not a subset: unreachable for union terms of S's antichains
    }

    struct chain {
        std::size_t index = 0;  // the antichain, canonical order
        std::size_t count = 0;  // union terms
        std::array<std::size_t, n_subsets> at{};
        std::array<int, n_subsets> coefficient{};
    };

    static constexpr std::size_t n_chains = antichains_by_support<N>::table[S].count;

    static constexpr std::array<chain, n_chains> chains = [] {
        std::array<chain, n_chains> out{};
        for (std::size_t k = 0; k < n_chains; ++k) {
            const std::size_t a = antichains_by_support<N>::table[S].index[k];
            const auto& terms = union_terms<N>::table[a];
            out[k].index = a;
            out[k].count = terms.count;
            for (std::size_t t = 0; t < terms.count; ++t) {
                out[k].at[t] = position(terms.terms[t].set);
                out[k].coefficient[t] = terms.terms[t].coefficient;
            }
        }
        return out;
    }();
};

// Sum of coefficient x operand over the union terms of antichain K of the plan.
template <class Plan, std::size_t K, class Batch, std::size_t M>
inline Batch union_sum(const std::array<Batch, M>& x) noexcept {
    constexpr auto chain = Plan::chains[K];
    auto term = [&](auto t) {
        constexpr int c = chain.coefficient[decltype(t)::value];
        const Batch& v = x[chain.at[decltype(t)::value]];
        if constexpr (c == 1) return v;
        else if constexpr (c == -1) return -v;
        else return Batch(static_cast<typename Batch::value_type>(c)) * v;
    };
    Batch sum = term(std::integral_constant<std::size_t, 0>{});
    static_for<chain.count - 1>([&](auto t) {
        constexpr std::size_t T = decltype(t)::value + 1;
        constexpr int c = chain.coefficient[T];
        const Batch& v = x[chain.at[T]];
        if constexpr (c == 1) sum += v;
        else if constexpr (c == -1) sum -= v;
        else sum = xsimd::fma(Batch(static_cast<typename Batch::value_type>(c)), v, sum);
    });
    return sum;
}

// acc[term] += coefficient x value for every union term of antichain K of the plan.
template <class Plan, std::size_t K, class Batch, std::size_t M>
inline void union_spread(std::array<Batch, M>& acc, const Batch& value) noexcept {
    constexpr auto chain = Plan::chains[K];
    static_for<chain.count>([&](auto t) {
        constexpr std::size_t T = decltype(t)::value;
        constexpr int c = chain.coefficient[T];
        if constexpr (c == 1) acc[chain.at[T]] += value;
        else if constexpr (c == -1) acc[chain.at[T]] -= value;
        else acc[chain.at[T]] = xsimd::fma(Batch(static_cast<typename Batch::value_type>(c)), value, acc[chain.at[T]]);
    });
}

}  // namespace infomorph::detail
