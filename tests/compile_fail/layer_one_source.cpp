// expect-error: redundancy_lattice<N>: N, the number of sources, must be 2, 3 or 4
#include <array>

#include <infomorph/neuron/binning.hpp>
#include <infomorph/neuron/layer.hpp>

// A valid one-class activation (control.cpp checks it): the layer still needs a PID of at
// least two sources for its neurons' goals.
struct one_class {
    static constexpr std::size_t classes = 1;
    template <class T>
    T evaluate(const std::array<T, 1>& x, std::array<T, 1>& d) const noexcept {
        d = x;
        return x[0];
    }
};

using wrong = infomorph::layer<1, one_class, infomorph::binning::fixed_bins<20>>;
static_assert(sizeof(wrong) > 0);
