// expect-error: redundancy_lattice<N>: N, the number of sources, must be 2, 3 or 4
#include <infomorph/lattice/lattice.hpp>

constexpr std::size_t atoms = infomorph::redundancy_lattice<1>::size;
