// expect-error: support_plan<N, S>: the support S must be a non-empty set of the N sources
#include <infomorph/detail/support_plan.hpp>

// Mask 0b100 is source 3, and there are two sources.
constexpr std::size_t subsets = infomorph::detail::support_plan<2, 0b100>::n_subsets;
