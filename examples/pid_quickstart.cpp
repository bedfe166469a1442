// The I^sx PID of the AND gate, from C++.
#include <infomorph/infomorph.hpp>

#include <cstdio>

int main() {
    using namespace infomorph;
    // Rows s1, s2, t with their probabilities.
    const auto d = sparse_distribution::from_probabilities(2, {0, 0, 0, 0, 1, 0, 1, 0, 0, 1, 1, 1},
                                                           {0.25, 0.25, 0.25, 0.25});
    const auto pid = isx<2>(d, {.pointwise = true});
    using lattice = redundancy_lattice<2>;
    for (std::size_t a = 0; a < lattice::size; ++a)
        std::printf("%-6s inf %.6f  misinf %.6f  total %.6f\n", std::string(lattice::name(a)).c_str(),
                    pid.atoms.inf[a], pid.atoms.misinf[a], pid.atoms.total[a]);
    std::printf("I(T;S1,S2) = %.6f bits, H(T) = %.6f, H_res = %.6f\n", pid.mi, pid.h_target, pid.h_res);
    // Pointwise shared information of the realization (0, 0, 0): log2(4/3).
    std::printf("pointwise {1}{2} at (0,0,0): %.6f\n", pid.pointwise_atoms.total(0, lattice::index_of("{1}{2}")));
}
