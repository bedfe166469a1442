// expect-error: (satisfaction of|because) [^ ]*binning_policy<
// expect-error: B::per_neuron[^ ]* (is|would be) invalid
#include <infomorph/neuron/activation.hpp>
#include <infomorph/neuron/layer.hpp>

// A bin count is not a binning: the layer needs the policy object that bins its drives.
struct twenty_bins {
    static constexpr std::size_t bins = 20;
};

using wrong = infomorph::layer<2, infomorph::activation::bivariate, twenty_bins>;
static_assert(sizeof(wrong) > 0);
