#pragma once
// Checked numbers from the command line and from JSON configs. CLI11 converts "-1" into a
// size_t by wrapping it around and nlohmann-json converts 1e20 or 1.5 into an integer with
// undefined behaviour or truncation: every whole-number setting goes through these checks
// first, so that such values end in an error naming the flag or field.

#include <infomorph/detail/quote.hpp>
#include <infomorph/error.hpp>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

namespace cli_numbers {

/// Upper limits of whole-number settings: far beyond any sensible run, small enough that sizes derived from them cannot overflow.
inline constexpr std::uint64_t max_epochs = 1'000'000;
inline constexpr std::uint64_t max_size = std::uint64_t{1} << 32;  // neurons, batch, patterns, images, partners
inline constexpr std::uint64_t max_threads = 4096;
inline constexpr std::uint64_t max_seed = std::numeric_limits<std::uint64_t>::max();
/// Associative memory: at most 2^16 neurons (the N x N weights alone are then 32 GiB of doubles) and 2^24 patterns.
inline constexpr std::uint64_t max_memory_neurons = std::uint64_t{1} << 16;
inline constexpr std::uint64_t max_memory_patterns = std::uint64_t{1} << 24;
/// The most loads a capacity sweep visits.
inline constexpr double max_sweep_points = 100000;

/// A CLI11 check: the text is a whole number from `min` to `max` (no sign, no fraction, no exponent).
inline CLI::Validator whole_number(std::uint64_t min, std::uint64_t max) {
    return CLI::Validator(
        [min, max](std::string& text) -> std::string {
            std::uint64_t v = 0;
            const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
            if (text.empty() || ec != std::errc() || end != text.data() + text.size() || v < min || v > max)
                return "must be a whole number from " + std::to_string(min) + " to " + std::to_string(max) + ", got " +
                       infomorph::detail::quote(text);
            return {};
        },
        "UINT");
}

/// A CLI11 check: the text is a finite number.
inline CLI::Validator finite_number() {
    return CLI::Validator(
        [](std::string& text) -> std::string {
            double v = 0;
            const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
            if (text.empty() || ec != std::errc() || end != text.data() + text.size() || !std::isfinite(v))
                return "must be a finite number, got " + infomorph::detail::quote(text);
            return {};
        },
        "NUMBER");
}

/// A JSON config value that must be a whole number from `min` to `max`; the error says why (the caller adds the field).
inline std::uint64_t whole_number(const nlohmann::ordered_json& v, std::uint64_t min, std::uint64_t max) {
    const std::string range = " from " + std::to_string(min) + " to " + std::to_string(max);
    if (!v.is_number_integer()) throw infomorph::error("must be a whole number" + range + ", got " + infomorph::detail::quote(v.dump()));
    if (!v.is_number_unsigned() || v.get<std::uint64_t>() < min || v.get<std::uint64_t>() > max)
        throw infomorph::error("must lie" + range + ", got " + infomorph::detail::quote(v.dump()));
    return v.get<std::uint64_t>();
}

/// A JSON config value that must be a finite number.
inline double finite_number(const nlohmann::ordered_json& v) {
    if (!v.is_number() || !std::isfinite(v.get<double>()))
        throw infomorph::error("must be a finite number, got " + infomorph::detail::quote(v.dump()));
    return v.get<double>();
}

}  // namespace cli_numbers
