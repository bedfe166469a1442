#pragma once
// Every network variant of the paper, by type or by name:
//   context_network, lateral_network, context_lateral_network (also output_context),
//   random_projection_network, readout_network, backprop_network,
// and make_network(options) for the variant named in options.kind (the `infomorph train`
// command builds its networks this way). See docs/network.md.

#include <memory>

#include "infomorph/error.hpp"
#include "infomorph/neuron/activation.hpp"
#include "infomorph/networks/backprop_network.hpp"
#include "infomorph/neuron/binning.hpp"
#include "infomorph/networks/infomorphic_network.hpp"
#include "infomorph/neuron/layer.hpp"
#include "infomorph/networks/network.hpp"
#include "infomorph/networks/options.hpp"

namespace infomorph {

// The paper's hidden layers: bivariate Graetz neurons with adaptive binning, trivariate
// Schneider neurons on the fixed range [-20, 20]; 20 bins per class. The bivariate neurons
// also come with the fixed range (network_options::binning = binning::mode::fixed).
using bivariate_hidden_layer = layer<2, activation::bivariate, binning::adaptive_bins<20>, float>;
using bivariate_fixed_hidden_layer = layer<2, activation::bivariate, binning::fixed_bins<20>, float>;
using heaviside_hidden_layer = layer<2, activation::heaviside<activation::bivariate>, binning::adaptive_bins<20>, float>;
using trivariate_hidden_layer = layer<3, activation::trivariate, binning::fixed_bins<20>, float>;

using context_network = infomorphic_network<bivariate_hidden_layer>;            // kinds context, lateral
using lateral_network = infomorphic_network<bivariate_hidden_layer>;
using fixed_bins_context_network = infomorphic_network<bivariate_fixed_hidden_layer>;  // context, lateral on [-20, 20]
using random_projection_network = infomorphic_network<heaviside_hidden_layer>;
using context_lateral_network = infomorphic_network<trivariate_hidden_layer>;   // kinds context_lateral, output_context

inline std::unique_ptr<network> make_network(const network_options& o) {
    const bool bivariate_learner = o.kind == network_kind::context || o.kind == network_kind::lateral;
    const bool trivariate = o.kind == network_kind::context_lateral || o.kind == network_kind::output_context;
    if ((o.binning == binning::mode::fixed && !bivariate_learner && !trivariate) ||
        (o.binning == binning::mode::adaptive && !bivariate_learner))
        throw error("the " + std::string(name_of(o.kind)) + " variant has no " +
                                    std::string(name_of(o.binning)) +
                                    " hidden binning (adaptive: context and lateral; fixed: those and the trivariate variants)");
    switch (o.kind) {
        case network_kind::context:
        case network_kind::lateral:
            if (o.binning == binning::mode::fixed) return std::make_unique<fixed_bins_context_network>(o);
            return std::make_unique<context_network>(o);
        case network_kind::random_projection: return std::make_unique<random_projection_network>(o);
        case network_kind::context_lateral:
        case network_kind::output_context: return std::make_unique<context_lateral_network>(o);
        case network_kind::readout: return std::make_unique<readout_network>(o);
        case network_kind::backprop: return std::make_unique<backprop_network>(o);
    }
    throw error("unknown network variant");
}

}  // namespace infomorph
