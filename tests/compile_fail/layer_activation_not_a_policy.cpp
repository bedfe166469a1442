// expect-error: (satisfaction of|because) [^ ]*activation_policy<
// expect-error: A::classes[^ ]* (is|would be) invalid
#include <infomorph/neuron/binning.hpp>
#include <infomorph/neuron/layer.hpp>

using wrong = infomorph::layer<2, double, infomorph::binning::adaptive_bins<20>>;
static_assert(sizeof(wrong) > 0);
