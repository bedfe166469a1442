#pragma once
/// \file
/// Run-time description of a network: which of the paper's variants, its sizes, goals,
/// optimisers, seed and threads. Defaults are the paper's (Schneider et al., ICLR 2025; the
/// authors' paper_trivariate/conf).

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "infomorph/error.hpp"
#include "infomorph/detail/names.hpp"
#include "infomorph/goal/dynamic_goal.hpp"
#include "infomorph/goal/goal.hpp"
#include "infomorph/neuron/optimizer.hpp"

namespace infomorph {

/// Which of the paper's networks: sources of the hidden layer and how it learns.
enum class network_kind {
    context,            // bivariate hidden layer: F = image, C = label (InfomorphicContextModel)
    lateral,            // bivariate hidden layer: F = image, L = own previous output, unsupervised
    context_lateral,    // trivariate: F = image, C = label, L = own previous output (the main model)
    output_context,     // trivariate with the output layer's sampled activity as context
    random_projection,  // frozen random Heaviside hidden layer + infomorphic readout
    readout,            // the infomorphic output layer alone on the image
    backprop            // the trivariate topology trained globally by backpropagation
};

/// The names of the kinds, as the command line and model files spell them.
inline constexpr std::array<std::pair<std::string_view, network_kind>, 7> network_kind_names{{
    {"context", network_kind::context},
    {"lateral", network_kind::lateral},
    {"context_lateral", network_kind::context_lateral},
    {"output_context", network_kind::output_context},
    {"random_projection", network_kind::random_projection},
    {"readout", network_kind::readout},
    {"backprop", network_kind::backprop},
}};


/// The name of a kind, as network_kind_names spells it.
inline std::string_view name_of(network_kind v) { return detail::name_in(network_kind_names, v, "network kind"); }
/// The kind of a name; throws infomorph::error naming the valid ones for any other.
inline network_kind network_kind_from_name(std::string_view name) { return detail::value_named(network_kind_names, name, "network kind"); }

// How a hidden layer bins its inputs for the pmf of its goal (20 bins per input class).
//   standard  the variant's binning in the authors' published configuration (conf/base_config):
//             adaptive for the bivariate hidden layers, fixed for the trivariate ones
//   adaptive  per batch and neuron, scaled by max |x| into [-1, 1]
//   fixed     the fixed range [-20, 20]. The paper's figures for the bivariate context network
//             match this binning, not the published adaptive one (docs/results.md).
namespace binning {

/// How a network's hidden layer bins its inputs (20 bins per class): standard (the kind's published binning: adaptive for the bivariate kinds, fixed for the trivariate ones), adaptive (per batch and neuron, scaled by max |x| into [-1, 1]) or fixed ([-20, 20]).
enum class mode { standard, adaptive, fixed };

/// The names of the modes, as the command line and model files spell them.
inline constexpr std::array<std::pair<std::string_view, mode>, 3> mode_names{{
    {"standard", mode::standard},
    {"adaptive", mode::adaptive},
    {"fixed", mode::fixed},
}};

/// The mode of a name; throws infomorph::error naming the valid ones for any other.
inline mode mode_from_name(std::string_view name) { return infomorph::detail::value_named(mode_names, name, "hidden binning"); }

}  // namespace binning

/// The name of a binning mode, as binning::mode_names spells it.
inline std::string_view name_of(binning::mode b) { return detail::name_in(binning::mode_names, b, "hidden binning"); }

/// The number of sources of the hidden neurons: 2 for the bivariate kinds, 3 for the trivariate ones and backprop, 0 for readout (no hidden layer).
inline std::size_t hidden_sources(network_kind v) {
    switch (v) {
        case network_kind::context:
        case network_kind::lateral:
        case network_kind::random_projection: return 2;
        case network_kind::context_lateral:
        case network_kind::output_context:
        case network_kind::backprop: return 3;
        case network_kind::readout: return 0;
    }
    return 0;
}

/// Every core of the machine (at least one).
inline std::size_t default_threads() { return std::max(1u, std::thread::hardware_concurrency()); }

/// Everything a network is built from; the defaults are the paper's. Checked by validate().
struct network_options {
    /// Which of the paper's networks.
    network_kind kind = network_kind::context_lateral;
    /// Input width (784 pixels for MNIST).
    std::size_t inputs = 784, classes = 10, hidden = 100;
    std::size_t lateral_partners = 0;  ///< 0: every other hidden neuron; k: k random partners
    /// The hidden layer's binning; validate() says which kinds allow which mode.
    binning::mode binning = binning::mode::standard;
    dynamic_goal hidden_goal{};           ///< empty: default_hidden_goal(kind)
    /// The output layer's goal (2 sources: F = hidden layer or image, C = label).
    dynamic_goal output_goal = goals::output_layer;
    /// Adam of the hidden layer (lr 0.002, coupled weight decay 3.5e-4).
    optimizer::adam hidden_optimizer{.lr = 0.002, .weight_decay = 3.5e-4};
    /// Adam of the output layer (lr 0.003, coupled weight decay 1.5e-4).
    optimizer::adam output_optimizer{.lr = 0.003, .weight_decay = 1.5e-4};
    /// Adam of the backprop baseline (lr 1e-3).
    optimizer::adam backprop_optimizer{.lr = 1e-3};
    /// Seed of the initial weights, the random lateral partners and the sampling of outputs.
    std::uint64_t seed = 1;
    std::size_t threads = default_threads();  ///< threads of the layers' work; results are the same bits for any count
};
/// \var network_options::classes
/// The number of classes, one output neuron each.
/// \var network_options::hidden
/// The number of hidden neurons (unused by readout).

/// Refuses optimiser settings that would silently wreck training (NaN, negative rates).
inline void validate_optimisers(const network_options& o) {
    const std::pair<const char*, const optimizer::adam*> all[] = {
        {"hidden", &o.hidden_optimizer}, {"output", &o.output_optimizer}, {"backprop", &o.backprop_optimizer}};
    for (const auto& [name, a] : all) {
        // name = name: clang 14 cannot capture a structured binding (C++20 allows it; clang 16 does).
        const auto fail = [name = name](const std::string& what) {
            return error("the " + std::string(name) + " optimiser's " + what);
        };
        if (!(std::isfinite(a->lr) && a->lr > 0)) throw fail("learning rate must be positive and finite, got " + std::to_string(a->lr));
        if (!(std::isfinite(a->weight_decay) && a->weight_decay >= 0))
            throw fail("weight decay must be non-negative and finite, got " + std::to_string(a->weight_decay));
        if (!(a->beta1 >= 0 && a->beta1 < 1 && a->beta2 >= 0 && a->beta2 < 1)) throw fail("betas must lie in [0, 1)");
        if (!(std::isfinite(a->eps) && a->eps > 0)) throw fail("eps must be positive and finite");
    }
}

/// The goals the paper reports each variant with (its optimised goals; random projection is
/// not trained, so its goal is zero as in the authors' config).
inline dynamic_goal default_hidden_goal(network_kind v) {
    switch (v) {
        case network_kind::context: return goals::context_opt_1_100;
        case network_kind::lateral: return goals::lateral_opt_1_100;
        case network_kind::context_lateral:
        case network_kind::output_context: return goals::context_lateral_opt_1_100_tpe;
        case network_kind::random_projection: return goal<2>{};
        case network_kind::readout:
        case network_kind::backprop: return {};
    }
    return {};
}

/// A preset by the authors' config name, for the hidden layer of a variant: "naive",
/// "opt_1_100", ... resolve against the variant's goal folder (context/, lateral/, or the
/// trivariate context_lateral/ names such as "opt_1_100_tpe").
inline dynamic_goal preset(network_kind v, std::string_view name) {
    switch (hidden_sources(v)) {
        case 2: {
            const std::string folder = v == network_kind::lateral ? "lateral/" : "context/";
            return preset<2>(name.find('/') == std::string_view::npos ? folder + std::string(name) : std::string(name));
        }
        case 3: return preset<3>(name);
        default:
            throw error("the " + std::string(name_of(v)) + " variant has no hidden layer goal");
    }
}

/// Every check of a network's options that does not depend on the network type: sizes, the
/// binning the kind allows, goals of the right number of sources, optimiser settings. The
/// networks' constructors, make_network and the model loader all call it.
inline void validate(const network_options& o) {
    const std::string kind(name_of(o.kind));
    const std::size_t sources = hidden_sources(o.kind);
    if (o.inputs == 0 || o.classes < 2 || (sources > 0 && o.hidden == 0))
        throw error("the " + kind + " network needs inputs, " + (sources > 0 ? "hidden neurons " : "") +
                    "and at least two classes");
    const bool bivariate_learner = o.kind == network_kind::context || o.kind == network_kind::lateral;
    const bool trivariate = o.kind == network_kind::context_lateral || o.kind == network_kind::output_context;
    if ((o.binning == binning::mode::fixed && !bivariate_learner && !trivariate) ||
        (o.binning == binning::mode::adaptive && !bivariate_learner))
        throw error("the " + kind + " network has no " + std::string(name_of(o.binning)) +
                    " hidden binning (adaptive: context and lateral; fixed: those and the trivariate kinds)");
    const bool has_hidden_goal = sources > 0 && o.kind != network_kind::backprop;
    if (!o.hidden_goal.empty() && !has_hidden_goal)
        throw error("the " + kind + " network has no hidden layer goal; its hidden_goal must be empty");
    if (!o.hidden_goal.empty() && o.hidden_goal.sources() != sources)
        throw error("the " + kind + " network's hidden goal needs " + std::to_string(sources) + " sources (" +
                    std::to_string(sources == 2 ? 5 : 19) + " values), got a goal of " +
                    std::to_string(o.hidden_goal.sources()) + " sources");
    if (o.kind != network_kind::backprop && o.output_goal.sources() != 2)
        throw error("the output goal needs 2 sources (5 values)");
    // A NaN or infinite gamma trains NaN weights without another sign.
    if (!o.hidden_goal.finite()) throw error("the " + kind + " network's hidden goal has a non-finite gamma");
    if (!o.output_goal.finite()) throw error("the " + kind + " network's output goal has a non-finite gamma");
    validate_optimisers(o);
}

}  // namespace infomorph
