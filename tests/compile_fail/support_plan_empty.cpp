// expect-error: support_plan<N, S>: the support S must be a non-empty set of the N sources
#include <infomorph/detail/support_plan.hpp>

constexpr std::size_t subsets = infomorph::detail::support_plan<3, 0>::n_subsets;
