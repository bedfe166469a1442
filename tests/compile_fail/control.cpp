// The control: every header the other cases include, used correctly. It must compile, so that
// the other cases fail because of what they do wrong and not because of a broken include path
// or flag.
#include <infomorph/detail/support_plan.hpp>
#include <infomorph/goal/goal.hpp>
#include <infomorph/lattice/dispatch.hpp>
#include <infomorph/lattice/lattice.hpp>
#include <infomorph/lattice/orders.hpp>
#include <infomorph/neuron/activation.hpp>
#include <infomorph/neuron/binning.hpp>
#include <infomorph/neuron/layer.hpp>

using namespace infomorph;

static_assert(redundancy_lattice<2>::size == 4 && redundancy_lattice<4>::size == 166);
static_assert(detail::support_plan<3, 0b101>::n_subsets == 3);
static_assert(goal<2>::from_authors_order({0, 0, 1, 0, 0}).to_authors_order()[2] == 1);
static_assert(sizeof(binning::fixed_bins<20>) > 0 && sizeof(binning::adaptive_bins<20>) > 0);
static_assert(sizeof(goal<3>) > 0);

struct one_class {  // a valid activation for the one-source case
    static constexpr std::size_t classes = 1;
    template <class T>
    T evaluate(const std::array<T, 1>& x, std::array<T, 1>& d) const noexcept {
        d = x;
        return x[0];
    }
};
static_assert(activation_policy<one_class, 1>);

using trivariate_layer = layer<3, activation::trivariate, binning::fixed_bins<20>>;
using bivariate_layer = layer<2, activation::bivariate, binning::adaptive_bins<20>, double>;
static_assert(sizeof(trivariate_layer) > 0 && sizeof(bivariate_layer) > 0);

int control_sources() {
    return with_sources(source_counts<2, 3>{}, 3, [](auto n) { return static_cast<int>(decltype(n)::value); });
}
