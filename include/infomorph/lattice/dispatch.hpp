#pragma once
/// \file
/// Turns a number of sources known only at run time (a file, a flag) into a compile-time N:
/// with_sources(source_counts<2, 3>{}, n, fn) calls fn(std::integral_constant<std::size_t, n>{}).
/// Only the listed counts are instantiated, so N = 4 costs nothing unless a caller lists it.

#include <cstddef>
#include <string>
#include <type_traits>
#include <utility>

#include "infomorph/error.hpp"

namespace infomorph {

/// A list of supported numbers of sources.
template <std::size_t... Ns>
struct source_counts {
    static_assert(sizeof...(Ns) > 0,
                  "source_counts<Ns...> is empty: list the numbers of sources to instantiate, e.g. source_counts<2, 3>");
    /// The counts as text, such as "2, 3", for error messages.
    static std::string names() {
        std::string s;
        ((s += (s.empty() ? "" : ", ") + std::to_string(Ns)), ...);
        return s;
    }
};

namespace detail {

template <class Counts, std::size_t First, std::size_t... Rest, class Fn>
decltype(auto) dispatch_sources(std::size_t n, Fn&& fn, const char* what) {
    if (n == First) return std::forward<Fn>(fn)(std::integral_constant<std::size_t, First>{});
    if constexpr (sizeof...(Rest) > 0) {
        return dispatch_sources<Counts, Rest...>(n, std::forward<Fn>(fn), what);
    } else {
        throw error(std::string(what) + " needs " + Counts::names() + " sources, got " + std::to_string(n));
    }
}

}  // namespace detail

/// fn(std::integral_constant<std::size_t, N>{}) for the N of Ns that equals n; an error naming
/// `what` and the supported counts otherwise. Every branch must return the same type.
template <std::size_t... Ns, class Fn>
decltype(auto) with_sources(source_counts<Ns...>, std::size_t n, Fn&& fn, const char* what = "this") {
    return detail::dispatch_sources<source_counts<Ns...>, Ns...>(n, std::forward<Fn>(fn), what);
}

}  // namespace infomorph
