#pragma once
// Run-time description of a network: which of the paper's variants, its sizes, goals,
// optimisers, seed and threads. Defaults are the paper's (Schneider et al., ICLR 2025; the
// authors' paper_trivariate/conf).

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "../goal.hpp"
#include "optimizer.hpp"

namespace infomorph {

enum class variant {
    context,            // bivariate hidden layer: F = image, C = label (InfomorphicContextModel)
    lateral,            // bivariate hidden layer: F = image, L = own previous output, unsupervised
    context_lateral,    // trivariate: F = image, C = label, L = own previous output (the main model)
    output_context,     // trivariate with the output layer's sampled activity as context
    random_projection,  // frozen random Heaviside hidden layer + infomorphic readout
    readout,            // the infomorphic output layer alone on the image
    backprop            // the trivariate topology trained globally by backpropagation
};

inline constexpr std::array<std::pair<std::string_view, variant>, 7> variant_names{{
    {"context", variant::context},
    {"lateral", variant::lateral},
    {"context_lateral", variant::context_lateral},
    {"output_context", variant::output_context},
    {"random_projection", variant::random_projection},
    {"readout", variant::readout},
    {"backprop", variant::backprop},
}};

namespace detail {

// Look-ups in a table of {name, value} pairs, in both directions; `what` names the kind of
// value in the error messages.
template <class Value, std::size_t N>
std::string_view name_in(const std::array<std::pair<std::string_view, Value>, N>& table, Value v, const char* what) {
    for (const auto& [n, k] : table)
        if (k == v) return n;
    throw std::invalid_argument(std::string("infomorph: unknown ") + what);
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
    throw std::invalid_argument(std::string("infomorph: no ") + what + " named '" + std::string(name) + "' (known: " + known + ")");
}

}  // namespace detail

inline std::string_view name_of(variant v) { return detail::name_in(variant_names, v, "network variant"); }
inline variant variant_from_name(std::string_view name) { return detail::value_named(variant_names, name, "network variant"); }

// How a hidden layer bins its inputs for the pmf of its goal (20 bins per input class).
//   standard  the variant's binning in the authors' published configuration (conf/base_config):
//             adaptive for the bivariate hidden layers, fixed for the trivariate ones
//   adaptive  per batch and neuron, scaled by max |x| into [-1, 1]
//   fixed     the fixed range [-20, 20]. The paper's figures for the bivariate context network
//             match this binning, not the published adaptive one (docs/results.md).
enum class hidden_binning { standard, adaptive, fixed };

inline constexpr std::array<std::pair<std::string_view, hidden_binning>, 3> hidden_binning_names{{
    {"standard", hidden_binning::standard},
    {"adaptive", hidden_binning::adaptive},
    {"fixed", hidden_binning::fixed},
}};

inline std::string_view name_of(hidden_binning b) { return detail::name_in(hidden_binning_names, b, "hidden binning"); }
inline hidden_binning hidden_binning_from_name(std::string_view name) {
    return detail::value_named(hidden_binning_names, name, "hidden binning");
}

// Hidden neurons per source class: 2 for the bivariate variants, 3 for the trivariate ones.
inline std::size_t hidden_sources(variant v) {
    switch (v) {
        case variant::context:
        case variant::lateral:
        case variant::random_projection: return 2;
        case variant::context_lateral:
        case variant::output_context:
        case variant::backprop: return 3;
        case variant::readout: return 0;
    }
    return 0;
}

// A goal whose number of sources is known only at run time: the gamma vector as the authors'
// configs write it (their atom order, H_res last). Empty means "the variant's default".
struct goal_spec {
    std::vector<double> authors;

    goal_spec() = default;
    goal_spec(std::initializer_list<double> g) : authors(g) {}
    explicit goal_spec(std::vector<double> g) : authors(std::move(g)) {}
    template <std::size_t N>
    goal_spec(const goal<N>& g) {  // NOLINT: implicit on purpose, goals:: presets read naturally
        const auto a = g.to_authors_order();
        authors.assign(a.begin(), a.end());
    }

