#pragma once
// Goal files: a gamma vector as JSON, in the authors' order with the atom names spelled out, and
// where it came from (a search, a hand edit). The format (docs/search.md):
//   {"format": "infomorph-goal", "version": 1, "sources": 3, "order": "authors",
//    "kind": "context_lateral",
//    "atoms": ["{1}{2}{3}", ..., "{1,2,3}", "H_res"], "gamma": [19 numbers],
//    "source": {free provenance: study, trial, value, command, ...}}
// Needs nlohmann-json, so the umbrella infomorph.hpp does not include it (like training_log.hpp).

#include <cmath>
#include <cstddef>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "infomorph/error.hpp"
#include "infomorph/goal/dynamic_goal.hpp"
#include "infomorph/lattice/lattice.hpp"
#include "infomorph/lattice/orders.hpp"

namespace infomorph {

/// The name of the residual-entropy weight, last in a goal file's "atoms".
inline constexpr std::string_view goal_file_h_res_name = "H_res";

/// The atom names of a goal of `sources` sources (2 or 3) in the authors' order, then "H_res".
inline std::vector<std::string> goal_file_atom_names(std::size_t sources) {
    return with_sources(dynamic_goal::counts{}, sources, [](auto c) {
        constexpr std::size_t n = decltype(c)::value;
        std::vector<std::string> names;
        for (const auto a : authors_order<n>()) names.emplace_back(redundancy_lattice<n>::name(a));
        names.emplace_back(goal_file_h_res_name);
        return names;
    });
}

/// Writes `g` as a goal file; `kind` names the network kind it is meant for, `source` says where it came from.
inline void write_goal_file(const std::filesystem::path& path, const dynamic_goal& g, const std::string& kind,
                            const nlohmann::ordered_json& source = nlohmann::ordered_json::object()) {
    if (g.empty()) throw error(path.string() + ": cannot write an empty goal");
    const nlohmann::ordered_json j = {{"format", "infomorph-goal"},
                                      {"version", 1},
                                      {"sources", g.sources()},
                                      {"order", "authors"},
                                      {"kind", kind},
                                      {"atoms", goal_file_atom_names(g.sources())},
                                      {"gamma", g.to_authors_order()},
                                      {"source", source}};
    // Written whole, then renamed: a reader never sees half a file.
    const auto partial = std::filesystem::path(path.string() + ".partial");
    {
        std::ofstream out(partial, std::ios::trunc);
        if (!out) throw error(path.string() + ": cannot create");
        out << j.dump(2) << "\n";
        out.flush();
        if (!out) throw error(path.string() + ": write failed (disk full?)");
    }
    std::filesystem::rename(partial, path);
}

namespace detail {

inline const nlohmann::json& goal_file_field(const nlohmann::json& j, const std::string& file, const char* field) {
    if (!j.contains(field)) throw error(file + ": field '" + field + "' is missing");
    return j.at(field);
}

}  // namespace detail

/// Reads and validates a goal file written by write_goal_file (or by infomorph-search best).
inline dynamic_goal read_goal_file(const std::filesystem::path& path) {
    const std::string file = path.string();
    std::ifstream in(path);
    if (!in) throw error(file + ": cannot open");
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception& e) {  // a syntax error, or a number too large for a double
        throw error(file + ": not valid JSON (" + std::string(e.what()) + ")");
    }
    if (!j.is_object()) throw error(file + ": expected a JSON object (an infomorph goal file)");
    const auto& format = detail::goal_file_field(j, file, "format");
    if (format != "infomorph-goal") throw error(file + ": field 'format' is " + format.dump() + ", expected \"infomorph-goal\"");
    const auto& version = detail::goal_file_field(j, file, "version");
    if (version != 1) throw error(file + ": field 'version' is " + version.dump() + ", this program reads version 1");
    const auto& order = detail::goal_file_field(j, file, "order");
    if (order != "authors") throw error(file + ": field 'order' is " + order.dump() + ", expected \"authors\"");
    const auto& sources_field = detail::goal_file_field(j, file, "sources");
    if (sources_field != 2 && sources_field != 3)
        throw error(file + ": field 'sources' is " + sources_field.dump() + ", expected 2 or 3");
    const auto sources = sources_field.get<std::size_t>();
    if (j.contains("kind") && !j["kind"].is_string()) throw error(file + ": field 'kind' must be a string");

    const auto expected = goal_file_atom_names(sources);
    const auto& atoms = detail::goal_file_field(j, file, "atoms");
    if (!atoms.is_array() || atoms.size() != expected.size())
        throw error(file + ": field 'atoms' must list " + std::to_string(expected.size()) + " names for " +
                    std::to_string(sources) + " sources");
    for (std::size_t i = 0; i < expected.size(); ++i)
        if (atoms[i] != expected[i])
            throw error(file + ": field 'atoms'[" + std::to_string(i) + "] is " + atoms[i].dump() + ", expected \"" +
                        expected[i] + "\" (the authors' order)");

    const auto& gamma = detail::goal_file_field(j, file, "gamma");
    if (!gamma.is_array() || gamma.size() != expected.size())
        throw error(file + ": field 'gamma' must hold " + std::to_string(expected.size()) + " numbers");
    std::vector<double> values;
    for (std::size_t i = 0; i < gamma.size(); ++i) {
        // JSON has neither NaN nor infinity, and the parser refuses overflowing literals; the
        // finiteness test guards against a parser that would not.
        if (!gamma[i].is_number() || !std::isfinite(gamma[i].get<double>()))
            throw error(file + ": field 'gamma'[" + std::to_string(i) + "] (" + expected[i] + ") must be a finite number");
        values.push_back(gamma[i].get<double>());
    }
    if (j.contains("source") && !j["source"].is_object()) throw error(file + ": field 'source' must be an object");
    return dynamic_goal::from_authors_order(values);
}

}  // namespace infomorph
