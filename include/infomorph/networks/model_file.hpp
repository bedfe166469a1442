#pragma once
/// \file
/// Model files: a short text header (format version, variant, sizes, hidden binning, seed, goals,
/// the parameter names and shapes) followed by the parameters as little-endian float32, in
/// header order. Format 1 (no binning line; standard binning) is still read.
/// The seed is stored because it fixes the connectivity masks (random lateral partners) that
/// load_model rebuilds. Files are written to a temporary name, synced and renamed into place
/// (detail/files.hpp), so a failed or interrupted save never leaves a half-written model.

#include <bit>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "infomorph/detail/files.hpp"
#include "infomorph/error.hpp"
#include "infomorph/networks/make_network.hpp"

namespace infomorph {

namespace detail {

inline std::string join_goal(const dynamic_goal& g) {
    std::ostringstream s;
    s.precision(17);
    const auto authors = g.to_authors_order();
    for (std::size_t i = 0; i < authors.size(); ++i) s << (i ? " " : "") << authors[i];
    return s.str();
}

}  // namespace detail

/// Saves net's options and parameters to path (text header, then little-endian float32), via a temporary file renamed into place; throws infomorph::error when it cannot write.
inline void save_model(const std::filesystem::path& path, network& net) {
    const network_options& o = net.options();
    static_assert(std::endian::native == std::endian::little, "model files are little-endian");
    const auto params = net.parameters();
    std::ostringstream header;
    header << "infomorph-model 2\n"
           << "variant " << name_of(o.kind) << "\n"
           << "inputs " << o.inputs << "\nclasses " << o.classes << "\nhidden " << o.hidden << "\n"
           << "lateral_partners " << o.lateral_partners << "\nhidden_binning " << name_of(o.binning) << "\nseed "
           << o.seed << "\n"
           << "hidden_goal " << detail::join_goal(o.hidden_goal.empty() ? default_hidden_goal(o.kind) : o.hidden_goal) << "\n"
           << "output_goal " << detail::join_goal(o.output_goal) << "\n"
           << "parameters " << params.size() << "\n";
    for (const auto& p : params) {
        header << p.name << " " << p.shape.size();
        for (auto d : p.shape) header << " " << d;
        header << "\n";
    }
    header << "data\n";
    detail::write_atomically(path, [&](std::ofstream& out) {
        const std::string text = header.str();
        out.write(text.data(), static_cast<std::streamsize>(text.size()));
        for (const auto& p : params)
            out.write(reinterpret_cast<const char*>(p.data), static_cast<std::streamsize>(p.size() * sizeof(float)));
    });
}

/// The network a model file describes, built by make_network and filled with the saved
/// parameters; its options() are the ones it was saved with.
inline std::unique_ptr<network> load_model(const std::filesystem::path& path) {
    const std::string name = path.string();
    std::ifstream in(path, std::ios::binary);
    if (!in) throw error(name + ": cannot open");
    auto fail = [&](const std::string& what) { return error(name + ": " + what); };
    std::string line;
    auto next = [&](const std::string& key) {
        if (!std::getline(in, line)) throw fail("truncated header, expected '" + key + "'");
        std::istringstream s(line);
        std::string k;
        s >> k;
        if (k != key) throw fail("expected '" + key + "' in the header, found '" + line.substr(0, 40) + "'");
        std::string rest;
        std::getline(s >> std::ws, rest);
        return rest;
    };
    auto number = [&](const std::string& key) {
        const std::string v = next(key);
        std::size_t used = 0;
        unsigned long long n = 0;
        try {
            n = std::stoull(v, &used);
        } catch (const std::exception&) {
            used = 0;
        }
        if (used == 0 || used != v.size()) throw fail("'" + key + "' is not a whole number: '" + v + "'");
        return static_cast<std::size_t>(n);
    };
    auto goal_of = [&](const std::string& key) {
        std::istringstream s(next(key));
        std::vector<double> g;
        double v = 0;
        while (s >> v) g.push_back(v);
        if (!s.eof()) throw fail("'" + key + "' holds something that is not a number");
        try {
            return dynamic_goal::from_authors_order(g);
        } catch (const error& e) {
            throw fail("'" + key + "': " + e.what());
        }
    };
    const std::string format = next("infomorph-model");
    if (format != "1" && format != "2") throw fail("not an infomorph model file of format 1 or 2 (found format '" + format + "')");
    network_options o;
    std::unique_ptr<network> net;
    try {
        o.kind = network_kind_from_name(next("variant"));
    } catch (const error& e) {
        throw fail(e.what());
    }
    o.inputs = number("inputs");
    o.classes = number("classes");
    o.hidden = number("hidden");
    o.lateral_partners = number("lateral_partners");
    if (format != "1") {
        try {
            o.binning = binning::mode_from_name(next("hidden_binning"));
        } catch (const error& e) {
            throw fail(e.what());
        }
    }
    o.seed = number("seed");
    o.hidden_goal = goal_of("hidden_goal");
    o.output_goal = goal_of("output_goal");
    if (o.kind == network_kind::readout || o.kind == network_kind::backprop) o.hidden_goal = {};
    try {
        net = make_network(o);
    } catch (const error& e) {
        throw fail(std::string("inconsistent header: ") + e.what());
    }
    auto params = net->parameters();
    if (number("parameters") != params.size()) throw fail("parameter count does not match the " + std::string(name_of(o.kind)) + " network");
    for (const auto& p : params) {
        std::istringstream s(next(p.name));
        std::size_t rank = 0, d = 0;
        s >> rank;
        std::vector<std::size_t> shape;
        while (s >> d) shape.push_back(d);
        if (rank != p.shape.size() || shape != p.shape) throw fail("parameter " + p.name + " has the wrong shape");
    }
    next("data");
    for (const auto& p : params) {
        in.read(reinterpret_cast<char*>(p.data), static_cast<std::streamsize>(p.size() * sizeof(float)));
        if (in.gcount() != static_cast<std::streamsize>(p.size() * sizeof(float)))
            throw fail("truncated while reading parameter " + p.name);
    }
    if (in.peek() != std::char_traits<char>::eof()) throw fail("trailing bytes after the parameters");
    return net;
}

}  // namespace infomorph
