#pragma once
/// \file
/// Every network kind of the paper by type, and make_network() by name.
/// Every network kind of the paper, by type or by name:
///   bivariate_network (context, lateral), bivariate_fixed_network, trivariate_network
///   (context_lateral, output_context),
///   random_projection_network, readout_network, backprop_network,
/// and make_network(options) for the kind named in options.kind (the `infomorph train`
/// command builds its networks this way). See docs/network.md.

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
/// The bivariate kinds' hidden layer: Graetz neurons, adaptive binning into 20 bins (the published configuration).
using bivariate_hidden_layer = layer<2, activation::bivariate, binning::adaptive_bins<20>, float>;
/// The bivariate hidden layer on the fixed range [-20, 20] (binning::mode::fixed).
using bivariate_fixed_hidden_layer = layer<2, activation::bivariate, binning::fixed_bins<20>, float>;
/// The random projection's hidden layer: Heaviside units with the bivariate drive, never trained.
using heaviside_hidden_layer = layer<2, activation::heaviside<activation::bivariate>, binning::adaptive_bins<20>, float>;
/// The trivariate kinds' hidden layer: Schneider neurons, 20 bins per class on [-20, 20].
using trivariate_hidden_layer = layer<3, activation::trivariate, binning::fixed_bins<20>, float>;

/// The network of kinds context and lateral (adaptive binning).
using bivariate_network = infomorphic_network<bivariate_hidden_layer>;              // kinds context, lateral
/// The network of kinds context and lateral with fixed binning.
using bivariate_fixed_network = infomorphic_network<bivariate_fixed_hidden_layer>;  // the same on [-20, 20]
/// The network of kind random_projection.
using random_projection_network = infomorphic_network<heaviside_hidden_layer>;
/// The network of kinds context_lateral and output_context.
using trivariate_network = infomorphic_network<trivariate_hidden_layer>;            // context_lateral, output_context

/// A new network of the kind named in o.kind, its weights initialised from o.seed; throws infomorph::error when o is invalid.
inline std::unique_ptr<network> make_network(const network_options& o) {
    validate(o);
    switch (o.kind) {
        case network_kind::context:
        case network_kind::lateral:
            if (o.binning == binning::mode::fixed) return std::make_unique<bivariate_fixed_network>(o);
            return std::make_unique<bivariate_network>(o);
        case network_kind::random_projection: return std::make_unique<random_projection_network>(o);
        case network_kind::context_lateral:
        case network_kind::output_context: return std::make_unique<trivariate_network>(o);
        case network_kind::readout: return std::make_unique<readout_network>(o);
        case network_kind::backprop: return std::make_unique<backprop_network>(o);
    }
    throw error("unknown network kind");
}

}  // namespace infomorph
