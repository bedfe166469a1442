#pragma once
// The binary pieces of a training state (network::save_state, trainer::save_state): numbers
// as native little-endian bytes, arrays with their length first, random engines in the
// standard library's exact text form (operator<< / >> of std::mt19937_64 round-trip the
// whole engine state). Readers check every length against what the caller expects.

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <istream>
#include <ostream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "infomorph/error.hpp"

namespace infomorph::detail {

inline void write_u64(std::ostream& out, std::uint64_t v) { out.write(reinterpret_cast<const char*>(&v), sizeof v); }

inline std::uint64_t read_u64(std::istream& in) {
    std::uint64_t v = 0;
    if (!in.read(reinterpret_cast<char*>(&v), sizeof v)) throw error("training state: truncated");
    return v;
}

/// A tag naming the next piece, so that a state read out of step fails at once.
inline void write_tag(std::ostream& out, const std::string& tag) {
    write_u64(out, tag.size());
    out.write(tag.data(), static_cast<std::streamsize>(tag.size()));
}

inline void expect_tag(std::istream& in, const std::string& tag) {
    const std::uint64_t n = read_u64(in);
    std::string found(n == tag.size() ? n : 0, '\0');
    if (n != tag.size() || !in.read(found.data(), static_cast<std::streamsize>(n)) || found != tag)
        throw error("training state: expected '" + tag + "'");
}

/// A string written by write_tag, at most `limit` bytes long.
inline std::string read_string(std::istream& in, std::size_t limit, const std::string& what) {
    const std::uint64_t n = read_u64(in);
    if (n > limit) throw error("training state: " + what + " is too long");
    std::string text(n, '\0');
    if (!in.read(text.data(), static_cast<std::streamsize>(n))) throw error("training state: truncated in " + what);
    return text;
}

/// Reads a tag that must be one of `tags` (the formats a reader knows) and returns it.
inline std::string read_tag_of(std::istream& in, std::initializer_list<std::string> tags) {
    std::string known;
    for (const auto& t : tags) known += (known.empty() ? "'" : " or '") + t + "'";
    std::string found;
    try {
        found = read_string(in, 64, "a tag");
    } catch (const error&) {
        throw error("training state: expected " + known);
    }
    for (const auto& t : tags)
        if (found == t) return found;
    throw error("training state: expected " + known);
}

template <class T>
void write_array(std::ostream& out, const T* data, std::size_t n) {
    write_u64(out, n);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(n * sizeof(T)));
}

/// Reads an array of exactly `n` values into `data`.
template <class T>
void read_array(std::istream& in, T* data, std::size_t n, const std::string& what) {
    if (read_u64(in) != n) throw error("training state: " + what + " has another size");
    if (!in.read(reinterpret_cast<char*>(data), static_cast<std::streamsize>(n * sizeof(T))))
        throw error("training state: truncated in " + what);
}

/// Reads an array of at most `limit` values into `v` (sized as stored).
template <class T>
void read_vector(std::istream& in, std::vector<T>& v, std::size_t limit, const std::string& what) {
    const std::uint64_t n = read_u64(in);
    if (n > limit) throw error("training state: " + what + " is larger than its parameters");
    v.resize(n);
    if (!in.read(reinterpret_cast<char*>(v.data()), static_cast<std::streamsize>(n * sizeof(T))))
        throw error("training state: truncated in " + what);
}

inline void write_engine(std::ostream& out, const std::mt19937_64& engine) {
    std::ostringstream text;
    text << engine;
    write_tag(out, text.str());
}

inline void read_engine(std::istream& in, std::mt19937_64& engine) {
    const std::uint64_t n = read_u64(in);
    if (n > (1u << 16)) throw error("training state: a random engine's state is too long");
    std::string text(n, '\0');
    if (!in.read(text.data(), static_cast<std::streamsize>(n))) throw error("training state: truncated in a random engine");
    std::istringstream s(text);
    s >> engine;
    if (!s) throw error("training state: a random engine's state does not parse");
}

}  // namespace infomorph::detail
