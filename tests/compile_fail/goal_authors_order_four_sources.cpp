// expect-error: authors_order<N>: the authors
// expect-error: orders the atoms of 2 and 3 sources only
#include <infomorph/goal/goal.hpp>

// The authors' code has no atom order for four sources: a 4-source goal is given canonically.
const auto four = infomorph::goal<4>::from_authors_order({});
