// expect-error: redundancy_lattice<N>: N, the number of sources, must be 2, 3 or 4
#include <infomorph/goal/goal.hpp>

infomorph::goal<1> single;
