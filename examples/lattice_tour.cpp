// The redundancy lattice is a compile-time object: sizes, names, order and Moebius function.
#include <infomorph/lattice/lattice.hpp>
#include <infomorph/lattice/orders.hpp>

#include <cstdio>
#include <string>

int main() {
    using namespace infomorph;
    using lattice = redundancy_lattice<3>;
    static_assert(lattice::size == 18);
    static_assert(lattice::name(lattice::bottom) == "{1}{2}{3}");
    // The unique information of source 1 is the atom {1}; its redundancy I({1}) sums the atoms
    // below it: {1}, {1}{2,3}, {1}{2}, {1}{3} and {1}{2}{3}.
    const auto u1 = lattice::index_of("{1}");
    std::printf("atoms below %s:", std::string(lattice::name(u1)).c_str());
    for (std::size_t b = 0; b < lattice::size; ++b)
        if (lattice::leq(b, u1)) std::printf(" %s", std::string(lattice::name(b)).c_str());
    std::printf("\n");
    // A gamma vector pasted from the authors' configs (their order) into ours.
    const std::array<double, 4> output_goal{-0.2, 0.1, 1.0, 0.1};  // {1}, {2}, {1}{2}, {12}
    const auto ours = from_order<2>(authors_order<2>(), output_goal);
    for (std::size_t a = 0; a < 4; ++a)
        std::printf("gamma %s = %.1f\n", std::string(redundancy_lattice<2>::name(a)).c_str(), ours[a]);
}