    bool empty() const noexcept { return authors.empty(); }

    template <std::size_t N>
    goal<N> get() const {
        constexpr std::size_t size = goal<N>::size + 1;
        if (authors.size() != size)
            throw std::invalid_argument("infomorph: a goal for " + std::to_string(N) + " sources has " +
                                        std::to_string(size) + " values (the atoms in the authors' order, then H_res); got " +
                                        std::to_string(authors.size()));
        std::array<double, size> a{};
        std::copy(authors.begin(), authors.end(), a.begin());
        return goal<N>::from_authors_order(a);
    }
};

struct network_options {
    variant kind = variant::context_lateral;
    std::size_t inputs = 784, classes = 10, hidden = 100;
    std::size_t lateral_partners = 0;  // 0: every other hidden neuron; k: k random partners
    hidden_binning binning = hidden_binning::standard;
    goal_spec hidden_goal{};           // empty: default_hidden_goal(kind)
    goal_spec output_goal = goals::output_layer;
    optimizer::adam hidden_optimizer{.lr = 0.002, .weight_decay = 3.5e-4};
    optimizer::adam output_optimizer{.lr = 0.003, .weight_decay = 1.5e-4};
    optimizer::adam backprop_optimizer{.lr = 1e-3};
    std::uint64_t seed = 1;
    std::size_t threads = 1;
};

// Refuses optimiser settings that would silently wreck training (NaN, negative rates).
inline void check_optimisers(const network_options& o) {
    const std::pair<const char*, const optimizer::adam*> all[] = {
        {"hidden", &o.hidden_optimizer}, {"output", &o.output_optimizer}, {"backprop", &o.backprop_optimizer}};
    for (const auto& [name, a] : all) {
        // name = name: clang 14 cannot capture a structured binding (C++20 allows it; clang 16 does).
        const auto fail = [name = name](const std::string& what) {
            return std::invalid_argument("infomorph: the " + std::string(name) + " optimiser's " + what);
        };
        if (!(std::isfinite(a->lr) && a->lr > 0)) throw fail("learning rate must be positive and finite, got " + std::to_string(a->lr));
        if (!(std::isfinite(a->weight_decay) && a->weight_decay >= 0))
            throw fail("weight decay must be non-negative and finite, got " + std::to_string(a->weight_decay));
        if (!(a->beta1 >= 0 && a->beta1 < 1 && a->beta2 >= 0 && a->beta2 < 1)) throw fail("betas must lie in [0, 1)");
        if (!(std::isfinite(a->eps) && a->eps > 0)) throw fail("eps must be positive and finite");
    }
}

// The goals the paper reports each variant with (its optimised goals; random projection is
// not trained, so its goal is zero as in the authors' config).
inline goal_spec default_hidden_goal(variant v) {
    switch (v) {
        case variant::context: return goals::context_opt_1_100;
        case variant::lateral: return goals::lateral_opt_1_100;
        case variant::context_lateral:
        case variant::output_context: return goals::context_lateral_opt_1_100_tpe;
        case variant::random_projection: return goal<2>{};
        case variant::readout:
        case variant::backprop: return {};
    }
    return {};
}

// A preset by the authors' config name, for the hidden layer of a variant: "naive",
// "opt_1_100", ... resolve against the variant's goal folder (context/, lateral/, or the
// trivariate context_lateral/ names such as "opt_1_100_tpe").
inline goal_spec hidden_preset(variant v, std::string_view name) {
    switch (hidden_sources(v)) {
        case 2: {
            const std::string folder = v == variant::lateral ? "lateral/" : "context/";
            return preset<2>(name.find('/') == std::string_view::npos ? folder + std::string(name) : std::string(name));
        }
        case 3: return preset<3>(name);
        default:
            throw std::invalid_argument("infomorph: the " + std::string(name_of(v)) + " variant has no hidden layer goal");
    }
}

}  // namespace infomorph
