#pragma once
// Every network variant of the paper, by type or by name:
//   context_network, lateral_network, context_lateral_network (also output_context),
//   random_projection_network, readout_network, backprop_network,
// and make_network(options) for the variant named in options.kind (the `infomorph train`
// command builds its networks this way). See docs/network.md.

#include <memory>

#include "activation.hpp"
#include "backprop_network.hpp"
#include "estimator.hpp"
#include "infomorphic_network.hpp"
#include "layer.hpp"
#include "network_base.hpp"
#include "network_options.hpp"

namespace infomorph {

// The paper's hidden layers: bivariate Graetz neurons with adaptive binning, trivariate
// Schneider neurons on the fixed range [-20, 20]; 20 bins per class. The bivariate neurons
// also come with the fixed range (network_options::binning = hidden_binning::fixed).
using bivariate_hidden_layer = layer<2, activation::bivariate, estimator::adaptive_bins<20>, float>;
using bivariate_fixed_hidden_layer = layer<2, activation::bivariate, estimator::fixed_bins<20>, float>;
using heaviside_hidden_layer = layer<2, activation::heaviside<activation::bivariate>, estimator::adaptive_bins<20>, float>;
using trivariate_hidden_layer = layer<3, activation::trivariate, estimator::fixed_bins<20>, float>;

using context_network = infomorphic_network<bivariate_hidden_layer>;            // kinds context, lateral
using lateral_network = infomorphic_network<bivariate_hidden_layer>;
using fixed_bins_context_network = infomorphic_network<bivariate_fixed_hidden_layer>;  // context, lateral on [-20, 20]
using random_projection_network = infomorphic_network<heaviside_hidden_layer>;
using context_lateral_network = infomorphic_network<trivariate_hidden_layer>;   // kinds context_lateral, output_context

inline std::unique_ptr<network> make_network(const network_options& o) {
    const bool bivariate_learner = o.kind == variant::context || o.kind == variant::lateral;
    const bool trivariate = o.kind == variant::context_lateral || o.kind == variant::output_context;
    if ((o.binning == hidden_binning::fixed && !bivariate_learner && !trivariate) ||
        (o.binning == hidden_binning::adaptive && !bivariate_learner))
        throw std::invalid_argument("infomorph: the " + std::string(name_of(o.kind)) + " variant has no " +
                                    std::string(name_of(o.binning)) +
                                    " hidden binning (adaptive: context and lateral; fixed: those and the trivariate variants)");
    switch (o.kind) {
        case variant::context:
        case variant::lateral:
            if (o.binning == hidden_binning::fixed) return std::make_unique<fixed_bins_context_network>(o);
            return std::make_unique<context_network>(o);
        case variant::random_projection: return std::make_unique<random_projection_network>(o);
        case variant::context_lateral:
        case variant::output_context: return std::make_unique<context_lateral_network>(o);
        case variant::readout: return std::make_unique<readout_network>(o);
        case variant::backprop: return std::make_unique<backprop_network>(o);
    }
    throw std::invalid_argument("infomorph: unknown network variant");
}

}  // namespace infomorph
