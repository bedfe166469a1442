// expect-error: (satisfaction of|satisfy) [^ ]*floating_point
#include <infomorph/neuron/activation.hpp>
#include <infomorph/neuron/binning.hpp>
#include <infomorph/neuron/layer.hpp>

using wrong = infomorph::layer<2, infomorph::activation::bivariate, infomorph::binning::adaptive_bins<20>, int>;
static_assert(sizeof(wrong) > 0);
