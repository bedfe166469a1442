#pragma once
// Look-ups in tables of {name, value} pairs (network kinds, binning modes, datasets).

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

#include "infomorph/detail/quote.hpp"
#include "infomorph/error.hpp"

namespace infomorph::detail {

// Look-ups in a table of {name, value} pairs, in both directions; `what` names the kind of
// value in the error messages.
template <class Value, std::size_t N>
std::string_view name_in(const std::array<std::pair<std::string_view, Value>, N>& table, Value v, const char* what) {
    for (const auto& [n, k] : table)
        if (k == v) return n;
    throw error(std::string("unknown ") + what);
}

template <class Value, std::size_t N>
Value value_named(const std::array<std::pair<std::string_view, Value>, N>& table, std::string_view name, const char* what) {
    for (const auto& [n, k] : table)
        if (n == name) return k;
    std::string known;
    for (const auto& [n, k] : table) {
        if (!known.empty()) known += ", ";
        known += n;
    }
    throw error(std::string("no ") + what + " named " + quote(name) + " (known: " + known + ")");
}

}  // namespace infomorph::detail
