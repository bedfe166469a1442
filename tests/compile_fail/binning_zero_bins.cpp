// expect-error: fixed_bins<Bins>: Bins must be at least 1
#include <infomorph/neuron/binning.hpp>

infomorph::binning::fixed_bins<0> none;
