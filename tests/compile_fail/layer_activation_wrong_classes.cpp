// expect-error: (satisfaction of|because) [^ ]*activation_policy<
// expect-error: classes\)? == (N|3)
#include <infomorph/neuron/activation.hpp>
#include <infomorph/neuron/binning.hpp>
#include <infomorph/neuron/layer.hpp>

// The bivariate activation takes two classes of input, the layer has three.
using wrong = infomorph::layer<3, infomorph::activation::bivariate, infomorph::binning::fixed_bins<20>>;
static_assert(sizeof(wrong) > 0);
