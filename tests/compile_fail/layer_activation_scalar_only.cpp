// expect-error: (satisfaction of|because) [^ ]*activation_policy<
// expect-error: evaluate\(xs, ds\)[^ ]* (is|would be) invalid
#include <array>

#include <infomorph/neuron/binning.hpp>
#include <infomorph/neuron/layer.hpp>

// Evaluates scalars only: the layer's hot loop evaluates SIMD batches.
struct scalar_only {
    static constexpr std::size_t classes = 2;
    float evaluate(const std::array<float, 2>& x, std::array<float, 2>& d) const noexcept {
        d = {1.0f, 0.0f};
        return x[0];
    }
};

using wrong = infomorph::layer<2, scalar_only, infomorph::binning::adaptive_bins<20>>;
static_assert(sizeof(wrong) > 0);
